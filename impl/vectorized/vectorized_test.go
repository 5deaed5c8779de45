package vectorized

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

// extremes are logits that stress the clamps and underflows of both paths.
var extremes = []float64{
	0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-310, 1e-300,
	1, -1, 16.6, -16.6, 36.7, -36.7, 88.7, -88.7, 103.9, -103.9, 104.5, -104.5,
	709.7, -709.7, 745.2, -745.2, 1e3, -1e3, 1e30, -1e30,
	math.MaxFloat32, -math.MaxFloat32, math.MaxFloat64, -math.MaxFloat64,
}

// randLogit draws from 3·N(0,1), a uniform ±800 or the extremes.
func randLogit(rng *rand.Rand) float64 {
	switch rng.IntN(4) {
	case 0:
		return (rng.Float64()*2 - 1) * 800
	case 1:
		return extremes[rng.IntN(len(extremes))]
	default:
		return 3 * rng.NormFloat64()
	}
}

// batch returns a seeded batch of n rows and C classes; soft targets are
// drawn from [0,1] when soft is set.
func batch(seed uint64, n, C int, soft bool) spec.Batch {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := spec.Batch{Classes: C, Logits: make([]float64, n*C), Targets: make([]float64, n*C)}
	for i := range b.Logits {
		b.Logits[i] = randLogit(rng)
		if soft && rng.IntN(2) == 0 {
			b.Targets[i] = rng.Float64()
		} else if rng.IntN(10) == 0 {
			b.Targets[i] = 1
		}
	}
	b.Targets[0] = 1
	return b
}

// to32 rounds b to float32, logits beyond the float32 range to ±MaxFloat32.
func to32(b spec.Batch) spec.Batch32 {
	c := spec.Batch32{Classes: b.Classes, Logits: make([]float32, len(b.Logits)), Targets: make([]float32, len(b.Logits))}
	for i := range b.Logits {
		c.Logits[i] = float32(max(-math.MaxFloat32, min(math.MaxFloat32, b.Logits[i])))
		c.Targets[i] = float32(b.Targets[i])
	}
	return c
}

// configs covers every option of the spec at least once.
func configs() []struct {
	name string
	cfg  spec.Config
} {
	cb := func(n spec.CBNormalize, a spec.CBApply) *spec.CB {
		return &spec.CB{Beta: 0.999, Counts: []float64{10, 1000, 3}, Normalize: n, Apply: a}
	}
	return []struct {
		name string
		cfg  spec.Config
	}{
		{"plain γ=2 mean", spec.Config{Gamma: 2}},
		{"γ=0 sum", spec.Config{Reduction: spec.Sum}},
		{"γ=0.5 α=0.25 mean rows", spec.Config{Gamma: 0.5, Alpha: []float64{0.25}, Normalizer: spec.Rows}},
		{"γ=2 α per class none", spec.Config{Gamma: 2, Alpha: []float64{0.1, 0.5, 0.9}, Reduction: spec.None}},
		{"γ=1.5 positives", spec.Config{Gamma: 1.5, Normalizer: spec.Positives}},
		{"γ=3 guarded", spec.Config{Gamma: 3, Normalizer: spec.PositivesGuarded}},
		{"geometric ε=0.1 all", spec.Config{Gamma: 2, Soft: spec.Geometric, LabelSmoothing: 0.1}},
		{"expce ε=0.1 ce", spec.Config{Gamma: 2, Soft: spec.ExpCE, LabelSmoothing: 0.1, SmoothingScope: spec.SmoothingCE}},
		{"split ε=0.2 α", spec.Config{Gamma: 0.5, Soft: spec.Split, LabelSmoothing: 0.2, Alpha: []float64{0.25}}},
		{"linear ε=0.1 weight pos_weight", spec.Config{Gamma: 2, LabelSmoothing: 0.1, Weight: []float64{0.5, 2, 1}, PosWeight: []float64{3, 1, 0.5}}},
		{"cb class sum", spec.Config{Gamma: 2, CB: cb(spec.CBSum, spec.CBClass), Reduction: spec.Sum}},
		{"cb class none", spec.Config{Gamma: 1, CB: cb(spec.CBNone, spec.CBClass)}},
	}
}

// labelBatch is a one-hot batch for CBLabel.
func labelBatch(seed uint64, n int) spec.Batch {
	b := batch(seed, n, 3, false)
	for i := range b.Targets {
		b.Targets[i] = 0
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	for r := range n {
		b.Targets[r*3+rng.IntN(3)] = 1
	}
	return b
}

func sameBits64(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

func sameBits32(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestWorkersDeterministic checks that Workers 1, 2, 3 and 8 give the same
// bits, for a batch spanning several chunks with a partial last one.
func TestWorkersDeterministic(t *testing.T) {
	b := batch(7, 5*chunk/3+11, 3, true)
	b32 := to32(b)
	for _, tc := range configs() {
		var ref spec.Result
		var ref32 spec.Result32
		for _, w := range []int{1, 2, 3, 8} {
			var r spec.Result
			var r32 spec.Result32
			if err := (Evaluator{Workers: w}).Evaluate(&tc.cfg, b, &r); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if err := (Evaluator{Workers: w}).Evaluate32(&tc.cfg, b32, &r32); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if w == 1 {
				ref, ref32 = r, r32
				continue
			}
			if math.Float64bits(r.Loss) != math.Float64bits(ref.Loss) || sameBits64(r.Losses, ref.Losses) >= 0 || sameBits64(r.Grad, ref.Grad) >= 0 {
				t.Errorf("%s float64: workers=%d differs from workers=1", tc.name, w)
			}
			if math.Float32bits(r32.Loss) != math.Float32bits(ref32.Loss) || sameBits32(r32.Losses, ref32.Losses) >= 0 || sameBits32(r32.Grad, ref32.Grad) >= 0 {
				t.Errorf("%s float32: workers=%d differs from workers=1", tc.name, w)
			}
		}
	}
}

// TestGuardCells writes into slices whose neighbours in a larger backing
// array are NaN sentinels and checks that the sentinels are untouched and
// the outputs are finite.
func TestGuardCells(t *testing.T) {
	const guard = 9
	for _, n := range []int{1, 3, 7, 8, 9, 33, chunk + 5} {
		b := batch(uint64(n), n, 1, true)
		b32 := to32(b)
		for _, tc := range configs()[:3] {
			back := make([]float64, 2*guard+n)
			back2 := make([]float64, 2*guard+n)
			b3 := make([]float32, 2*guard+n)
			b4 := make([]float32, 2*guard+n)
			for i := range back {
				back[i], back2[i] = math.NaN(), math.NaN()
				b3[i], b4[i] = float32(math.NaN()), float32(math.NaN())
			}
			r := spec.Result{Losses: back[guard : guard+n : guard+n], Grad: back2[guard : guard+n : guard+n]}
			r32 := spec.Result32{Losses: b3[guard : guard+n : guard+n], Grad: b4[guard : guard+n : guard+n]}
			if err := (Evaluator{}).Evaluate(&tc.cfg, b, &r); err != nil {
				t.Fatal(err)
			}
			if err := (Evaluator{}).Evaluate32(&tc.cfg, b32, &r32); err != nil {
				t.Fatal(err)
			}
			if &r.Losses[0] != &back[guard] || &r32.Grad[0] != &b4[guard] {
				t.Fatalf("n=%d: Resize did not reuse the given storage", n)
			}
			for i := range back {
				in := i >= guard && i < guard+n
				for _, v := range []float64{back[i], back2[i], float64(b3[i]), float64(b4[i])} {
					if in == math.IsNaN(v) {
						t.Errorf("%s n=%d: cell %d (inside=%v) is %v", tc.name, n, i-guard, in, v)
					}
				}
			}
		}
	}
}

// TestFinite checks that every config gives NaN-free results for the
// extreme logits, on both paths and both dtypes.
func TestFinite(t *testing.T) {
	b := batch(3, 3000, 3, true)
	lb := labelBatch(4, 1000)
	cfgs := configs()
	cfgs = append(cfgs, struct {
		name string
		cfg  spec.Config
	}{"cb label", spec.Config{Gamma: 2, CB: &spec.CB{Beta: 0.99, Counts: []float64{1, 2, 3}, Apply: spec.CBLabel}}})
	for _, fp := range []bool{false, true} {
		forcePortable = fp
		for _, tc := range cfgs {
			bb := b
			if tc.cfg.CB != nil && tc.cfg.CB.Apply == spec.CBLabel {
				bb = lb
			}
			var r spec.Result
			var r32 spec.Result32
			if err := (Evaluator{}).Evaluate(&tc.cfg, bb, &r); err != nil {
				t.Fatal(err)
			}
			if err := (Evaluator{}).Evaluate32(&tc.cfg, to32(bb), &r32); err != nil {
				t.Fatal(err)
			}
			for i := range r.Losses {
				if math.IsNaN(r.Losses[i]) || math.IsNaN(r.Grad[i]) || math.IsNaN(float64(r32.Losses[i])) || math.IsNaN(float64(r32.Grad[i])) {
					t.Fatalf("%s portable=%v: NaN at x=%v y=%v: %v %v %v %v", tc.name, fp, bb.Logits[i], bb.Targets[i], r.Losses[i], r.Grad[i], r32.Losses[i], r32.Grad[i])
				}
			}
			if math.IsNaN(r.Loss) || math.IsNaN(float64(r32.Loss)) {
				t.Fatalf("%s: NaN reduced loss", tc.name)
			}
		}
	}
	forcePortable = false
}
