package naive_test

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

var measure = flag.Int("naive.measure", 0, "scan this many logits per sign and print the measured domain")

var softs = []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE}

// TestHandValues checks single elements against values from the exact
// oracle (spec/exact, default precision) computed in the test.
func TestHandValues(t *testing.T) {
	for _, tc := range []struct {
		x, y, gamma float64
		reason      string
	}{
		{0, 1, 2, "p = 1/2: loss (1/2)^2·log 2"},
		{1, 1, 2, "positive target, confident"},
		{-2, 0, 0.5, "negative target, γ < 1"},
		{2, 0, 5, "wrong side, large γ"},
	} {
		cfg := &spec.Config{Gamma: tc.gamma, Reduction: spec.None}
		b := spec.Batch{Classes: 1, Logits: []float64{tc.x}, Targets: []float64{tc.y}}
		var got, want spec.Result
		if err := (naive.Evaluator{}).Evaluate(cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		if d := ulp.Dist(got.Losses[0], want.Losses[0]); d > naive.Contract.Loss {
			t.Errorf("%s: loss %v, exact %v (%v ulp)", tc.reason, got.Losses[0], want.Losses[0], d)
		}
		if d := ulp.Dist(got.Grad[0], want.Grad[0]); d > naive.Contract.Grad {
			t.Errorf("%s: grad %v, exact %v (%v ulp)", tc.reason, got.Grad[0], want.Grad[0], d)
		}
	}
}

// TestOracle compares seeded binary batches with |x| ≤ Domain against the
// exact oracle, for every semantics and both dtypes.
func TestOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, soft := range softs {
		for _, gamma := range []float64{0, 0.5, 2} {
			cfg := &spec.Config{Gamma: gamma, Soft: soft, Alpha: []float64{0.25}, Reduction: spec.None}
			const n = 40
			b := spec.Batch{Classes: 1, Logits: make([]float64, n), Targets: make([]float64, n)}
			b32 := spec.Batch32{Classes: 1, Logits: make([]float32, n), Targets: make([]float32, n)}
			for i := range n {
				b.Logits[i] = (2*rng.Float64() - 1) * naive.Contract.Domain
				b.Targets[i] = float64(rng.IntN(2))
				b32.Logits[i] = float32((2*rng.Float64() - 1) * naive.Contract.Domain32)
				b32.Targets[i] = float32(b.Targets[i])
			}
			var got, want spec.Result
			var got32, want32 spec.Result32
			for _, err := range []error{
				naive.Evaluator{}.Evaluate(cfg, b, &got), exact.Evaluator{}.Evaluate(cfg, b, &want),
				naive.Evaluator{}.Evaluate32(cfg, b32, &got32), exact.Evaluator{}.Evaluate32(cfg, b32, &want32),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			for i := range n {
				if d := ulp.Dist(got.Losses[i], want.Losses[i]); d > naive.Contract.Loss {
					t.Errorf("%v γ=%v x=%v y=%v: loss %v ulp", soft, gamma, b.Logits[i], b.Targets[i], d)
				}
				if d := ulp.Dist(got.Grad[i], want.Grad[i]); d > naive.Contract.Grad {
					t.Errorf("%v γ=%v x=%v y=%v: grad %v ulp", soft, gamma, b.Logits[i], b.Targets[i], d)
				}
				if d := ulp.Dist32(got32.Losses[i], want32.Losses[i]); d > naive.Contract.Loss32 {
					t.Errorf("float32 %v γ=%v x=%v y=%v: loss %v ulp", soft, gamma, b32.Logits[i], b32.Targets[i], d)
				}
				if d := ulp.Dist32(got32.Grad[i], want32.Grad[i]); d > naive.Contract.Grad32 {
					t.Errorf("float32 %v γ=%v x=%v y=%v: grad %v ulp", soft, gamma, b32.Logits[i], b32.Targets[i], d)
				}
			}
		}
	}
}

// TestNaNFree evaluates extreme logits for every semantics and γ.
func TestNaNFree(t *testing.T) {
	var xs []float64
	for _, v := range []float64{0, math.SmallestNonzeroFloat64, 1e-310, 16.6, 36.7, 88.72, 709.78, 745.13, 1e300, math.MaxFloat64} {
		xs = append(xs, v, -v)
	}
	for _, soft := range softs {
		for _, gamma := range []float64{0, 0.25, 0.5, 1, 2, 5} {
			for _, eps := range []float64{0, 0.1} {
				cfg := &spec.Config{Gamma: gamma, Soft: soft, LabelSmoothing: eps, Reduction: spec.None}
				var b spec.Batch
				b.Classes = 1
				for _, x := range xs {
					for _, y := range []float64{0, 0.3, 1} {
						b.Logits, b.Targets = append(b.Logits, x), append(b.Targets, y)
					}
				}
				b32 := spec.Batch32{Classes: 1}
				for i := range b.Logits {
					b32.Logits = append(b32.Logits, float32(math.Max(-math.MaxFloat32, math.Min(math.MaxFloat32, b.Logits[i]))))
					b32.Targets = append(b32.Targets, float32(b.Targets[i]))
				}
				var r spec.Result
				var r32 spec.Result32
				if err := (naive.Evaluator{}).Evaluate(cfg, b, &r); err != nil {
					t.Fatal(err)
				}
				if err := (naive.Evaluator{}).Evaluate32(cfg, b32, &r32); err != nil {
					t.Fatal(err)
				}
				for i := range r.Losses {
					if math.IsNaN(r.Losses[i]) || math.IsNaN(r.Grad[i]) {
						t.Errorf("%v γ=%v ε=%v x=%v y=%v: NaN", soft, gamma, eps, b.Logits[i], b.Targets[i])
					}
					if math.IsNaN(float64(r32.Losses[i])) || math.IsNaN(float64(r32.Grad[i])) {
						t.Errorf("float32 %v γ=%v ε=%v x=%v y=%v: NaN", soft, gamma, eps, b32.Logits[i], b32.Targets[i])
					}
				}
			}
		}
	}
}

// TestMeasure scans |x| on a grid of -naive.measure points per unit and
// prints, per dtype, the largest |x| below which loss and gradient stay
// within Contract's ulp bounds for every semantics, γ and target.
func TestMeasure(t *testing.T) {
	if *measure == 0 {
		t.Skip("set -naive.measure=N to run")
	}
	for _, f32 := range []bool{false, true} {
		bad := math.Inf(1)
		worst := 0.0
		for i := 1; i <= *measure; i++ {
			x := 40 * float64(i) / float64(*measure)
			if f32 {
				x = float64(float32(x))
			}
			for _, soft := range softs {
				for _, gamma := range []float64{0, 0.5, 2} {
					cfg := &spec.Config{Gamma: gamma, Soft: soft, Reduction: spec.None}
					for _, sx := range []float64{x, -x} {
						b := spec.Batch{Classes: 1, Logits: []float64{sx, sx}, Targets: []float64{0, 1}}
						var dl, dg float64
						if f32 {
							b32 := spec.Batch32{Classes: 1, Logits: []float32{float32(sx), float32(sx)}, Targets: []float32{0, 1}}
							var g, w spec.Result32
							naive.Evaluator{}.Evaluate32(cfg, b32, &g)
							exact.Evaluator{}.Evaluate32(cfg, b32, &w)
							for k := range 2 {
								dl = math.Max(dl, ulp.Dist32(g.Losses[k], w.Losses[k]))
								dg = math.Max(dg, ulp.Dist32(g.Grad[k], w.Grad[k]))
							}
						} else {
							var g, w spec.Result
							naive.Evaluator{}.Evaluate(cfg, b, &g)
							exact.Evaluator{}.Evaluate(cfg, b, &w)
							for k := range 2 {
								dl = math.Max(dl, ulp.Dist(g.Losses[k], w.Losses[k]))
								dg = math.Max(dg, ulp.Dist(g.Grad[k], w.Grad[k]))
							}
						}
						if x < bad && x <= naive.Contract.Domain {
							worst = math.Max(worst, math.Max(dl, dg))
						}
						lim, glim := naive.Contract.Loss, naive.Contract.Grad
						if f32 {
							lim, glim = naive.Contract.Loss32, naive.Contract.Grad32
						}
						if (dl > lim || dg > glim) && x < bad {
							bad = x
						}
					}
				}
			}
		}
		fmt.Printf("float32=%v: first |x| beyond the bound %v (domain is below it); worst ulp for |x| ≤ Domain: %v\n", f32, bad, worst)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1000, 1000000} {
		rng := rand.New(rand.NewPCG(1, 1))
		xs, ys := make([]float64, n), make([]float64, n)
		xs32, ys32 := make([]float32, n), make([]float32, n)
		for i := range n {
			xs[i] = 3 * rng.NormFloat64()
			if rng.Float64() < 0.1 {
				ys[i] = 1
			}
			xs32[i], ys32[i] = float32(xs[i]), float32(ys[i])
		}
		for _, gamma := range []float64{2, 0.5} {
			cfg := &spec.Config{Gamma: gamma, Alpha: []float64{0.25}}
			b.Run(fmt.Sprintf("N=%d/gamma=%v/float64", n, gamma), func(b *testing.B) {
				var r spec.Result
				b.ReportAllocs()
				for b.Loop() {
					naive.Evaluator{}.Evaluate(cfg, spec.Batch{Classes: 1, Logits: xs, Targets: ys}, &r)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
			})
			b.Run(fmt.Sprintf("N=%d/gamma=%v/float32", n, gamma), func(b *testing.B) {
				var r spec.Result32
				b.ReportAllocs()
				for b.Loop() {
					naive.Evaluator{}.Evaluate32(cfg, spec.Batch32{Classes: 1, Logits: xs32, Targets: ys32}, &r)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
			})
		}
	}
}
