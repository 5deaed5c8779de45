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
// spec/exact: loss 1, grad 1, loss32 0, grad32 1 ulp, by
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
// Class-balanced weights are the exception to the single rounding: w_c is
// computed in float64 (log1p, expm1, a division and, for spec.CBSum, the
// normalisation: about 3 ulp) and enters the element as that float64, so
// with CB the element is within about 4 ulp in float64 (2 ulp were seen by
// the props oracle agreement with CBSum), and the float32 CB weight can be
// one float32 ulp off the rounded exact weight. The promise below is 4 ulp
// in float64 and 2 in float32 to cover CB (1 ulp measured without CB), and
// about 3× the measured SoftRel figures.
var Contract = spec.Contract{
	Loss: 4, Grad: 4, Loss32: 2, Grad32: 2, Reduced: 4, Reduced32: 2,
	Domain: math.Inf(1), Domain32: math.Inf(1),
	SoftRel: 2.5e-16, SoftRel32: 6e-8,
}
