package stable

import (
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

// TestReductions checks the reductions, normalisers and CB applications
// against the None reduction of the same batch: ∂L/∂x_i must be the
// element derivative over D (both rounded once from double-double: at most
// 1 ulp apart) and L the sum of the element losses over D (Neumaier sum of
// the rounded losses: within 2 ulp of the double-double sum).
func TestReductions(t *testing.T) {
	x := []float64{0.3, -2, 5, -0.1, 1e-3, 40, -700, 2}
	y := []float64{1, 0, 0, 0, 0, 1, 1, 0}
	yLabel := []float64{1, 0, 0, 1, 1, 0, 0, 1}
	cb := func(n spec.CBNormalize, a spec.CBApply) *spec.CB {
		return &spec.CB{Beta: 0.99, Counts: []float64{3, 500}, Normalize: n, Apply: a}
	}
	for i, c := range []struct {
		reason string
		cfg    spec.Config
		y      []float64
		d      float64
	}{
		{"mean over elements", spec.Config{Gamma: 2, Normalizer: spec.Elements}, y, 8},
		{"mean over rows", spec.Config{Gamma: 2, Normalizer: spec.Rows}, y, 4},
		{"mean over positives", spec.Config{Gamma: 2, Normalizer: spec.Positives}, y, 3},
		{"guarded positives, soft targets summing to 0.5", spec.Config{Gamma: 2, Normalizer: spec.PositivesGuarded}, []float64{0.25, 0, 0.25, 0, 0, 0, 0, 0}, 1},
		{"sum", spec.Config{Gamma: 0.5, Reduction: spec.Sum, Alpha: []float64{0.25, 0.75}}, y, 1},
		{"CB class, none", spec.Config{Gamma: 2, CB: cb(spec.CBNone, spec.CBClass), Weight: []float64{2, 0.5}}, y, 8},
		{"CB class, sum", spec.Config{Gamma: 2, CB: cb(spec.CBSum, spec.CBClass), PosWeight: []float64{3, 1}}, y, 8},
		{"CB label, sum", spec.Config{Gamma: 2, CB: cb(spec.CBSum, spec.CBLabel)}, yLabel, 8},
		{"smoothing with mean over positives", spec.Config{Gamma: 2, LabelSmoothing: 0.2, Normalizer: spec.Positives, Soft: spec.Split}, y, 3},
	} {
		b := spec.Batch{Classes: 2, Logits: x, Targets: c.y}
		var red, none spec.Result
		if err := (Evaluator{}).Evaluate(&c.cfg, b, &red); err != nil {
			t.Fatalf("case %d (%s): %v", i, c.reason, err)
		}
		cn := c.cfg
		cn.Reduction = spec.None
		if err := (Evaluator{}).Evaluate(&cn, b, &none); err != nil {
			t.Fatalf("case %d (%s): %v", i, c.reason, err)
		}
		if none.Loss != 0 {
			t.Errorf("case %d (%s): reduction none reports loss %v, want 0", i, c.reason, none.Loss)
		}
		for k := range x {
			if red.Losses[k] != none.Losses[k] {
				t.Errorf("case %d (%s): element loss %d differs between reductions: %v, %v", i, c.reason, k, red.Losses[k], none.Losses[k])
			}
			if d := ulp.Dist(red.Grad[k], none.Grad[k]/c.d); d > 1 {
				t.Errorf("case %d (%s): grad[%d] = %v, want %v/%v: %v ulp", i, c.reason, k, red.Grad[k], none.Grad[k], c.d, d)
			}
		}
		if d := ulp.Dist(red.Loss, neumaier(none.Losses)/c.d); d > 2 {
			t.Errorf("case %d (%s): loss %v, want Σ/D = %v: %v ulp", i, c.reason, red.Loss, neumaier(none.Losses)/c.d, d)
		}
	}
}

// TestFinite evaluates the extremes of every input and parameter under
// every soft semantics and scope: no output may be NaN or infinite
// (values beyond the range saturate at ±MaxFloat64).
func TestFinite(t *testing.T) {
	max := math.MaxFloat64
	logits := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 36.7, -36.7, 709.78, -745.13, 1e300, -1e300, max, -max}
	for _, soft := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
		for _, g := range []float64{0, 0.25, 1, 2, 3.5, 1e3, 1e300, max} {
			for _, eps := range []float64{0, 0.1} {
				for _, w := range []float64{0, 5e-324, 1, 1e300} {
					for _, y := range []float64{0, 1, 0.5, 1e-300} {
						cfg := spec.Config{Gamma: g, Soft: soft, LabelSmoothing: eps, Weight: []float64{w}, PosWeight: []float64{w}, Alpha: []float64{0.25}, Reduction: spec.None}
						for _, x := range logits {
							var r spec.Result
							if err := (Evaluator{}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}, &r); err != nil {
								t.Fatal(err)
							}
							if bad(r.Losses[0]) || bad(r.Grad[0]) {
								t.Errorf("soft=%v γ=%v ε=%v w=pw=%v y=%v x=%v: loss %v grad %v", soft, g, eps, w, y, x, r.Losses[0], r.Grad[0])
							}
						}
					}
				}
			}
		}
	}
}

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// neumaier returns Σv by Neumaier's compensated summation (Neumaier 1974,
// "Rundungsfehleranalyse einiger Verfahren zur Summation endlicher
// Summen"): error about 1 ulp of the sum plus n·2^-106 of Σ|v|.
func neumaier(v []float64) float64 {
	var sum, comp float64
	for _, x := range v {
		t := float64(sum + x)
		if math.Abs(sum) >= math.Abs(x) {
			comp += float64(float64(sum-t) + x)
		} else {
			comp += float64(float64(x-t) + sum)
		}
		sum = t
	}
	return sum + comp
}
