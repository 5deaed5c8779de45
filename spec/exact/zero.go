package exact

import (
	"math"
	"math/big"

	"github.com/focalcheck/focalcheck/spec"
)

// maxZeroGamma bounds the whole γ for which ZeroDeriv forms 2^{−γ} as a
// rational: beyond it the derivative, at most 2^{−γ}·2^{1026} times factors
// below 2^{2100}, rounds to ±0 in float64 and float32 whatever it is.
const maxZeroGamma = 4096

// ZeroDeriv returns f′(0) as an exact rational when it is one, and false
// otherwise. At x = 0, s = t = 1/2, sp(±0) = log 2 and every modulator is
// 2^{−γ} (q = 1/2, g = log 2, u = 1 − e^{−log 2} = 1/2), so
//
//	linear, geometric, expce: f′(0) = α_t·2^{−γ}·[K·log 2 + CE′]
//	split:                    f′(0) = 2^{−γ}·(b − a)·(γ·log 2 + 1)/2
//
// with CE′ = ((1−y_s) − pw·y_s)/2, K = γ·k·(1/2 − y_m)·(pw·y_s + 1 − y_s)
// (the bracket γ·ratio·CE with CE = (pw·y_s + 1 − y_s)·log 2; k = 1 for
// linear and expce, where s·t/q = 1/2 and (s−y_m)/expm1(log 2) = 1/2−y_m,
// and −1 for geometric, −(y_m − t)), a = α₊·pw·y_s and b = α₋·(1−y_s).
// As log 2 is irrational and 2^{−γ} is rational only for whole γ, f′(0) is
// rational exactly when it is 0 (α_t = 0, or K = 0 and CE′ = 0; split:
// b = a), or γ is whole and K = 0 (split: γ = 0). These are the only
// element outputs that can be exactly a rounding midpoint or exactly 0
// after a cancellation (every other one is transcendental), so the caller
// rounds them from the exact value. Params must hold exact values (α₋ =
// 1 − α₊ included).
func ZeroDeriv(p Params) (*big.Rat, bool) {
	g := p.Gamma
	whole := g == math.Trunc(g) && g <= maxZeroGamma
	r := func(f *big.Float) *big.Rat { q, _ := f.Rat(nil); return q }
	ym, ys, ap, an, pw := r(p.YM), r(p.YS), r(p.APos), r(p.ANeg), r(p.PW)
	one := big.NewRat(1, 1)
	half := big.NewRat(1, 2)
	oys := new(big.Rat).Sub(one, ys)
	pwys := new(big.Rat).Mul(pw, ys)
	mod := func() *big.Rat {
		return new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), uint(g)))
	}
	if p.Soft == spec.Split {
		d := new(big.Rat).Sub(new(big.Rat).Mul(an, oys), new(big.Rat).Mul(ap, pwys))
		switch {
		case d.Sign() == 0:
			return d, true
		case g == 0:
			return d.Mul(d, half), true
		}
		return nil, false
	}
	oym := new(big.Rat).Sub(one, ym)
	at := new(big.Rat).Add(new(big.Rat).Mul(ap, ym), new(big.Rat).Mul(an, oym))
	dce := new(big.Rat).Sub(oys, pwys)
	dce.Mul(dce, half)
	// K = 0 iff γ = 0, y_m = 1/2 or CE = 0 (pw·y_s + 1 − y_s = 0).
	kZero := g == 0 || ym.Cmp(half) == 0 || (pwys.Sign() == 0 && oys.Sign() == 0)
	switch {
	case at.Sign() == 0 || (kZero && dce.Sign() == 0):
		return new(big.Rat), true
	case kZero && whole:
		return at.Mul(at, mod()).Mul(at, dce), true
	}
	return nil, false
}

// maxRatCount bounds Σ n_c of the CB weights that CBWeightsRat forms
// exactly (β^n has 53·n bits).
const maxRatCount = 1024

// CBWeightsRat returns the CB weights of cb as exact rationals,
// w_c = (1−β)/(1−β^{n_c}) normalised as cb.Normalize says, or nil when
// that would be costly: β ≠ 0 and the counts other than 1 sum above
// maxRatCount. It serves ZeroDeriv's exact gradients.
func CBWeightsRat(cb *spec.CB) []*big.Rat {
	w := make([]*big.Rat, len(cb.Counts))
	beta := new(big.Rat).SetFloat64(cb.Beta)
	one := big.NewRat(1, 1)
	omb := new(big.Rat).Sub(one, beta)
	total := 0.0
	for i, n := range cb.Counts {
		if cb.Beta == 0 || n == 1 {
			w[i] = big.NewRat(1, 1)
			continue
		}
		if total += n; total > maxRatCount {
			return nil
		}
		e := big.NewInt(int64(n))
		bn := new(big.Rat).SetFrac(new(big.Int).Exp(beta.Num(), e, nil), new(big.Int).Exp(beta.Denom(), e, nil))
		w[i] = new(big.Rat).Quo(omb, bn.Sub(one, bn))
	}
	if cb.Normalize == spec.CBSum {
		sum := new(big.Rat)
		for _, v := range w {
			sum.Add(sum, v)
		}
		c := new(big.Rat).SetInt64(int64(len(w)))
		for i := range w {
			w[i] = new(big.Rat).Quo(new(big.Rat).Mul(w[i], c), sum)
		}
	}
	return w
}
