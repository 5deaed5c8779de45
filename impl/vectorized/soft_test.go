package vectorized

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ALTree/bigfloat"
	"github.com/focalcheck/focalcheck/spec"
)

// refSoftElem returns f and df/dx of one element for any target, ε, scope
// and soft semantics (SPEC.md §2, §3), α₊ = ap, α₋ = an, in refPrec-bit
// arithmetic (math/big, bigfloat.Exp/Log). Terms below e^-800 relative are
// dropped as in refElem; exponentials of arguments beyond ±1e4 are taken as
// 0 or the term dropped (they are far outside the float64 range).
func refSoftElem(cfg *spec.Config, x, y, ap, an, pw float64) (f, df *big.Float) {
	nf := func(v float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(v) }
	add := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(refPrec).Add(a, b) }
	sub := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(refPrec).Sub(a, b) }
	mul := func(a ...*big.Float) *big.Float {
		r := nf(1)
		for _, v := range a {
			r.Mul(r, v)
		}
		return r
	}
	quo := func(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(refPrec).Quo(a, b) }
	exp := func(z *big.Float) *big.Float {
		if z.Cmp(nf(-1e4)) < 0 {
			return nf(0)
		}
		return bigfloat.Exp(z)
	}
	one := nf(1)
	a := math.Abs(x)
	var s, t, spp, spn *big.Float
	if a > 800 {
		s, t, spp, spn = nf(0), nf(1), nf(0), nf(a) // x < 0
		if x > 0 {
			s, t, spp, spn = t, s, spn, spp
		}
	} else {
		E := bigfloat.Exp(nf(-a))
		l := bigfloat.Log(add(one, E))
		if E.Cmp(nf(0x1p-80)) < 0 {
			l = sub(E, quo(mul(E, E), nf(2)))
		}
		small, large := quo(E, add(one, E)), quo(one, add(one, E))
		s, t, spp, spn = small, large, l, add(nf(a), l)
		if x >= 0 {
			s, t, spp, spn = large, small, add(nf(a), l), l
		}
	}
	eps := nf(cfg.LabelSmoothing)
	ys := add(mul(nf(y), sub(one, eps)), quo(eps, nf(2)))
	ym := nf(y)
	if cfg.SmoothingScope == spec.SmoothingAll {
		ym = ys
	}
	g := nf(cfg.Gamma)
	P, A, N := nf(pw), nf(ap), nf(an)
	ce := add(mul(P, ys, spn), mul(sub(one, ys), spp))
	dce := sub(mul(sub(one, ys), s), mul(P, ys, t))
	pow := func(b *big.Float) *big.Float { // b^γ, 0^0 = 1
		if cfg.Gamma == 0 {
			return nf(1)
		}
		if b.Sign() == 0 {
			return nf(0)
		}
		return exp(mul(g, bigfloat.Log(b)))
	}
	if cfg.Soft == spec.Split {
		mt, ms := pow(t), pow(s)
		fp, fn := mul(A, P, ys, mt), mul(N, sub(one, ys), ms)
		f = add(mul(fp, spn), mul(fn, spp))
		df = sub(mul(fn, add(mul(g, t, spp), s)), mul(fp, add(mul(g, s, spn), t)))
		return f, df
	}
	at := add(mul(A, ym), mul(N, sub(one, ym)))
	var mod, r *big.Float
	switch cfg.Soft {
	case spec.Linear:
		q := add(mul(ym, t), mul(sub(one, ym), s))
		mod = pow(q)
		r = mul(sub(one, mul(nf(2), ym)), s, t)
		if q.Sign() != 0 {
			r = quo(r, q)
		}
	case spec.Geometric:
		gg := add(mul(ym, spp), mul(sub(one, ym), spn))
		mod = exp(new(big.Float).Neg(mul(g, gg)))
		r = sub(t, ym)
	default:
		ce0 := add(mul(ym, spn), mul(sub(one, ym), spp))
		switch {
		case ym.Sign() == 0: // SPEC.md §3: the limit of (s-y)/expm1(CE₀)
			mod, r = pow(s), t
		case ym.Cmp(one) == 0:
			mod, r = pow(t), new(big.Float).Neg(s)
		case ce0.Cmp(nf(1e4)) > 0:
			mod, r = nf(1), nf(0)
		default:
			e0 := bigfloat.Exp(ce0)
			mod = pow(sub(one, quo(one, e0)))
			r = quo(sub(s, ym), sub(e0, one))
		}
	}
	f = mul(at, mod, ce)
	df = mul(at, mod, add(mul(g, r, ce), dce))
	return f, df
}

// TestAccuracySoft measures the error on soft targets and label smoothing
// in the contract's form |got - exact| / (|exact| + S) and holds it to
// SoftRel and SoftRel32; with -vectorized.measure=N it prints the maxima.
func TestAccuracySoft(t *testing.T) {
	n := 900
	if *measure > 0 {
		n = *measure
	}
	rng := rand.New(rand.NewPCG(99, 4))
	const C = 3
	var m64, m32 float64
	var w64, w32 string
	for done := 0; done < n; {
		cfg := binaryConfig(rng, C)
		cfg.CB = nil
		cfg.Soft = spec.Soft(rng.IntN(4))
		cfg.LabelSmoothing = []float64{0, 0.1, 0.2}[rng.IntN(3)]
		cfg.SmoothingScope = spec.Scope(rng.IntN(2))
		rows := 1 + rng.IntN(40)
		b := batch(rng.Uint64(), rows, C, true)
		done += rows * C
		b32 := to32(b)
		var r spec.Result
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if err := (Evaluator{}).Evaluate32(&cfg, b32, &r32); err != nil {
			t.Fatal(err)
		}
		for k, c := range []*spec.Config{&cfg, cfg.Round32()} {
			d := 1.0
			if c.Reduction == spec.Mean {
				switch c.Normalizer {
				case spec.Elements:
					d = float64(len(b.Logits))
				case spec.Rows:
					d = float64(rows)
				default:
					d = 0
					for i := range b.Targets {
						if k == 0 {
							d += b.Targets[i]
						} else {
							d += float64(b32.Targets[i])
						}
					}
					if c.Normalizer == spec.PositivesGuarded {
						d = max(d, 1)
					}
				}
			}
			for i := range b.Logits {
				col := i % C
				x, y := b.Logits[i], b.Targets[i]
				if k == 1 {
					x, y = float64(b32.Logits[i]), float64(b32.Targets[i])
				}
				ap, an, pw, w := 1.0, 1.0, 1.0, 1.0
				if c.Alpha != nil {
					ap = c.Alpha[min(col, len(c.Alpha)-1)]
					an = 1 - ap
				}
				if c.PosWeight != nil {
					pw = c.PosWeight[col]
				}
				if c.Weight != nil {
					w = c.Weight[col]
				}
				f, df := refSoftElem(c, x, y, ap, an, pw)
				S := w * (1 + pw) * (1 + c.Gamma) * (1 + math.Abs(x)) / d
				fl, _ := mul2(f, w).Float64()
				gl, _ := quo2(mul2(df, w), d).Float64()
				var gotL, gotG float64
				if k == 0 {
					gotL, gotG = r.Losses[i], r.Grad[i]
				} else {
					gotL, gotG = float64(r32.Losses[i]), float64(r32.Grad[i])
				}
				sl := S * d // the loss is not divided by D
				el := math.Abs(gotL-fl) / (math.Abs(fl) + sl)
				eg := math.Abs(gotG-gl) / (math.Abs(gl) + S)
				e := max(el, eg)
				if math.IsInf(fl, 0) || math.IsInf(gotL, 0) {
					e = 0 // an overflowed loss is compared by the ulp tests
				}
				where := fmt.Sprintf("x=%v y=%v cfg=%+v", x, y, *c)
				if k == 0 && e > m64 {
					m64, w64 = e, where
				}
				if k == 1 && e > m32 {
					m32, w32 = e, where
				}
			}
		}
	}
	if *measure > 0 {
		t.Logf("soft float64: max rel %.3g (worst %s)", m64, w64)
		t.Logf("soft float32: max rel %.3g (worst %s)", m32, w32)
	}
	if m64 > Contract.SoftRel || m32 > Contract.SoftRel32 {
		t.Errorf("soft: max rel float64 %.3g float32 %.3g exceed SoftRel %g / %g; worst %s | %s", m64, m32, Contract.SoftRel, Contract.SoftRel32, w64, w32)
	}
}

func mul2(a *big.Float, w float64) *big.Float {
	return new(big.Float).SetPrec(refPrec).Mul(a, new(big.Float).SetFloat64(w))
}

func quo2(a *big.Float, d float64) *big.Float {
	return new(big.Float).SetPrec(refPrec).Quo(a, new(big.Float).SetFloat64(d))
}
