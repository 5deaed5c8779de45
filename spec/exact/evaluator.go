package exact

import (
	"math/big"

	"github.com/ALTree/bigfloat"
	"github.com/focalcheck/focalcheck/spec"
)

// Evaluator is the arbitrary-precision oracle. Prec is the working
// precision in bits: 0 means 256; values are clamped to [200, 512]. At 512
// the widest internal call (Expm1's 1.5·prec+64 bits, plus Exp's and
// bigfloat's guard bits) needs π to 1024 bits, the size of bigfloat's
// precomputed π, so bigfloat never rewrites its π cache and stays safe
// under parallel use.
type Evaluator struct{ Prec uint }

// Name returns "exact".
func (Evaluator) Name() string { return "exact" }

func (ev Evaluator) prec() uint {
	p := ev.Prec
	if p == 0 {
		p = 256
	}
	return min(max(p, 200), 512)
}

// CBWeightsBig returns the class-balanced weights of cb (SPEC.md §4)
//
//	w_c = (1−β)/(1−β^{n_c}),  1−β^n = −expm1(n·log β)
//
// normalised as cb.Normalize says, to about prec bits. Special cases are:
// β = 0 gives 1; n·log β < −2^20 takes β^n = 0 (below 2^{-1.5e6}).
func CBWeightsBig(cb *spec.CB, prec uint) []*big.Float {
	w := make([]*big.Float, len(cb.Counts))
	sum := newF(prec)
	for i, n := range cb.Counts {
		if cb.Beta == 0 {
			w[i] = fl(prec, 1)
		} else {
			lb := bigfloat.Log(fl(prec+64, cb.Beta))
			z := newF(prec+64).Mul(lb, fl(prec+64, n))
			var den *big.Float
			if z.Cmp(fl(64, -cutoff)) < 0 {
				den = fl(prec, 1)
			} else {
				den = newF(prec).Neg(Expm1(z, prec))
			}
			w[i] = newF(prec).Quo(newF(prec).Sub(fl(prec, 1), fl(prec, cb.Beta)), den)
		}
		sum.Add(sum, w[i])
	}
	if cb.Normalize == spec.CBSum {
		c := fl(prec, float64(len(w)))
		for i := range w {
			w[i] = newF(prec).Quo(newF(prec).Mul(w[i], c), sum)
		}
	}
	return w
}

// CBWeights returns the class-balanced weights of cb, correctly rounded to
// float64 (see the package doc for the rounding claim).
func (ev Evaluator) CBWeights(cb *spec.CB) ([]float64, error) {
	if cb == nil {
		return nil, &spec.InputError{Field: "cb", Index: -1, Msg: "missing"}
	}
	if err := spec.ValidateCB(cb, len(cb.Counts)); err != nil {
		return nil, err
	}
	wb := CBWeightsBig(cb, ev.prec())
	out := make([]float64, len(wb))
	for i, v := range wb {
		out[i], _ = v.Float64()
	}
	return out, nil
}

// run computes the exact losses, gradient and reduced loss. cbw are the CB
// weights to use (nil without CB).
func run(cfg *spec.Config, classes int, xs, ys []float64, cbw []*big.Float, prec uint) (loss *big.Float, ls, gs []*big.Float) {
	n := len(xs)
	ls, gs = make([]*big.Float, n), make([]*big.Float, n)
	one := fl(prec, 1)
	eps := fl(prec, cfg.LabelSmoothing)
	half := newF(prec).Quo(eps, fl(prec, 2))
	oeps := newF(prec).Sub(one, eps)
	sum := newF(prec)
	for i := range xs {
		c := i % classes
		y := fl(prec, ys[i])
		ysm := newF(prec).Add(newF(prec).Mul(y, oeps), half)
		p := Params{YS: ysm, YM: ysm, Gamma: cfg.Gamma, Soft: cfg.Soft, APos: one, ANeg: one, PW: one}
		if cfg.SmoothingScope == spec.SmoothingCE {
			p.YM = y
		}
		if cfg.Alpha != nil {
			a := cfg.Alpha[0]
			if len(cfg.Alpha) > 1 {
				a = cfg.Alpha[c]
			}
			p.APos = fl(prec, a)
			p.ANeg = newF(prec).Sub(one, p.APos)
		}
		if cfg.PosWeight != nil {
			p.PW = fl(prec, cfg.PosWeight[c])
		}
		f, df := Element(xs[i], p, prec)
		w := newF(prec).Set(one)
		if cfg.Weight != nil {
			w.Mul(w, fl(prec, cfg.Weight[c]))
		}
		if cbw != nil {
			k := c
			if cfg.CB.Apply == spec.CBLabel {
				r := i - c
				for j := 0; j < classes; j++ {
					if ys[r+j] == 1 {
						k = j
					}
				}
			}
			w.Mul(w, cbw[k])
		}
		ls[i] = f.Mul(f, w)
		gs[i] = df.Mul(df, w)
		sum.Add(sum, ls[i])
	}
	switch cfg.Reduction {
	case spec.None:
		return newF(prec), ls, gs
	case spec.Sum:
		return sum, ls, gs
	}
	var d *big.Float
	switch cfg.Normalizer {
	case spec.Elements:
		d = fl(prec, float64(n))
	case spec.Rows:
		d = fl(prec, float64(n/classes))
	default:
		d = newF(1200)
		for _, y := range ys {
			d.Add(d, fl(1200, y))
		}
		if cfg.Normalizer == spec.PositivesGuarded && d.Cmp(fl(64, 1)) < 0 {
			d = fl(prec, 1)
		}
	}
	for i := range gs {
		gs[i] = newF(prec).Quo(gs[i], d)
	}
	return newF(prec).Quo(sum, d), ls, gs
}

// Evaluate validates cfg and b, then writes the exact result, correctly
// rounded to float64, into r.
func (ev Evaluator) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := spec.Validate(cfg, b); err != nil {
		return err
	}
	prec := ev.prec()
	var cbw []*big.Float
	if cfg.CB != nil {
		cbw = CBWeightsBig(cfg.CB, prec)
	}
	loss, ls, gs := run(cfg, b.Classes, b.Logits, b.Targets, cbw, prec)
	r.Resize(len(ls))
	r.Loss, _ = loss.Float64()
	for i := range ls {
		r.Losses[i], _ = ls[i].Float64()
		r.Grad[i], _ = gs[i].Float64()
	}
	return nil
}

// Evaluate32 validates cfg and b, then writes the exact result on the
// float32 inputs and parameters (SPEC.md §6: Config.Round32, CB weights
// rounded to float32), correctly rounded to float32, into r.
func (ev Evaluator) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := spec.Validate32(cfg, b); err != nil {
		return err
	}
	prec := ev.prec()
	c32 := cfg.Round32()
	var cbw []*big.Float
	if cfg.CB != nil {
		for _, w := range CBWeightsBig(cfg.CB, prec) {
			w32, _ := w.Float32()
			cbw = append(cbw, fl(prec, float64(w32)))
		}
	}
	xs, ys := make([]float64, len(b.Logits)), make([]float64, len(b.Targets))
	for i := range xs {
		xs[i], ys[i] = float64(b.Logits[i]), float64(b.Targets[i])
	}
	loss, ls, gs := run(c32, b.Classes, xs, ys, cbw, prec)
	r.Resize(len(ls))
	r.Loss, _ = loss.Float32()
	for i := range ls {
		r.Losses[i], _ = ls[i].Float32()
		r.Grad[i], _ = gs[i].Float32()
	}
	return nil
}

var _ spec.Evaluator = Evaluator{}
