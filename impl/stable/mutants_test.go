package stable_test

// Tests that close gaps found by mutation testing (make mutants; README,
// "Mutation testing"). Each names the mutant it kills and the behaviour
// behind it; the mutants left alive are argued equivalent there.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// terminationDeadline bounds one pass of terminates, which normally takes
// well under a millisecond (about 70 elements at about 1 µs each); 20 s
// leaves a margin of four orders of magnitude for a loaded machine or -race.
const terminationDeadline = 20 * time.Second

// TestMain checks, before any test runs, that evaluation terminates for
// every whole γ of the repeated-multiplication path (1…64) and a few others.
// A loop that never ends (mutant: `for n > 0` → `for n >= 0` in xfPow, whose
// n >>= 1 then stays at 0 forever) would otherwise hang the first test that
// uses a whole γ until go test's own timeout; this fails in
// terminationDeadline with a diagnostic instead.
func TestMain(m *testing.M) {
	done := make(chan error, 1)
	go func() { done <- terminates() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintln(os.Stderr, "termination check:", err)
			os.Exit(1)
		}
	case <-time.After(terminationDeadline):
		fmt.Fprintf(os.Stderr, "termination check: Evaluate did not return within %v (a non-terminating loop)\n", terminationDeadline)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// terminates evaluates one positive and one negative element for each γ
// in {0.5, 1, 2, …, 64, 64.5, 65}.
func terminates() error {
	gammas := []float64{0.5, 64.5, 65}
	for g := 1; g <= 64; g++ {
		gammas = append(gammas, float64(g))
	}
	for _, g := range gammas {
		cfg := spec.Config{Gamma: g, Reduction: spec.Sum}
		var r spec.Result
		b := spec.Batch{Classes: 2, Logits: []float64{1.5, -0.5}, Targets: []float64{1, 0}}
		if err := (stable.Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			return err
		}
	}
	return nil
}

// TestHugeWholeGamma checks whole γ far beyond the repeated-multiplication
// path (γ ≤ 64) against spec/exact, where σ(−x_t) is so close to 1 that
// the modulator σ(−x_t)^γ = e^{−γ·log1p(e^{x_t})} is tiny but normal:
// γ = 2^62 at x_t = −36.42, γ = 2^60 at x_t = −35.2 and γ = 8.2e20 at
// x_t = −41.6 (γ·e^{x_t} ≈ 700, 600 and 700), both signs of x; and,
// where σ(−x_t) = 1 to double-double precision (|x_t| ≥ 1000), γ ∈ {2^70, 1e300, MaxFloat64}, whose exact
// loss is |x_t| (modulator 1, closed form of SPEC.md §3). Without CB the
// Contract's doc promises 1 ulp on binary targets (one rounding of a
// double-double), which is the bound here.
//
// Kills: `g <= maxIntGamma` → `g > maxIntGamma` in intGamma, which sends
// whole γ above 64 to repeated multiplication: the double-double σ(−x_t)
// carries a relative error of about e^{x_t}·2^-53 (its lo part is rounded)
// and raising it to the power γ multiplies that by γ, so the modulator is
// off by about γ·e^{x_t}·2^-53, here 46 to 87 ulp. (For γ ≥ 2^63, int(γ)
// is out of range and the mutant falls back to the exp path, so those
// cases guard the fallback rather than kill.)
//
// Kills also: `ddMulF(ddMul(e, e), -0.5)` → `+0.5` (INVERT_NEGATIVES and
// ARITHMETIC_BASE) in log1pDD's two-term series for e < 2^-60. Its error,
// e² in log1p(e), is negligible beside sp(−x_t) = −x_t + log1p(e), but the
// modulator e^{−γ·log1p(e)} turns it into a relative error of γ·e² =
// (γe)·e ≈ 700·2^-60 ≈ 6e-16, about 3 ulp, at γ = 8.2e20, x_t = −41.6.
//
// The behaviour matters: γ is any finite non-negative float64 (SPEC.md §1).
func TestHugeWholeGamma(t *testing.T) {
	for _, c := range []struct{ g, x, y float64 }{
		{0x1p62, -36.42, 1}, {0x1p62, 36.42, 0}, {0x1p60, -35.2, 1}, {0x1p60, 35.2, 0}, {8.2e20, -41.6, 1}, {8.2e20, 41.6, 0},
		{0x1p70, -1e3, 1}, {1e300, -1e300, 1}, {math.MaxFloat64, 1e3, 0}, {0x1p70, math.MaxFloat64, 0},
	} {
		cfg := spec.Config{Gamma: c.g, Reduction: spec.None}
		b := spec.Batch{Classes: 1, Logits: []float64{c.x}, Targets: []float64{c.y}}
		var got, want spec.Result
		if err := (stable.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		if math.Abs(c.x) >= 1e3 && want.Losses[0] != math.Abs(c.x) {
			t.Fatalf("γ=%v x=%v y=%v: exact loss %v, want |x| (closed form)", c.g, c.x, c.y, want.Losses[0])
		}
		if d := ulp.Dist(got.Losses[0], want.Losses[0]); d > noCBBound {
			t.Errorf("γ=%v x=%v y=%v: loss %v, exact %v: %v ulp", c.g, c.x, c.y, got.Losses[0], want.Losses[0], d)
		}
		if d := ulp.Dist(got.Grad[0], want.Grad[0]); d > noCBBound {
			t.Errorf("γ=%v x=%v y=%v: grad %v, exact %v: %v ulp", c.g, c.x, c.y, got.Grad[0], want.Grad[0], d)
		}
	}
}

// noCBBound is the ulp bound of binary float64 outputs without CB from
// Contract's doc: rounded once from an extended double-double, at most 1 ulp
// (a double rounding within 2^-100 of a midpoint, or a subnormal result).
const noCBBound = 1

// TestCorrectlyRoundedTail checks the claim of Contract's doc that binary
// float64 outputs without CB are correctly rounded (0 ulp from spec/exact)
// where the result is normal, on seeded random x_t ∈ [41.6, 44]: there
// E = e^{−x_t} < 2^-60 and sp(−x_t) = E·(1 − E/2 + …) is taken from the
// two-term series. An error in the E/2 term is below 2^-60 relative, a
// small fraction of a float64 ulp, so it changes a rounded output only when
// the exact value lies that close to a rounding midpoint: measured, the
// mutant below changes 2 of the 1200 outputs (600 cases, loss and
// gradient, γ ∈ {0, 2, 2.5}) with this seed, so the test kills it
// deterministically though by a thin margin.
//
// Kills: `ddMulF(ed, -0.5)` → `ddMulF(ed, +0.5)` (INVERT_NEGATIVES and
// ARITHMETIC_BASE on the same token) in binaryFocal's small-E ratio, an
// error that the Contract's ulp bounds would hide. Exact values within
// 2^-100 of a rounding midpoint, where the Contract allows one double
// rounding, are vanishingly rare (about 2^-47 per output) and the seed is
// fixed.
func TestCorrectlyRoundedTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range 600 {
		x := 41.6 + 2.4*rng.Float64()
		y := float64(rng.IntN(2))
		if y == 0 {
			x = -x // x_t = −x for y = 0
		}
		cfg := spec.Config{Gamma: []float64{0, 2, 2.5}[i%3], Reduction: spec.None}
		b := spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}
		var got, want spec.Result
		if err := (stable.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		if got.Losses[0] != want.Losses[0] || got.Grad[0] != want.Grad[0] {
			t.Errorf("x=%v y=%v γ=%v: loss %v grad %v, exact (correctly rounded) %v %v",
				x, y, cfg.Gamma, got.Losses[0], got.Grad[0], want.Losses[0], want.Grad[0])
		}
	}
}

// TestFloat32Midpoints checks Evaluate32's single rounding at a float32
// rounding midpoint. With x_t = −x ≤ −512 (y = 0, x ≥ 512) the loss is
// W·sp(x) = W·(x + log1p(e^{−x})); x = (1 + 3·2^-23)·2^9 and W = 1.5 make
// W·x = (1.5 + 4.5·2^-23)·2^9 exactly, halfway between two float32 values
// (4 and 5 units of 2^-23 above 1.5, times 2^9):
//
//   - at x ≥ 2e5 the log1p term is dropped (it is below e^{−2e5}), the
//     double-double is exactly the midpoint with lo = 0, and the correct
//     result is the even neighbour, 1.5 + 4·2^-23 (times 2^18 here);
//   - at x ≈ 512 the log1p term, 1.5·e^{−512} > 0, puts the exact value
//     just above the midpoint: the correct result is 1.5 + 5·2^-23
//     (times 2^9), which a double rounding (float64 midpoint, then ties to
//     even) would miss.
//
// Both are checked against spec/exact and against the values derived here.
//
// Kills, in xf.float32's round-to-odd: `a.v.lo != 0` → `a.v.lo == 0`
// (moves an exact midpoint up: the first case) and `&1 == 0` → `&1 != 0`
// (leaves an even hi at the midpoint: the second case). The behaviour
// matters: Contract promises one rounding on the float32 path.
func TestFloat32Midpoints(t *testing.T) {
	m := float32(1 + 3*0x1p-23)
	for _, c := range []struct {
		reason string
		x      float32
		want   float32
	}{
		{"x = (1+3·2^-23)·2^18, exact midpoint: ties to even (down)", m * 0x1p18, (1.5 + 4*0x1p-23) * 0x1p18},
		{"x = (1+3·2^-23)·2^9, just above the midpoint: up", m * 0x1p9, (1.5 + 5*0x1p-23) * 0x1p9},
	} {
		cfg := spec.Config{Weight: []float64{1.5}, Reduction: spec.None}
		b := spec.Batch32{Classes: 1, Logits: []float32{c.x}, Targets: []float32{0}}
		var got, want spec.Result32
		if err := (stable.Evaluator{}).Evaluate32(&cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate32(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		if want.Losses[0] != c.want {
			t.Fatalf("%s: exact oracle gives %v, derivation %v", c.reason, want.Losses[0], c.want)
		}
		if got.Losses[0] != c.want {
			t.Errorf("%s: loss32 %v, want %v (%v ulp)", c.reason, got.Losses[0], c.want, ulp.Dist32(got.Losses[0], c.want))
		}
	}
}

// TestGuardedNormaliserJustAboveOne checks Mean with PositivesGuarded where
// Σy = 1 + 2^-53 (one target 1, one soft target 2^-53, the rest 0): the
// double-double sum is (hi, lo) = (1, 2^-53), since 1 + 2^-53 rounds to 1,
// and D = max(1, Σy) = 1 + 2^-53 (SPEC.md §5). The gradient of each binary
// element is W·f′/D rounded once, which Contract's doc promises correctly
// rounded (0 ulp from spec/exact; a double rounding only within 2^-100 of
// a midpoint, vanishingly rare with this fixed seed). Dividing by 1 instead
// moves every gradient by 2^-53 relative, half an ulp to one ulp, which
// changes the rounded value of about half of them. The test first checks,
// with spec/exact itself, that this batch tells the two apart: with the
// soft target set to 0 (Σy = 1, D = 1; the binary elements' W·f′ are
// unchanged), some binary element's exact gradient differs.
//
// Kills, in denominator's guard `s.hi < 1 || s.hi == 1 && s.lo < 0`:
// `s.hi < 1` → `s.hi <= 1` and `s.lo < 0` → `s.lo >= 0`, which both take
// max(1, Σy) = 1 for Σy = 1 + 2^-53. (`s.lo < 0` → `s.lo <= 0` differs only
// at Σy = 1 exactly, where both give D = 1: equivalent.)
func TestGuardedNormaliserJustAboveOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 23))
	const n = 40
	b := spec.Batch{Classes: 1, Logits: make([]float64, n), Targets: make([]float64, n)}
	for i := range b.Logits {
		b.Logits[i] = -4 + 8*rng.Float64()
	}
	b.Targets[0], b.Targets[1] = 0x1p-53, 1
	cfg := spec.Config{Gamma: 2, Reduction: spec.Mean, Normalizer: spec.PositivesGuarded}
	var got, want, one spec.Result
	if err := (stable.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
		t.Fatal(err)
	}
	if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
		t.Fatal(err)
	}
	b1 := spec.Batch{Classes: 1, Logits: b.Logits, Targets: append([]float64(nil), b.Targets...)}
	b1.Targets[0] = 0
	if err := (exact.Evaluator{}).Evaluate(&cfg, b1, &one); err != nil {
		t.Fatal(err)
	}
	differ := 0
	for i := 1; i < n; i++ {
		if want.Grad[i] != one.Grad[i] {
			differ++
		}
		if got.Grad[i] != want.Grad[i] {
			t.Errorf("x=%v y=%v: grad %v, exact (correctly rounded) %v: %v ulp", b.Logits[i], b.Targets[i], got.Grad[i], want.Grad[i], ulp.Dist(got.Grad[i], want.Grad[i]))
		}
	}
	t.Logf("%d of %d binary gradients differ between D = 1 and D = 1 + 2^-53", differ, n-1)
	if differ == 0 {
		t.Fatal("D = 1 and D = 1 + 2^-53 give the same exact gradients here: the test cannot tell them apart")
	}
	if d := ulp.Dist(got.Loss, want.Loss); d > stable.Contract.Reduced {
		t.Errorf("mean loss %v, exact %v: %v ulp", got.Loss, want.Loss, d)
	}
}

// TestCBCorrectlyRounded checks the claim of Contract's doc that elements
// with class-balanced weights are rounded once, like those without: the CB
// weight enters the element unrounded, as a double-double within about
// 2^-100 of (1−β)/(1−β^n), so every binary element loss and gradient is the
// correctly rounded exact value (0 ulp from spec/exact; a double rounding
// only within 2^-100 of a midpoint, vanishingly rare with this fixed seed).
// 50 seeded configs with β ∈ [0.5, 0.6) and counts 2, 3, 5 (apply by
// class, no normalisation), 2 rows of 3 classes each, x ∈ [−4, 4].
//
// Kills: `r.hi/b` → `r.hi*b` in logDD's Newton step for β ≥ 1/2, which
// scales the correction of y0 = math.Log1p(β−1) by β² instead of 1 and so
// leaves (1−β²) ≥ 0.64 of y0's error (up to half an ulp of log β) in
// log β. Through 1−β^n = −expm1(n·log β) that is a relative error of up
// to about 2^-55 in the weight (n = 2: e^u·n/(1−e^u) ≈ 0.9 at u = n·log β
// ≈ −1.2), a tenth of an ulp of the element on average, which changes
// roughly one rounded output in ten here.
func TestCBCorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 29))
	for range 50 {
		beta := 0.5 + 0.1*rng.Float64()
		cfg := spec.Config{Gamma: 2, Reduction: spec.None, CB: &spec.CB{Beta: beta, Counts: []float64{2, 3, 5}}}
		b := spec.Batch{Classes: 3, Logits: make([]float64, 6), Targets: make([]float64, 6)}
		for i := range b.Logits {
			b.Logits[i] = -4 + 8*rng.Float64()
			b.Targets[i] = float64(rng.IntN(2))
		}
		var got, want spec.Result
		if err := (stable.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		for i := range b.Logits {
			if got.Losses[i] != want.Losses[i] || got.Grad[i] != want.Grad[i] {
				t.Errorf("β=%v x=%v y=%v class %d: loss %v grad %v, exact (correctly rounded) %v %v",
					beta, b.Logits[i], b.Targets[i], i%3, got.Losses[i], got.Grad[i], want.Losses[i], want.Grad[i])
			}
		}
	}
}

// TestRoundingJustAbovePowerOfTwo checks the final rounding of an
// extended double-double to float64 where the exact value lies just above a
// power of two, where the float64 spacing changes: y = 0, γ = 0, x = 32 and
// weight W = 1 − 3·2^-53 give the loss W·sp(32) = W·(32 + log1p(e^-32))
// = 32·(1 − 3·2^-53)·(1 + δ), δ = log1p(e^-32)/32 = 3.5646·2^-53, that is
// 32·(1 + 0.5646·2^-53) to within 2^-100: above 32 by 0.56 of half its ulp
// (32·2^-52 above 32), so the correctly rounded loss is 32 (checked against
// spec/exact too).
//
// Kills: `a.v.hi+a.v.lo` → `a.v.hi-a.v.lo` in xf.float64. For a normalised
// pair (hi = fl(hi+lo)) the two agree except when hi is a power of two and
// lo > 0 exceeds half the spacing below hi: here hi − lo = 32·(1 −
// 0.5646·2^-53) rounds to 32 − 2^-48, the float64 below 32.
func TestRoundingJustAbovePowerOfTwo(t *testing.T) {
	cfg := spec.Config{Gamma: 0, Weight: []float64{1 - 3*0x1p-53}, Reduction: spec.None}
	b := spec.Batch{Classes: 1, Logits: []float64{32}, Targets: []float64{0}}
	var got, want spec.Result
	if err := (stable.Evaluator{}).Evaluate(&cfg, b, &got); err != nil {
		t.Fatal(err)
	}
	if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
		t.Fatal(err)
	}
	if want.Losses[0] != 32 {
		t.Fatalf("exact loss %v, derivation 32", want.Losses[0])
	}
	if got.Losses[0] != 32 {
		t.Errorf("loss %v, want 32 (%v ulp)", got.Losses[0], ulp.Dist(got.Losses[0], 32))
	}
}
