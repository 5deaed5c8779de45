package vectorized

import (
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

var measure = flag.Int("vectorized.measure", 0, "measure the max ulp error against the reference on this many elements per path and dtype, and print it")

// binaryConfig draws a config for binary targets without smoothing: γ from
// a set of integer and real values, every α form, weight, pos_weight, CB
// and every reduction and normaliser.
func binaryConfig(rng *rand.Rand, C int) spec.Config {
	cfg := spec.Config{Gamma: []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 5}[rng.IntN(8)]}
	switch rng.IntN(3) {
	case 1:
		cfg.Alpha = []float64{rng.Float64()}
	case 2:
		cfg.Alpha = make([]float64, C)
		for c := range C {
			cfg.Alpha[c] = rng.Float64()
		}
	}
	cfg.Soft = spec.Soft(rng.IntN(4))
	perClass := func() []float64 {
		w := make([]float64, C)
		for c := range C {
			w[c] = rng.Float64() * 4
		}
		return w
	}
	if rng.IntN(3) == 0 {
		cfg.Weight = perClass()
	}
	if rng.IntN(3) == 0 {
		cfg.PosWeight = perClass()
	}
	if rng.IntN(4) == 0 {
		cfg.CB = &spec.CB{Beta: []float64{0, 0.9, 0.999, 0.9999}[rng.IntN(4)], Counts: make([]float64, C),
			Normalize: spec.CBNormalize(rng.IntN(2))}
		for c := range C {
			cfg.CB.Counts[c] = float64(1 + rng.IntN(5000))
		}
	}
	cfg.Reduction = spec.Reduction(rng.IntN(3))
	cfg.Normalizer = spec.Normalizer(rng.IntN(4))
	if rng.IntN(2) == 0 { // the configs the SIMD kernels cover
		cfg.Soft, cfg.Weight, cfg.PosWeight, cfg.CB = spec.Linear, nil, nil, nil
		if len(cfg.Alpha) > 1 {
			cfg.Alpha = cfg.Alpha[:1]
		}
	}
	return cfg
}

// maxErr holds the largest ulp distances seen, with an example.
type maxErr struct {
	loss, grad, red float64
	where           string
}

func (m *maxErr) see(kind string, d float64, where string) {
	p := map[string]*float64{"loss": &m.loss, "grad": &m.grad, "red": &m.red}[kind]
	if d > *p {
		*p = d
		m.where = kind + " " + where
	}
}

// compareBinary evaluates n elements of seeded random binary batches on
// both dtypes and returns the max errors (float64, float32).
func compareBinary(t *testing.T, seed uint64, n int) (e64, e32 maxErr) {
	rng := rand.New(rand.NewPCG(seed, 3))
	const C = 3
	for done := 0; done < n; {
		rows := 1 + rng.IntN(80)
		cfg := binaryConfig(rng, C)
		b := batch(rng.Uint64(), rows, C, false)
		done += rows * C
		b32 := to32(b)
		var r spec.Result
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if err := (Evaluator{}).Evaluate32(&cfg, b32, &r32); err != nil {
			t.Fatal(err)
		}
		var cb, cb32 = refCBs(cfg.CB)
		ref := reference(&cfg, C, b.Logits, b.Targets, cb)
		c32 := cfg.Round32()
		x32, y32 := make([]float64, len(b32.Logits)), make([]float64, len(b32.Logits))
		for i := range x32 {
			x32[i], y32[i] = float64(b32.Logits[i]), float64(b32.Targets[i])
		}
		ref32 := reference(c32, C, x32, y32, cb32)
		for i := range r.Losses {
			w := fmt.Sprintf("x=%v y=%v cfg=%+v", b.Logits[i], b.Targets[i], cfg)
			e64.see("loss", ulp.Dist(r.Losses[i], f64(ref.losses[i])), w)
			e64.see("grad", ulp.Dist(r.Grad[i], f64(ref.gr[i])), w)
			w = fmt.Sprintf("x=%v y=%v cfg=%+v", b32.Logits[i], b32.Targets[i], cfg)
			e32.see("loss", ulp.Dist32(r32.Losses[i], f32(ref32.losses[i])), w)
			e32.see("grad", ulp.Dist32(r32.Grad[i], f32(ref32.gr[i])), w)
		}
		if cfg.Reduction != spec.None {
			e64.see("red", ulp.Dist(r.Loss, f64(ref.loss)), fmt.Sprintf("cfg=%+v", cfg))
			e32.see("red", ulp.Dist32(r32.Loss, f32(ref32.loss)), fmt.Sprintf("cfg=%+v", cfg))
		}
	}
	return e64, e32
}

func refCBs(cb *spec.CB) (a, b []*big.Float) {
	if cb == nil {
		return nil, nil
	}
	return refCB(cb, false), refCB(cb, true)
}

// checkContract fails t if e64 or e32 exceed Contract.
func checkContract(t *testing.T, path string, e64, e32 maxErr) {
	t.Helper()
	if e64.loss > Contract.Loss || e64.grad > Contract.Grad || e64.red > Contract.Reduced {
		t.Errorf("%s float64: max ulp loss %v grad %v reduced %v exceed the contract; worst %s", path, e64.loss, e64.grad, e64.red, e64.where)
	}
	if e32.loss > Contract.Loss32 || e32.grad > Contract.Grad32 || e32.red > Contract.Reduced32 {
		t.Errorf("%s float32: max ulp loss %v grad %v reduced %v exceed the contract; worst %s", path, e32.loss, e32.grad, e32.red, e32.where)
	}
}

// TestAccuracyBinary holds both paths to Contract on seeded random binary
// batches with extreme logits, against the 200-bit reference.
func TestAccuracyBinary(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 1000
	}
	for _, fp := range []bool{false, true} {
		forcePortable = fp
		e64, e32 := compareBinary(t, 11, n)
		checkContract(t, fmt.Sprintf("portable=%v", fp), e64, e32)
	}
	forcePortable = false
}

// TestMeasure prints the max ulp errors per path and dtype; it runs only
// with -vectorized.measure=N.
func TestMeasure(t *testing.T) {
	if *measure == 0 {
		t.Skip("set -vectorized.measure=N to measure")
	}
	for _, fp := range []bool{false, true} {
		forcePortable = fp
		e64, e32 := compareBinary(t, 12345, *measure)
		path := "simd"
		if fp || !hasSIMD {
			path = "portable"
		}
		t.Logf("%s float64: loss %v grad %v reduced %v ulp (worst %s)", path, e64.loss, e64.grad, e64.red, e64.where)
		t.Logf("%s float32: loss %v grad %v reduced %v ulp (worst %s)", path, e32.loss, e32.grad, e32.red, e32.where)
	}
	forcePortable = false
}

// TestSIMDMatchesPortable checks that the two paths agree within twice the
// contract (each is within the contract of the exact value) on binary
// batches, and within SoftRel on soft ones.
func TestSIMDMatchesPortable(t *testing.T) {
	if !hasSIMD {
		t.Skip("built without GOEXPERIMENT=simd or no AVX2/FMA")
	}
	eval := func(portable bool, cfg *spec.Config, b spec.Batch) (spec.Result, spec.Result32) {
		forcePortable = portable
		defer func() { forcePortable = false }()
		var r spec.Result
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate(cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if err := (Evaluator{}).Evaluate32(cfg, to32(b), &r32); err != nil {
			t.Fatal(err)
		}
		return r, r32
	}
	for _, tc := range []struct {
		name string
		cfg  spec.Config
		soft bool
	}{
		{"γ=2 mean binary", spec.Config{Gamma: 2}, false},
		{"γ=0.5 α=0.25 sum binary", spec.Config{Gamma: 0.5, Alpha: []float64{0.25}, Reduction: spec.Sum}, false},
		{"γ=0 none binary", spec.Config{Reduction: spec.None}, false},
		{"γ=2.5 α=0.75 soft targets mixed in", spec.Config{Gamma: 2.5, Alpha: []float64{0.75}}, true},
	} {
		b := batch(21, 20011, 1, tc.soft)
		s, s32 := eval(false, &tc.cfg, b)
		p, p32 := eval(true, &tc.cfg, b)
		for i := range b.Logits {
			binary := b.Targets[i] == 0 || b.Targets[i] == 1
			if binary {
				if d := ulp.Dist(s.Losses[i], p.Losses[i]); d > 2*Contract.Loss+1 {
					t.Fatalf("%s float64 x=%v: loss simd %v portable %v (%v ulp)", tc.name, b.Logits[i], s.Losses[i], p.Losses[i], d)
				}
				if d := ulp.Dist(s.Grad[i], p.Grad[i]); d > 2*Contract.Grad+1 {
					t.Fatalf("%s float64 x=%v: grad simd %v portable %v (%v ulp)", tc.name, b.Logits[i], s.Grad[i], p.Grad[i], d)
				}
				if d := ulp.Dist32(s32.Losses[i], p32.Losses[i]); d > 2*Contract.Loss32+1 {
					t.Fatalf("%s float32 x=%v: loss simd %v portable %v (%v ulp)", tc.name, b.Logits[i], s32.Losses[i], p32.Losses[i], d)
				}
				if d := ulp.Dist32(s32.Grad[i], p32.Grad[i]); d > 2*Contract.Grad32+1 {
					t.Fatalf("%s float32 x=%v: grad simd %v portable %v (%v ulp)", tc.name, b.Logits[i], s32.Grad[i], p32.Grad[i], d)
				}
			}
		}
		if d := ulp.Dist(s.Loss, p.Loss); d > 2*Contract.Reduced+1 {
			t.Errorf("%s: reduced float64 simd %v portable %v", tc.name, s.Loss, p.Loss)
		}
		if d := ulp.Dist32(s32.Loss, p32.Loss); d > 2*Contract.Reduced32+1 {
			t.Errorf("%s: reduced float32 simd %v portable %v", tc.name, s32.Loss, p32.Loss)
		}
	}
}
