// Package ulp is focalcheck's one vocabulary for numerical error: the
// distance in units in the last place between two floats, relative and
// absolute differences with their denominators named, and an equality that
// treats NaN as equal to NaN and tells the sign of zero.
//
// The property suite, the report and the verify command all measure error
// with it, so that a figure means the same wherever it is printed.
package ulp

import "math"

// Dist returns the number of float64 values strictly after the smaller of a
// and b up to and including the larger: 0 when a == b (including +0 and -0),
// 1 for neighbours. It orders all floats on one line, so the distance across
// zero counts the subnormals on both sides. It returns +Inf when exactly one
// of a, b is NaN, and 0 when both are.
//
// Measured against a correctly rounded reference, a distance of d means an
// error of at most d + 0.5 ulp of the exact value.
func Dist(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) {
		if math.IsNaN(a) && math.IsNaN(b) {
			return 0
		}
		return math.Inf(1)
	}
	ia, ib := ordered64(a), ordered64(b)
	if ia > ib {
		ia, ib = ib, ia
	}
	return float64(uint64(ib - ia))
}

// Dist32 is Dist for float32 values, in units of float32.
func Dist32(a, b float32) float64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.Inf(1)
	}
	ia, ib := ordered32(a), ordered32(b)
	if ia > ib {
		ia, ib = ib, ia
	}
	return float64(uint32(ib - ia))
}

// ordered64 maps the float64 bit patterns onto int64 so that the integer
// order is the float order and +0 and -0 map to the same integer.
func ordered64(f float64) int64 {
	i := int64(math.Float64bits(f))
	if i < 0 {
		i = math.MinInt64 - i
	}
	return i
}

func ordered32(f float32) int32 {
	i := int32(math.Float32bits(f))
	if i < 0 {
		i = math.MinInt32 - i
	}
	return i
}

// Alike reports whether a and b are the same value: NaN matches NaN, and +0
// does not match -0.
func Alike(a, b float64) bool {
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return math.IsNaN(a) && math.IsNaN(b)
	case a == b:
		return math.Signbit(a) == math.Signbit(b)
	}
	return false
}

// RelToWant returns |got-want|/|want|, the error relative to the reference
// value (the convention of Go's math tests); 0 when got == want, +Inf when
// want is 0 and got is not.
func RelToWant(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// Abs returns |got-want|.
func Abs(got, want float64) float64 { return math.Abs(got - want) }

// WithinAbsRel reports whether |got-want| ≤ abs + rel·|want|, the mixed
// test of numpy's allclose with the reference value as the denominator.
// NaN is never within.
func WithinAbsRel(got, want, abs, rel float64) bool {
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

// Named tolerances, relative to the reference value.
const (
	// VeryClose is about 1.8 ulp of float64 (Go's math tests use it for
	// Exp, Log1p and Expm1).
	VeryClose = 4e-16
	// Close is about 45 ulp of float64.
	Close = 1e-14
)
