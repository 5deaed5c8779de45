package plot

import "math"

// SeedModulator64 is the seed module's modulator, as its code writes it, in
// float64:
//
//	m = exp(-γ·y·x - γ·log1p(exp(-x)))
//
// It is kept only to draw its failure; it is not a correct implementation.
// For y = 1 its true value is (1-p_t)^γ = σ(-x)^γ,
// which tends to 1 as x → -∞, but exp(-x) overflows to +Inf for
// x < -709.78, log1p(+Inf) = +Inf and the result is exp(-Inf) = 0.
//
// Special cases are:
//
//	SeedModulator64(x, y, 0) = 1 (the seed returns 1.0 for γ = 0)
//	SeedModulator64(x, 1, γ) = 0 for x < -709.78 and γ > 0 (overflow)
func SeedModulator64(x, y, gamma float64) float64 {
	if gamma == 0 {
		return 1
	}
	// The conversions round each product, so that no fused multiply-add
	// changes the seed's arithmetic.
	a := float64(float64(-gamma*y) * x)
	b := float64(gamma * math.Log1p(libmExp(-x)))
	return math.Exp(a - b)
}

// SeedModulator32 is SeedModulator64 in float32: every operation is rounded
// to float32, as a float32 tensor computes it.
//
//	m = exp(-γ·y·x - γ·log1p(exp(-x)))
//
// exp(-x) overflows float32 for x < -88.72, and the modulator of a positive
// (y = 1) falls to 0 there instead of staying at 1.
//
// Special cases are:
//
//	SeedModulator32(x, y, 0) = 1
//	SeedModulator32(x, 1, γ) = 0 for x < -88.72 and γ > 0 (overflow)
func SeedModulator32(x, y, gamma float32) float32 {
	if gamma == 0 {
		return 1
	}
	e := float32(math.Exp(float64(-x)))
	l := float32(math.Log1p(float64(e)))
	a := float32(float32(-gamma*y) * x)
	b := float32(gamma * l)
	return float32(math.Exp(float64(a - b)))
}

// libmExp is e^x overflowing where a C library's exp does, for
// x > ln(MaxFloat64) = 709.7827: Go's math.Exp on amd64 already returns
// +Inf above x = 709.4361 (measured with go1.26.8 linux/amd64), which would
// move the seed's overflow. Above 709, e^x is computed as e^{x-1}·e (x-1 is
// exact there), within about 2 ulp.
func libmExp(x float64) float64 {
	if x > 709 {
		return math.Exp(x-1) * math.E
	}
	return math.Exp(x)
}
