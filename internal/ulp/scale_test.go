package ulp

import (
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

// TestDenominator checks D of SPEC.md §5 on a 2×2 batch with Σy = 0.5
// (hand-computed: N·C = 4, N = 2, Σy = 0.5, max(1, Σy) = 1).
func TestDenominator(t *testing.T) {
	b := spec.Batch{Classes: 2, Logits: []float64{1, 2, 3, 4}, Targets: []float64{0.25, 0, 0, 0.25}}
	for _, tc := range []struct {
		red  spec.Reduction
		norm spec.Normalizer
		want float64
	}{
		{spec.Mean, spec.Elements, 4},
		{spec.Mean, spec.Rows, 2},
		{spec.Mean, spec.Positives, 0.5},
		{spec.Mean, spec.PositivesGuarded, 1},
		{spec.Sum, spec.Positives, 1},
		{spec.None, spec.Rows, 1},
	} {
		cfg := spec.Config{Reduction: tc.red, Normalizer: tc.norm}
		if got := Denominator(&cfg, b); got != tc.want {
			t.Errorf("%v/%v: D = %v, want %v", tc.red, tc.norm, got, tc.want)
		}
	}
}

// TestElementWeight checks W = weight_c·cb and pw by column and, with
// apply = label, by the row's positive label (hand-computed products).
func TestElementWeight(t *testing.T) {
	b := spec.Batch{Classes: 2, Logits: make([]float64, 4), Targets: []float64{0, 1, 1, 0}}
	cbw := []float64{0.5, 4}
	cfg := spec.Config{Weight: []float64{2, 3}, PosWeight: []float64{7, 9}, CB: &spec.CB{Apply: spec.CBClass}}
	for i, want := range []float64{2 * 0.5, 3 * 4, 2 * 0.5, 3 * 4} {
		if w, pw := ElementWeight(&cfg, b, cbw, i); w != want || pw != cfg.PosWeight[i%2] {
			t.Errorf("class, element %d: W, pw = %v, %v; want %v, %v", i, w, pw, want, cfg.PosWeight[i%2])
		}
	}
	cfg.CB.Apply = spec.CBLabel
	// Row 0's label is class 1 (cb 4), row 1's class 0 (cb 0.5).
	for i, want := range []float64{2 * 4, 3 * 4, 2 * 0.5, 3 * 0.5} {
		if w, _ := ElementWeight(&cfg, b, cbw, i); w != want {
			t.Errorf("label, element %d: W = %v, want %v", i, w, want)
		}
	}
	if w, pw := ElementWeight(&spec.Config{}, b, nil, 3); w != 1 || pw != 1 {
		t.Errorf("no weights: W, pw = %v, %v; want 1, 1", w, pw)
	}
}
