package stable

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// CBWeights returns the class-balanced weights of cb (Cui et al., CVPR
// 2019), normalised as cb.Normalize says:
//
//	w_c = (1−β)/(1−β^{n_c}),  1−β^n = −expm1(n·log β),  log β = log1p(β−1)
//
// and, for spec.CBSum, w_c·C/Σ_k w_k with a compensated sum. β − 1 is
// exact for β ≥ 1/2 (Sterbenz), so log1p keeps full precision for β near
// 1; below 1/2, log β is math.Log(β). Each weight is within a few ulp.
//
// Special cases are:
//
//	β = 0: w_c = 1
//	n·log β below −745: β^n = 0, w_c = 1−β
func (Evaluator) CBWeights(cb *spec.CB) ([]float64, error) {
	if err := spec.ValidateCB(cb, -1); err != nil {
		return nil, err
	}
	return cbWeights(cb), nil
}

func cbWeights(cb *spec.CB) []float64 {
	w := make([]float64, len(cb.Counts))
	b := cb.Beta
	var lb float64
	if b >= 0.5 {
		lb = math.Log1p(b - 1)
	} else if b > 0 {
		lb = math.Log(b)
	}
	for i, n := range cb.Counts {
		if b == 0 {
			w[i] = 1
			continue
		}
		w[i] = (1 - b) / -math.Expm1(float64(n*lb))
	}
	if cb.Normalize == spec.CBSum {
		total := neumaier(w)
		c := float64(len(w))
		for i := range w {
			w[i] = w[i] * c / total
		}
	}
	return w
}

// neumaier returns Σv by Neumaier's compensated summation (Neumaier 1974,
// "Rundungsfehleranalyse einiger Verfahren zur Summation endlicher
// Summen"): error about 1 ulp of the sum plus n·2^-106 of Σ|v|.
func neumaier(v []float64) float64 {
	var sum, comp float64
	for _, x := range v {
		t := float64(sum + x)
		if math.Abs(sum) >= math.Abs(x) {
			comp += float64(float64(sum-t) + x)
		} else {
			comp += float64(float64(x-t) + sum)
		}
		sum = t
	}
	return sum + comp
}
