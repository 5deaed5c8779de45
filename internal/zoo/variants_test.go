package zoo

import (
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

func variant(t *testing.T, name string) spec.Evaluator {
	t.Helper()
	for _, v := range Variants() {
		if v.Name == name {
			return v.Eval
		}
	}
	t.Fatalf("no variant %s", name)
	return nil
}

// out is what one evaluation gives, on either path, as float64.
type out struct {
	loss        float64
	losses, grd []float64
}

func eval64(t *testing.T, e spec.Evaluator, cfg spec.Config, b spec.Batch) out {
	t.Helper()
	var r spec.Result
	if err := e.Evaluate(&cfg, b, &r); err != nil {
		t.Fatalf("%s: %v", e.Name(), err)
	}
	return out{r.Loss, r.Losses, r.Grad}
}

func eval32(t *testing.T, e spec.Evaluator, cfg spec.Config, b spec.Batch) out {
	t.Helper()
	b32 := spec.Batch32{Classes: b.Classes}
	for i := range b.Logits {
		b32.Logits = append(b32.Logits, float32(b.Logits[i]))
		b32.Targets = append(b32.Targets, float32(b.Targets[i]))
	}
	var r spec.Result32
	if err := e.Evaluate32(&cfg, b32, &r); err != nil {
		t.Fatalf("%s: %v", e.Name(), err)
	}
	o := out{loss: float64(r.Loss)}
	for i := range r.Losses {
		o.losses = append(o.losses, float64(r.Losses[i]))
		o.grd = append(o.grd, float64(r.Grad[i]))
	}
	return o
}

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

func batch(x, y []float64) spec.Batch { return spec.Batch{Classes: 1, Logits: x, Targets: y} }

// TestVariantsReproduce checks that each variant shows its bug on the
// reproducing input of CONVENTIONS-AND-BUGS.md (c), where the reference
// gives the right value: the variants model the catalogued bugs, with the
// catalogue's numbers (quoted at each case) to the precision it gives.
func TestVariantsReproduce(t *testing.T) {
	none := spec.None
	isNaN := math.IsNaN
	cases := []struct {
		name, variant string
		f32           bool
		cfg           spec.Config
		b             spec.Batch
		check         func(v, ref out) bool
	}{
		// Z1: y=1, γ=2, x=−800 (f64): loss 0 instead of 800, gradient NaN.
		{"Z1 f64 x=-800", "z1-geometric-overflow-f64", false, spec.Config{Gamma: 2, Soft: spec.Geometric, Reduction: none}, batch([]float64{-800}, []float64{1}),
			func(v, ref out) bool { return v.losses[0] == 0 && isNaN(v.grd[0]) && near(ref.losses[0], 800, 1e-12) }},
		// Z1: x=−100 (f32): loss 0 instead of 100, gradient NaN.
		{"Z1 f32 x=-100", "z1-geometric-overflow-f32", true, spec.Config{Gamma: 2, Soft: spec.Geometric, Reduction: none}, batch([]float64{-100}, []float64{1}),
			func(v, ref out) bool { return v.losses[0] == 0 && isNaN(v.grd[0]) && near(ref.losses[0], 100, 1e-6) }},
		// Z2: y=0.5, x=4, γ=2: GEOM modulator 0.01766, ARITH 0.25.
		{"Z2 y=0.5 x=4", "z2-geometric-for-linear", false, spec.Config{Gamma: 2, Reduction: none}, batch([]float64{4}, []float64{0.5}),
			func(v, ref out) bool { return near(v.losses[0]/ref.losses[0], 0.01766/0.25, 1e-3) }},
		// Z3: γ=0.5, f64 y=1 x=37: gradient NaN.
		{"Z3 f64 x=37", "z3-chain-rule-pow", false, spec.Config{Gamma: 0.5, Reduction: none}, batch([]float64{37}, []float64{1}),
			func(v, ref out) bool { return isNaN(v.grd[0]) && !isNaN(ref.grd[0]) }},
		// Z3: γ=0.5, f32 y=1 x=16.7 and y=0 x=−17.4: NaN; finite at 16.6 / −17.3.
		{"Z3 f32 x=16.7,-17.4", "z3-chain-rule-pow", true, spec.Config{Gamma: 0.5, Reduction: none}, batch([]float64{16.7, -17.4, 16.6, -17.3}, []float64{1, 0, 1, 0}),
			func(v, _ out) bool { return isNaN(v.grd[0]) && isNaN(v.grd[1]) && !isNaN(v.grd[2]) && !isNaN(v.grd[3]) }},
		// Z5: x=18, y=1, α=0.5, γ=0 (f32): 0 vs NaN.
		{"Z5 f32 gamma=0 x=18", "z3-chain-rule-pow", true, spec.Config{Gamma: 0, Alpha: []float64{0.5}, Reduction: none}, batch([]float64{18}, []float64{1}),
			func(v, ref out) bool { return isNaN(v.grd[0]) && !isNaN(ref.grd[0]) }},
		// Z6: γ=0.5, x=[−104,−104,104,104], y=[0,1,0,1] (f32): all NaN; finite at ±100.
		{"Z6 f32 x=±104", "z6-exp-underflow-pow", true, spec.Config{Gamma: 0.5, Soft: spec.Split, Reduction: none}, batch([]float64{-104, -104, 104, 104, -100, 100}, []float64{0, 1, 0, 1, 1, 0}),
			func(v, _ out) bool {
				return isNaN(v.grd[0]) && isNaN(v.grd[1]) && isNaN(v.grd[2]) && isNaN(v.grd[3]) && !isNaN(v.grd[4]) && !isNaN(v.grd[5])
			}},
		// Z7: f32, α=0.25, γ=2: negative at x=17 gives 65.50 vs 12.75;
		// positive at x=−200 gives 21.83 vs 50.
		{"Z7 f32", "z7-probability-logs-clamped", true, spec.Config{Gamma: 2, Alpha: []float64{0.25}, Soft: spec.Split, Reduction: none}, batch([]float64{17, -200}, []float64{0, 1}),
			func(v, ref out) bool {
				return near(v.losses[0], 65.50, 1e-3) && near(ref.losses[0], 12.75, 1e-3) && near(v.losses[1], 21.83, 1e-3) && near(ref.losses[1], 50, 1e-6)
			}},
		// Z9: y=1, x=−20: CE 20 vs 16.12, gradient 0.
		{"Z9 x=-20", "z9-sigmoid-then-clip", false, spec.Config{Gamma: 0, Reduction: none}, batch([]float64{-20}, []float64{1}),
			func(v, ref out) bool {
				return near(v.losses[0], 16.12, 1e-3) && v.grd[0] == 0 && near(ref.losses[0], 20, 1e-6)
			}},
		// Z10: ε > 0 with a perfect prediction: nonzero loss (scope ce asked).
		{"Z10 perfect prediction", "z10-smoothing-leak", false, spec.Config{Gamma: 2, LabelSmoothing: 0.1, SmoothingScope: spec.SmoothingCE, Reduction: none}, batch([]float64{30}, []float64{1}),
			func(v, ref out) bool { return v.losses[0] > 1e-3 && ref.losses[0] < 1e-20 }},
		// Z11: α = 0: positives should get weight 0.
		{"Z11 alpha=0", "z11-alpha-zero-off", false, spec.Config{Gamma: 2, Alpha: []float64{0}, Reduction: none}, batch([]float64{-1}, []float64{1}),
			func(v, ref out) bool { return v.losses[0] > 0 && ref.losses[0] == 0 }},
		// Z14: no positive: inf / NaN.
		{"Z14 no positive", "z14-positives-unguarded", false, spec.Config{Gamma: 2, Normalizer: spec.PositivesGuarded}, batch([]float64{1, -1}, []float64{0, 0}),
			func(v, ref out) bool {
				return (math.IsInf(v.loss, 0) || isNaN(v.loss)) && !math.IsInf(ref.loss, 0) && !isNaN(ref.loss)
			}},
		// Z16: f32 β ≥ 1−3e−8 (here 1−1e−9, valid in float64): NaN.
		{"Z16 beta=1-1e-9", "z16-cb-beta-one", false, spec.Config{Gamma: 2, CB: &spec.CB{Beta: 1 - 1e-9, Counts: []float64{100}}, Reduction: none}, batch([]float64{1}, []float64{1}),
			func(v, ref out) bool { return isNaN(v.losses[0]) && !isNaN(ref.losses[0]) }},
		// Z19: weight ≠ 1 has no effect; pos_weight scales a negative.
		{"Z19 weight and pos_weight", "z19-weight-ignored-posweight-all", false, spec.Config{Gamma: 2, Weight: []float64{2}, PosWeight: []float64{3}, Reduction: none}, batch([]float64{1}, []float64{0}),
			func(v, ref out) bool { return near(v.losses[0], 1.5*ref.losses[0], 1e-12) }},
		// Z20: easy examples with γ < 1: CE ≈ 4e−18 gives 1−p_t = 0 (loss 0,
		// gradient infinite); CE = 0 (x = 800) gives NaN.
		{"Z20 easy example", "z20-pt-exp-minus-ce", false, spec.Config{Gamma: 0.5, Soft: spec.ExpCE, Reduction: none}, batch([]float64{40, 800}, []float64{1, 1}),
			func(v, ref out) bool {
				return v.losses[0] == 0 && ref.losses[0] > 0 && math.IsInf(v.grd[0], 0) && isNaN(v.grd[1]) && !isNaN(ref.grd[1])
			}},
		// C1: y=1, x=40: CE = log1p(e^{−40}) = 4.248e−18, log(1+e^{−40}) = 0.
		{"C1 x=40", "c1-log-one-plus", false, spec.Config{Reduction: none}, batch([]float64{40}, []float64{1}),
			func(v, ref out) bool { return v.losses[0] == 0 && near(ref.losses[0], math.Exp(-40), 1e-15) }},
		// C2: y=1: the derivative must be ≤ 0.
		{"C2 sign", "c2-gradient-sign", false, spec.Config{Gamma: 2, Reduction: none}, batch([]float64{1}, []float64{1}),
			func(v, ref out) bool { return v.grd[0] > 0 && ref.grd[0] < 0 }},
		// C3: α = 0.25 on a positive: 0.75·CE instead of 0.25·CE.
		{"C3 swap", "c3-alpha-swapped", false, spec.Config{Alpha: []float64{0.25}, Reduction: none}, batch([]float64{0}, []float64{1}),
			func(v, ref out) bool { return near(v.losses[0], 3*ref.losses[0], 1e-15) }},
		// C4: one row of two classes: the mean is Σ/1 instead of Σ/2.
		{"C4 mean", "c4-mean-over-rows", false, spec.Config{}, spec.Batch{Classes: 2, Logits: []float64{1, -1}, Targets: []float64{1, 0}},
			func(v, ref out) bool { return near(v.loss, 2*ref.loss, 1e-15) }},
		// C6: two losses of 3e38 (f32): the float32 sum overflows, the mean does not.
		{"C6 overflow", "c6-float32-accumulation", true, spec.Config{}, batch([]float64{-3e38, -3e38}, []float64{1, 1}),
			func(v, ref out) bool { return math.IsInf(v.loss, 1) && near(ref.loss, 3e38, 1e-6) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := eval64
			if c.f32 {
				ev = eval32
			}
			v, ref := ev(t, variant(t, c.variant), c.cfg, c.b), ev(t, Reference, c.cfg, c.b)
			if !c.check(v, ref) {
				t.Errorf("%s: variant %+v, reference %+v", c.variant, v, ref)
			}
		})
	}
}

// TestCBVariants: C5 leaves the weights unnormalised (they must sum to C);
// Z16 gives NaN for β that rounds to 1 in float32.
func TestCBVariants(t *testing.T) {
	cb := &spec.CB{Beta: 0.9, Counts: []float64{1, 10}, Normalize: spec.CBSum}
	w, _ := variant(t, "c5-cb-unnormalised").CBWeights(cb)
	r, _ := Reference.CBWeights(cb)
	if near(w[0]+w[1], 2, 1e-3) || !near(r[0]+r[1], 2, 1e-15) {
		t.Errorf("C5: weights %v (sum %v), reference %v", w, w[0]+w[1], r)
	}
}
