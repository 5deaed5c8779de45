package vectorized

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// logUniform draws a positive float64 with its binary exponent uniform in
// [lo, hi].
func logUniform(rng *rand.Rand, lo, hi int) float64 {
	return math.Ldexp(1+rng.Float64(), lo+rng.IntN(hi-lo+1))
}

// TestWideExtremes holds both paths to Contract against spec/exact, in
// ulp, on binary batches whose weights, pos_weight and α span the whole
// float64 range (subnormals included) and whose logits reach past ±700,
// where e^{-|x|} is subnormal or underflows: the inputs of the careful
// path (elemWide). A mean over Σy < 1 is covered by TestRegressions (it
// needs soft targets).
func TestWideExtremes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const C, rows = 2, 3
	wide := func() float64 {
		if rng.IntN(4) == 0 {
			return []float64{1, math.MaxFloat64, 0x1p-1074}[rng.IntN(3)]
		}
		return logUniform(rng, -1074, 1023)
	}
	paths(t, func(path string) {
		var e maxErr
		for range 40 {
			cfg := spec.Config{Gamma: drawGamma(rng), Soft: spec.Soft(rng.IntN(4)), Reduction: spec.Reduction(rng.IntN(3)),
				Weight: []float64{wide(), wide()}, PosWeight: []float64{wide(), wide()}}
			if rng.IntN(2) == 0 {
				cfg.Alpha = []float64{logUniform(rng, -1074, -1)}
			}
			b := spec.Batch{Classes: C, Logits: make([]float64, rows*C), Targets: make([]float64, rows*C)}
			for i := range b.Logits {
				switch rng.IntN(3) {
				case 0:
					b.Logits[i] = 690 + 900*rng.Float64()
				case 1:
					b.Logits[i] = logUniform(rng, -20, 1023)
				default:
					b.Logits[i] = 50 * rng.Float64()
				}
				if rng.IntN(2) == 0 {
					b.Logits[i] = -b.Logits[i]
				}
				b.Targets[i] = float64(rng.IntN(2))
			}
			b.Targets[0] = 1
			var r, x spec.Result
			if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
				t.Fatal(err)
			}
			if err := (exact.Evaluator{}).Evaluate(&cfg, b, &x); err != nil {
				t.Fatal(err)
			}
			for i := range r.Losses {
				w := func() string { return fmt.Sprintf("x=%v y=%v cfg=%+v", b.Logits[i], b.Targets[i], cfg) }
				e.see("loss", ulp.Dist(r.Losses[i], x.Losses[i]), w)
				e.see("grad", ulp.Dist(r.Grad[i], x.Grad[i]), w)
			}
			if cfg.Reduction != spec.None {
				e.see("red", ulp.Dist(r.Loss, x.Loss), func() string { return fmt.Sprintf("cfg=%+v", cfg) })
			}
		}
		t.Logf("%s float64: %v", path, &e)
		if c := Contract; !(e.loss <= c.Loss && e.grad <= c.Grad && e.red <= c.Reduced) {
			t.Errorf("%s float64: %v", path, &e)
		}

		// float32: the same draws within the float32 range (weights from
		// 2^-149 to 2^127, logits to ±3.4e38).
		var e32 maxErr
		wide32 := func() float64 {
			return float64(float32(logUniform(rng, -149, 126)))
		}
		for range 20 {
			cfg := spec.Config{Gamma: drawGamma(rng), Soft: spec.Soft(rng.IntN(4)), Reduction: spec.Reduction(rng.IntN(3)),
				Weight: []float64{wide32(), wide32()}, PosWeight: []float64{wide32(), wide32()}}
			b := spec.Batch32{Classes: C, Logits: make([]float32, rows*C), Targets: make([]float32, rows*C)}
			for i := range b.Logits {
				switch rng.IntN(3) {
				case 0:
					b.Logits[i] = float32(690 + 900*rng.Float64())
				case 1:
					b.Logits[i] = float32(logUniform(rng, -20, 126))
				default:
					b.Logits[i] = float32(50 * rng.Float64())
				}
				if rng.IntN(2) == 0 {
					b.Logits[i] = -b.Logits[i]
				}
				b.Targets[i] = float32(rng.IntN(2))
			}
			b.Targets[0] = 1
			var r, x spec.Result32
			if err := (Evaluator{}).Evaluate32(&cfg, b, &r); err != nil {
				t.Fatal(err)
			}
			if err := (exact.Evaluator{}).Evaluate32(&cfg, b, &x); err != nil {
				t.Fatal(err)
			}
			for i := range r.Losses {
				w := func() string { return fmt.Sprintf("x=%v y=%v cfg=%+v", b.Logits[i], b.Targets[i], cfg) }
				e32.see("loss", ulp.Dist32(r.Losses[i], x.Losses[i]), w)
				e32.see("grad", ulp.Dist32(r.Grad[i], x.Grad[i]), w)
			}
			if cfg.Reduction != spec.None {
				e32.see("red", ulp.Dist32(r.Loss, x.Loss), func() string { return fmt.Sprintf("cfg=%+v", cfg) })
			}
		}
		t.Logf("%s float32: %v", path, &e32)
		if c := Contract; !(e32.loss <= c.Loss32 && e32.grad <= c.Grad32 && e32.red <= c.Reduced32) {
			t.Errorf("%s float32: %v", path, &e32)
		}
	})
}
