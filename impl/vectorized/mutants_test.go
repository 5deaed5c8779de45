package vectorized_test

// Tests that close gaps found by mutation testing (make mutants,
// docs/mutants.md). Each names the mutant it kills and the behaviour
// behind it; the mutants left alive are argued equivalent in
// docs/mutants.md.

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/impl/vectorized"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
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
