package plot

import (
	"fmt"
	"math"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

// AccuracyGamma is the γ of the figure "accuracy".
const AccuracyGamma = 2

// AccuracyLogits is the grid of the figure "accuracy": 401 logits from -800
// to 800 in steps of 4, integers, so exact in float32 as in float64.
func AccuracyLogits() []float64 { return linspace(-800, 800, 401) }

// UlpCap is the value drawn for an ulp distance of +Inf (a NaN where the
// oracle has a number); every finite distance draws below it.
const UlpCap = 66

// AccuracyImpls are the implementations of the figure "accuracy": the
// textbook formula first, then the two careful ones.
var AccuracyImpls = []string{"naive", "stable", "vectorized"}

// accuracyEvaluator returns the implementation name from the registry of
// internal/impls, or, for naive while the registry does not list it yet,
// from its package.
func accuracyEvaluator(name string) (spec.Evaluator, error) {
	if e, ok := impls.Lookup(name); ok {
		return e.Eval, nil
	}
	if name == "naive" {
		return naive.Evaluator{}, nil
	}
	return nil, fmt.Errorf("evaluator %q is not registered", name)
}

// ulpScale maps an ulp distance d to log2(1+d), and +Inf to UlpCap.
func ulpScale(d float64) float64 {
	if math.IsInf(d, 1) {
		return UlpCap
	}
	return math.Log2(1 + d)
}

// Accuracy is the figure "accuracy": log2(1 + ulp distance) of each
// registered implementation's element loss and derivative to the exact
// oracle's, for γ = 2 and no α, in float64 and float32, over the logits of
// AccuracyLogits, for y = 0 and y = 1. The oracle is the reference for both
// dtypes (Evaluate32 of the oracle is the exact value rounded to float32).
func Accuracy() (*Figure, error) { return AccuracyAt(nil) }

// AccuracyAt is Accuracy with the oracle evaluated only at the indices idx
// of AccuracyLogits (all of them when idx is nil); the implementations are
// still evaluated on the whole grid in one batch, as Accuracy does, so that
// the points at idx are the ones Accuracy draws.
func AccuracyAt(idx []int) (*Figure, error) {
	xs := AccuracyLogits()
	if idx == nil {
		idx = make([]int, len(xs))
		for i := range idx {
			idx[i] = i
		}
	}
	sub := make([]float64, len(idx))
	for k, i := range idx {
		sub[k] = xs[i]
	}
	xs32, sub32 := narrow(xs), narrow(sub)
	oracle, err := evaluator("exact")
	if err != nil {
		return nil, err
	}
	fig := &Figure{Name: "accuracy", Cols: 2,
		Title: fmt.Sprintf("Accuracy against the exact oracle (γ = %d): where the textbook formula breaks", AccuracyGamma)}
	var lossPanels, gradPanels []Panel
	for _, y := range []float64{0, 1} {
		cfg := spec.Config{Gamma: AccuracyGamma}
		refL, refG, err := elements(oracle, cfg, sub, fill(len(sub), y))
		if err != nil {
			return nil, err
		}
		refL32, refG32, err := elements32(oracle, cfg, sub32, fill32(len(sub32), float32(y)))
		if err != nil {
			return nil, err
		}
		lp := Panel{Label: fmt.Sprintf("loss, y = %g", y), XLabel: "x, logit (nats)", YLabel: "log2(1 + ulp error)", YMin: -1, YMax: UlpCap, LegendLeft: true, NoLegend: y == 0}
		gp := Panel{Label: fmt.Sprintf("dloss/dx, y = %g", y), XLabel: "x, logit (nats)", YLabel: "log2(1 + ulp error)", YMin: -1, YMax: UlpCap, NoLegend: true}
		for _, name := range AccuracyImpls {
			e, err := accuracyEvaluator(name)
			if err != nil {
				return nil, err
			}
			l, g, err := elements(e, cfg, xs, fill(len(xs), y))
			if err != nil {
				return nil, err
			}
			l32, g32, err := elements32(e, cfg, xs32, fill32(len(xs32), float32(y)))
			if err != nil {
				return nil, err
			}
			sl, sg, sl32, sg32 := make([]float64, len(idx)), make([]float64, len(idx)), make([]float64, len(idx)), make([]float64, len(idx))
			for k, i := range idx {
				sl[k] = ulpScale(ulp.Dist(l[i], refL[k]))
				sg[k] = ulpScale(ulp.Dist(g[i], refG[k]))
				sl32[k] = ulpScale(ulp.Dist32(float32(l32[i]), float32(refL32[k])))
				sg32[k] = ulpScale(ulp.Dist32(float32(g32[i]), float32(refG32[k])))
			}
			lp.Series = append(lp.Series,
				Series{Label: name + " float64", X: sub, Y: sl},
				Series{Label: name + " float32", X: sub, Y: sl32})
			gp.Series = append(gp.Series,
				Series{Label: name + " float64", X: sub, Y: sg},
				Series{Label: name + " float32", X: sub, Y: sg32})
		}
		lossPanels = append(lossPanels, lp)
		gradPanels = append(gradPanels, gp)
	}
	fig.Panels = append(lossPanels, gradPanels...)
	return fig, nil
}

func narrow(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

func fill32(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}
