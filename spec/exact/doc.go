// Package exact is the judge of focalcheck: an arbitrary-precision
// evaluator of the whole spec (SPEC.md), used as the reference that the
// implementations' contracts are measured against.
//
// # What it computes
//
// Every element loss l = W·f(x) and its derivative W·f′(x) under the four
// soft semantics (linear, geometric, split, expce), α off / scalar /
// per-class, label smoothing with both scopes, weight, pos_weight and CB
// weights (both normalisations, both applications), then the reductions
// none / sum / mean with the four normalisers. Derivatives are the closed
// forms of SPEC.md §3 evaluated in high precision, never a finite
// difference. The reduced loss is the sum of the element losses carried at
// the working precision (all terms are ≥ 0, so the relative error of the
// sum is below N·2^{-prec}), divided by D and rounded once; the gradient of
// mean is W·f′/D rounded once.
//
// # Precision
//
// Evaluator.Prec (0 means 256, clamped to [200, 512]) is the working
// precision of math/big.Float and github.com/ALTree/bigfloat; the delicate
// steps carry more (Exp: 64 guard bits; Log1p, Expm1: 1.5·prec+64).
// With e = e^{−|x|} computed once, s, t = 1/(1+e), e/(1+e) and
// sp(±x) = max(±x,0) + log1p(e) are free of cancellation. e^z is reduced as
// 2^k·e^r (Exp) so its cost does not grow with |z|; log1p and expm1 use a
// three-term series below 2^{-prec/2} and otherwise 1.5·prec+64 bits (see
// Log1p, Expm1). Every bigfloat call needs π to at most 1024 bits, bigfloat's
// precomputed π, so its π cache is never rewritten (race-free).
//
// # Asymptotic regions
//
// For |x| > 2^20, e^{−|x|} < 2^{-1.5e6} is taken as 0; likewise e^{−z} for
// z > 2^20 in the modulators (γ·g, γ·sp, CE₀ of expce) and β^n when
// n·log β < −2^20. Every factor that can multiply such a term here
// (weights, pos_weight, 1/D, C, γ, |x| ≤ MaxFloat64) is below 2^4000, so the
// neglected term is below 2^{-1.4e6}: it rounds to ±0 in float64 and
// float32 and cannot change a sum with a non-negligible term at the working
// precision. Logits up to ±MaxFloat64 and γ up to MaxFloat64 are handled in
// microseconds.
//
// # Correct rounding
//
// Results are rounded once from the working precision with
// big.Float.Float64 / Float32 (which handle subnormals). This is correct
// rounding except for values closer to a rounding boundary than about
// 2^{-200} relative (the accumulated error at 256 bits); such hard cases
// are astronomically unlikely for these functions and no Ziv-style
// re-evaluation is done. The 256-bit and 512-bit results are tested to
// agree, and the results match an independent mpmath table bit for bit.
//
// # Cost
//
// About 1-3 ms per element for ordinary logits at 256 bits (a few hundred
// to a thousand elements per second on one core), dominated by bigfloat's
// Exp and Log; far less in the asymptotic regions. See the benchmarks.
package exact
