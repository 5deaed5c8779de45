package vectorized_test

// Tests that close gaps found by mutation testing (make mutants; README,
// "Mutation testing"). Each names the mutant it kills and the behaviour
// behind it; the mutants left alive are argued equivalent there.

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/impl/vectorized"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/props"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
	"github.com/google/go-cmp/cmp"
)

// TestReducedSumCompensated checks the summed loss of a long batch against
// the exact sum of the element losses it reports: the reduction adds those
// same float64 values with compensated (Neumaier) sums per lane, per chunk
// and across chunks, rounding each chunk total once, so r.Loss is within
// 1 ulp of the exact sum (one rounding per level, each at most half an ulp
// of a partial sum no larger than the total, all terms ≥ 0), within the 2
// ulp of Contract.Reduced used here. The exact sum is a big.Float at 2048
// bits (exact for 65536 float64 terms in [2^-60, 2^4]).
//
// 65536 elements (4 chunks), logits uniform in [−5, 5], one target in 8
// binary and the rest soft (the soft lanes go through the portable loop
// inside the SIMD kernel and are summed separately, so both of its partial
// sums are long), linear γ = 2, Sum, one worker; float64 and, built with
// GOEXPERIMENT=simd, the SIMD kernel. Measured: 0 ulp here, 7 and 8 ulp
// under the two mutants below.
//
// Kills, in the SIMD kernel's final sum `s + (c + restC)`: `s - (c +
// restC)` and `c - restC`, which flip a compensation term and so add twice
// the rounding error of an uncompensated sum of thousands of terms.
func TestReducedSumCompensated(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	const n = 65536
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = -5 + 10*rng.Float64()
		if i%8 == 0 {
			y[i] = float64(rng.IntN(2))
		} else {
			y[i] = rng.Float64()
		}
	}
	checkExactSum(t, spec.Config{Gamma: 2, Reduction: spec.Sum}, x, y)
}

// TestReducedSumCompensatedPortable is TestReducedSumCompensated on the
// portable loop (geometric semantics, which the SIMD kernel does not
// cover, and every element soft or binary alike): its chunk sum is
// compensated too, and r.Loss must be within Contract.Reduced of the exact
// sum of the element losses, by the same derivation.
//
// Kills: `return s + comp` → `return s - comp` at the end of portable.
func TestReducedSumCompensatedPortable(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	const n = 65536
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = -5 + 10*rng.Float64()
		y[i] = rng.Float64()
	}
	checkExactSum(t, spec.Config{Gamma: 2, Soft: spec.Geometric, Reduction: spec.Sum}, x, y)
}

// checkExactSum evaluates the batch (one column) with cfg on one worker
// and checks that r.Loss is within Contract.Reduced of the exact (2048-bit)
// sum of the element losses r.Losses.
func checkExactSum(t *testing.T, cfg spec.Config, x, y []float64) {
	t.Helper()
	var r spec.Result
	if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: x, Targets: y}, &r); err != nil {
		t.Fatal(err)
	}
	sum := new(big.Float).SetPrec(2048)
	for _, l := range r.Losses {
		sum.Add(sum, new(big.Float).SetFloat64(l))
	}
	want, _ := sum.Float64()
	if d := ulp.Dist(r.Loss, want); d > vectorized.Contract.Reduced {
		t.Errorf("reduced loss %v, exact sum of the element losses %v: %v ulp", r.Loss, want, d)
	}
}

// TestCBLabelAcrossChunks checks that an element's loss does not depend on
// where the batch is cut into chunks: with CB applied by label and C = 3,
// the chunks of 16384 elements start in the middle of a row (16384 mod 3 =
// 1), and each element of a 6000-row batch must get the same bits as when
// its row is evaluated alone. The rows' labels cycle through the classes,
// whose CB weights differ (counts 5, 50, 500), so taking another row's
// label changes the loss.
//
// Kills: `labelWeight(p, start-c)` → `labelWeight(p, start+c)` in
// portable, which reads the label of the row after the one a chunk starts
// in.
func TestCBLabelAcrossChunks(t *testing.T) {
	const classes, rows = 3, 6000
	rng := rand.New(rand.NewPCG(19, 19))
	x := make([]float64, classes*rows)
	y := make([]float64, classes*rows)
	for i := range x {
		x[i] = -4 + 8*rng.Float64()
	}
	for r := range rows {
		y[r*classes+(r+r/7)%classes] = 1
	}
	cfg := spec.Config{Gamma: 2, Reduction: spec.None,
		CB: &spec.CB{Beta: 0.999, Counts: []float64{5, 50, 500}, Apply: spec.CBLabel}}
	var all spec.Result
	if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, spec.Batch{Classes: classes, Logits: x, Targets: y}, &all); err != nil {
		t.Fatal(err)
	}
	for r := range rows {
		lo, hi := r*classes, (r+1)*classes
		var one spec.Result
		if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, spec.Batch{Classes: classes, Logits: x[lo:hi], Targets: y[lo:hi]}, &one); err != nil {
			t.Fatal(err)
		}
		for k := range classes {
			if all.Losses[lo+k] != one.Losses[k] || all.Grad[lo+k] != one.Grad[k] {
				t.Fatalf("row %d class %d: loss %v grad %v in the batch, %v %v alone", r, k, all.Losses[lo+k], all.Grad[lo+k], one.Losses[k], one.Grad[k])
			}
		}
	}
}

// TestSplitModulatorLowWord checks split semantics on binary targets with a
// large |x_t| against spec/exact within Contract's binary ulp bounds: for
// y = 0 and x = −20.3 … −37.9 the loss is α₋·σ(x)^γ·sp(x) with
// σ(x)^γ = e^{−γ·sp(−x)}, sp(−x) ≈ |x| carried as a double-word whose low
// word holds the rounding error of |x| + log1p(e^{−|x|}) (up to half an ulp
// of |x|); e^{γ·(…)} turns an error of 2·lo in the exponent into
// γ·|x|·2^-53 relative, tens of ulp (measured 2 to 141 ulp at γ = 2.5).
// The y = 1 mirror cases do the same for the other modulator,
// σ(−x)^γ = e^{−γ·sp(x)}.
//
// Kills, in elem's split branch: `powLog(gamma, -spn, -spnLo)` →
// `+spnLo` (y = 0 cases) and `powLog(gamma, -spp, -sppLo)` → `+sppLo`
// (y = 1 cases), each by INVERT_NEGATIVES and ARITHMETIC_BASE.
func TestSplitModulatorLowWord(t *testing.T) {
	for _, x := range []float64{-20.3, -25.7, -30.1, -33.3, -37.9} {
		for _, y := range []float64{0, 1} {
			xt := x // x for y = 0, −x for y = 1: x_t = x·(2y−1) ≤ −20
			if y == 1 {
				xt = -x
			}
			cfg := spec.Config{Gamma: 2.5, Soft: spec.Split, Reduction: spec.None}
			b := spec.Batch{Classes: 1, Logits: []float64{xt}, Targets: []float64{y}}
			var got, want spec.Result
			if err := (vectorized.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
				t.Fatal(err)
			}
			if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
				t.Fatal(err)
			}
			if d := ulp.Dist(got.Losses[0], want.Losses[0]); d > vectorized.Contract.Loss {
				t.Errorf("x=%v y=%v: loss %v, exact %v: %v ulp", xt, y, got.Losses[0], want.Losses[0], d)
			}
			if d := ulp.Dist(got.Grad[0], want.Grad[0]); d > vectorized.Contract.Grad {
				t.Errorf("x=%v y=%v: grad %v, exact %v: %v ulp", xt, y, got.Grad[0], want.Grad[0], d)
			}
		}
	}
}

// TestValidateEveryChunk checks that the parallel data scan of Evaluate
// covers the whole batch: a NaN logit, a target of 2 or a CB-by-label row
// with two positives in the last of four chunks must give the error
// spec.Validate gives, and the Σy it returns for the positives normaliser
// must be the whole batch's: with Mean over Positives, ∂L/∂x_i =
// W·f′(x_i)/Σy, checked as grad(mean)·Σy against grad(sum) within 2 ulp
// (each gradient is rounded once from the same W·f′; the division by Σy
// and the multiplication back add one rounding each).
//
// Kills, in scanData: `lo := k * step` → `lo := k / step`, which makes
// every chunk scan the first and leaves the rest of the batch unchecked.
func TestValidateEveryChunk(t *testing.T) {
	const classes, n = 3, 3 * 21846 // 65538 elements: 4 chunks of 16383
	base := func() ([]float64, []float64) {
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = float64(i%7) - 3
		}
		for r := range n / classes {
			y[r*classes+r%classes] = 1
		}
		return x, y
	}
	for _, c := range []struct {
		reason string
		edit   func(x, y []float64)
		cfg    spec.Config
	}{
		{"NaN logit in the last chunk", func(x, _ []float64) { x[n-4] = math.NaN() }, spec.Config{Gamma: 2}},
		{"target 2 in the last chunk", func(_, y []float64) { y[n-2] = 2 }, spec.Config{Gamma: 2}},
		{"two positives in the last row, CB by label", func(_, y []float64) { y[n-1], y[n-2], y[n-3] = 1, 1, 0 },
			spec.Config{Gamma: 2, CB: &spec.CB{Beta: 0.9, Counts: []float64{1, 2, 3}, Apply: spec.CBLabel}}},
	} {
		x, y := base()
		c.edit(x, y)
		b := spec.Batch{Classes: classes, Logits: x, Targets: y}
		var r spec.Result
		want := spec.Validate(&c.cfg, b)
		got := (vectorized.Evaluator{Workers: 1}).Evaluate(&c.cfg, b, &r)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%s: Evaluate returns %v, spec.Validate %v", c.reason, got, want)
		}
	}
	x, y := base()
	b := spec.Batch{Classes: classes, Logits: x, Targets: y}
	var sum, mean spec.Result
	cfg := spec.Config{Gamma: 2, Reduction: spec.Sum}
	if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, b, &sum); err != nil {
		t.Fatal(err)
	}
	cfg = spec.Config{Gamma: 2, Reduction: spec.Mean, Normalizer: spec.Positives}
	if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, b, &mean); err != nil {
		t.Fatal(err)
	}
	const positives = n / classes
	for i := range x {
		if d := ulp.Dist(mean.Grad[i]*positives, sum.Grad[i]); d > 2 {
			t.Fatalf("grad[%d]: mean over positives %v × Σy = %v, sum %v: %v ulp", i, mean.Grad[i], mean.Grad[i]*positives, sum.Grad[i], d)
		}
	}
}

// TestMeanOfOverflowingSum checks the mean of element losses whose sum
// overflows float64: four elements with x = −MaxFloat64/2, y = 1, γ = 0
// have loss sp(−x) = MaxFloat64/2 each (exactly, e^x underflows), their
// sum 2·MaxFloat64 is beyond the range, and the mean over the 4 elements
// is MaxFloat64/2, a float64 (the package comment promises a finite mean
// here). Within Contract.Reduced.
//
// Kills, in run and rescaledSum: `s * 0x1p64` → `s / 0x1p64`,
// `p.w[k]*cbw*0x1p-64` → `…/0x1p-64` (off by 2^128, or infinite).
func TestMeanOfOverflowingSum(t *testing.T) {
	const half = math.MaxFloat64 / 2
	x := []float64{-half, -half, -half, -half}
	y := []float64{1, 1, 1, 1}
	cfg := spec.Config{Gamma: 0, Reduction: spec.Mean}
	var r spec.Result
	if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: x, Targets: y}, &r); err != nil {
		t.Fatal(err)
	}
	if d := ulp.Dist(r.Loss, half); d > vectorized.Contract.Reduced {
		t.Errorf("mean loss %v, want MaxFloat64/2 = %v: %v ulp", r.Loss, half, d)
	}
}

// checkAgainstExact evaluates b with cfg (float64, and float32 when with32)
// and spec/exact, and holds every element to Contract: the ulp bounds for
// binary targets without label smoothing, the SoftRel bound (S from
// ulp.SoftScale with the element's weights) otherwise; and the reduced loss
// to Contract.Reduced (Reduced32) when every target is binary and ε = 0.
// It returns the float64 result.
func checkAgainstExact(t *testing.T, name string, cfg spec.Config, b spec.Batch, with32 bool) spec.Result {
	t.Helper()
	var got, want spec.Result
	if err := (vectorized.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
		t.Fatalf("%s: exact: %v", name, err)
	}
	var cbw []float64
	if cfg.CB != nil {
		w, err := (exact.Evaluator{}).CBWeights(cfg.CB)
		if err != nil {
			t.Fatal(err)
		}
		cbw = w
	}
	D := ulp.Denominator(&cfg, b)
	c := vectorized.Contract
	allBinary := cfg.LabelSmoothing == 0
	for i, x := range b.Logits {
		y := b.Targets[i]
		if cfg.LabelSmoothing == 0 && (y == 0 || y == 1) {
			if d := ulp.Dist(got.Losses[i], want.Losses[i]); d > c.Loss {
				t.Errorf("%s: x=%v y=%v: loss %v, exact %v: %v ulp", name, x, y, got.Losses[i], want.Losses[i], d)
			}
			if d := ulp.Dist(got.Grad[i], want.Grad[i]); d > c.Grad {
				t.Errorf("%s: x=%v y=%v: grad %v, exact %v: %v ulp", name, x, y, got.Grad[i], want.Grad[i], d)
			}
			continue
		}
		allBinary = false
		W, pw := ulp.ElementWeight(&cfg, b, cbw, i)
		S := ulp.SoftScale(W, pw, cfg.Gamma, x, D)
		if !ulp.WithinSoftRel(got.Losses[i], want.Losses[i], c.SoftRel, S*D) {
			t.Errorf("%s: x=%v y=%v: loss %v, exact %v beyond SoftRel", name, x, y, got.Losses[i], want.Losses[i])
		}
		if !ulp.WithinSoftRel(got.Grad[i], want.Grad[i], c.SoftRel, S) {
			t.Errorf("%s: x=%v y=%v: grad %v, exact %v beyond SoftRel", name, x, y, got.Grad[i], want.Grad[i])
		}
	}
	if allBinary && cfg.Reduction != spec.None {
		if d := ulp.Dist(got.Loss, want.Loss); d > c.Reduced {
			t.Errorf("%s: reduced loss %v, exact %v: %v ulp", name, got.Loss, want.Loss, d)
		}
	}
	if !with32 {
		return got
	}
	b32 := props.To32(b)
	var got32, want32 spec.Result32
	if err := (vectorized.Evaluator{}).Evaluate32(&cfg, b32, &got32); err != nil {
		t.Fatalf("%s float32: %v", name, err)
	}
	if err := (exact.Evaluator{}).Evaluate32(&cfg, b32, &want32); err != nil {
		t.Fatalf("%s float32: exact: %v", name, err)
	}
	c32 := cfg.Round32()
	b64 := spec.Batch{Classes: b.Classes, Logits: make([]float64, len(b.Logits)), Targets: make([]float64, len(b.Logits))}
	for i := range b32.Logits {
		b64.Logits[i], b64.Targets[i] = float64(b32.Logits[i]), float64(b32.Targets[i])
	}
	var cbw32 []float64
	for _, w := range cbw {
		cbw32 = append(cbw32, float64(float32(w)))
	}
	D32 := ulp.Denominator(c32, b64)
	for i, x := range b64.Logits {
		y := b64.Targets[i]
		if cfg.LabelSmoothing == 0 && (y == 0 || y == 1) {
			if d := ulp.Dist32(got32.Losses[i], want32.Losses[i]); d > c.Loss32 {
				t.Errorf("%s float32: x=%v y=%v: loss %v, exact %v: %v ulp", name, x, y, got32.Losses[i], want32.Losses[i], d)
			}
			if d := ulp.Dist32(got32.Grad[i], want32.Grad[i]); d > c.Grad32 {
				t.Errorf("%s float32: x=%v y=%v: grad %v, exact %v: %v ulp", name, x, y, got32.Grad[i], want32.Grad[i], d)
			}
			continue
		}
		W, pw := ulp.ElementWeight(c32, b64, cbw32, i)
		S := ulp.SoftScale(W, pw, c32.Gamma, x, D32)
		if !ulp.WithinSoftRel(float64(got32.Losses[i]), float64(want32.Losses[i]), c.SoftRel32, S*D32) {
			t.Errorf("%s float32: x=%v y=%v: loss %v, exact %v beyond SoftRel32", name, x, y, got32.Losses[i], want32.Losses[i])
		}
		if !ulp.WithinSoftRel(float64(got32.Grad[i]), float64(want32.Grad[i]), c.SoftRel32, S) {
			t.Errorf("%s float32: x=%v y=%v: grad %v, exact %v beyond SoftRel32", name, x, y, got32.Grad[i], want32.Grad[i])
		}
	}
	if allBinary && cfg.Reduction != spec.None {
		if d := ulp.Dist32(got32.Loss, want32.Loss); d > c.Reduced32 {
			t.Errorf("%s float32: reduced loss %v, exact %v: %v ulp", name, got32.Loss, want32.Loss, d)
		}
	}
	return got
}

// oneHotBatch is 5 rows of 3 classes (15 elements: three groups of 4 and a
// tail of 3 for the SIMD kernels), row r positive in class r mod 3, logits
// spread over [−3.7, 3.3] with both signs in every class.
func oneHotBatch() spec.Batch {
	const classes, rows = 3, 5
	b := spec.Batch{Classes: classes, Logits: make([]float64, classes*rows), Targets: make([]float64, classes*rows)}
	for i := range b.Logits {
		b.Logits[i] = -3.7 + 0.5*float64((7*i)%15)
	}
	for r := range rows {
		b.Targets[r*classes+r%classes] = 1
	}
	return b
}

// TestSingleFeatureConfigs checks, against spec/exact within Contract and
// on both dtypes, configs that differ from one the SIMD kernels cover
// (linear semantics, γ = 2, no α, mean over elements) by exactly one
// feature the kernels do not implement. Built with GOEXPERIMENT=simd, every
// element here has a binary target, so a config wrongly admitted to the
// kernels (p.simple in newParams) is computed as if the feature were
// absent: off by the weight (×0.5, 2 or 3), the pos_weight of the
// positives (×2.5, 0.75, 4), α₊ of classes 1 and 2 (0.6 and 0.9 instead of
// 0.25), the smoothing (y' = 0.95 or 0.05 instead of 1 or 0: the loss of a
// confident element changes by a large factor) or the CB weight (counts 10,
// 100, 1000 at β = 0.99: w = 0.105, 0.0158, 0.0100).
//
// Kills, in the condition p.simple: `cfg.LabelSmoothing == 0` → `!=`,
// `cfg.Alpha == nil` → `!=`, `len(cfg.Alpha) == 1` → `!=`,
// `cfg.Weight == nil` → `!=`, `cfg.PosWeight == nil` → `!=` and
// `cfg.CB == nil` → `!=` (each lets one of these configs into the kernels;
// the opposite effect, a simple config sent to the portable loop, is
// equivalent). The other semantics (geometric, expce, split) are here too:
// on binary targets without ε the four are one function (SPEC.md §2) and
// the kernels redo every soft element with the config's semantics, so
// `cfg.Soft == spec.Linear` → `!=` is equivalent, and these rows only hold
// the portable loop to the Contract.
func TestSingleFeatureConfigs(t *testing.T) {
	cb := func(apply spec.CBApply) *spec.CB {
		return &spec.CB{Beta: 0.99, Counts: []float64{10, 100, 1000}, Apply: apply}
	}
	for _, c := range []struct {
		name string
		cfg  spec.Config
	}{
		{"weight", spec.Config{Gamma: 2, Weight: []float64{0.5, 2, 3}}},
		{"pos_weight", spec.Config{Gamma: 2, PosWeight: []float64{2.5, 0.75, 4}}},
		{"per-class alpha", spec.Config{Gamma: 2, Alpha: []float64{0.25, 0.6, 0.9}}},
		{"smoothing, scope all", spec.Config{Gamma: 2, LabelSmoothing: 0.1, SmoothingScope: spec.SmoothingAll}},
		{"smoothing, scope ce", spec.Config{Gamma: 2, LabelSmoothing: 0.1, SmoothingScope: spec.SmoothingCE}},
		{"CB by class", spec.Config{Gamma: 2, CB: cb(spec.CBClass)}},
		{"CB by label", spec.Config{Gamma: 2, CB: cb(spec.CBLabel)}},
		{"geometric", spec.Config{Gamma: 2, Soft: spec.Geometric}},
		{"expce", spec.Config{Gamma: 2, Soft: spec.ExpCE}},
		{"split", spec.Config{Gamma: 2, Soft: spec.Split}},
	} {
		checkAgainstExact(t, c.name, c.cfg, oneHotBatch(), true)
	}
}

// TestTinyAlpha checks a scalar α = 2^-1029, below the 2^-900 under which
// newParams keeps the config off the SIMD kernels, against spec/exact
// within Contract (float64; in float32 such an α rounds to 0). With y = 1,
// x = −700 … −700.7 and γ = 10^304, the modulator is
// σ(−x)^γ = e^{−γ·log1p(e^x)} with γ·e^x between 0.49 and 0.99, so it lies
// in [0.37, 0.62], and the cross-entropy is sp(−x) ≈ 700: the loss
// α·mod·700 ≈ 2^-1021 is a normal number, but the kernels' unscaled
// product α·mod ≈ 2^-1030 is subnormal, rounded to a multiple of 2^-1074,
// an error of up to 700·2^-1075 = 2^-1065.5 in the loss, 175 of its ulps
// (2^-1073). The test first checks that premise: the product formed that
// way in float64 misses the exact loss by more than Contract.Loss on at
// least one element.
//
// Kills, in p.simple: `cfg.Alpha[0] == 0` → `!=` and
// `cfg.Alpha[0] >= 0x1p-900` → `<`, each of which sends this α to the
// kernels. (`>=` → `>` moves only α = 2^-900 itself, which the kernels
// handle: equivalent.)
func TestTinyAlpha(t *testing.T) {
	const alpha, gamma = 0x1p-1029, 1e304
	b := spec.Batch{Classes: 1}
	for k := range 8 {
		b.Logits = append(b.Logits, -700-0.1*float64(k))
		b.Targets = append(b.Targets, 1)
	}
	cfg := spec.Config{Gamma: gamma, Alpha: []float64{alpha}, Reduction: spec.None}
	checkAgainstExact(t, "alpha 2^-1029", cfg, b, false)
	var want spec.Result
	if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, x := range b.Logits {
		l := math.Log1p(math.Exp(x)) // log q = −l, l ≈ e^x (relative error ≈ 2^-53)
		m := alpha * math.Exp(-gamma*l)
		worst = max(worst, ulp.Dist(m*(-x+l), want.Losses[i]))
		if want.Losses[i] < 0x1p-1022 {
			t.Fatalf("x=%v: exact loss %v is not normal: the premise of the test fails", x, want.Losses[i])
		}
	}
	if worst <= vectorized.Contract.Loss {
		t.Fatalf("the unscaled product α·mod·CE is within %v ulp of the exact loss: the test cannot tell the kernels' form from the careful path", worst)
	}
}

// checkMeanOfLosses checks that r.Loss, the mean of a batch evaluated with
// Reduction Mean, is within Contract.Reduced of the exact mean of the
// element losses it reports, Σ r.Losses / D, with D = Σy taken exactly
// from the targets (big.Float at 2048 bits). The reduction adds those same
// float64 values (times 2^k on the careful path for D < 1, exact), with a
// compensated sum, and divides once.
func checkMeanOfLosses(t *testing.T, name string, r spec.Result, targets []float64) {
	t.Helper()
	sum, d := new(big.Float).SetPrec(2048), new(big.Float).SetPrec(2048)
	for i, l := range r.Losses {
		sum.Add(sum, new(big.Float).SetFloat64(l))
		d.Add(d, new(big.Float).SetFloat64(targets[i]))
	}
	want, _ := sum.Quo(sum, d).Float64()
	if dist := ulp.Dist(r.Loss, want); dist > vectorized.Contract.Reduced {
		t.Errorf("%s: mean loss %v, exact mean of the element losses %v: %v ulp", name, r.Loss, want, dist)
	}
}

// TestMeanNormalisers checks every normaliser of Mean against spec/exact
// within Contract (elements and, where every target is binary, the reduced
// loss; with soft targets the reduced loss against the exact mean of the
// reported element losses):
//
//   - Elements (D = 15) and Rows (D = 5) on oneHotBatch, both dtypes.
//     Kills `float64(n / classes)` → `n * classes` (D = 45).
//   - Positives and PositivesGuarded on 15 elements whose logits and soft
//     targets are all nonzero (Σy = 9), both dtypes: every accumulator
//     of the data scan (scanPortable's four lanes and its tail, and the
//     SIMD scans' tails) sees a nonzero x and y. A scan that reports a
//     problem in valid data makes validate fall back to spec.Validate and
//     return Σy = 0 (D = 0: infinite gradients; 1 for PositivesGuarded);
//     one that drops a lane gets Σy wrong. Kills, in scanPortable:
//     `x[i] - x[i]` → `+` and `(v - v)` → `(v + v)` in the four lanes and
//     the tail, `s0 + s1`, `s2 + s3` and `(…) + (…)` → `-` in its Σy; in
//     scanData: `s > 0` → `s <= 0`.
//   - Positives with Σy < 1, the careful path: Σy = 0.375 (D = 0.75·2^-1,
//     binary elements with ordinary losses: their chunk sum must carry
//     the factor 2), Σy = 0.7 (D in [½, 1): dm = 1.4, dExp = 1) and
//     Σy = 2^-60 with y = 0, γ = 0.04, x = −700 … −694, where W·f′ ≈
//     (1+γ)·e^{(1+γ)x}, 2^-1050 to 2^-1041, is subnormal but W·f′/D,
//     2^-990 to 2^-981, is not: the gradient must be scaled before its
//     rounding (SPEC.md §5, the package comment). PositivesGuarded with
//     Σy = 0.375 gives D = 1. Kills, in newParams: `p.d > 0` → `p.d <= 0`
//     and `p.d < 1` → `>=` (D < 1 on the plain path: the subnormal
//     gradients keep only 24 to 33 bits), `p.dm, p.dExp = fr, -ex` →
//     `+ex` (D off by 4), `p.dExp == 0` → `!=` (D = 0.375 read as 0.75),
//     `2*fr` → `2/fr` (D = 0.7 read as 1.43), and in p.simple
//     `p.dExp == 0` → `!=`, which sends the binary elements of a mean
//     over D < 1 to the SIMD kernels: their losses enter the chunk sum
//     without the factor 2^dExp (D = 0.375) and their gradients are
//     rounded subnormal before the division (D = 2^-60).
func TestMeanNormalisers(t *testing.T) {
	mean := func(n spec.Normalizer) spec.Config {
		return spec.Config{Gamma: 2, Reduction: spec.Mean, Normalizer: n}
	}
	checkAgainstExact(t, "elements", mean(spec.Elements), oneHotBatch(), true)
	checkAgainstExact(t, "rows", mean(spec.Rows), oneHotBatch(), true)

	soft := spec.Batch{Classes: 3, Logits: make([]float64, 15), Targets: make([]float64, 15)}
	for i := range soft.Logits {
		soft.Logits[i] = -3.5 + 0.5*float64((4*i)%15)
		if soft.Logits[i] == 0 {
			soft.Logits[i] = 0.25
		}
		soft.Targets[i] = float64(1+i%4) / 4
	}
	for _, n := range []spec.Normalizer{spec.Positives, spec.PositivesGuarded} {
		cfg := mean(n)
		r := checkAgainstExact(t, fmt.Sprintf("soft, normaliser %v", n), cfg, soft, true)
		checkMeanOfLosses(t, fmt.Sprintf("soft, normaliser %v", n), r, soft.Targets)
	}

	small := func(ys float64) spec.Batch {
		b := spec.Batch{Classes: 1}
		for k := range 9 {
			b.Logits = append(b.Logits, -2.25+0.5*float64(k))
			b.Targets = append(b.Targets, 0)
		}
		b.Targets[4] = ys
		return b
	}
	for _, c := range []struct {
		name string
		cfg  spec.Config
		b    spec.Batch
	}{
		{"Σy = 0.375", mean(spec.Positives), small(0.375)},
		{"Σy = 0.7", mean(spec.Positives), small(0.7)},
		{"guarded, Σy = 0.375", mean(spec.PositivesGuarded), small(0.375)},
	} {
		r := checkAgainstExact(t, c.name, c.cfg, c.b, false)
		if c.cfg.Normalizer == spec.Positives {
			checkMeanOfLosses(t, c.name, r, c.b.Targets)
		}
	}
	tiny := spec.Batch{Classes: 1}
	for k := range 7 {
		tiny.Logits = append(tiny.Logits, -700+float64(k))
		tiny.Targets = append(tiny.Targets, 0)
	}
	tiny.Logits = append(tiny.Logits, 0.5)
	tiny.Targets = append(tiny.Targets, 0x1p-60)
	cfg := spec.Config{Gamma: 0.04, Reduction: spec.Mean, Normalizer: spec.Positives}
	checkAgainstExact(t, "Σy = 2^-60", cfg, tiny, false)
}

// TestScanEdges checks the parallel data scan of validate where its chunks
// are unusual, each time against spec.Validate (the error) or, for valid
// data, through the mean over positives: Σy is a power of two here, so
// the gradient of the mean times Σy must equal the gradient of the sum bit
// for bit (the division by 2^k is exact, no result is subnormal).
//
//   - Mean over positives with no positive target: spec.Validate's error.
//     Kills `cfg.Reduction == spec.Mean` → `!=` and `cfg.Normalizer ==
//     spec.Positives` → `!=` in validate, and `s > 0` → `s >= 0` in
//     scanData (each lets the batch through).
//   - One class, 16383 elements, one short of a chunk (4096 positives).
//     Kills `(n + step - 1) / step` → `(n + step + 1) / step`, a second
//     chunk that starts past the end (slice out of range).
//   - 16385 classes, one row, wider than a chunk (step = C), CB by label:
//     a valid one-hot row gives Σy = 1 (mean = sum), a target of 2 in it
//     spec.Validate's error. Kills `step == 0` → `!=` (a step of 0: a
//     division by zero).
//   - 3 classes, CB by label, rows [0,0,0] and [1,0,1] in the second of
//     two chunks, every other row positive in class 2: spec.Validate's
//     error (a row without a positive). Kills `chunk - chunk%classes` →
//     `chunk + chunk%classes` (16385, not a whole number of rows: the
//     second chunk's triples straddle rows, each holds one 1 and the scan
//     passes the batch, or the last triple runs past the end), and
//     `r < hi` → `r >= hi` in the one-hot loop (no row checked).
//   - Two workers, two chunks, a NaN logit in the second one: spec.Validate's
//     error; and the same batch valid (8192 positives), mean = sum / 8192.
//     Kills `k < nc` → `k >= nc` (no chunk scanned) and `k <= nc` (a
//     chunk past the end) in scanData's worker loop.
func TestScanEdges(t *testing.T) {
	sameErr := func(name string, e vectorized.Evaluator, cfg spec.Config, b spec.Batch) {
		t.Helper()
		var r spec.Result
		want := spec.Validate(&cfg, b)
		got := e.Evaluate(&cfg, b, &r)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%s: Evaluate returns %v, spec.Validate %v", name, got, want)
		}
	}
	meanIsSum := func(name string, e vectorized.Evaluator, cfg spec.Config, b spec.Batch, sumY float64) {
		t.Helper()
		var sum, mean spec.Result
		cfg.Reduction, cfg.Normalizer = spec.Mean, spec.Positives
		if err := e.Evaluate(&cfg, b, &mean); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cfg.Reduction = spec.Sum
		if err := e.Evaluate(&cfg, b, &sum); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range b.Logits {
			if mean.Grad[i]*sumY != sum.Grad[i] {
				t.Fatalf("%s: grad[%d]: mean over positives %v × Σy = %v, sum %v", name, i, mean.Grad[i], mean.Grad[i]*sumY, sum.Grad[i])
			}
		}
	}
	column := func(n, every int) spec.Batch {
		b := spec.Batch{Classes: 1, Logits: make([]float64, n), Targets: make([]float64, n)}
		for i := range n {
			b.Logits[i] = float64(i%9) - 4.5
			if i%every == 0 {
				b.Targets[i] = 1
			}
		}
		return b
	}
	one := vectorized.Evaluator{Workers: 1}

	none := column(64, 1<<30)
	none.Targets[0] = 0
	sameErr("no positive target", one, spec.Config{Gamma: 2, Reduction: spec.Mean, Normalizer: spec.Positives}, none)

	meanIsSum("16383 elements", one, spec.Config{Gamma: 2}, column(16383, 4), 4096)

	const wide = 16385
	row := spec.Batch{Classes: wide, Logits: make([]float64, wide), Targets: make([]float64, wide)}
	for i := range row.Logits {
		row.Logits[i] = float64(i%9) - 4.5
	}
	row.Targets[wide-1] = 1
	cbCfg := spec.Config{Gamma: 2, CB: &spec.CB{Beta: 0.5, Counts: make([]float64, wide), Apply: spec.CBLabel}}
	for k := range cbCfg.CB.Counts {
		cbCfg.CB.Counts[k] = 1 + float64(k%3)
	}
	meanIsSum("one row of 16385 classes", one, cbCfg, row, 1)
	row.Targets[wide-2] = 2
	sameErr("one row of 16385 classes, a target of 2", one, cbCfg, row)

	const classes, rows = 3, 7000
	grid := spec.Batch{Classes: classes, Logits: make([]float64, classes*rows), Targets: make([]float64, classes*rows)}
	for i := range grid.Logits {
		grid.Logits[i] = float64(i%7) - 3
	}
	for r := range rows {
		grid.Targets[r*classes+2] = 1
	}
	const bad = 6000 // in the second chunk (rows 5461 on)
	grid.Targets[(bad-1)*classes+2] = 0
	grid.Targets[bad*classes], grid.Targets[bad*classes+2] = 1, 1
	sameErr("rows [0,0,0], [1,0,1] in the second chunk", one, spec.Config{Gamma: 2,
		CB: &spec.CB{Beta: 0.9, Counts: []float64{1, 2, 3}, Apply: spec.CBLabel}}, grid)

	two := vectorized.Evaluator{Workers: 2}
	b := column(32768, 4)
	meanIsSum("two workers", two, spec.Config{Gamma: 2}, b, 8192)
	b.Logits[30000] = math.NaN()
	sameErr("two workers, a NaN in the second chunk", two, spec.Config{Gamma: 2}, b)
}

// TestRescaledSumCompensated checks the compensation of rescaledSum, the
// second pass of a reduction whose plain sum overflowed. Two elements
// with x = −1.5·2^1023 and 41 with x = −3·2^968, y = 1, γ = 0: each loss
// is sp(−x) = −x + log1p(e^x) = −x exactly in float64 (log1p(e^x) < 2^-1000
// is far below half an ulp of −x), so they are read from the logits; their
// sum 3·2^1023 + 123·2^968 overflows. Scaled by 2^-64, the first two sum to
// 1.5·2^960 (ulp 2^908) and each of the others, 3·2^904 = 0.1875 ulp, is
// lost from the sum and kept in the compensation, which reaches
// 7.6875 ulp: the mean over the 43 elements, (3·2^1023 + 123·2^968)/43,
// computed here in big.Float and rounded once, must be within
// Contract.Reduced; dropping the compensation's sign makes it 16 ulp of the
// sum (about 12 of the mean) off.
//
// Kills: `return s + c` → `return s - c` in rescaledSum.
func TestRescaledSumCompensated(t *testing.T) {
	b := spec.Batch{Classes: 1, Logits: []float64{-0x1.8p1023, -0x1.8p1023}, Targets: []float64{1, 1}}
	for range 41 {
		b.Logits = append(b.Logits, -0x3p968)
		b.Targets = append(b.Targets, 1)
	}
	cfg := spec.Config{Gamma: 0, Reduction: spec.Mean}
	var r spec.Result
	if err := (vectorized.Evaluator{Workers: 1}).Evaluate(&cfg, b, &r); err != nil {
		t.Fatal(err)
	}
	sum := new(big.Float).SetPrec(2048)
	for i, x := range b.Logits {
		if r.Losses[i] != -x {
			t.Fatalf("element %d: loss %v, want −x = %v", i, r.Losses[i], -x)
		}
		sum.Sub(sum, new(big.Float).SetFloat64(x))
	}
	want, _ := sum.Quo(sum, big.NewFloat(float64(len(b.Logits)))).Float64()
	if d := ulp.Dist(r.Loss, want); d > vectorized.Contract.Reduced {
		t.Errorf("mean loss %v, exact %v: %v ulp", r.Loss, want, d)
	}
}

// TestSplitTinyProduct checks, against spec/exact within Contract, split
// elements whose coefficient times modulator, fp = W·α₊·pw·y·q^γ (or fn
// for y = 0), is below 2^-1000 while the modulator itself is normal: W =
// 2^-950, γ = 7.4e14 and x = ∓30 on the wrong side (sp = 30, the other
// sp = e^{-30} ≈ 9.4e-14, so the modulator is exp(-γ·9.4e-14) ≈ 2^-100)
// give fp ≈ 2^-1050, a subnormal with 24 significant bits, and the loss
// fp·30 and the gradient about fp·2000 are subnormal. The plain product
// fp·sp rounds fp first, an error of up to 2^-1075 that sp and γ·s·sp
// multiply into tens to thousands of ulps of the subnormal result; elem
// must send these elements to the careful path (wideF), which rounds once.
// Float64 only (a float32 result that small is 0).
//
// Kills, in elem's split branch: `fp < 0x1p-1000` → `fp >= 0x1p-1000`
// and `fn < 0x1p-1000` → `fn >= 0x1p-1000` (the plain path for these
// elements).
func TestSplitTinyProduct(t *testing.T) {
	cfg := spec.Config{Gamma: 7.4e14, Soft: spec.Split, Weight: []float64{0x1p-950}, Reduction: spec.None}
	b := spec.Batch{Classes: 1, Logits: []float64{-30, 30, -30.5, 29.5}, Targets: []float64{1, 0, 1, 0}}
	checkAgainstExact(t, "split W=2^-950 γ=7.4e14", cfg, b, false)
}

// TestTinyProduct is TestSplitTinyProduct for linear semantics, where
// elem checks cp = W·α_t·pw·y·q^γ and cn = W·α_t·(1-y)·q^γ: W = 2^-950, γ
// = 7.4e14 and x = ∓30 on the wrong side give cp (y = 1) or cn (y = 0)
// about 2^-1050 with a normal modulator (about 2^-100), and subnormal
// results that a plain product would get tens to thousands of ulps wrong.
// Against spec/exact within Contract; float64 only, not one of the SIMD
// kernels' configs (weight), so both builds take the portable loop.
//
// Kills, in elem's check before the plain products: `kp != 0` → `==`,
// `cp < 0x1p-1000` → `>=`, `kn != 0` → `==` and `cn < 0x1p-1000` → `>=`.
func TestTinyProduct(t *testing.T) {
	cfg := spec.Config{Gamma: 7.4e14, Weight: []float64{0x1p-950}, Reduction: spec.None}
	b := spec.Batch{Classes: 1, Logits: []float64{-30, 30, -30.5}, Targets: []float64{1, 0, 1}}
	checkAgainstExact(t, "linear W=2^-950 γ=7.4e14", cfg, b, false)
}

// TestMoreChunksThanTheStack checks the reduction of a batch cut into more
// chunks than run's stack array of per-chunk sums holds (64), so that the
// sums live on the heap: 64 chunks of vectorized.Chunk elements and one
// more element (65 chunks), logits uniform in [−5, 5], binary targets,
// γ = 2, Sum, one worker. r.Loss must be within Contract.Reduced of the
// exact sum of the element losses (checkExactSum), so a chunk left out or
// counted twice fails as well.
//
// Kills: `nc <= len(stack)` → `nc > len(stack)` in run (the 64-element
// array sliced past its end: a panic).
func TestMoreChunksThanTheStack(t *testing.T) {
	n := 64*vectorized.Chunk + 1
	rng := rand.New(rand.NewPCG(23, 23))
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = -5 + 10*rng.Float64()
		y[i] = float64(rng.IntN(2))
	}
	checkExactSum(t, spec.Config{Gamma: 2, Reduction: spec.Sum}, x, y)
}

// TestCarefulModulatorFarBelowRange checks, against spec/exact within
// Contract, elements on the careful path (weight 2^1023, above the 2^1000
// that elem's coefficients may reach) whose modulator is far below the
// float64 range while their loss and gradient are not: y = 1 with x ∈
// {9.9, 10, 10.1} and γ ∈ {137, 138, 139, 140} (and the mirror, y = 0
// with −x), so q^γ = e^{-γ·sp(x)} ≈ e^{-1356} to e^{-1414}, the loss
// 2^1023·q^γ·sp(−x) ≈ e^{709.1 − (γ+1)·x} between about e^{-713} and
// e^{-651}, the gradient about γ times larger. expW must reduce z =
// −γ·sp(x) to k·ln 2 + r with |r| ≤ ln 2/2 before math.Exp.
//
// Kills, in expW: `zh * 1.4426950408889634` → `zh / 1.4426950408889634`
// (k off by the factor ln²2, so r ≈ 0.52·z and math.Exp(r) is subnormal
// for z below about −1363: tens of bits lost).
func TestCarefulModulatorFarBelowRange(t *testing.T) {
	var b spec.Batch
	b.Classes = 1
	for _, x := range []float64{9.9, 10, 10.1} {
		b.Logits = append(b.Logits, x, -x)
		b.Targets = append(b.Targets, 1, 0)
	}
	for _, g := range []float64{137, 138, 139, 140} {
		cfg := spec.Config{Gamma: g, Weight: []float64{0x1p1023}, Reduction: spec.None}
		checkAgainstExact(t, fmt.Sprintf("W=2^1023 γ=%v", g), cfg, b, false)
	}
}

// TestCBLabelOverflow checks, against spec/exact within Contract (element
// losses, gradients and the mean), means whose weighted terms overflow
// before the division by D, with CB applied by label: weight 8.9e307 for
// both classes, CB counts 1 and 1000 at β = 0.999 normalised to sum C = 2
// (w = 1 and 0.00158 before, 1.9968 and 0.0032 after), γ = 2, mean over 8
// elements. For label-0 rows W ≈ 1.777e308, below MaxFloat64. The config
// is not one of the SIMD kernels', so both builds take the portable loop;
// float64 only (float32 weights cannot overflow a float64 sum).
//
//   - gradient: five label-0 elements (x = −3, 2.5, −4, −2.5 and 3, each on
//     the wrong side of its target) have |f′| > 1.012, so W·f′ overflows
//     while W·f′/8 does not (checked): portable then takes elemWide, which
//     must get the element's weight with its label's CB weight.
//   - mean: the label-0 elements with y = 1 at x = −1.5 have l ≈ 1.14, so
//     W·l overflows (the element loss is +Inf, checked) while the mean,
//     about 2·2.0e308/8, is finite: run sums again with every weight
//     scaled by 2^-64 (rescaledSum), which must weight each element by its
//     label's CB weight as well.
//
// Kills: `p.w[c]*cbw` → `p.w[c]/cbw` in portable's overflow branch (those
// gradients off by the factor 1/cbw² ≈ 0.25), and `p.w[k]*cbw*0x1p-64` →
// `p.w[k]/cbw*0x1p-64` in rescaledSum (the label-1 rows weighted
// 8.9e307/0.0032: the mean overflows).
func TestCBLabelOverflow(t *testing.T) {
	cfg := spec.Config{
		Gamma:     2,
		Weight:    []float64{8.9e307, 8.9e307},
		CB:        &spec.CB{Beta: 0.999, Counts: []float64{1, 1000}, Normalize: spec.CBSum, Apply: spec.CBLabel},
		Reduction: spec.Mean, Normalizer: spec.Elements,
	}
	grad := spec.Batch{Classes: 2,
		Logits:  []float64{-3, 2.5, -4, 0.3, 1.5, 3.5, -2.5, 3},
		Targets: []float64{1, 0, 1, 0, 0, 1, 1, 0},
	}
	r := checkAgainstExact(t, "CB by label, overflowing gradients", cfg, grad, false)
	big := 0
	for _, g := range r.Grad {
		if math.Abs(g)*8 > math.MaxFloat64 {
			big++
		}
	}
	if big == 0 {
		t.Error("no element's W·f′ overflows: the gradient case does not reach the careful path")
	}
	mean := spec.Batch{Classes: 2,
		Logits:  []float64{-1.5, -3, 0.5, -2, -1.5, 1, -2, 0.7},
		Targets: []float64{1, 0, 0, 1, 1, 0, 0, 1},
	}
	r = checkAgainstExact(t, "CB by label, overflowing sum", cfg, mean, false)
	if !math.IsInf(r.Losses[0], 1) || math.IsInf(r.Loss, 0) {
		t.Errorf("element loss %v, mean %v: the mean case needs an overflowing element and a finite mean", r.Losses[0], r.Loss)
	}
}

// TestCBWeightsNil checks that CBWeights without a CB configuration is an
// InputError on the field "cb" with no index (-1, printed "cb: missing"),
// as spec/exact reports it.
//
// Kills: `Index: -1` → `Index: +1` in CBWeights (2 mutants; the line had
// no test before).
func TestCBWeightsNil(t *testing.T) {
	w, err := (vectorized.Evaluator{}).CBWeights(nil)
	var ie *spec.InputError
	if w != nil || !errors.As(err, &ie) {
		t.Fatalf("CBWeights(nil) = %v, %v; want nil and an *spec.InputError", w, err)
	}
	_, xerr := (exact.Evaluator{}).CBWeights(nil)
	var want *spec.InputError
	if !errors.As(xerr, &want) {
		t.Fatalf("exact: CBWeights(nil) error %v", xerr)
	}
	if diff := cmp.Diff(want, ie); diff != "" {
		t.Errorf("CBWeights(nil) error (-exact +vectorized):\n%s", diff)
	}
}
