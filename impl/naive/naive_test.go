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

// within reports whether got is within Contract's bound of the exact want:
// |got − want| ≤ rel·(|want| + S), S = (1+pw)·(1+γ)·(1+|x|) with W = 1 and
// pw = 1 (naive makes no ulp promise; see Contract).
func within(got, want, rel, gamma, x float64) bool {
	return ulp.WithinSoftRel(got, want, rel, ulp.SoftScale(1, 1, gamma, x, 1))
}

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
		if !within(got.Losses[0], want.Losses[0], naive.Contract.SoftRel, tc.gamma, tc.x) {
			t.Errorf("%s: loss %v, exact %v", tc.reason, got.Losses[0], want.Losses[0])
		}
		if !within(got.Grad[0], want.Grad[0], naive.Contract.SoftRel, tc.gamma, tc.x) {
			t.Errorf("%s: grad %v, exact %v", tc.reason, got.Grad[0], want.Grad[0])
		}
	}
}

// TestOracle compares seeded binary batches with |x| ≤ Domain (Domain32)
// against the exact oracle, for every semantics and both dtypes, γ up to
// 50 (the error in ulp grows with γ; the bound scaled by S does not).
func TestOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, soft := range softs {
		for _, gamma := range []float64{0, 0.5, 2, 50} {
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
				x, x32 := b.Logits[i], float64(b32.Logits[i])
				if !within(got.Losses[i], want.Losses[i], naive.Contract.SoftRel, gamma, x) ||
					!within(got.Grad[i], want.Grad[i], naive.Contract.SoftRel, gamma, x) {
					t.Errorf("%v γ=%v x=%v y=%v: (%v, %v), exact (%v, %v)", soft, gamma, x, b.Targets[i], got.Losses[i], got.Grad[i], want.Losses[i], want.Grad[i])
				}
				if !within(float64(got32.Losses[i]), float64(want32.Losses[i]), naive.Contract.SoftRel32, gamma, x32) ||
					!within(float64(got32.Grad[i]), float64(want32.Grad[i]), naive.Contract.SoftRel32, gamma, x32) {
					t.Errorf("float32 %v γ=%v x=%v y=%v: (%v, %v), exact (%v, %v)", soft, gamma, x32, b32.Targets[i], got32.Losses[i], got32.Grad[i], want32.Losses[i], want32.Grad[i])
				}
				// Near 0 the same form holds to a few units of u: Contract's
				// table measures at most 2.5u (float32 1.7u) for |x| ≤ 4,
				// held here to about 3× that, 8u (float32 6u).
				if math.Abs(x) <= 4 && (!within(got.Losses[i], want.Losses[i], 8*0x1p-53, gamma, x) ||
					!within(got.Grad[i], want.Grad[i], 8*0x1p-53, gamma, x)) {
					t.Errorf("|x| ≤ 4: %v γ=%v x=%v y=%v: (%v, %v), exact (%v, %v)", soft, gamma, x, b.Targets[i], got.Losses[i], got.Grad[i], want.Losses[i], want.Grad[i])
				}
				if math.Abs(x32) <= 4 && (!within(float64(got32.Losses[i]), float64(want32.Losses[i]), 6*0x1p-24, gamma, x32) ||
					!within(float64(got32.Grad[i]), float64(want32.Grad[i]), 6*0x1p-24, gamma, x32)) {
					t.Errorf("|x| ≤ 4: float32 %v γ=%v x=%v y=%v: (%v, %v), exact (%v, %v)", soft, gamma, x32, b32.Targets[i], got32.Losses[i], got32.Grad[i], want32.Losses[i], want32.Grad[i])
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

// TestMeasure prints the table of Contract's doc comment: per dtype and
// per range |x| ≤ k, the largest error of a binary element in ulp (γ ≤ 2
// and γ ≤ 50) and relative to the scale of the contract's bound,
// |got − exact|/(|exact| + S) in units of u (2⁻⁵³, float32 2⁻²⁴), over
// -naive.measure logits per sign on (0, 40], every semantics, γ ∈ {0, 0.5,
// 2, 5, 50}, y ∈ {0, 1}.
func TestMeasure(t *testing.T) {
	if *measure == 0 {
		t.Skip("set -naive.measure=N to run")
	}
	gammas := []float64{0, 0.5, 2, 5, 50}
	for _, f32 := range []bool{false, true} {
		u := 0x1p-53
		if f32 {
			u = 0x1p-24
		}
		var ulp2, ulpAll, soft [41]float64
		for i := 1; i <= *measure; i++ {
			x := 40 * float64(i) / float64(*measure)
			if f32 {
				x = float64(float32(x))
			}
			k := int(math.Ceil(x))
			for _, sm := range softs {
				for _, gamma := range gammas {
					cfg := &spec.Config{Gamma: gamma, Soft: sm, Reduction: spec.None}
					xs, ys := []float64{x, x, -x, -x}, []float64{0, 1, 0, 1}
					var gl, gg, wl, wg []float64
					if f32 {
						b := spec.Batch32{Classes: 1}
						for j := range xs {
							b.Logits, b.Targets = append(b.Logits, float32(xs[j])), append(b.Targets, float32(ys[j]))
						}
						var g, w spec.Result32
						if err := (naive.Evaluator{}).Evaluate32(cfg, b, &g); err != nil {
							t.Fatal(err)
						}
						if err := (exact.Evaluator{}).Evaluate32(cfg, b, &w); err != nil {
							t.Fatal(err)
						}
						for j := range xs {
							gl, gg = append(gl, float64(g.Losses[j])), append(gg, float64(g.Grad[j]))
							wl, wg = append(wl, float64(w.Losses[j])), append(wg, float64(w.Grad[j]))
						}
					} else {
						b := spec.Batch{Classes: 1, Logits: xs, Targets: ys}
						var g, w spec.Result
						if err := (naive.Evaluator{}).Evaluate(cfg, b, &g); err != nil {
							t.Fatal(err)
						}
						if err := (exact.Evaluator{}).Evaluate(cfg, b, &w); err != nil {
							t.Fatal(err)
						}
						gl, gg, wl, wg = g.Losses, g.Grad, w.Losses, w.Grad
					}
					for j := range xs {
						d := math.Max(ulp.Dist(gl[j], wl[j]), ulp.Dist(gg[j], wg[j]))
						if f32 {
							d = math.Max(ulp.Dist32(float32(gl[j]), float32(wl[j])), ulp.Dist32(float32(gg[j]), float32(wg[j])))
						}
						if gamma <= 2 {
							ulp2[k] = math.Max(ulp2[k], d)
						}
						ulpAll[k] = math.Max(ulpAll[k], d)
						S := ulp.SoftScale(1, 1, gamma, x, 1)
						e := math.Max(math.Abs(gl[j]-wl[j])/(math.Abs(wl[j])+S), math.Abs(gg[j]-wg[j])/(math.Abs(wg[j])+S))
						soft[k] = math.Max(soft[k], e/u)
					}
				}
			}
		}
		fmt.Printf("float32=%v\n|x|≤  ulp(γ≤2)  ulp(γ≤50)  err/(|exact|+S)/u\n", f32)
		for k := 1; k <= 40; k++ {
			fmt.Printf("%3d %10.3g %10.3g %10.3g\n", k, ulp2[k], ulpAll[k], soft[k])
		}
	}
}

// TestCBWeights holds the direct (1−β)/(1−β^n) to Contract.SoftRel
// relative of the exact weight, for β from 0.9 to within 1 ulp of 1 and n
// from 2 to 2^53 (its error is about u/(1−β^n) and at most about √u), and
// prints the largest error with -v.
func TestCBWeights(t *testing.T) {
	worst := 0.0
	for _, beta := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999, 1 - 0x1p-30, 1 - 0x1p-40, 1 - 0x1p-50, 1 - 8*0x1p-53, 1 - 2*0x1p-53, 1 - 0x1p-53} {
		for _, n := range []float64{1, 2, 3, 7, 10, 100, 321, 1000, 98765, 1e6, 1e9, 12345678901, 1e12, 1 << 40, 1e15, 1 << 52, 1 << 53} {
			cb := &spec.CB{Beta: beta, Counts: []float64{n}}
			g, err := naive.Evaluator{}.CBWeights(cb)
			if err != nil {
				t.Fatal(err)
			}
			w, err := exact.Evaluator{}.CBWeights(cb)
			if err != nil {
				t.Fatal(err)
			}
			e := math.Abs(g[0]-w[0]) / w[0]
			worst = math.Max(worst, e)
			if e > naive.Contract.SoftRel {
				t.Errorf("β = %v, n = %v: weight %v, exact %v (relative error %.3g)", beta, n, g[0], w[0], e)
			}
		}
	}
	t.Logf("largest relative error of the CB weight: %.3g", worst)
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

// TestZeroAlphaTimesOverflow: α_t = 0 times a cross-entropy that overflows
// (pw·sp(−x) = 2·MaxFloat64 at x = −MaxFloat64, y = 1) is 0, as in the
// spec's formula, not 0·Inf = NaN. Found by props' NoNaN.
func TestZeroAlphaTimesOverflow(t *testing.T) {
	for _, soft := range softs {
		cfg := &spec.Config{Gamma: 1, Soft: soft, Alpha: []float64{0}, PosWeight: []float64{2}, Reduction: spec.Sum}
		b := spec.Batch{Classes: 1, Logits: []float64{-math.MaxFloat64}, Targets: []float64{1}}
		var r spec.Result
		if err := (naive.Evaluator{}).Evaluate(cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Losses[0] != 0 || r.Loss != 0 || math.IsNaN(r.Grad[0]) {
			t.Errorf("%v: loss %v, reduced %v, grad %v; want 0, 0 and no NaN", soft, r.Losses[0], r.Loss, r.Grad[0])
		}
	}
}
