package vectorized

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

// BenchmarkEvaluate times Evaluate and Evaluate32 on binary targets with
// 10% positives and logits 3·N(0,1) (seed 1), α = 0.25, reduction mean.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1e3, 1e6, 1e7} {
		rng := rand.New(rand.NewPCG(1, 1))
		bt := spec.Batch{Classes: 1, Logits: make([]float64, n), Targets: make([]float64, n)}
		for i := range n {
			bt.Logits[i] = 3 * rng.NormFloat64()
			if rng.IntN(10) == 0 {
				bt.Targets[i] = 1
			}
		}
		b32 := to32(bt)
		for _, gamma := range []float64{2, 0.5} {
			cfg := spec.Config{Gamma: gamma, Alpha: []float64{0.25}}
			for _, dtype := range []string{"float32", "float64"} {
				for _, w := range []int{1, 2} {
					name := fmt.Sprintf("N=%d/gamma=%v/%s/workers=%d", n, gamma, dtype, w)
					b.Run(name, func(b *testing.B) {
						e := Evaluator{Workers: w}
						var r spec.Result
						var r32 spec.Result32
						b.ReportAllocs()
						for b.Loop() {
							var err error
							if dtype == "float32" {
								err = e.Evaluate32(&cfg, b32, &r32)
							} else {
								err = e.Evaluate(&cfg, bt, &r)
							}
							if err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
					})
				}
			}
		}
	}
}
