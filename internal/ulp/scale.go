package ulp

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// Denominator returns the mean's normaliser D of SPEC.md §5 for cfg on b
// (N·C, N, Σy or max(1, Σy)), and 1 for Sum and None: the D of SoftScale.
func Denominator(cfg *spec.Config, b spec.Batch) float64 {
	if cfg.Reduction != spec.Mean {
		return 1
	}
	switch cfg.Normalizer {
	case spec.Rows:
		return float64(len(b.Logits) / b.Classes)
	case spec.Positives, spec.PositivesGuarded:
		s := 0.0
		for _, y := range b.Targets {
			s += y
		}
		if cfg.Normalizer == spec.PositivesGuarded {
			s = math.Max(1, s)
		}
		return s
	}
	return float64(len(b.Logits))
}

// ElementWeight returns the weight W = weight_c·cb of element i of b and
// its pos_weight pw (1 when absent), the W and pw of SoftScale; cbw are the
// class-balanced weights of cfg.CB (nil without CB), applied by the
// element's column or, with apply = label, by its row's positive label.
func ElementWeight(cfg *spec.Config, b spec.Batch, cbw []float64, i int) (w, pw float64) {
	c := i % b.Classes
	w, pw = 1, 1
	if cfg.Weight != nil {
		w = cfg.Weight[c]
	}
	if cfg.PosWeight != nil {
		pw = cfg.PosWeight[c]
	}
	if cfg.CB != nil && cbw != nil {
		k := c
		if cfg.CB.Apply == spec.CBLabel {
			row := i - c
			for j := range b.Classes {
				if b.Targets[row+j] == 1 {
					k = j
				}
			}
		}
		w *= cbw[k]
	}
	return w, pw
}
