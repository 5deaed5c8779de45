package stable_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/spec"
)

var sinkLoss float64

// BenchmarkEvaluate measures ns/element on N = 1e3 and 1e6 elements
// (one class), logits 3·N(0,1), 10% positives, α = 0.25, mean reduction.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1000, 1000000} {
		rng := rand.New(rand.NewPCG(1, 1))
		x := make([]float64, n)
		y := make([]float64, n)
		x32 := make([]float32, n)
		y32 := make([]float32, n)
		for i := range x {
			x[i] = 3 * rng.NormFloat64()
			if rng.Float64() < 0.1 {
				y[i] = 1
			}
			x32[i], y32[i] = float32(x[i]), float32(y[i])
		}
		for _, g := range []float64{2, 0.5} {
			cfg := &spec.Config{Gamma: g, Alpha: []float64{0.25}}
			b.Run(fmt.Sprintf("N=%d/gamma=%g/float64", n, g), func(b *testing.B) {
				var r spec.Result
				b.ReportAllocs()
				for b.Loop() {
					if err := (stable.Evaluator{}).Evaluate(cfg, spec.Batch{Classes: 1, Logits: x, Targets: y}, &r); err != nil {
						b.Fatal(err)
					}
				}
				sinkLoss = r.Loss
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
			})
			b.Run(fmt.Sprintf("N=%d/gamma=%g/float32", n, g), func(b *testing.B) {
				var r spec.Result32
				b.ReportAllocs()
				for b.Loop() {
					if err := (stable.Evaluator{}).Evaluate32(cfg, spec.Batch32{Classes: 1, Logits: x32, Targets: y32}, &r); err != nil {
						b.Fatal(err)
					}
				}
				sinkLoss = float64(r.Loss)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/element")
			})
		}
	}
}
