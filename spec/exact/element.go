package exact

import (
	"math"
	"math/big"

	"github.com/ALTree/bigfloat"
	"github.com/focalcheck/focalcheck/spec"
)

// Params are the per-element parameters of the element loss f (SPEC.md §2):
// the targets y_m (α_t and modulator) and y_s (cross-entropy), α₊, α₋,
// pos_weight, γ and the soft semantics.
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
// sp(±x) = max(±x,0) + log1p(e). Special cases are: |x| > 2^20 takes e = 0
// (neglected term below 2^{-1.5e6}, see expCutoff); γ = 0 gives the
// weighted cross-entropy; 0^0 = 1.
func Element(x float64, p Params, prec uint) (f, df *big.Float) {
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
	oym := nw().Sub(one, ym)
	oys := nw().Sub(one, ys)
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
		df = nw().Sub(nw().Mul(b, bb), nw().Mul(a, ba))
		return f, df
	}

	var mod, bracket *big.Float
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
			q := nw().Add(nw().Mul(ym, t), nw().Mul(oym, s))
			ratio = nw().Quo(nw().Mul(s, t), q)
			lq = Log(q, wp)
		}
		mod = PowLog(lq, g, wp)
		c := nw().Sub(one, nw().Mul(fl(wp, 2), ym))
		bracket = nw().Mul(nw().Mul(gb, c), nw().Mul(ratio, ce))
	case spec.Geometric:
		// g = y_m·sp(x) + (1−y_m)·sp(−x); f′ = α_t·e^{−γg}·[−γ(y_m−t)·CE + CE′].
		gg := nw().Add(nw().Mul(ym, spp), nw().Mul(oym, spm))
		mod = PowLog(nw().Neg(gg), g, wp)
		bracket = nw().Neg(nw().Mul(gb, nw().Mul(nw().Sub(ym, t), ce)))
	default: // spec.ExpCE
		// u = −expm1(−CE₀); f′ = α_t·u^γ·[γ(s−y_m)/expm1(CE₀)·CE + CE′].
		ce0 := nw().Add(nw().Mul(ym, spm), nw().Mul(oym, spp))
		var u, ratio *big.Float
		if ce0.Cmp(fl(64, cutoff)) > 0 {
			// e^{−CE₀} < 2^{-1.5e6}: u = 1 and the ratio is 0 (expCutoff).
			u, ratio = fl(wp, 1), nw()
		} else {
			u = nw().Neg(Expm1(nw().Neg(ce0), wp))
			switch {
			case ym.Cmp(one) == 0:
				ratio = nw().Neg(s)
			case ym.Sign() == 0:
				ratio = t
			default:
				ratio = nw().Quo(nw().Sub(s, ym), Expm1(ce0, wp))
			}
		}
		mod = PowLog(logU(ce0, u, wp), g, wp)
		if u.Sign() == 0 {
			mod = Pow(u, g, wp) // 0^γ: 1 for γ = 0, else 0
		}
		bracket = nw().Mul(gb, nw().Mul(ratio, ce))
	}
	if g == 0 {
		bracket = nw()
	}
	am := nw().Mul(at, mod)
	f = nw().Mul(am, ce)
	df = nw().Mul(am, nw().Add(bracket, dce))
	return f, df
}

// Log returns log q for 0 < q ≤ 1 at prec bits (bigfloat.Log with 64
// guard bits).
func Log(q *big.Float, prec uint) *big.Float {
	return bigfloat.Log(newF(prec + 64).Set(q)).SetPrec(prec)
}

// logU returns log u for u = 1 − e^{−c} > 0, accurate relative to itself
// even when u is within 2^{-prec} of 1 (where log u ≈ −e^{−c} and u itself
// rounds to 1): with δ = e^{−c} ≤ 1/2, log u = log1p(−δ) is
// −δ − δ²/2 − δ³/3 (omitted term below 2^{-1.5prec} relative) for
// δ < 2^{-prec/2}, and otherwise bigfloat.Log of 1−δ formed at
// 1.5·prec+64 bits; for δ > 1/2, u ≥ 2^{-prec}-accurate and Log(u) is used.
// Returns 0 for u = 0 (the caller uses 0^γ instead).
func logU(c, u *big.Float, prec uint) *big.Float {
	if u.Sign() == 0 {
		return newF(prec)
	}
	if c.Cmp(fl(64, cutoff)) > 0 {
		return newF(prec) // δ < 2^{-1.5e6}: log u = −δ is negligible (expCutoff)
	}
	if c.Cmp(fl(64, math.Ln2)) < 0 {
		return Log(u, prec)
	}
	hp := prec + prec/2 + 64
	d := Exp(newF(hp).Neg(c), hp)
	if d.MantExp(nil) < -int(prec/2) {
		d2 := newF(prec).Mul(d, d)
		d3 := newF(prec).Mul(d2, d)
		r := newF(prec).Neg(d)
		r.Sub(r, d2.Quo(d2, fl(prec, 2)))
		r.Sub(r, d3.Quo(d3, fl(prec, 3)))
		return r
	}
	return bigfloat.Log(newF(hp).Sub(fl(hp, 1), d)).SetPrec(prec)
}
