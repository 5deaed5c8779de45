package stable

import "math"

// dd is an unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2: a double-double
// carrying about 106 bits (Dekker 1971; Hida, Li and Bailey, QD library).
// Every rounding below is wrapped in float64(...) so that the compiler
// cannot fuse it into an FMA and break the error-free transformations.
type dd struct{ hi, lo float64 }

// twoSum returns s + e = a + b exactly, s = fl(a+b) (Knuth).
func twoSum(a, b float64) dd {
	s := float64(a + b)
	bb := float64(s - a)
	e := float64(float64(a-float64(s-bb)) + float64(b-bb))
	return dd{s, e}
}

// quickTwoSum is twoSum for |a| ≥ |b|.
func quickTwoSum(a, b float64) dd {
	s := float64(a + b)
	return dd{s, float64(b - float64(s-a))}
}

// twoProd returns p + e = a·b exactly, p = fl(a·b), by one FMA.
func twoProd(a, b float64) dd {
	p := float64(a * b)
	if math.IsInf(p, 0) {
		return dd{p, 0}
	}
	return dd{p, math.FMA(a, b, -p)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo = float64(s.lo + t.hi)
	s = quickTwoSum(s.hi, s.lo)
	s.lo = float64(s.lo + t.lo)
	return quickTwoSum(s.hi, s.lo)
}

func ddAddF(a dd, b float64) dd {
	s := twoSum(a.hi, b)
	s.lo = float64(s.lo + a.lo)
	return quickTwoSum(s.hi, s.lo)
}

func ddMul(a, b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo = float64(p.lo + float64(float64(a.hi*b.lo)+float64(a.lo*b.hi)))
	return quickTwoSum(p.hi, p.lo)
}

func ddMulF(a dd, b float64) dd {
	p := twoProd(a.hi, b)
	p.lo = float64(p.lo + float64(a.lo*b))
	return quickTwoSum(p.hi, p.lo)
}

// ddDiv returns a/b: a first quotient q1 = a.hi/b.hi, then two corrections
// from the exact remainder.
func ddDiv(a, b dd) dd {
	q1 := float64(a.hi / b.hi)
	r := ddAdd(a, ddMulF(b, -q1))
	q2 := float64(r.hi / b.hi)
	r = ddAdd(r, ddMulF(b, -q2))
	q3 := float64(r.hi / b.hi)
	return ddAddF(quickTwoSum(q1, q2), q3)
}

// xf is v·2^e: a double-double with its own binary exponent, so that
// products of huge weights and tiny modulators neither overflow nor
// underflow before the final rounding. The zero value is 0; v.hi is kept
// in [0.5, 1) in magnitude (or 0).
type xf struct {
	v dd
	e int
}

func xfFromF(a float64) xf {
	return xfNorm(xf{v: dd{a, 0}})
}

func xfFromDD(a dd) xf { return xfNorm(xf{v: a}) }

// xfNorm scales v.hi into [0.5, 1) by a power of two (exact).
func xfNorm(a xf) xf {
	if a.v.hi == 0 {
		return xf{}
	}
	f, k := math.Frexp(a.v.hi)
	return xf{v: dd{f, math.Ldexp(a.v.lo, -k)}, e: a.e + k}
}

func xfMul(a, b xf) xf {
	if a.v.hi == 0 || b.v.hi == 0 {
		return xf{}
	}
	return xfNorm(xf{v: ddMul(a.v, b.v), e: a.e + b.e})
}

func xfMulF(a xf, b float64) xf { return xfMul(a, xfFromF(b)) }

func xfDivDD(a xf, b dd) xf {
	if a.v.hi == 0 {
		return xf{}
	}
	bn := xfFromDD(b)
	return xfNorm(xf{v: ddDiv(a.v, bn.v), e: a.e - bn.e})
}

// xfAdd aligns the smaller operand to the larger's exponent.
func xfAdd(a, b xf) xf {
	if a.v.hi == 0 {
		return b
	}
	if b.v.hi == 0 {
		return a
	}
	if a.e < b.e {
		a, b = b, a
	}
	d := b.e - a.e
	if d < -200 { // b is below 2^-200 of a: beyond double-double precision
		return a
	}
	s := ddAdd(a.v, dd{math.Ldexp(b.v.hi, d), math.Ldexp(b.v.lo, d)})
	return xfNorm(xf{v: s, e: a.e})
}

func xfNeg(a xf) xf { return xf{v: dd{-a.v.hi, -a.v.lo}, e: a.e} }

// toDD returns a as a plain double-double (which may underflow or
// overflow).
func (a xf) toDD() dd {
	return dd{math.Ldexp(a.v.hi, a.e), math.Ldexp(a.v.lo, a.e)}
}

// float64 rounds a once to float64: hi + lo is the nearest float64 of the
// double-double, and Ldexp is exact unless the result is subnormal (then it
// rounds once more). A value beyond the float64 range saturates at
// ±MaxFloat64, 1 ulp from the correctly rounded ±Inf, so that every output
// is finite.
func (a xf) float64() float64 {
	v := math.Ldexp(float64(a.v.hi+a.v.lo), a.e)
	if math.IsInf(v, 0) {
		return math.Copysign(math.MaxFloat64, v)
	}
	return v
}

// float32 rounds a once to float32. The double-double is first rounded to
// a 53-bit float64 with round-to-odd (hi, moved one ulp toward lo when hi is
// even and lo ≠ 0), which is then rounded to nearest float32: with 29 more
// bits than float32, round-to-odd followed by round-to-nearest is the
// correctly rounded result (Boldo and Melquiond, "Emulation of FMA and
// correctly rounded sums: proved algorithms using rounding to odd", 2008).
func (a xf) float32() float32 {
	hi := a.v.hi
	if a.v.lo != 0 && math.Float64bits(hi)&1 == 0 {
		hi = math.Nextafter(hi, math.Copysign(math.Inf(1), a.v.lo))
	}
	// Ldexp is exact here for every result in or near the float32 range. A
	// value beyond it saturates at ±MaxFloat32, as float64 does.
	v := float32(math.Ldexp(hi, a.e))
	if math.IsInf(float64(v), 0) {
		return float32(math.Copysign(math.MaxFloat32, float64(v)))
	}
	return v
}
