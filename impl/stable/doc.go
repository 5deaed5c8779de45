// Package stable is focalcheck's production implementation of the sigmoid
// focal loss and class-balanced focal loss of spec/SPEC.md: every soft-label
// semantics, α form, label smoothing scope, weight, pos_weight, CB weight
// and reduction, with the closed-form gradients of SPEC.md §3.
//
// Everything is computed in logit space: σ(±x) and sp(±x) come from
// E = e^{−|x|} and log1p(E), never from a probability that rounds to 0 or 1
// inside a logarithm. Binary targets without label smoothing take a
// double-double path (error-free transformations by FMA, a double-double
// e^x and log1p, and a separate binary exponent so that no intermediate
// overflows or underflows): the result is within about 2^-100 relative of
// the exact value and is rounded once, so it is correctly rounded but for
// rare double roundings. The modulator σ(−x_t)^γ is a product of
// double-doubles for whole γ ≤ 64 (γ = 2 is one product) and
// e^{−γ·sp(x_t)} with the argument in double-double otherwise. Soft
// targets use float64 σ, sp and logarithms with double-double products.
//
// The float32 entry point computes the same way on the float32 values
// widened to float64 and rounds each output once to float32.
//
// Accuracy: Contract. Cost: about 1 µs per element (BenchmarkEvaluate).
package stable
