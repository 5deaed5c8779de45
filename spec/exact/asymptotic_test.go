package exact

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/focalcheck/focalcheck/spec"
)

var sweepN = flag.Int("exact.sweep", 0, "number of random inputs of TestAsymptoticSweep (0: the 300 of make test)")

// TestCutoffRegression is the input where the oracle once returned 0: expce,
// ε = 0.999, scope ce, y = 0, γ = 2^-15, x = −1048576.5, just past −2^20.
// There y_m = 0, so u = 1 − e^{−sp(x)} = σ(x) = e^{x}(1+O(e^x)) and the
// modulator u^γ = e^{γx} ≈ e^{−32} is not small, while the cross-entropy is
// ε/2·|x| ≈ 524: dropping e^{x} before forming u gave u = 0 and loss 0.
// Reference: mpmath 1.2.1 at 60 digits, the row of mpmathSmoothed
// (testdata/mpmath_table.py), 45 digits.
func TestCutoffRegression(t *testing.T) {
	cfg := spec.Config{Gamma: 0x1p-15, Soft: spec.ExpCE, LabelSmoothing: 0.999, SmoothingScope: spec.SmoothingCE}
	f, df := elem1(t, Evaluator{}, cfg, -1048576.5, 0)
	wf := round64(t, "0.00000000663293230896428239072819084498142160114790836")
	wdf := round64(t, "0.00000000000019609537576744064208919116821623786671810221")
	if f != wf || df != wdf {
		t.Errorf("(%v, %v), mpmath (%v, %v)", f, df, wf, wdf)
	}
}

// TestTinySmoothing checks that y′ = y(1−ε) + ε/2 is exact: with
// ε = 2^-1074 and y = 1, 1 − y′ = 2^-1075 multiplies sp(x) = 1e308, so with
// γ = 0 the loss is 2^-1075·1e308 (plus pw·y′·sp(−x), which is e^{−1e308}),
// which a y′ rounded to 1 would lose. Reference: the rows of mpmathSmoothed
// (mpmath, y′ formed at 2400 bits); this test states the value by hand:
// 2^-1075·1e308 = 2.4703282292062327e-16 after rounding.
func TestTinySmoothing(t *testing.T) {
	for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
		cfg := spec.Config{Soft: s, LabelSmoothing: 0x1p-1074}
		f, _ := elem1(t, Evaluator{}, cfg, 1e308, 1)
		if want := math.Ldexp(1e308, -1075); f != want {
			t.Errorf("%v: f = %v, want 2^-1075·1e308 = %v", s, f, want)
		}
	}
}

// asymptoticCase draws an input just past the cutoff |x| = 2^20 (up to
// 4·2^20, within Nextafter steps of 2^20 one time in four), with parameters
// that stress the dropped terms: small γ (γ·2^20 of order 1), ε near 0 and
// near 1, both scopes, targets 0, 1, 1/2, tiny and near 1, α, pw and weight
// including 0, and tiny and huge factors.
func asymptoticCase(rng *rand.Rand) (spec.Config, float64, float64) {
	pick := func(v ...float64) float64 { return v[rng.IntN(len(v))] }
	logU := func(lo, hi float64) float64 { return math.Exp2(lo + (hi-lo)*rng.Float64()) }
	x := expCutoff * (1 + 3*rng.Float64())
	if rng.IntN(4) == 0 {
		x = expCutoff
		for range 1 + rng.IntN(8) {
			x = math.Nextafter(x, math.Inf(1))
		}
	}
	if rng.IntN(2) == 0 {
		x = -x
	}
	y := pick(0, 1, 0.5, rng.Float64(), 0x1p-1074, 1-0x1p-53)
	cfg := spec.Config{
		Soft:           spec.Soft(rng.IntN(4)),
		SmoothingScope: spec.Scope(rng.IntN(2)),
		LabelSmoothing: pick(0, 0.999, 0.5, rng.Float64(), 0x1p-1074, 1e-300),
		Gamma:          pick(0, 0x1p-15, 3e-5, 0.5, 2, logU(-30, 0), logU(-30, 10)),
		Reduction:      spec.None,
	}
	switch rng.IntN(3) {
	case 0:
		cfg.Alpha = []float64{pick(0, 1, rng.Float64())}
	case 1:
		cfg.PosWeight = []float64{pick(0, logU(-30, 30))}
	}
	if rng.IntN(3) == 0 {
		cfg.Weight = []float64{pick(0, logU(-120, 120))}
	}
	return cfg, x, y
}

// TestAsymptoticSweep compares the asymptotic branch (e^{−|x|} and every
// e^{−z} with z > 2^20 taken as 0, 256 bits) with the full computation
// (cutoff raised to 2^23, so that every such term is formed; 512 bits) on
// seeded random inputs just past the cutoff: the float64 and float32
// results must be identical (±0 equal), which is what the error bounds of
// the package doc (Asymptotic regions) promise. -exact.sweep=N runs N
// inputs instead of 300.
func TestAsymptoticSweep(t *testing.T) {
	n := 300
	if *sweepN > 0 {
		n = *sweepN
	}
	rng := rand.New(rand.NewPCG(7, 20))
	defer func() { cutoff = expCutoff }()
	for i := range n {
		cfg, x, y := asymptoticCase(rng)
		b := spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}
		b32 := spec.Batch32{Classes: 1, Logits: []float32{float32(x)}, Targets: []float32{float32(y)}}
		var ra, rf spec.Result
		var ra32, rf32 spec.Result32
		cutoff = expCutoff
		if err := (Evaluator{Prec: 256}).Evaluate(&cfg, b, &ra); err != nil {
			t.Fatal(err)
		}
		if err := (Evaluator{Prec: 256}).Evaluate32(&cfg, b32, &ra32); err != nil {
			t.Fatal(err)
		}
		cutoff = 8 * expCutoff
		if err := (Evaluator{Prec: 512}).Evaluate(&cfg, b, &rf); err != nil {
			t.Fatal(err)
		}
		if err := (Evaluator{Prec: 512}).Evaluate32(&cfg, b32, &rf32); err != nil {
			t.Fatal(err)
		}
		if ra.Losses[0] != rf.Losses[0] || ra.Grad[0] != rf.Grad[0] ||
			ra32.Losses[0] != rf32.Losses[0] || ra32.Grad[0] != rf32.Grad[0] {
			t.Errorf("case %d x=%v y=%v %+v: asymptotic (%v, %v | %v, %v), full (%v, %v | %v, %v)", i, x, y, cfg,
				ra.Losses[0], ra.Grad[0], ra32.Losses[0], ra32.Grad[0], rf.Losses[0], rf.Grad[0], rf32.Losses[0], rf32.Grad[0])
		}
	}
	// CB weights with n·log β just below −2^20 (β^n taken as 0).
	for range n / 10 {
		beta := rng.Float64()
		nc := math.Ceil(expCutoff * (1 + 3*rng.Float64()) / -math.Log(beta))
		if nc > 1<<53 {
			continue // β too close to 1 for a count that reaches the cutoff
		}
		cb := &spec.CB{Beta: beta, Counts: []float64{nc, 1}, Normalize: spec.CBNormalize(rng.IntN(2))}
		cutoff = expCutoff
		wa := CBWeightsBig(cb, 256)
		cutoff = 8 * expCutoff
		wf := CBWeightsBig(cb, 512)
		for k := range wa {
			a, _ := wa[k].Float64()
			f, _ := wf[k].Float64()
			if a != f {
				t.Errorf("CB β=%v n=%v %v: w[%d] asymptotic %v, full %v", beta, nc, cb.Normalize, k, a, f)
			}
		}
	}
}

// TestAsymptoticFast checks that ±MaxFloat64 logits with a huge γ are
// evaluated quickly (the asymptotic forms never build e^{−|x|}).
func TestAsymptoticFast(t *testing.T) {
	start := time.Now()
	cfg := spec.Config{Gamma: 1e308, Soft: spec.ExpCE, Reduction: spec.Sum}
	var r spec.Result
	b := spec.Batch{Classes: 2, Logits: []float64{math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64, -math.MaxFloat64}, Targets: []float64{1, 0, 0.5, 0.5}}
	for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
		cfg.Soft = s
		if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("±MaxFloat64 took %v", d)
	}
}
