package stable

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// TestAgainstExact compares Evaluate and Evaluate32 with the exact oracle
// on seeded random binary batches (rand.New(rand.NewPCG(1, 1))) whose
// logits include the landmarks of SPEC.md §8, under random α, weight,
// pos_weight, CB and reductions: every element loss, gradient and reduced
// loss must be within Contract.
func TestAgainstExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	marks := []float64{0, 5e-324, 0x1p-1022, 16.6, 36.7, 88.72, 103.97, 709.78, 745.13, 1e3, 1e300, math.MaxFloat64}
	for it := range 200 {
		const classes = 3
		n := classes * (1 + rng.IntN(4))
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			switch rng.IntN(3) {
			case 0:
				x[i] = marks[rng.IntN(len(marks))]
			case 1:
				x[i] = math.Exp2(-1074 + 2097*rng.Float64())
			default:
				x[i] = 40 * rng.Float64()
			}
			if math.IsInf(x[i], 0) {
				x[i] = math.MaxFloat64
			}
			if rng.IntN(2) == 0 {
				x[i] = -x[i]
			}
			y[i] = float64(rng.IntN(2))
		}
		y[0] = 1
		cfg := &spec.Config{
			Gamma:      []float64{0, 0.5, 1, 2, 5, 10 * rng.Float64()}[rng.IntN(6)],
			Reduction:  spec.Reduction(rng.IntN(3)),
			Normalizer: spec.Normalizer(rng.IntN(4)),
		}
		if rng.IntN(2) == 0 {
			cfg.Alpha = []float64{rng.Float64()}
		}
		if rng.IntN(2) == 0 {
			cfg.Weight = []float64{1e-3, 2, 1e3}
			cfg.PosWeight = []float64{3, 0.5, 1}
		}
		if rng.IntN(3) == 0 {
			cfg.CB = &spec.CB{Beta: 0.999, Counts: []float64{1, 40, 9000}, Normalize: spec.CBNormalize(rng.IntN(2))}
		}
		var got, want spec.Result
		b := spec.Batch{Classes: classes, Logits: x, Targets: y}
		if err := (Evaluator{}).Evaluate(cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if d := ulp.Dist(got.Losses[i], want.Losses[i]); d > Contract.Loss {
				t.Errorf("batch %d x=%v y=%v γ=%v: loss %v, exact %v: %v ulp", it, x[i], y[i], cfg.Gamma, got.Losses[i], want.Losses[i], d)
			}
			if d := ulp.Dist(got.Grad[i], want.Grad[i]); d > Contract.Grad {
				t.Errorf("batch %d x=%v y=%v γ=%v: grad %v, exact %v: %v ulp", it, x[i], y[i], cfg.Gamma, got.Grad[i], want.Grad[i], d)
			}
		}
		if d := ulp.Dist(got.Loss, want.Loss); d > Contract.Reduced {
			t.Errorf("batch %d: reduced loss %v, exact %v: %v ulp", it, got.Loss, want.Loss, d)
		}
		// float32: the same batch on float32 logits.
		x32 := make([]float32, n)
		y32 := make([]float32, n)
		for i := range x {
			x32[i], y32[i] = float32(math.Max(-math.MaxFloat32, math.Min(math.MaxFloat32, x[i]))), float32(y[i])
		}
		b32 := spec.Batch32{Classes: classes, Logits: x32, Targets: y32}
		var got32, want32 spec.Result32
		if err := (Evaluator{}).Evaluate32(cfg, b32, &got32); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate32(cfg, b32, &want32); err != nil {
			t.Fatal(err)
		}
		for i := range x32 {
			if d := ulp.Dist32(got32.Losses[i], want32.Losses[i]); d > Contract.Loss32 {
				t.Errorf("batch %d x=%v y=%v γ=%v: loss32 %v, exact %v: %v ulp", it, x32[i], y32[i], cfg.Gamma, got32.Losses[i], want32.Losses[i], d)
			}
			if d := ulp.Dist32(got32.Grad[i], want32.Grad[i]); d > Contract.Grad32 {
				t.Errorf("batch %d x=%v y=%v γ=%v: grad32 %v, exact %v: %v ulp", it, x32[i], y32[i], cfg.Gamma, got32.Grad[i], want32.Grad[i], d)
			}
		}
		if d := ulp.Dist32(got32.Loss, want32.Loss); d > Contract.Reduced32 {
			t.Errorf("batch %d: reduced loss32 %v, exact %v: %v ulp", it, got32.Loss, want32.Loss, d)
		}
	}
}

var measureExact = flag.Int("stable.measureexact", 0, "number of random binary cases to compare with spec/exact")

// TestMeasureExact draws -stable.measureexact binary cases as TestMeasure
// does and prints the maximum ulp distance of the element loss and
// gradient, float64 and float32, to the exact oracle:
//
//	go test ./impl/stable/ -run TestMeasureExact -stable.measureexact=100000 -v
func TestMeasureExact(t *testing.T) {
	if *measureExact == 0 {
		t.Skip("measurement: run with -stable.measureexact=N")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	var worst [4]float64
	for range *measureExact {
		x, x32, y, cfg := binaryCase(rng)
		var got, want spec.Result
		b := spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}
		if err := (Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		var got32, want32 spec.Result32
		b32 := spec.Batch32{Classes: 1, Logits: []float32{x32}, Targets: []float32{float32(y)}}
		if err := (Evaluator{}).Evaluate32(&cfg, b32, &got32); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate32(&cfg, b32, &want32); err != nil {
			t.Fatal(err)
		}
		for i, d := range []float64{
			ulp.Dist(got.Losses[0], want.Losses[0]), ulp.Dist(got.Grad[0], want.Grad[0]),
			ulp.Dist32(got32.Losses[0], want32.Losses[0]), ulp.Dist32(got32.Grad[0], want32.Grad[0]),
		} {
			if d > worst[i] {
				worst[i] = d
				t.Logf("new max %d: %v ulp at x=%v x32=%v y=%v cfg=%+v", i, d, x, x32, y, cfg)
			}
		}
	}
	t.Logf("%d cases: max ulp loss %v grad %v loss32 %v grad32 %v", *measureExact, worst[0], worst[1], worst[2], worst[3])
}

// TestSoftAgainstExact compares soft targets and label smoothing, every
// soft semantics and scope, with the exact oracle on seeded random cases:
// |got − exact| ≤ SoftRel·(|exact| + S), S = (1+pw)(1+γ)(1+|x|) (W = D = 1),
// and SoftRel32 on the float32 path.
func TestSoftAgainstExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for it := range 400 {
		x := float64(float32(math.Exp2(-30 + 40*rng.Float64())))
		if rng.IntN(8) == 0 {
			x = extremes32[rng.IntN(len(extremes32))]
		}
		if rng.IntN(2) == 0 {
			x = -x
		}
		y := float64(float32(rng.Float64()))
		cfg := spec.Config{Reduction: spec.None, Soft: spec.Soft(rng.IntN(4)), SmoothingScope: spec.Scope(rng.IntN(2)),
			Gamma: []float64{0, 0.5, 1, 2, 5, float64(float32(10 * rng.Float64()))}[rng.IntN(6)]}
		if rng.IntN(2) == 0 {
			cfg.LabelSmoothing = float64(float32(0.3 * rng.Float64()))
		}
		pw := float64(float32(math.Exp2(-4 + 8*rng.Float64())))
		cfg.PosWeight = []float64{pw}
		cfg.Alpha = []float64{float64(float32(rng.Float64()))}
		s := (1 + pw) * (1 + cfg.Gamma) * (1 + math.Abs(x))
		var got, want spec.Result
		b := spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}
		if err := (Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		var got32, want32 spec.Result32
		b32 := spec.Batch32{Classes: 1, Logits: []float32{float32(x)}, Targets: []float32{float32(y)}}
		if err := (Evaluator{}).Evaluate32(&cfg, b32, &got32); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate32(&cfg, b32, &want32); err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			what      string
			got, want float64
			rel       float64
		}{
			{"loss", got.Losses[0], want.Losses[0], Contract.SoftRel},
			{"grad", got.Grad[0], want.Grad[0], Contract.SoftRel},
			{"loss32", float64(got32.Losses[0]), float64(want32.Losses[0]), Contract.SoftRel32},
			{"grad32", float64(got32.Grad[0]), float64(want32.Grad[0]), Contract.SoftRel32},
		} {
			if v.got == v.want || (math.IsInf(v.want, 0) && math.Abs(v.got) == math.MaxFloat32 && v.got*v.want > 0) {
				continue // equal, or saturated where the exact value rounds to ±Inf
			}
			if math.Abs(v.got-v.want) > v.rel*(math.Abs(v.want)+s) {
				t.Errorf("case %d x=%v y=%v cfg=%+v: %s %v, exact %v", it, x, y, cfg, v.what, v.got, v.want)
			}
		}
	}
}
