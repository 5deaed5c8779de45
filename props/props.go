// Package props is focalcheck's conformance suite: properties that every
// implementation of spec.Evaluator must satisfy, checked with rapid on
// generated configurations and batches (float64 and float32 paths).
//
// Check runs every single-implementation property as a subtest; each
// implementation's test file calls it in one line. Cross-implementation
// properties live in this package's tests.
//
// How the suite reads a spec.Contract (the rules every property follows):
//
//   - Where the promise holds. The ulp bounds hold for binary elements (y ∈
//     {0,1}, no smoothing) with |x| ≤ Domain (Domain32 on the float32
//     path), the SoftRel bound for the other elements with |x| ≤ Domain.
//     Beyond Domain an implementation promises no NaN, and nothing else; a
//     reduced loss is held to a bound only when every element is within
//     Domain. Each property draws the labelled choice "inDomain" (see
//     drawDomain), so every run exercises its relation inside Domain, and
//     checks elements beyond it for NaN rather than skipping them.
//   - No ulp promise. An ulp bound of +Inf (impl/naive) means that binary
//     elements are held to the SoftRel bound as soft ones are; it never
//     means "anything goes".
//   - Term scales. An element loss l = W·f is compared with the scale
//     S = W·(1+pw)·(1+γ)·(1+|x|), without the mean's D (l is not divided
//     by D); its derivative W·f′/D with S/D; the reduced loss with
//     SoftRel·(|L| + Σ S/D), each term within its own bound.
//   - The 1-ulp floor. A result 1 ulp from the exact value always passes:
//     that is the rounding of the result itself, which SoftRel·S cannot
//     cover where S underflows or is 0.
//   - Overflow. Where the exact value lies beyond the float range an
//     implementation may return ±Inf (naive) or saturate at ±MaxFloat
//     (stable); the two are 1 ulp apart, so the floor accepts either, and
//     NoNaN admits ±Inf only where Σ S reaches half the range.
//   - Tolerances. Every bound is the contract's plus the error of the
//     reference the property computes, with its derivation in the
//     property's comment, and is measured with internal/ulp only.
package props

import (
	"fmt"
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"pgregory.net/rapid"
)

// Property is one named property of an evaluator under its contract.
type Property struct {
	Name string
	Prop func(e spec.Evaluator, c spec.Contract) func(*rapid.T)
}

// Properties lists every single-implementation property that Check runs.
var Properties = []Property{
	{"Gamma0IsBCE", Gamma0IsBCE},
	{"GradMatchesFD", GradMatchesFD},
	{"NoNaN", NoNaN},
	{"NoNaN32", NoNaN32},
	{"CBMonotone", CBMonotone},
	{"OracleAgreement", OracleAgreement},
	{"OracleAgreement32", OracleAgreement32},
	{"Float32MatchesFloat64", Float32MatchesFloat64},
	{"Symmetry", Symmetry},
	{"NonNegative", NonNegative},
	{"FocalBelowCE", FocalBelowCE},
	{"MonotoneInGamma", MonotoneInGamma},
	{"GradSign", GradSign},
	{"ReductionConsistency", ReductionConsistency},
	{"ReductionConsistency32", ReductionConsistency32},
	{"RowPermutation", RowPermutation},
	{"SumAdditive", SumAdditive},
	{"WeightScaling", WeightScaling},
	{"SmoothingZeroIdentity", SmoothingZeroIdentity},
	{"Repeatable", Repeatable},
}

// Check runs every property of Properties on e under contract c, each as a
// subtest with rapid.Check (rapid's -rapid.checks flag sets the count).
func Check(t *testing.T, e spec.Evaluator, c spec.Contract) {
	for _, p := range Properties {
		t.Run(p.Name, func(t *testing.T) { rapid.Check(t, p.Prop(e, c)) })
	}
}

func eval(t *rapid.T, e spec.Evaluator, cfg *spec.Config, b spec.Batch) spec.Result {
	var r spec.Result
	if err := e.Evaluate(cfg, b, &r); err != nil {
		t.Fatalf("%s: Evaluate rejected a valid input: %v", e.Name(), err)
	}
	return r
}

// valid32 reports whether b is valid input for the float32 path. Rounding
// to float32 can make a drawn batch invalid (a small soft target becomes 0
// and removes the only positive of the positives normaliser); then the
// property has nothing to compare, and valid32 checks instead that e
// rejects the batch with spec.Validate32's error.
func valid32(t *rapid.T, e spec.Evaluator, cfg *spec.Config, b spec.Batch32) bool {
	want := spec.Validate32(cfg, b)
	if want == nil {
		return true
	}
	var r spec.Result32
	if got := e.Evaluate32(cfg, b, &r); got == nil || got.Error() != want.Error() {
		t.Fatalf("%s: Evaluate32 returned %v for a batch that spec.Validate32 rejects with %v", e.Name(), got, want)
	}
	return false
}

func eval32(t *rapid.T, e spec.Evaluator, cfg *spec.Config, b spec.Batch32) spec.Result32 {
	var r spec.Result32
	if err := e.Evaluate32(cfg, b, &r); err != nil {
		t.Fatalf("%s: Evaluate32 rejected a valid input: %v", e.Name(), err)
	}
	return r
}

// scales returns the SoftScale S of every element's derivative: with the
// mean's D, since the gradient is W·f′/D. The element losses are not
// divided by D: their scale is lossScales.
func scales(t *rapid.T, e spec.Evaluator, cfg *spec.Config, b spec.Batch) []float64 {
	var w []float64
	if cfg.CB != nil {
		var err error
		if w, err = e.CBWeights(cfg.CB); err != nil {
			t.Fatalf("CBWeights: %v", err)
		}
	}
	d := ulp.Denominator(cfg, b)
	out := make([]float64, len(b.Logits))
	for i, x := range b.Logits {
		W, pw := ulp.ElementWeight(cfg, b, w, i)
		out[i] = ulp.SoftScale(W, pw, cfg.Gamma, x, d)
	}
	return out
}

// lossScales returns the SoftScale of every element loss (without D).
func lossScales(t *rapid.T, e spec.Evaluator, cfg *spec.Config, b spec.Batch) []float64 {
	s := scales(t, e, cfg, b)
	d := ulp.Denominator(cfg, b)
	for i := range s {
		s[i] *= d
	}
	return s
}

func describe(cfg *spec.Config, b spec.Batch, i int) string {
	return fmt.Sprintf("gamma=%v soft=%v alpha=%v eps=%v/%v weight=%v pw=%v cb=%v red=%v/%v logit=%v target=%v",
		cfg.Gamma, cfg.Soft, cfg.Alpha, cfg.LabelSmoothing, cfg.SmoothingScope, cfg.Weight, cfg.PosWeight, cbString(cfg.CB),
		cfg.Reduction, cfg.Normalizer, b.Logits[i], b.Targets[i])
}

func cbString(cb *spec.CB) string {
	if cb == nil {
		return "none"
	}
	return fmt.Sprintf("{beta=%v counts=%v %v %v}", cb.Beta, cb.Counts, cb.Normalize, cb.Apply)
}

// elemBinary reports whether element i has a binary target and no label
// smoothing: the ulp bounds of the contract apply to it.
func elemBinary(cfg *spec.Config, b spec.Batch, i int) bool {
	return cfg.LabelSmoothing == 0 && (b.Targets[i] == 0 || b.Targets[i] == 1)
}

func isBinary(cfg *spec.Config, b spec.Batch) bool {
	if cfg.LabelSmoothing != 0 {
		return false
	}
	for _, y := range b.Targets {
		if y != 0 && y != 1 {
			return false
		}
	}
	return true
}

// close64 reports whether got is within the contract of want: the ulp
// bound u for a binary element when u is finite, SoftRel·(|want| + s)
// otherwise (soft targets, smoothing, or an implementation without an ulp
// promise, u = +Inf). Bit-alike values (equal, or both NaN) and neighbours
// always pass: 1 ulp is the rounding of the result itself, which
// SoftRel·S cannot cover where S underflows or is 0 (W = 0), and which
// separates ±MaxFloat64 from the ±Inf of an exact value beyond the range.
func close64(got, want, u, rel, s float64, binary bool) bool {
	if ulp.Alike(got, want) || ulp.Dist(got, want) <= 1 {
		return true
	}
	if binary && !math.IsInf(u, 1) {
		return ulp.Dist(got, want) <= u
	}
	return ulp.WithinSoftRel(got, want, rel, s)
}

// close32 is close64 on the float32 path: u in ulp of float32.
func close32(got, want float32, u, rel, s float64, binary bool) bool {
	if ulp.Alike(float64(got), float64(want)) || ulp.Dist32(got, want) <= 1 {
		return true
	}
	if binary && !math.IsInf(u, 1) {
		return ulp.Dist32(got, want) <= u
	}
	return ulp.WithinSoftRel(float64(got), float64(want), rel, s)
}

// drawDomain draws the labelled choice "inDomain". When true, every logit
// lies within |x| ≤ dom (o.MaxLogit lowered to dom), so that each run
// exercises the property's relation where the contract promises it; when
// false, logits are drawn as o says, and an element beyond dom is held
// only to what the contract promises everywhere (no NaN, see nanFree).
// With dom = +Inf both choices draw the same way.
func drawDomain(t *rapid.T, o Opts, dom float64) Opts {
	if rapid.Bool().Draw(t, "inDomain") && dom > 0 && !math.IsInf(dom, 1) &&
		(o.MaxLogit == 0 || dom < o.MaxLogit) {
		o.MaxLogit = dom
	}
	return o
}

// nanFree fails unless the loss l and derivative g of element i are free
// of NaN: the one promise of spec.Evaluator beyond Domain.
func nanFree(t *rapid.T, cfg *spec.Config, b spec.Batch, i int, l, g float64) {
	if math.IsNaN(l) || math.IsNaN(g) {
		t.Fatalf("%s: (loss, grad) = (%v, %v): NaN", describe(cfg, b, i), l, g)
	}
}

// allIn reports whether every logit of b lies within |x| ≤ dom.
func allIn(b spec.Batch, dom float64) bool {
	for _, x := range b.Logits {
		if math.Abs(x) > dom {
			return false
		}
	}
	return true
}

// reducedTol is the distance the contract allows between a reduced loss L
// and its exact value: Reduced ulp of L when the contract gives an ulp bound for the reduction and
// every element is binary, SoftRel·(|L| + ΣS) otherwise (spec.Contract's
// bound of the reduced loss, ΣS the sum of the elements' term scales,
// each divided by the mean's D).
func reducedTol(c spec.Contract, L, sumS float64, binary bool) float64 {
	if binary && !math.IsInf(c.Reduced, 1) {
		return c.Reduced * ulpOf(L)
	}
	return c.SoftRel * (math.Abs(L) + sumS)
}
