package stable

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// CBWeights returns the class-balanced weights of cb (Cui et al., CVPR
// 2019), normalised as cb.Normalize says:
//
//	w_c = (1−β)/(1−β^{n_c}),  1−β^n = −expm1(n·log β)
//
// and, for spec.CBSum, w_c·C/Σ_k w_k. Every step is double-double: log β
// (one Newton step from math.Log1p(β−1) or math.Log(β)), n·log β (n ≤ 2^53
// is exact), expm1 (expm1Small, or 1 − e^z by expXF below −0.75), 1 − β
// (exact by twoSum), the quotient and the normalising sum, so each weight
// is within about 2^-100 relative of the exact value and is rounded once:
// the correctly rounded weight (the reference of SPEC.md §4) unless the
// exact weight lies within about 2^-100 of a rounding midpoint, then 1 ulp.
// Such near-ties are structured: β a few ulps below 1 and n a small power
// of two, e.g. n = 2, β = 1 − 2^-52: w = 1/(1+β) = 1/2 + 2^-54 + 2^-107,
// 2^-107 above a midpoint. Measured against spec/exact over 20000 random
// configurations (β uniform in [0,1), 1−β log-uniform down to 2^-53, β
// within 8 ulps of 1, subnormal β; 1 to 4 counts log-uniform in [1, 2^53];
// both normalisations): at most 1 ulp (that one case) in float64 and 0 in
// float32 (against spec/exact's CBWeights32, 5000 configurations), by
//
//	go test ./impl/stable/ -run TestMeasureCB -stable.measurecb=20000 -v
//
// (the float64 evaluation this replaced was 2 ulp off without and 3 with
// normalisation, near β = 1).
//
// Special cases are:
//
//	β = 0: w_c = 1
//	n·log β below −2e5: β^n = 0, w_c = 1−β
func (Evaluator) CBWeights(cb *spec.CB) ([]float64, error) {
	if err := spec.ValidateCB(cb, -1); err != nil {
		return nil, err
	}
	w := cbWeightsDD(cb)
	out := make([]float64, len(w))
	for i, v := range w {
		out[i] = v.hi
	}
	return out, nil
}

// cbWeights32 returns the CB weights rounded once to float32 (SPEC.md §6:
// computed from the float64 β and counts, each rounded to float32), through
// xf.float32's round-to-odd, so without a double rounding.
func cbWeights32(cb *spec.CB) []float32 {
	w := cbWeightsDD(cb)
	out := make([]float32, len(w))
	for i, v := range w {
		out[i] = xfFromDD(v).float32()
	}
	return out
}

// cbWeightsDD returns the normalised CB weights in double-double, each
// with hi the nearest float64 of hi + lo.
func cbWeightsDD(cb *spec.CB) []dd {
	w := make([]dd, len(cb.Counts))
	b := cb.Beta
	if b == 0 {
		for i := range w {
			w[i] = dd{1, 0}
		}
		return w
	}
	lb := logDD(b)
	num := twoSum(1, -b) // 1 − β, exact
	for i, n := range cb.Counts {
		w[i] = ddDiv(num, oneMinusExp(ddMulF(lb, n)))
	}
	if cb.Normalize == spec.CBSum {
		var total dd
		for _, v := range w {
			total = ddAdd(total, v)
		}
		c := float64(len(w))
		for i := range w {
			w[i] = ddDiv(ddMulF(w[i], c), total)
		}
	}
	return w
}

// logDD returns log β in double-double for 0 < β < 1: from y0 = log1p(β−1)
// (β ≥ 1/2, where β−1 is exact by Sterbenz) or log β in float64, one Newton
// step on e^y = β,
//
//	y1 = y0 + (β − e^{y0})/e^{y0}
//
// with β − e^{y0} formed in double-double ((β−1) − expm1(y0) for β ≥ 1/2,
// where |y0| ≤ log 2 < 0.75 suits expm1Small; an xf difference with expXF
// below). y0 is within 1 ulp, so the step leaves an error of order
// 2^-106·|y0|.
func logDD(b float64) dd {
	if b >= 0.5 {
		y0 := math.Log1p(b - 1)
		r := ddAdd(dd{b - 1, 0}, neg(expm1Small(dd{y0, 0})))
		return ddAddF(dd{y0, 0}, float64(r.hi/b))
	}
	y0 := math.Log(b)
	e := expXF(dd{y0, 0})
	r := xfAdd(xfFromF(b), xfNeg(e))
	q := xfDivDD(r, e.v)
	q.e -= e.e
	return ddAddF(dd{y0, 0}, q.float64())
}

// oneMinusExp returns 1 − e^z = −expm1(z) in double-double for z ≤ 0:
// −expm1Small(z) for z ≥ −0.75 (no cancellation), and 1 − e^z from expXF
// below, where e^z ≤ 0.48 (expXF gives 0 below −2e5, and any e^z below
// 2^-1074 vanishes against 1 at 2^-106 anyway).
func oneMinusExp(z dd) dd {
	if z.hi >= -0.75 {
		return neg(expm1Small(z))
	}
	return ddAddF(neg(expXF(z).toDD()), 1)
}
