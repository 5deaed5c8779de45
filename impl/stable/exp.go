package stable

import "math"

// ln2DD is ln 2 as a double-double (hi = fl(ln 2), lo = fl(ln 2 − hi)).
var ln2DD = dd{0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56}

// expm1Small returns e^r − 1 in double-double for |r| ≤ 0.75.
//
// The argument is scaled by 2^-8, the Taylor series of e^{r'} − 1 is
// summed to degree 10 (truncation below 2^-100 relative; degrees 4 to 10
// in float64), and
// e^{2a} − 1 = (e^a − 1)·(e^a − 1 + 2) is applied eight times, which keeps
// the relative precision for tiny r (no 1 is added and subtracted).
func expm1Small(r dd) dd {
	r = dd{math.Ldexp(r.hi, -8), math.Ldexp(r.lo, -8)}
	// Terms of degree ≥ 4 in float64: q4 = Σ_{k≥4} r'^{k−4}/k!; its
	// rounding error, multiplied by r'^4 ≤ 2^-34, stays below 2^-105 of p.
	h := r.hi
	q4 := 1.0 / 3628800
	for _, c := range [...]float64{1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24} {
		q4 = float64(float64(q4*h) + c)
	}
	// p = r'·(1 + r'·(1/2 + r'·(1/6 + r'·q4))) in double-double.
	p := ddAddF(ddMulF(r, q4), 1.0/6)
	p = ddAddF(ddMul(p, r), 0.5)
	p = ddAddF(ddMul(p, r), 1)
	p = ddMul(p, r)
	for range 8 {
		p = ddMul(p, ddAddF(p, 2))
	}
	return p
}

// expXF returns e^a as an xf. Arguments below −2e5 give 0, and above 2e5
// a value that rounds to +Inf: no float64 or float32 result, whatever
// weights multiply it, lies beyond those.
//
// Reduction: a = k·ln 2 + r with k = round(a/ln 2), |r| ≤ 0.35, computed
// in double-double (k·hi(ln 2) is exact by twoProd); e^a = 2^k·(1 + expm1(r)).
func expXF(a dd) xf {
	switch {
	case a.hi < -2e5:
		return xf{}
	case a.hi > 2e5:
		return xf{v: dd{0.5, 0}, e: 1 << 20}
	case a.hi == 0 && a.lo == 0:
		return xf{v: dd{0.5, 0}, e: 1}
	}
	k := math.RoundToEven(a.hi / ln2DD.hi)
	r := ddAdd(a, ddMulF(ln2DD, -k))
	m := ddAddF(expm1Small(r), 1)
	return xfNorm(xf{v: m, e: int(k)})
}

// log1pDD returns log(1+e) in double-double for 0 ≤ e ≤ 1.
//
// For e < 2^-60, log1p(e) = e − e²/2 (the next term, e³/3, is below 2^-120
// relative). Otherwise one Newton step for y = log1p(e) on
// e^y − 1 − e = 0 from y0 = math.Log1p(e.hi):
// y1 = y0 + (e − expm1(y0))/(1 + e), with quadratic convergence from the
// ≤ 1 ulp start.
func log1pDD(e dd) dd {
	if e.hi == 0 {
		return dd{}
	}
	if e.hi < 0x1p-60 {
		return ddAdd(e, ddMulF(ddMul(e, e), -0.5))
	}
	y0 := math.Log1p(e.hi)
	res := ddAdd(e, neg(expm1Small(dd{y0, 0})))
	return ddAddF(dd{y0, 0}, float64(res.hi/float64(1+e.hi)))
}

func neg(a dd) dd { return dd{-a.hi, -a.lo} }
