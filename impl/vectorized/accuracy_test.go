package vectorized

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

var measure = flag.Int("vectorized.measure", 0, "measure the max errors against spec/exact on this many elements per path, kind (binary, soft) and dtype, and print them")

// drawGamma draws γ as props' Gamma generator does: 0, (0,1), a small
// integer, or a real in [1,50].
func drawGamma(rng *rand.Rand) float64 {
	switch rng.IntN(4) {
	case 0:
		return 0
	case 1:
		return rng.Float64()
	case 2:
		return []float64{1, 2, 3, 5}[rng.IntN(4)]
	default:
		return 1 + 49*rng.Float64()
	}
}

// drawConfig draws a config for C classes: γ as props draws it, every α
// form (0 and 1 included), soft semantics, weight, pos_weight (0, 1, 2, ½
// included, as props draws them), CB (β up to
// a few ulp below 1, counts up to 2^53), every reduction and normaliser;
// half of the draws are configs the SIMD kernels cover. With soft, label
// smoothing ε ∈ {0.1, 0.2, 2^-53, U(0,0.999)} and both scopes.
func drawConfig(rng *rand.Rand, C int, soft bool) spec.Config {
	cfg := spec.Config{Gamma: drawGamma(rng), Soft: spec.Soft(rng.IntN(4))}
	unit := func() float64 {
		if rng.IntN(3) == 0 {
			return []float64{0, 1, 0.25}[rng.IntN(3)]
		}
		return rng.Float64()
	}
	switch rng.IntN(3) {
	case 1:
		cfg.Alpha = []float64{unit()}
	case 2:
		cfg.Alpha = make([]float64, C)
		for c := range C {
			cfg.Alpha[c] = unit()
		}
	}
	perClass := func() []float64 {
		w := make([]float64, C)
		for c := range C {
			w[c] = rng.Float64() * 4
			if rng.IntN(3) == 0 {
				w[c] = []float64{0, 1, 2, 0.5}[rng.IntN(4)]
			}
		}
		return w
	}
	if rng.IntN(3) == 0 {
		cfg.Weight = perClass()
	}
	if rng.IntN(3) == 0 {
		cfg.PosWeight = perClass()
	}
	if rng.IntN(2) == 0 {
		cfg.CB = &spec.CB{Beta: []float64{0, 0.9, 0.9999, rng.Float64(), math.Nextafter(1, 0), 1 - 0x1p-50}[rng.IntN(6)], Counts: make([]float64, C),
			Normalize: spec.CBNormalize(rng.IntN(2))}
		for c := range C {
			cfg.CB.Counts[c] = float64(1 + rng.IntN(5000))
			if rng.IntN(8) == 0 {
				cfg.CB.Counts[c] = float64(1 + rng.Int64N(1<<53))
			}
		}
	}
	cfg.Reduction = spec.Reduction(rng.IntN(3))
	cfg.Normalizer = spec.Normalizer(rng.IntN(4))
	if soft {
		cfg.LabelSmoothing = []float64{0, 0.1, 0.2, 0x1p-53, 0.999 * rng.Float64()}[rng.IntN(5)]
		cfg.SmoothingScope = spec.Scope(rng.IntN(2))
	}
	if rng.IntN(2) == 0 { // the configs the SIMD kernels cover
		cfg.Soft, cfg.Weight, cfg.PosWeight, cfg.CB, cfg.LabelSmoothing = spec.Linear, nil, nil, nil, 0
		if len(cfg.Alpha) > 1 {
			cfg.Alpha = cfg.Alpha[:1]
		}
	}
	return cfg
}

// maxErr holds the largest errors seen, with an example each: ulp
// distances for binary elements and reduced losses of binary batches, the
// contract's relative form for soft elements.
type maxErr struct {
	loss, grad, red, soft float64
	where                 map[string]string
}

func (m *maxErr) see(kind string, d float64, where func() string) {
	p := map[string]*float64{"loss": &m.loss, "grad": &m.grad, "red": &m.red, "soft": &m.soft}[kind]
	if d > *p || math.IsNaN(d) {
		*p = d
		if m.where == nil {
			m.where = map[string]string{}
		}
		m.where[kind] = where()
	}
}

func (m *maxErr) String() string {
	return fmt.Sprintf("loss %v grad %v reduced %v ulp, soft rel %.3g (worst: %v)", m.loss, m.grad, m.red, m.soft, m.where)
}

// elemScale returns the contract's S for element i (ulp.SoftScale) with
// the weights of cfg and the CB weights cbw (nil without CB).
func elemScale(cfg *spec.Config, b spec.Batch, cbw []float64, i int) float64 {
	W, pw := ulp.ElementWeight(cfg, b, cbw, i)
	return ulp.SoftScale(W, pw, cfg.Gamma, b.Logits[i], ulp.Denominator(cfg, b))
}

// compare evaluates about n elements of seeded random batches (soft targets
// mixed in when soft) with Evaluator and with exact.Evaluator, on both
// dtypes, and returns the max errors (float64, float32).
func compare(t *testing.T, seed uint64, n int, soft bool) (e64, e32 maxErr) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	const C = 3
	for done := 0; done < n; {
		rows := 1 + rng.IntN(20)
		cfg := drawConfig(rng, C, soft)
		b := batch(rng.Uint64(), rows, C, soft)
		done += rows * C
		b32 := to32(b)
		var r, x spec.Result
		var r32, x32 spec.Result32
		if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &x); err != nil {
			t.Fatal(err)
		}
		if err := (Evaluator{}).Evaluate32(&cfg, b32, &r32); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate32(&cfg, b32, &x32); err != nil {
			t.Fatal(err)
		}
		var cbw, cbw32 []float64
		if cfg.CB != nil {
			cbw, _ = (Evaluator{}).CBWeights(cfg.CB)
			for _, w := range cbw {
				cbw32 = append(cbw32, float64(float32(w)))
			}
		}
		c32 := cfg.Round32()
		b64of32 := spec.Batch{Classes: C, Logits: make([]float64, len(b.Logits)), Targets: make([]float64, len(b.Logits))}
		for i := range b32.Logits {
			b64of32.Logits[i], b64of32.Targets[i] = float64(b32.Logits[i]), float64(b32.Targets[i])
		}
		allBinary := cfg.LabelSmoothing == 0
		for i := range r.Losses {
			w := func() string { return fmt.Sprintf("x=%v y=%v cfg=%+v", b.Logits[i], b.Targets[i], cfg) }
			w32 := func() string { return fmt.Sprintf("x=%v y=%v cfg=%+v", b32.Logits[i], b32.Targets[i], *c32) }
			if cfg.LabelSmoothing == 0 && (b.Targets[i] == 0 || b.Targets[i] == 1) {
				e64.see("loss", ulp.Dist(r.Losses[i], x.Losses[i]), w)
				e64.see("grad", ulp.Dist(r.Grad[i], x.Grad[i]), w)
				e32.see("loss", ulp.Dist32(r32.Losses[i], x32.Losses[i]), w32)
				e32.see("grad", ulp.Dist32(r32.Grad[i], x32.Grad[i]), w32)
				continue
			}
			allBinary = false
			S := elemScale(&cfg, b, cbw, i)
			S32 := elemScale(c32, b64of32, cbw32, i)
			e64.see("soft", softRel(r.Losses[i], x.Losses[i], lossScale(&cfg, S, b)), w)
			e64.see("soft", softRel(r.Grad[i], x.Grad[i], S), w)
			e32.see("soft", softRel(float64(r32.Losses[i]), float64(x32.Losses[i]), lossScale(c32, S32, b64of32)), w32)
			e32.see("soft", softRel(float64(r32.Grad[i]), float64(x32.Grad[i]), S32), w32)
		}
		if allBinary && cfg.Reduction != spec.None {
			wc := func() string { return fmt.Sprintf("cfg=%+v", cfg) }
			e64.see("red", ulp.Dist(r.Loss, x.Loss), wc)
			e32.see("red", ulp.Dist32(r32.Loss, x32.Loss), wc)
		}
	}
	return e64, e32
}

// lossScale is the S of an element loss: the gradient's S times D (the
// loss is not divided by D).
func lossScale(cfg *spec.Config, S float64, b spec.Batch) float64 {
	return S * ulp.Denominator(cfg, b)
}

// softRel is |got - want|/(|want| + S), the contract's soft-target error;
// 0 when both are the same infinity (an overflowed loss).
func softRel(got, want, S float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / (math.Abs(want) + S)
}

// checkContract fails t if e64 or e32 exceed Contract.
func checkContract(t *testing.T, path string, e64, e32 maxErr) {
	t.Helper()
	c := Contract
	if !(e64.loss <= c.Loss && e64.grad <= c.Grad && e64.red <= c.Reduced && e64.soft <= c.SoftRel) {
		t.Errorf("%s float64 exceeds the contract: %v", path, &e64)
	}
	if !(e32.loss <= c.Loss32 && e32.grad <= c.Grad32 && e32.red <= c.Reduced32 && e32.soft <= c.SoftRel32) {
		t.Errorf("%s float32 exceeds the contract: %v", path, &e32)
	}
}

// paths runs f with the SIMD kernels (when built and supported) and with
// the portable loop forced.
func paths(t *testing.T, f func(path string)) {
	for _, fp := range []bool{false, true} {
		if !fp && !hasSIMD {
			continue
		}
		forcePortable = fp
		path := "simd"
		if fp {
			path = "portable"
		}
		f(path)
	}
	forcePortable = false
}

// TestAccuracy holds both paths to Contract against spec/exact on a small
// seeded sample of binary and soft batches (TestMeasure runs the large one).
func TestAccuracy(t *testing.T) {
	n := 240
	if testing.Short() {
		n = 60
	}
	paths(t, func(path string) {
		for _, soft := range []bool{false, true} {
			e64, e32 := compare(t, 11, n, soft)
			checkContract(t, fmt.Sprintf("%s soft=%v", path, soft), e64, e32)
		}
	})
}

// TestMeasure prints the max errors against spec/exact per path, kind and
// dtype and holds them to Contract; it runs only with
// -vectorized.measure=N (N elements per path, kind and dtype).
func TestMeasure(t *testing.T) {
	if *measure == 0 {
		t.Skip("set -vectorized.measure=N to measure")
	}
	paths(t, func(path string) {
		for _, soft := range []bool{false, true} {
			e64, e32 := compare(t, 12345, *measure, soft)
			t.Logf("%s soft=%v float64: %v", path, soft, &e64)
			t.Logf("%s soft=%v float32: %v", path, soft, &e32)
			checkContract(t, fmt.Sprintf("%s soft=%v", path, soft), e64, e32)
		}
	})
}

// TestRegressions holds both paths to Contract against spec/exact on the
// inputs where earlier versions failed.
func TestRegressions(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  spec.Config
		b    spec.Batch
	}{
		// props' kept failure (props/testdata/rapid/TestCrossAgreement):
		// γ·log q in plain float64 lost γ·2^-53, 11 ulp at γ = 50.
		{"γ=50 x=1 y=0 (q^γ = exp(γ·log q))", spec.Config{Gamma: 50},
			spec.Batch{Classes: 1, Logits: []float64{1}, Targets: []float64{0}}},
		{"γ=50 logits around 0 and ±40", spec.Config{Gamma: 50, Alpha: []float64{0.25}, Reduction: spec.None},
			spec.Batch{Classes: 1, Logits: []float64{-40, -3, -1, -0.5, 0.3, 0.9, 2, 7, 40, 1, -1, 0.3}, Targets: []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}}},
		// 1-y' must be (1-y)(1-ε)+ε/2 = 2^-54, not 1-fl(y') = 0: the
		// modulator exp(-γ·2^-54·1000) is 1 - γ·5.6e-14.
		{"geometric ε=2^-53 x=-1000 y=1", spec.Config{Gamma: 3, Soft: spec.Geometric, LabelSmoothing: 0x1p-53},
			spec.Batch{Classes: 1, Logits: []float64{-1000}, Targets: []float64{1}}},
		// W·α_t = 3.4e-13·1.5e-296 is subnormal while the loss is not.
		{"W·α_t subnormal, x=-1000", spec.Config{Alpha: []float64{0, 1.5290591125556738e-296}, Weight: []float64{1, 3.410605131648481e-13},
			CB: &spec.CB{Beta: 0.9999, Counts: []float64{1, 2}, Apply: spec.CBLabel}},
			spec.Batch{Classes: 2, Logits: []float64{1, -1000}, Targets: []float64{0, 1}}},
		// props' OracleAgreement, SoftRel 1.3e-16 exceeded: CB weights with
		// β = 1-2^-52 and n = 2^52 (the error of W).
		{"CB β=1-2^-52 n=2^52, soft target", spec.Config{Alpha: []float64{1.1416715169502799e-110}, LabelSmoothing: 2.406025760924086e-29,
			SmoothingScope: spec.SmoothingCE, CB: &spec.CB{Beta: 0.9999999999999998, Counts: []float64{1, 4.503599627370496e+15, 5}, Normalize: spec.CBSum},
			Normalizer: spec.PositivesGuarded}, spec.Batch{Classes: 3, Logits: []float64{1, 5.3887218735180795, -2}, Targets: []float64{1, 1.5989003275025953e-34, 0}}},
		// props' OracleAgreement: pw = 0 leaves S small next to the error
		// of 1-y' (SoftRel 1.3e-16 was exceeded).
		{"pw=0 ε=0.1 soft target", spec.Config{LabelSmoothing: 0.1, PosWeight: []float64{0, 0}},
			spec.Batch{Classes: 2, Logits: []float64{1, 1}, Targets: []float64{0.0625000000000005, 1}}},
		// β-1 rounds to -1 and log1p(β-1) = -Inf: the CB weights were NaN.
		{"CB β=2^-54", spec.Config{Gamma: 1, CB: &spec.CB{Beta: 0x1p-54, Counts: []float64{1, 1, 3}, Apply: spec.CBLabel}},
			spec.Batch{Classes: 3, Logits: []float64{1, 0, -2}, Targets: []float64{1, 0, 0}}},
		// The fuzz campaign's failures (fuzz/testdata/fuzz/FuzzElement/<name>,
		// decoded; fuzz.Seeds()[136]); the expected values are spec/exact's.
		// seed#136: W·pw = 1e310 overflows, times y_s = 0 it was NaN; exact:
		// loss +Inf (element 1), gradient 1e300.
		{"W·pw overflows (fuzz seed#136)", spec.Config{Weight: []float64{math.MaxFloat64, 1e300}, PosWeight: []float64{10, 1e10}, Reduction: spec.Sum},
			spec.Batch{Classes: 2, Logits: []float64{-1e300, 1e300}, Targets: []float64{1, 0}}},
		// 0b9c5b86d3697951: sp(x) = e^x = 5.5e-323 was rounded to a
		// subnormal before W = 1.06e6 scaled it; exact: 5.8743e-317.
		{"W·e^x, e^x subnormal (fuzz 0b9c5b86d3697951)", spec.Config{Gamma: 1.398043286095289e-76, SmoothingScope: spec.SmoothingCE,
			Weight: []float64{1.398043286095289e-76, 1.060912188235294e+06}, PosWeight: []float64{0, 0}, Reduction: spec.Sum},
			spec.Batch{Classes: 2, Logits: []float64{1.398043286095289e-76, -742.0235294117647}, Targets: []float64{1.3817869688151111e-76, 0}}},
		// 7b681acd80197d0d: W·pw = 5.6e-391 underflowed to 0 before
		// sp(-x) = 1.06e306 scaled it; exact: 5.93e-85.
		{"W·pw underflows, x=-1.06e306 (fuzz 7b681acd80197d0d)", spec.Config{Gamma: 1.398043286095289e-76, SmoothingScope: spec.SmoothingCE,
			Weight: []float64{1.398043286095289e-76}, PosWeight: []float64{3.994345017e-315}, Reduction: spec.Sum},
			spec.Batch{Classes: 1, Logits: []float64{-1.0615972786296305e+306, 1.398043286095289e-76}, Targets: []float64{1, 1}}},
		// 1d4fd64708b39075 and 563f1813e7a9369b: a mean over D = Σy =
		// 2.8e-76; the subnormal element losses (W = 2.37e-322) were
		// rounded before the division by D (reduced loss 0.8% off the
		// exact 5.8790e-247), and W·f′ underflowed to a zero gradient
		// (exact 6.94e-251).
		{"mean over D=Σy=2.8e-76, W=2.37e-322 (fuzz 1d4fd64708b39075)", spec.Config{Gamma: 1.398043286095289e-76, Soft: spec.ExpCE,
			LabelSmoothing: 1.398043286095289e-76, Weight: []float64{2.37e-322, 0}, PosWeight: []float64{0, 0}, Normalizer: spec.Positives},
			spec.Batch{Classes: 2, Logits: []float64{1.398043286095289e-76, 1.398043286095289e-76}, Targets: []float64{1.398043286095289e-76, 1.398043286095289e-76}}},
		{"mean over D=Σy=2.8e-76, γ=16.2 (fuzz 563f1813e7a9369b)", spec.Config{Gamma: 16.188235294117646, Soft: spec.ExpCE,
			LabelSmoothing: 1.398043286095289e-76, Weight: []float64{2.37e-322, 0}, PosWeight: []float64{0, 0}, Normalizer: spec.Positives},
			spec.Batch{Classes: 2, Logits: []float64{1.398043286095289e-76, 1.398043286095289e-76}, Targets: []float64{1.398043286095289e-76, 1.398043286095289e-76}}},
		// db8183ab14d1efb5: γ·log q = -γ·log1p(e^{-103.97}) = -503 with
		// log1p(e) rounded to one float64 (e < 2^-53): 109 ulp (SIMD
		// config, so both paths).
		{"γ=7.4e47 x=103.97 y=0 (fuzz db8183ab14d1efb5)", spec.Config{Gamma: 7.393478871203391e+47, Reduction: spec.Sum, Normalizer: spec.Positives},
			spec.Batch{Classes: 1, Logits: []float64{1.398043286095289e-76, 103.97169117647059}, Targets: []float64{1.398043286095289e-76, 0}}},
		{"α = 1e-310 (SIMD config), x=-1e300", spec.Config{Gamma: 2, Alpha: []float64{1e-310}, Reduction: spec.Sum},
			spec.Batch{Classes: 1, Logits: []float64{-1e300, -1000, 5, 0, 1, 2, 3, 4}, Targets: []float64{1, 1, 1, 1, 0, 0, 0, 0}}},
	} {
		paths(t, func(path string) {
			var r, x spec.Result
			if err := (Evaluator{}).Evaluate(&tc.cfg, tc.b, &r); err != nil {
				t.Fatal(err)
			}
			if err := (exact.Evaluator{}).Evaluate(&tc.cfg, tc.b, &x); err != nil {
				t.Fatal(err)
			}
			var e maxErr
			c := Contract
			d := lossScale(&tc.cfg, 1, tc.b) // the mean's D (1 otherwise)
			// tol bounds the reduced loss's error: each element's own bound
			// (c.Loss ulp ≤ c.Loss·max(2^-52·|l|, 2^-1074) for a binary
			// one, SoftRel·(|l| + S·D) for a soft one), summed and divided
			// by D, plus c.Reduced ulp of the result for the summation
			// and the division.
			ulpOf := func(v float64) float64 { return max(0x1p-52*math.Abs(v), 0x1p-1074) }
			tol := 0.0
			for i := range r.Losses {
				w := func() string { return fmt.Sprintf("x=%v", tc.b.Logits[i]) }
				if y := tc.b.Targets[i]; tc.cfg.LabelSmoothing == 0 && (y == 0 || y == 1) {
					e.see("loss", ulp.Dist(r.Losses[i], x.Losses[i]), w)
					e.see("grad", ulp.Dist(r.Grad[i], x.Grad[i]), w)
					tol += c.Loss * ulpOf(x.Losses[i])
				} else {
					var cbw []float64
					if tc.cfg.CB != nil {
						cbw, _ = (Evaluator{}).CBWeights(tc.cfg.CB)
					}
					S := elemScale(&tc.cfg, tc.b, cbw, i)
					e.see("soft", softRel(r.Losses[i], x.Losses[i], lossScale(&tc.cfg, S, tc.b)), w)
					e.see("soft", softRel(r.Grad[i], x.Grad[i], S), w)
					tol += c.SoftRel * (math.Abs(x.Losses[i]) + S*d)
				}
			}
			tol = tol/d + c.Reduced*ulpOf(x.Loss)
			if tc.cfg.Reduction != spec.None && r.Loss != x.Loss && !(math.Abs(r.Loss-x.Loss) <= tol) {
				t.Errorf("%s %s: reduced loss %v, exact %v, bound %v", tc.name, path, r.Loss, x.Loss, tol)
			}
			if !(e.loss <= c.Loss && e.grad <= c.Grad && e.soft <= c.SoftRel) {
				t.Errorf("%s %s: %v", tc.name, path, &e)
			}
		})
	}
}

// TestSIMDMatchesPortable checks that the two paths agree within twice the
// contract plus 1 ulp (each is within the contract of the same exact
// value) on binary batches of a few chunks, for γ up to 50.
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
	c := Contract
	for _, cfg := range []spec.Config{
		{Gamma: 2},
		{Gamma: 0.5, Alpha: []float64{0.25}, Reduction: spec.Sum},
		{Reduction: spec.None},
		{Gamma: 50, Alpha: []float64{0.75}},
		{Gamma: 17.3, Alpha: []float64{1e-300}, Normalizer: spec.Positives},
	} {
		b := batch(21, 20011, 1, false)
		s, s32 := eval(false, &cfg, b)
		p, p32 := eval(true, &cfg, b)
		for i, x := range b.Logits {
			if d := ulp.Dist(s.Losses[i], p.Losses[i]); d > 2*c.Loss+1 {
				t.Fatalf("%+v float64 x=%v: loss simd %v portable %v (%v ulp)", cfg, x, s.Losses[i], p.Losses[i], d)
			}
			if d := ulp.Dist(s.Grad[i], p.Grad[i]); d > 2*c.Grad+1 {
				t.Fatalf("%+v float64 x=%v: grad simd %v portable %v (%v ulp)", cfg, x, s.Grad[i], p.Grad[i], d)
			}
			if d := ulp.Dist32(s32.Losses[i], p32.Losses[i]); d > 2*c.Loss32+1 {
				t.Fatalf("%+v float32 x=%v: loss simd %v portable %v (%v ulp)", cfg, x, s32.Losses[i], p32.Losses[i], d)
			}
			if d := ulp.Dist32(s32.Grad[i], p32.Grad[i]); d > 2*c.Grad32+1 {
				t.Fatalf("%+v float32 x=%v: grad simd %v portable %v (%v ulp)", cfg, x, s32.Grad[i], p32.Grad[i], d)
			}
		}
		if d := ulp.Dist(s.Loss, p.Loss); d > 2*c.Reduced+1 {
			t.Errorf("%+v: reduced float64 simd %v portable %v", cfg, s.Loss, p.Loss)
		}
		if d := ulp.Dist32(s32.Loss, p32.Loss); d > 2*c.Reduced32+1 {
			t.Errorf("%+v: reduced float32 simd %v portable %v", cfg, s32.Loss, p32.Loss)
		}
	}
}
