package exact

import (
	"math/big"

	"github.com/ALTree/bigfloat"
	"github.com/focalcheck/focalcheck/spec"
)

// Evaluator is the arbitrary-precision oracle. Prec is the initial working
// precision in bits: 0 means 256; values are clamped to [200, 512].
//
// Every output is first evaluated at Prec bits together with a bound on its
// error (guardBits, Element's dfScale). When the bound does not decide the
// rounding, that is when the value and the bound straddle a rounding
// boundary of float64 (Evaluate) or float32 (Evaluate32), the whole batch
// is evaluated again at twice the precision, up to maxPrec = 2048 bits
// (Ziv's strategy). This resolves near-ties such as those of logits
// within 2^{-1000} of 0 and cancellations in f′ of up to about 1950 bits;
// a result still undecided at 2048 bits is rounded from there. Gradients
// at x = 0 that are rational (ZeroDeriv) are rounded from the exact value.
// An Evaluator is safe for concurrent use (see piPrec).
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

// decided reports whether every real within 2^{-prec+guardBits}·|scale|
// (plus 2^{-1500000}, the dropped asymptotic terms) of v rounds, by round,
// to the same value as v (±0 equal). The interval is widened to at least
// 2^{-64} of v's last bit, so that v ± err stay cheap to form (no
// alignment of operands millions of bits apart) and a v that is exactly a
// rounding boundary is never taken as decided.
func decided[F float32 | float64](v, scale *big.Float, prec uint, round func(*big.Float) F) bool {
	if scale.Sign() == 0 {
		return true // exact
	}
	wp := v.Prec() + 64
	// Twice the bound, which also covers the dropped terms unless the bound
	// is below 2^{-1500000}; then 2^{-1499999}.
	err := newF(64).Abs(scale)
	err.SetMantExp(err, -int(prec)+guardBits+1)
	e := -1499999
	if v.Sign() != 0 {
		e = max(e, v.MantExp(nil)-int(wp))
	}
	if err.MantExp(nil) < e {
		err.SetMantExp(fl(64, 1), e)
	}
	lo := newF(wp).Sub(v, err)
	hi := newF(wp).Add(v, err)
	return round(lo) == round(hi)
}

func f64(v *big.Float) float64 { f, _ := v.Float64(); return f }
func f32(v *big.Float) float32 { f, _ := v.Float32(); return f }

// ratRound rounds q to the nearest F, ties to even.
func ratRound[F float32 | float64](q *big.Rat) F {
	var z F
	if _, ok := any(z).(float32); ok {
		f, _ := q.Float32()
		return F(f)
	}
	f, _ := q.Float64()
	return F(f)
}

// CBWeightsBig returns the class-balanced weights of cb (SPEC.md §4)
//
//	w_c = (1−β)/(1−β^{n_c}),  1−β^n = −expm1(n·log β)
//
// normalised as cb.Normalize says, to about prec bits, from the float64 β
// and counts: this, rounded once, is the reference CB weight (SPEC.md §4).
// Special cases are: β = 0 gives 1; n·log β < −2^20 takes β^n = 0, a
// relative change of 1 − β^n below 2^{-1.5e6} (package doc, Asymptotic
// regions, case 2).
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
// float64 (the weights are computed to 2^{-prec+guardBits} relative and
// re-evaluated at twice the precision, up to maxPrec, while that does not
// decide the rounding).
func (ev Evaluator) CBWeights(cb *spec.CB) ([]float64, error) {
	if cb == nil {
		return nil, &spec.InputError{Field: "cb", Index: -1, Msg: "missing"}
	}
	if err := spec.ValidateCB(cb, len(cb.Counts)); err != nil {
		return nil, err
	}
	return cbRounded(cb, ev.prec(), f64), nil
}

// CBWeights32 returns the class-balanced weights of cb correctly rounded
// to float32 (the weights Evaluate32 uses, SPEC.md §6), with the same
// re-evaluation as CBWeights.
func (ev Evaluator) CBWeights32(cb *spec.CB) ([]float32, error) {
	if cb == nil {
		return nil, &spec.InputError{Field: "cb", Index: -1, Msg: "missing"}
	}
	if err := spec.ValidateCB(cb, len(cb.Counts)); err != nil {
		return nil, err
	}
	return cbRounded(cb, ev.prec(), f32), nil
}

// cbRounded returns the CB weights of cb rounded by rnd (f64 or f32):
// computed by CBWeightsBig at prec bits and again at twice the precision,
// up to maxPrec, while decided does not settle every rounding.
func cbRounded[F float32 | float64](cb *spec.CB, prec uint, rnd func(*big.Float) F) []F {
	out := make([]F, len(cb.Counts))
	for ; ; prec = min(2*prec, maxPrec) {
		ok := true
		for i, v := range CBWeightsBig(cb, prec) {
			out[i] = rnd(v)
			ok = ok && decided(v, v, prec, rnd)
		}
		if ok || prec == maxPrec {
			return out
		}
	}
}

// result is the unrounded outcome of run: the reduced loss, the element
// losses, the gradient with its error scales (Element's dfScale times W/D)
// and, where not nil, the exact rational gradient of an element at x = 0
// (ZeroDeriv), to be rounded instead of gs[i].
type result struct {
	loss, lossScale *big.Float
	ls, gs, gsc     []*big.Float
	gx              []*big.Rat
}

// round writes the rounded result into loss, losses and grad and reports
// whether every rounding is decided by the error bounds at prec.
func round[F float32 | float64](o *result, prec uint, rnd func(*big.Float) F, loss *F, losses, grad []F) bool {
	ok := decided(o.loss, o.lossScale, prec, rnd)
	*loss = rnd(o.loss)
	for i := range o.ls {
		losses[i] = rnd(o.ls[i])
		ok = ok && decided(o.ls[i], o.ls[i], prec, rnd)
		if o.gx[i] != nil {
			grad[i] = ratRound[F](o.gx[i])
			continue
		}
		grad[i] = rnd(o.gs[i])
		ok = ok && decided(o.gs[i], o.gsc[i], prec, rnd)
	}
	return ok
}

// run computes the exact losses, gradient and reduced loss at prec bits.
// cbw are the CB weights to use (nil without CB) and cbq the same weights
// as exact rationals (nil when not available).
func run(cfg *spec.Config, classes int, xs, ys []float64, cbw []*big.Float, cbq []*big.Rat, prec uint) *result {
	n := len(xs)
	ls, gs, gsc, gx := make([]*big.Float, n), make([]*big.Float, n), make([]*big.Float, n), make([]*big.Rat, n)
	one := fl(prec, 1)
	// y′ = y(1−ε) + ε/2 exactly (targetPrec).
	eps := fl(targetPrec, cfg.LabelSmoothing)
	half := newF(targetPrec).Quo(eps, fl(targetPrec, 2))
	oeps := newF(targetPrec).Sub(one, eps)
	sum := newF(prec)
	for i := range xs {
		c := i % classes
		y := fl(prec, ys[i])
		ysm := newF(targetPrec).Add(newF(targetPrec).Mul(y, oeps), half)
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
			p.ANeg = newF(targetPrec).Sub(one, p.APos) // exact
		}
		if cfg.PosWeight != nil {
			p.PW = fl(prec, cfg.PosWeight[c])
		}
		f, df, dfs := Element(xs[i], p, prec)
		w := newF(prec).Set(one)
		wq := big.NewRat(1, 1)
		if cfg.Weight != nil {
			w.Mul(w, fl(prec, cfg.Weight[c]))
			wq.SetFloat64(cfg.Weight[c])
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
			if cbq != nil {
				wq.Mul(wq, cbq[k])
			} else {
				wq = nil
			}
		}
		ls[i] = f.Mul(f, w)
		gs[i] = df.Mul(df, w)
		gsc[i] = dfs.Mul(dfs, w)
		if xs[i] == 0 && wq != nil {
			if q, ok := ZeroDeriv(p); ok {
				gx[i] = q.Mul(q, wq)
			}
		}
		sum.Add(sum, ls[i])
	}
	// The sum of n terms ≥ 0, each within 2^{-prec+guardBits}, is within
	// that times (1 + n·2^{-prec}) relative: scale |sum|·2.
	o := &result{loss: sum, lossScale: newF(prec).Mul(sum, fl(64, 2)), ls: ls, gs: gs, gsc: gsc, gx: gx}
	switch cfg.Reduction {
	case spec.None:
		o.loss, o.lossScale = newF(prec), newF(prec)
		return o
	case spec.Sum:
		return o
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
	dq, _ := d.Rat(nil) // D is a whole number or a sum of float64s: exact
	for i := range gs {
		gs[i] = newF(prec).Quo(gs[i], d)
		gsc[i] = newF(prec).Quo(gsc[i], d)
		if gx[i] != nil {
			gx[i].Quo(gx[i], dq)
		}
	}
	o.loss = newF(prec).Quo(sum, d)
	o.lossScale = newF(prec).Quo(o.lossScale, d)
	return o
}

// Evaluate validates cfg and b, then writes the exact result, correctly
// rounded to float64, into r.
func (ev Evaluator) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := spec.Validate(cfg, b); err != nil {
		return err
	}
	var cbq []*big.Rat
	if cfg.CB != nil && hasZero(b.Logits) {
		cbq = CBWeightsRat(cfg.CB)
	}
	r.Resize(len(b.Logits))
	for prec := ev.prec(); ; prec = min(2*prec, maxPrec) {
		var cbw []*big.Float
		if cfg.CB != nil {
			cbw = CBWeightsBig(cfg.CB, prec)
		}
		o := run(cfg, b.Classes, b.Logits, b.Targets, cbw, cbq, prec)
		if round(o, prec, f64, &r.Loss, r.Losses, r.Grad) || prec == maxPrec {
			return nil
		}
	}
}

// Evaluate32 validates cfg and b, then writes the exact result on the
// float32 inputs and parameters (SPEC.md §6: Config.Round32, CB weights
// correctly rounded to float32), correctly rounded to float32, into r.
func (ev Evaluator) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := spec.Validate32(cfg, b); err != nil {
		return err
	}
	c32 := cfg.Round32()
	var cb32 []float32
	var cbq []*big.Rat // the float32 weights are exact rationals
	if cfg.CB != nil {
		cb32 = cbRounded(cfg.CB, ev.prec(), f32)
		for _, w := range cb32 {
			cbq = append(cbq, new(big.Rat).SetFloat64(float64(w)))
		}
	}
	xs, ys := make([]float64, len(b.Logits)), make([]float64, len(b.Targets))
	for i := range xs {
		xs[i], ys[i] = float64(b.Logits[i]), float64(b.Targets[i])
	}
	r.Resize(len(xs))
	for prec := ev.prec(); ; prec = min(2*prec, maxPrec) {
		var cbw []*big.Float
		for _, w := range cb32 {
			cbw = append(cbw, fl(prec, float64(w)))
		}
		o := run(c32, b.Classes, xs, ys, cbw, cbq, prec)
		if round(o, prec, f32, &r.Loss, r.Losses, r.Grad) || prec == maxPrec {
			return nil
		}
	}
}

// hasZero reports whether a logit is 0 (where ZeroDeriv may apply).
func hasZero(xs []float64) bool {
	for _, x := range xs {
		if x == 0 {
			return true
		}
	}
	return false
}

var _ spec.Evaluator = Evaluator{}
