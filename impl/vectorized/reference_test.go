package vectorized

import (
	"math"
	"math/big"

	"github.com/ALTree/bigfloat"
	"github.com/focalcheck/focalcheck/spec"
)

// refPrec is the working precision of the reference, in bits.
const refPrec = 200

// refElem returns the loss f and derivative df/dx of one element with a
// binary target y and no label smoothing, in refPrec-bit arithmetic
// (math/big with github.com/ALTree/bigfloat's Exp and Log): with
// z = x for y = 1 and -x for y = 0, u = σ(-z) and L = sp(-z) = log1p(e^-z),
//
//	f = α_t·pw_t·u^γ·L,  df/dz = -α_t·pw_t·u^γ·(u + γ·σ(z)·L)
//
// (SPEC.md §2 and §3, binary case). Beyond |z| = 800 the terms of relative
// size e^-800 are dropped: for z > 800 f and f' are below e^-800 and
// returned as 0 (they round to 0 in float64); for z < -800, u = 1, L = -z.
func refElem(x, y, gamma, at, pwt float64) (f, df *big.Float) {
	nf := func(v float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(v) }
	z := x
	sign := 1.0
	if y == 0 {
		z, sign = -x, -1
	}
	one := nf(1)
	k := nf(at * pwt)
	if z > 800 {
		return nf(0), nf(0)
	}
	var u, v, L, logu *big.Float
	if z < -800 {
		u, v, L, logu = nf(1), nf(0), nf(-z), nf(0)
	} else {
		// Only e^-|z| ≤ 1 is formed: E = e^-|z|, l = log1p(E).
		E := bigfloat.Exp(nf(-math.Abs(z)))
		var l *big.Float
		if E.Cmp(nf(0x1p-80)) < 0 {
			// log1p(E) = E - E²/2 + …, the rest below 2^-160 relative.
			h := new(big.Float).SetPrec(refPrec).Mul(E, E)
			h.Quo(h, nf(2))
			l = new(big.Float).SetPrec(refPrec).Sub(E, h)
		} else {
			l = bigfloat.Log(new(big.Float).SetPrec(refPrec).Add(one, E))
		}
		den := new(big.Float).SetPrec(refPrec).Add(one, E)
		small := new(big.Float).SetPrec(refPrec).Quo(E, den)
		large := new(big.Float).SetPrec(refPrec).Quo(one, den)
		if z >= 0 {
			u, v, L = small, large, l
			logu = new(big.Float).SetPrec(refPrec).Add(nf(z), l)
			logu.Neg(logu)
		} else {
			u, v = large, small
			L = new(big.Float).SetPrec(refPrec).Add(nf(-z), l)
			logu = new(big.Float).SetPrec(refPrec).Neg(l)
		}
	}
	mod := nf(1)
	if gamma != 0 {
		mod = bigfloat.Exp(new(big.Float).SetPrec(refPrec).Mul(nf(gamma), logu))
	}
	f = new(big.Float).SetPrec(refPrec).Mul(k, mod)
	f.Mul(f, L)
	br := new(big.Float).SetPrec(refPrec).Mul(nf(gamma), v)
	br.Mul(br, L)
	br.Add(br, u)
	df = new(big.Float).SetPrec(refPrec).Mul(k, mod)
	df.Mul(df, br)
	df.Mul(df, nf(-sign))
	return f, df
}

// refResult is the exact result of a binary, unsmoothed batch under a
// config with α, weight, pos_weight, CB weights given as float64 values
// (already rounded for the float32 path), as big values.
type refResult struct {
	loss       *big.Float
	losses, gr []*big.Float
}

func reference(cfg *spec.Config, C int, x, y []float64, cb []*big.Float) refResult {
	n := len(x)
	res := refResult{losses: make([]*big.Float, n), gr: make([]*big.Float, n)}
	sum := new(big.Float).SetPrec(refPrec)
	var d float64 = 1
	if cfg.Reduction == spec.Mean {
		switch cfg.Normalizer {
		case spec.Elements:
			d = float64(n)
		case spec.Rows:
			d = float64(n / C)
		default:
			d = 0
			for _, v := range y {
				d += v
			}
			if cfg.Normalizer == spec.PositivesGuarded {
				d = max(d, 1)
			}
		}
	}
	for i := range x {
		c := i % C
		ap, an := 1.0, 1.0
		if cfg.Alpha != nil {
			a := cfg.Alpha[0]
			if len(cfg.Alpha) > 1 {
				a = cfg.Alpha[c]
			}
			ap, an = a, 1-a
		}
		at, pwt := an, 1.0
		if y[i] == 1 {
			at = ap
			if cfg.PosWeight != nil {
				pwt = cfg.PosWeight[c]
			}
		}
		W := new(big.Float).SetPrec(refPrec).SetFloat64(1)
		if cfg.Weight != nil {
			W.SetFloat64(cfg.Weight[c])
		}
		if cb != nil {
			k := c
			if cfg.CB.Apply == spec.CBLabel {
				for j := range C {
					if y[i-c+j] == 1 {
						k = j
					}
				}
			}
			W.Mul(W, cb[k])
		}
		f, df := refElem(x[i], y[i], cfg.Gamma, at, pwt)
		f.Mul(f, W)
		df.Mul(df, W)
		if cfg.Reduction == spec.Mean {
			df.Quo(df, new(big.Float).SetFloat64(d))
		}
		res.losses[i], res.gr[i] = f, df
		sum.Add(sum, f)
	}
	if cfg.Reduction == spec.Mean {
		sum.Quo(sum, new(big.Float).SetFloat64(d))
	}
	res.loss = sum
	return res
}

// f64 and f32 round a big value once to float64 or float32, with overflow
// to ±Inf.
func f64(v *big.Float) float64 { r, _ := v.Float64(); return r }
func f32(v *big.Float) float32 { r, _ := v.Float32(); return r }

// refCB returns the exact CB weights (1-β)/(1-β^n) of cb, normalised as
// cb.Normalize says, in refPrec-bit arithmetic (bigfloat.Pow); with round32
// each is rounded to float32, as SPEC.md §6 prescribes for Evaluate32.
func refCB(cb *spec.CB, round32 bool) []*big.Float {
	nf := func(v float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(v) }
	w := make([]*big.Float, len(cb.Counts))
	sum := nf(0)
	for i, n := range cb.Counts {
		if cb.Beta == 0 {
			w[i] = nf(1)
		} else {
			den := new(big.Float).SetPrec(refPrec).Sub(nf(1), bigfloat.Pow(nf(cb.Beta), nf(n)))
			w[i] = new(big.Float).SetPrec(refPrec).Quo(nf(1-cb.Beta), den)
		}
		sum.Add(sum, w[i])
	}
	for i := range w {
		if cb.Normalize == spec.CBSum {
			w[i].Mul(w[i], nf(float64(len(w))))
			w[i].Quo(w[i], sum)
		}
		if round32 {
			w[i] = nf(float64(f32(w[i])))
		}
	}
	return w
}
