package report

import (
	"math"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

// Errors are the largest errors of one result against the exact one, each
// with the element where it occurs (-1 for the reduced loss, or none).
type Errors struct {
	LossUlp, GradUlp float64 // element losses and gradients, binary targets inside Domain
	ReducedUlp       float64 // the reduced loss, binary targets inside Domain
	// SoftRatio is the largest |got-exact| / (SoftRel·(|exact|+S)) over
	// soft-target elements: the contract holds while it is ≤ 1.
	SoftRatio float64
	// NaN counts NaN values in the result, a breach anywhere.
	NaN int
	// Worst is the index of the element with the largest ulp (or soft)
	// error relative to its bound, -1 for the reduced loss.
	Worst int
	// WorstRatio is that element's error over its bound.
	WorstRatio float64
	// Compared counts the elements held to a bound.
	Compared int
}

// OK reports whether e is within its contract.
func (e Errors) OK() bool { return e.NaN == 0 && e.WorstRatio <= 1 }

// Compare measures got against the exact result want for cfg on b, under
// contract c of the float64 path (f32 false) or the float32 path (f32
// true; b then holds the float32 values and the results are float32
// values). cbw are the class-balanced weights of cfg.CB (nil without CB).
//
// As spec.Contract says, for elements with |x| ≤ Domain: an element with a
// binary target and no label smoothing is held to c.Loss and c.Grad ulp
// (Loss32, Grad32 on float32); an element with a soft target or with
// smoothing, or any element when the ulp bounds are +Inf (no ulp promise),
// to |got-exact| ≤ SoftRel·(|exact| + S), S = W·(1+pw)·(1+γ)·(1+|x|)/D,
// where D applies to the gradient of the Mean reduction only. The reduced
// loss is held to c.Reduced ulp when every element is held in ulp, to
// SoftRel·(|exact| + Σ S/D) otherwise, and not at all when an element is
// outside Domain. Elements outside Domain are not compared, except that a
// NaN is a breach everywhere (spec.Evaluator never returns NaN for valid
// input). LossUlp and GradUlp report the ulp errors of binary elements
// even where they are judged by SoftRel.
//
// This is the one place the report applies a spec.Contract; it could move
// to internal/ulp for the property suite and verify to share.
func Compare(c spec.Contract, f32 bool, cfg *spec.Config, cbw []float64, b spec.Batch, got, want spec.Result) Errors {
	lossB, gradB, redB, dom, softRel := c.Loss, c.Grad, c.Reduced, c.Domain, c.SoftRel
	dist := ulp.Dist
	if f32 {
		lossB, gradB, redB, dom, softRel = c.Loss32, c.Grad32, c.Reduced32, c.Domain32, c.SoftRel32
		dist = func(a, b float64) float64 { return ulp.Dist32(float32(a), float32(b)) }
	}
	e := Errors{Worst: -2}
	d := ulp.Denominator(cfg, b)
	gamma := cfg.Gamma
	if f32 {
		gamma = float64(float32(gamma))
	}
	note := func(i int, ratio float64) {
		if ratio > e.WorstRatio || e.Worst == -2 {
			e.WorstRatio, e.Worst = ratio, i
		}
	}
	// An element is held to the ulp bounds when its target is binary
	// without smoothing and the contract has finite ulp bounds; otherwise
	// to the SoftRel form (an ulp bound of +Inf means "no ulp promise, the
	// relative one instead", as for naive).
	ulpLoss := !math.IsInf(lossB, 1) && !math.IsInf(gradB, 1)
	allUlp, outside := true, false
	sumS := 0.0
	for i, x := range b.Logits {
		if i >= len(got.Losses) || i >= len(got.Grad) {
			e.NaN++ // a missing value counts as a breach
			continue
		}
		gl, gg := got.Losses[i], got.Grad[i]
		if math.IsNaN(gl) || math.IsNaN(gg) {
			e.NaN++
			note(i, math.Inf(1))
			continue
		}
		if math.Abs(x) > dom {
			outside = true
			continue
		}
		e.Compared++
		w, pw := ulp.ElementWeight(cfg, b, cbw, i)
		s := w * (1 + pw) * (1 + gamma) * (1 + math.Abs(x))
		sumS += s
		y := b.Targets[i]
		if (y == 0 || y == 1) && cfg.LabelSmoothing == 0 {
			dl, dg := dist(gl, want.Losses[i]), dist(gg, want.Grad[i])
			e.LossUlp = math.Max(e.LossUlp, dl)
			e.GradUlp = math.Max(e.GradUlp, dg)
			if ulpLoss {
				note(i, math.Max(ratio(dl, lossB), ratio(dg, gradB)))
				continue
			}
		}
		allUlp = false
		rl := softErr(gl, want.Losses[i], s, softRel)
		rg := softErr(gg, want.Grad[i], s/d, softRel)
		e.SoftRatio = math.Max(e.SoftRatio, math.Max(rl, rg))
		note(i, math.Max(rl, rg))
	}
	// The reduced loss; when an element is outside Domain it is not held to
	// a bound, since that element may carry any error into the sum.
	switch {
	case cfg.Reduction == spec.None:
	case math.IsNaN(got.Loss):
		e.NaN++
		note(-1, math.Inf(1))
	case outside:
	case allUlp && !math.IsInf(redB, 1):
		du := dist(got.Loss, want.Loss)
		e.ReducedUlp = du
		note(-1, ratio(du, redB))
	default:
		r := softErr(got.Loss, want.Loss, sumS/d, softRel)
		e.SoftRatio = math.Max(e.SoftRatio, r)
		note(-1, r)
	}
	return e
}

// ratio is err/bound, with 0/0 = 0.
func ratio(err, bound float64) float64 {
	if err == 0 {
		return 0
	}
	return err / bound
}

// softErr is |got-want| / (rel·(|want|+s)).
func softErr(got, want, s, rel float64) float64 {
	return ratio(math.Abs(got-want), rel*(math.Abs(want)+s))
}
