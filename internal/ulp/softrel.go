package ulp

import "math"

// SoftScale returns the term scale S of spec.Contract's soft-target bound,
//
//	S = W·(1+pw)·(1+γ)·(1+|x|)/D
//
// with W = weight_c·cb the element's weight, pw its pos_weight (1 when
// absent), γ the focusing parameter, x the logit and D the mean's
// normaliser (1 for the other reductions). S bounds the magnitude of the
// terms that an element loss and its derivative are made of.
//
// Special cases are: SoftScale is +Inf when an input is ±Inf; it is computed
// in float64 with a relative error of a few ulp, which is negligible next to
// any SoftRel.
func SoftScale(w, pw, gamma, x, d float64) float64 {
	return w * (1 + pw) * (1 + gamma) * (1 + math.Abs(x)) / d
}

// WithinSoftRel reports whether |got-want| ≤ rel·(|want| + scale), the
// bound of spec.Contract for soft targets and label smoothing, with scale
// from SoftScale. NaN is never within.
func WithinSoftRel(got, want, rel, scale float64) bool {
	return math.Abs(got-want) <= rel*(math.Abs(want)+scale)
}
