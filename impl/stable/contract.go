package stable

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// Contract is the accuracy promise of Evaluator against the exact value.
//
// Binary targets: every element loss and gradient, float64 and float32, is
// computed as an extended-range double-double (relative error a few units
// of 2^-100) and rounded once (round-to-odd then nearest for float32), so
// it is the correctly rounded value except where the exact value lies
// within 2^-100 of a rounding midpoint or the float64 result is subnormal
// (rounded twice through Ldexp): at most 1 ulp. Measured maximum over
// 100000 random binary cases on the whole float64 range (float32 range on
// the float32 path; the landmarks of SPEC.md §8 included), against
// spec/exact: loss 1, grad 1, loss32 1, grad32 1 ulp (the loss maxima are
// saturations at ±MaxFloat64 and ±MaxFloat32 where the exact value rounds
// to ±Inf), by
//
//	go test ./impl/stable/ -run TestMeasureExact -stable.measureexact=100000 -v
//
// and against mpmath at 60 digits (testdata/measure.py, whose float32
// reference is rounded through float64): loss 1 (a saturated ±MaxFloat64
// where the exact value rounds to ±Inf), grad 0, loss32 1, grad32 1 ulp, by
//
//	go test ./impl/stable/ -run 'TestMeasure$' -stable.measure=100000 && python3 impl/stable/testdata/measure.py /tmp/stable_measure.txt
//
// The reduced loss is the double-double sum of the unrounded element
// losses, divided by D in double-double and rounded once: 1 ulp.
//
// Soft targets and label smoothing (SoftRel form of spec.Contract): the
// base quantities σ, sp, log q are float64, the rest double-double.
// Measured maximum of |got − exact|/(|exact| + S) over 20000 random cases:
// 7.0e-17 (float64) and 2.0e-8 (float32), by
//
//	go test ./impl/stable/ -run TestMeasureSoft -stable.measuresoft=20000 && python3 impl/stable/testdata/measure_soft.py /tmp/stable_soft.txt
//
// Class-balanced weights are computed in double-double (CBWeights: within
// 1 ulp of the correctly rounded weight, 0 in float32) and enter the element
// unrounded (the float32 path takes the correctly rounded float32 weight,
// SPEC.md §6), so elements with CB are rounded once as well: measured 0 ulp
// for losses, gradients and sums, float64 and float32, over 5000 random CB
// configurations (one row each, logits in [−20, 20]), by
//
//	go test ./impl/stable/ -run TestMeasureCB -stable.measurecb=5000 -v
//
// The promise below is the 1 ulp that the single rounding of a value
// carried with 2^-100 relative error allows (a distance of 1 ulp is an
// error below 1.5 ulp: faithful rounding), and about 3× the measured
// SoftRel figures. A tighter promise, correct rounding everywhere, would
// need the oracle's way: an error bound on every value and a re-evaluation
// in higher precision near midpoints, at many times the cost.
var Contract = spec.Contract{
	Loss: 1, Grad: 1, Loss32: 1, Grad32: 1, Reduced: 1, Reduced32: 1,
	Domain: math.Inf(1), Domain32: math.Inf(1),
	SoftRel: 2.5e-16, SoftRel32: 6e-8,
}
