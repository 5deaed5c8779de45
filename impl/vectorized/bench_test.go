package vectorized_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/impl/vectorized"
	"github.com/focalcheck/focalcheck/spec"
)

// benchInput is the benchmark batch of n elements: logits 3·N(0,1) and
// 10% positive binary targets (seed 1), in both dtypes.
type benchInput struct {
	b   spec.Batch
	b32 spec.Batch32
}

var (
	benchMu     sync.Mutex
	benchInputs = map[int]*benchInput{}
)

func input(n int) *benchInput {
	benchMu.Lock()
	defer benchMu.Unlock()
	if in, ok := benchInputs[n]; ok {
		return in
	}
	rng := rand.New(rand.NewPCG(1, 1))
	in := &benchInput{
		b:   spec.Batch{Classes: 1, Logits: make([]float64, n), Targets: make([]float64, n)},
		b32: spec.Batch32{Classes: 1, Logits: make([]float32, n), Targets: make([]float32, n)},
	}
	for i := range n {
		in.b.Logits[i] = 3 * rng.NormFloat64()
		if rng.IntN(10) == 0 {
			in.b.Targets[i] = 1
		}
		in.b32.Logits[i], in.b32.Targets[i] = float32(in.b.Logits[i]), float32(in.b.Targets[i])
	}
	benchInputs[n] = in
	return in
}

// benchEval times e on the batch of n elements with γ, α = 0.25 and the
// mean over all elements, reporting ns/elem; the result storage is sized
// before the timed loop, so allocs/op counts the evaluation's own.
func benchEval(b *testing.B, e spec.Evaluator, n int, gamma float64, dtype string) {
	in := input(n)
	cfg := spec.Config{Gamma: gamma, Alpha: []float64{0.25}}
	var r spec.Result
	var r32 spec.Result32
	r.Resize(n)
	r32.Resize(n)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dtype == "float32" {
			err = e.Evaluate32(&cfg, in.b32, &r32)
		} else {
			err = e.Evaluate(&cfg, in.b, &r)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// BenchmarkEvaluate times vectorized at N = 1e3, 1e6, 1e7 with 1 and 2
// goroutines, and stable and naive (one goroutine, their only mode) on the
// same inputs at N = 1e3 and 1e6, for γ = 2 and 0.5 and both dtypes; the
// ratios vectorized/stable come from one run.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{1e3, 1e6, 1e7} {
		for _, gamma := range []float64{2, 0.5} {
			for _, dtype := range []string{"float32", "float64"} {
				for _, w := range []int{1, 2} {
					b.Run(fmt.Sprintf("impl=vectorized/N=%d/gamma=%v/%s/workers=%d", n, gamma, dtype, w), func(b *testing.B) {
						benchEval(b, vectorized.Evaluator{Workers: w}, n, gamma, dtype)
					})
				}
				if n > 1e6 {
					continue
				}
				for _, e := range []spec.Evaluator{stable.Evaluator{}, naive.Evaluator{}} {
					b.Run(fmt.Sprintf("impl=%s/N=%d/gamma=%v/%s/workers=1", e.Name(), n, gamma, dtype), func(b *testing.B) {
						benchEval(b, e, n, gamma, dtype)
					})
				}
			}
		}
	}
}
