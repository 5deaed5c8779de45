package exact

import (
	"math"
	"math/big"

	"github.com/ALTree/bigfloat"
	"github.com/focalcheck/focalcheck/spec"
)

// targetPrec holds the smoothed target y′ = y(1−ε) + ε/2 and 1 − y′
// exactly for every float64 y and ε: their bits lie between 2^0 and
// 2^{-2149} (y·ε has its lowest bit at or above 2^{-1074}·2^{-1074}·2^{-1}).
// A y′ rounded to the working precision would be wrong in 1 − y′ when ε is
// tiny (ε = 2^{-1074}, y = 1: 1 − y′ = 2^{-1075}, while 1 − round(y′) = 0),
// and 1 − y′ multiplies sp(x), which can be 2^{1024}.
const targetPrec = 2304

// Params are the per-element parameters of the element loss f (SPEC.md §2):
// the targets y_m (α_t and modulator) and y_s (cross-entropy), α₊, α₋,
// pos_weight, γ and the soft semantics. Y_M and Y_S must be exact (at most
// targetPrec bits); the others carry the working precision.
type Params struct {
	YM, YS         *big.Float
	APos, ANeg, PW *big.Float
	Gamma          float64
	Soft           spec.Soft
}

// Element returns the element loss f(x) and its derivative f′(x) (SPEC.md
// §2-§3, closed forms, no finite difference) to about prec bits relative.
//
// With e = e^{−|x|}: s = σ(x), t = σ(−x) are 1/(1+e) and e/(1+e);
// sp(±x) = max(±x,0) + log1p(e). Every modulator is exp(γ·log m) with
// log m formed in logit space (−sp(±x), −g, log q, log u), so it is right
// even when m itself is far below big.Float's range. Special cases are:
// |x| > 2^20 takes e = 0, and expce with 0 < y_m < 1 and CE₀ > 2^20 takes
// log u = 0 (dropped terms below e^{−2^20}, bounded in the package doc,
// Asymptotic regions); γ = 0 gives the weighted cross-entropy; 0^0 = 1.
//
// dfScale bounds the error of df: |df − f′| ≤ 2^{-prec+guardBits}·dfScale
// (plus the dropped terms of the asymptotic regions). It is the sum of the
// magnitudes of the terms that f′ subtracts, so it exceeds |f′| where they
// cancel (near a zero of f′). The error of f is below
// 2^{-prec+guardBits}·|f| (f is a product and sum of positive terms).
func Element(x float64, p Params, prec uint) (f, df, dfScale *big.Float) {
	wp := prec
	nw := func() *big.Float { return newF(wp) }
	one := fl(wp, 1)
	ax := math.Abs(x)
	var e *big.Float
	if ax > cutoff {
		e = nw()
	} else {
		e = Exp(fl(wp, -ax), wp)
	}
	den := nw().Add(one, e)
	hi := nw().Quo(one, den)
	lo := nw().Quo(e, den)
	l1p := Log1p(e, wp)
	s, t := hi, lo
	if x < 0 {
		s, t = lo, hi
	}
	spp := nw().Set(l1p) // sp(x)
	spm := nw().Set(l1p) // sp(−x)
	if x > 0 {
		spp.Add(spp, fl(wp, x))
	} else {
		spm.Add(spm, fl(wp, -x))
	}
	g := p.Gamma
	gb := fl(wp, g)
	ym, ys := p.YM, p.YS
	// 1 − y_m, 1 − y_s and 1 − 2y_m are formed exactly (targetPrec), then
	// used at wp: no cancellation against a rounded y.
	oym := newF(targetPrec).Sub(one, ym)
	oys := newF(targetPrec).Sub(one, ys)
	// CE = pw·y_s·sp(−x) + (1−y_s)·sp(x); CE′ = (1−y_s)·s − pw·y_s·t.
	pwys := nw().Mul(p.PW, ys)
	ce := nw().Add(nw().Mul(pwys, spm), nw().Mul(oys, spp))
	dce := nw().Sub(nw().Mul(oys, s), nw().Mul(pwys, t))
	at := nw().Add(nw().Mul(p.APos, ym), nw().Mul(p.ANeg, oym))

	if p.Soft == spec.Split {
		// f = α₊·pw·y_s·t^γ·sp(−x) + α₋·(1−y_s)·s^γ·sp(x), with
		// t^γ = exp(−γ·sp(x)) and s^γ = exp(−γ·sp(−x)).
		tg := PowLog(nw().Neg(spp), g, wp)
		sg := PowLog(nw().Neg(spm), g, wp)
		a := nw().Mul(nw().Mul(p.APos, pwys), tg)
		b := nw().Mul(nw().Mul(p.ANeg, oys), sg)
		f = nw().Add(nw().Mul(a, spm), nw().Mul(b, spp))
		ba := nw().Add(nw().Mul(gb, nw().Mul(s, spm)), t)
		bb := nw().Add(nw().Mul(gb, nw().Mul(t, spp)), s)
		pb, pa := nw().Mul(b, bb), nw().Mul(a, ba)
		df = nw().Sub(pb, pa)
		return f, df, nw().Add(pb.Abs(pb), pa.Abs(pa))
	}

	var mod, bracket, bscale *big.Float // bscale: the magnitude of the bracket's terms
	switch p.Soft {
	case spec.Linear:
		// q = y_m·t + (1−y_m)·s; f′ = α_t·q^γ·[γ(1−2y_m)(st/q)·CE + CE′].
		var ratio, lq *big.Float
		switch {
		case ym.Cmp(one) == 0:
			ratio, lq = s, nw().Neg(spp)
		case ym.Sign() == 0:
			ratio, lq = t, nw().Neg(spm)
		default:
			// log q from 1 − q = y_m·s + (1−y_m)·t when q > 1/2, so that
			// it is accurate relative to itself (γ·log q must be, for a
			// large γ).
			q := nw().Add(nw().Mul(ym, t), nw().Mul(oym, s))
			v := nw().Add(nw().Mul(ym, s), nw().Mul(oym, t))
			ratio = nw().Quo(nw().Mul(s, t), q)
			if v.Cmp(fl(64, 0.5)) < 0 {
				lq = Log1p(new(big.Float).Neg(v), wp)
			} else {
				lq = Log(q, wp)
			}
		}
		mod = PowLog(lq, g, wp)
		c := newF(targetPrec).Sub(one, newF(targetPrec).Mul(fl(wp, 2), ym))
		bracket = nw().Mul(nw().Mul(gb, c), nw().Mul(ratio, ce))
		bscale = nw().Abs(bracket) // c is exact, ratio a quotient of positive terms
	case spec.Geometric:
		// g = y_m·sp(x) + (1−y_m)·sp(−x); f′ = α_t·e^{−γg}·[−γ(y_m−t)·CE + CE′].
		gg := nw().Add(nw().Mul(ym, spp), nw().Mul(oym, spm))
		mod = PowLog(nw().Neg(gg), g, wp)
		bracket = nw().Neg(nw().Mul(gb, nw().Mul(nw().Sub(ym, t), ce)))
		bscale = nw().Mul(gb, nw().Mul(nw().Add(ym, t), ce))
	default: // spec.ExpCE
		// u = −expm1(−CE₀); f′ = α_t·u^γ·[γ(s−y_m)/expm1(CE₀)·CE + CE′].
		// For y_m ∈ {0, 1}, u is σ(±x) itself: CE₀ = sp(x) gives
		// u = 1 − 1/(1+e^x) = s and log u = −sp(−x); CE₀ = sp(−x) gives u = t
		// and log u = −sp(x). These are taken in log space, so that u^γ is
		// right when u is far below the range of big.Float or is beyond the
		// cutoff (x < −2^20 with y_m = 0: u = e^{x}, u^γ = e^{γx} need not be
		// small for small γ).
		ce0 := nw().Add(nw().Mul(ym, spm), nw().Mul(oym, spp))
		var lu, ratio, rscale *big.Float
		switch {
		case ym.Sign() == 0:
			lu, ratio = nw().Neg(spm), t
		case ym.Cmp(one) == 0:
			lu, ratio = nw().Neg(spp), nw().Neg(s)
		case ce0.Cmp(fl(64, cutoff)) > 0:
			// δ = e^{−CE₀} < e^{−2^20}: log u = log1p(−δ) and the ratio,
			// below 2δ, are taken as 0 (package doc, cases R and A).
			lu, ratio = nw(), nw()
		default:
			u := nw().Neg(Expm1(nw().Neg(ce0), wp))
			lu = logU(ce0, u, wp)
			em := Expm1(ce0, wp)
			ratio = nw().Quo(nw().Sub(s, ym), em)
			rscale = nw().Quo(nw().Add(s, ym), em)
		}
		if rscale == nil {
			rscale = nw().Abs(ratio)
		}
		mod = PowLog(lu, g, wp)
		bracket = nw().Mul(gb, nw().Mul(ratio, ce))
		bscale = nw().Mul(gb, nw().Mul(rscale, ce))
	}
	if g == 0 {
		bracket, bscale = nw(), nw()
	}
	am := nw().Mul(at, mod)
	f = nw().Mul(am, ce)
	df = nw().Mul(am, nw().Add(bracket, dce))
	// CE′ = (1−y_s)·s − pw·y_s·t: its terms' magnitudes.
	dceScale := nw().Add(nw().Mul(oys, s), nw().Mul(pwys, t))
	dfScale = nw().Mul(am, nw().Add(bscale, dceScale))
	return f, df, dfScale
}

// Log returns log q for 0 < q ≤ 1 at prec bits (bigfloat.Log with 64
// guard bits).
func Log(q *big.Float, prec uint) *big.Float {
	return bigfloat.Log(newF(prec + 64).Set(q)).SetPrec(prec)
}

// logU returns log u for u = 1 − e^{−c}, 0 < c ≤ 2^20, accurate relative
// to itself even when u is within 2^{-prec} of 1 (where log u ≈ −e^{−c} and
// u itself rounds to 1): for c < log 2 (δ = e^{−c} > 1/2), u < 1/2
// carries prec bits and Log(u) is used; otherwise log u = Log1p(−δ) with δ
// formed at 1.5·prec+64 bits.
func logU(c, u *big.Float, prec uint) *big.Float {
	if c.Cmp(fl(64, math.Ln2)) < 0 {
		return Log(u, prec)
	}
	hp := prec + prec/2 + 64
	d := Exp(newF(hp).Neg(c), hp)
	return Log1p(d.Neg(d), prec)
}
