package fuzz_test

import (
	"flag"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/focalcheck/focalcheck/fuzz"
	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/impl/vectorized"
)

// The implementations under test, each with the contract it exports.
var (
	stableS = fuzz.Subject{Eval: stable.Evaluator{}, Contract: stable.Contract}
	vec1    = fuzz.Subject{Eval: vectorized.Evaluator{Workers: 1}, Contract: vectorized.Contract}
	vec2    = fuzz.Subject{Eval: vectorized.Evaluator{Workers: 2}, Contract: vectorized.Contract}
	naiveS  = fuzz.Subject{Eval: naive.Evaluator{}, Contract: naive.Contract}
)

var known = flag.Bool("fuzz.known", false, "leave out the known bugs listed in knownBugs, so that a campaign looks for new ones (plain go test reports them)")

// knownBugs are open bugs of the implementations, each with the inputs it
// shows on. Plain `go test` holds every implementation to every input and
// fails on them; with -fuzz.known (`focalcheck fuzz --known`) an
// implementation is left out of the inputs its known bugs match, so that a
// campaign spends its time on new ones.
var knownBugs = []struct {
	impl, what string
	matches    func(fuzz.Input) bool
}{
	// Each has its reproducer under testdata/known/ (TestKnownBugsStillShow).
	// Fixed ones move to testdata/fuzz/ as regressions, as vectorized's large
	// γ did (8 ulp at x = −3.03, y = 1, γ = 12896, fixed by its precise
	// modulator).
	{"vectorized", "a class weight times its CB weight overflows float64 or falls below its normal range, formed and rounded before the element is evaluated (README, Known limits): ±Inf, or a subnormal's error, where the exact loss or gradient is a normal float64",
		weightTimesCBOutOfRange},
	{"naive", "its float32 path multiplies a weight, pos_weight or α below 2^-102 into partial products that can fall below the float32 normal range (2^-126) and lose relative precision while the loss is normal",
		tinyFloat32Factor},
}

// weightTimesCBOutOfRange reports whether some class weight times some CB
// weight of in's configuration (as stable computes them) overflows
// float64 or is a nonzero below 2^-1022: vectorized forms that product
// first.
func weightTimesCBOutOfRange(in fuzz.Input) bool {
	cfg := in.Config()
	if cfg.Weight == nil || cfg.CB == nil {
		return false
	}
	w, err := (stable.Evaluator{}).CBWeights(cfg.CB)
	if err != nil {
		return false
	}
	for _, a := range cfg.Weight {
		for _, b := range w {
			if p := math.Abs(a * b); math.IsInf(p, 0) || (p != 0 && p < 0x1p-1022) {
				return true
			}
		}
	}
	return false
}

// tinyFloat32Factor reports whether a weight, pos_weight or α of in's
// configuration rounded to float32 is nonzero and below 2^-102, where its
// products with the loss's other factors (a target, a modulator, σ) can be
// float32 subnormals.
func tinyFloat32Factor(in fuzz.Input) bool {
	cfg := in.Config().Round32()
	for _, v := range slices.Concat(cfg.Weight, cfg.PosWeight, cfg.Alpha) {
		if v != 0 && math.Abs(v) < 0x1p-102 {
			return true
		}
	}
	return false
}

// subjects returns subs without, under -fuzz.known, those whose known bugs
// match in's configuration (logged).
func subjects(t *testing.T, in fuzz.Input, subs ...fuzz.Subject) []fuzz.Subject {
	if !*known {
		return subs
	}
	var out []fuzz.Subject
next:
	for _, s := range subs {
		for _, b := range knownBugs {
			if b.impl == s.Eval.Name() && b.matches(in) {
				t.Logf("%s left out: known bug: %s", b.impl, b.what)
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

func addSeeds(f *testing.F) {
	for _, in := range fuzz.Seeds() {
		f.Add(in.Bytes())
	}
}

// FuzzElement: any configuration on a two-element batch, float64 path.
// Invalid input gives spec.Validate's *spec.InputError from every
// implementation and never a panic; valid input gives no NaN, and
// vectorized (1 and 2 workers) and naive (inside its Domain) agree with
// stable within the sum of the two contracts.
func FuzzElement(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzz.Decode(data)
		if err := fuzz.Element(in, stableS, subjects(t, in, vec1, vec2, naiveS)...); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzFloat32: the float32 entry points, with float32 logits and targets
// from raw uint32 bits: the checks of FuzzElement on the float32 path
// (against stable's float32 results), and each implementation's float32
// path against its own float64 path on the same numbers.
func FuzzFloat32(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzz.Decode(data)
		if err := fuzz.Element32(in, stableS, subjects(t, in, vec1, vec2, naiveS)...); err != nil {
			t.Fatal(err)
		}
		if err := fuzz.Float32(in, subjects(t, in, stableS, vec1, vec2, naiveS)...); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzCB: class-balanced weights from any β and counts: validated,
// finite, within [1/n, 1], non-increasing in n, normalised to sum to C,
// and vectorized and naive (where it covers β) agree with stable.
func FuzzCB(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzz.Decode(data)
		if err := fuzz.CB(in, stableS, subjects(t, in, vec1, naiveS)...); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzExact: the inputs of FuzzElement, FuzzFloat32 and FuzzCB with the
// exact oracle as the reference: every implementation within its own
// contract of the correctly rounded exact value (a few milliseconds an
// input). An input that takes longer than exactDeadline fails, so that the
// engine keeps it: the oracle promises microseconds in its asymptotic
// regions and milliseconds elsewhere (spec/exact's package doc), and a
// campaign would otherwise stall on it without a word.
func FuzzExact(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzz.Decode(data)
		subs := subjects(t, in, stableS, vec1, naiveS)
		done := make(chan error, 1)
		go func() {
			for _, check := range []func(fuzz.Input, fuzz.Subject, ...fuzz.Subject) error{fuzz.Element, fuzz.Element32, fuzz.CB} {
				if err := check(in, fuzz.Oracle, subs...); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(exactDeadline):
			t.Fatalf("no answer within %v\ninput: %v", exactDeadline, in)
		}
	})
}

// exactDeadline is several hundred times the oracle's documented cost of
// one input (spec/exact's package doc: 1-3 ms an element at 256 bits; an
// input asks it for at most six elements and CB weights), so that on a
// busy machine it flags only a stall.
const exactDeadline = 10 * time.Second
