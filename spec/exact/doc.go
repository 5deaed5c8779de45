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
// # Class-balanced weights
//
// The reference CB weight is the exact value of w_c = (1−β)/(1−β^{n_c})
// (times C/Σ_k w_k for normalize = sum) for the float64 β and counts,
// rounded once: CBWeights returns it, computed as −expm1(n·log β) at the
// working precision (CBWeightsBig) and rounded correctly (with the
// re-evaluation of Correct rounding; an unnormalised weight is never an
// exact midpoint: for n ≥ 2, 1/(1 + β + … + β^{n−1}) is not dyadic).
// Evaluate multiplies the element by the unrounded weight, so the
// reference element loss is W·f rounded once; Evaluate32 uses the float32
// rounding of the reference weight (SPEC.md §6). An implementation's
// weights are held to its Contract.Loss ulp (props.CBMonotone's cbErr).
//
// # Precision
//
// Evaluator.Prec (0 means 256, clamped to [200, 512]) is the initial
// working precision of math/big.Float and github.com/ALTree/bigfloat (see
// Correct rounding for the re-evaluation up to 2048 bits); the delicate
// steps carry more (Exp: 64 guard bits; Log1p, Expm1: 1.5·prec+64). The
// targets y′ = y(1−ε) + ε/2, 1 − y′ and 1 − 2y_m are exact (targetPrec =
// 2304 bits). With e = e^{−|x|} computed once, s, t = 1/(1+e), e/(1+e) and
// sp(±x) = max(±x,0) + log1p(e) are free of cancellation. e^z is reduced as
// 2^k·e^r (Exp) so its cost does not grow with |z|; log1p and expm1 use a
// three-term series below 2^{-prec/2} and otherwise 1.5·prec+64 bits (see
// Log1p, Expm1). bigfloat recomputes π and rewrites a package-level cache
// whenever a call needs more bits than the cache holds; init fills it to
// 8192 bits, more than any call here needs (maxPrec), so that later calls
// only read it and the package is safe for concurrent use.
//
// # Asymptotic regions
//
// Let E = e^{−2^20} < 2^{−1512775}. The oracle drops a term of size at most
// E in four places, and nowhere else:
//
//  1. |x| > 2^20: e = e^{−|x|} is taken as 0, so the smaller of s, t and of
//     sp(±x) becomes 0 and the larger are 1 and |x| (the dropped parts are
//     below E).
//  2. Exp(z) with z < −2^20 returns 0: a modulator e^{γ·log q}, e^{−γg},
//     t^γ, s^γ or u^γ whose logarithm is below −2^20, and β^n in the CB
//     weights when n·log β < −2^20 (1 − β^n is taken as 1).
//  3. expce with 0 < y_m < 1 and CE₀ > 2^20: with δ = e^{−CE₀} < E, log u =
//     log1p(−δ) ∈ [−2δ, −δ] and the ratio (s − y_m)/expm1(CE₀), of
//     magnitude below 2δ, are taken as 0.
//  4. Nothing else: in particular u of expce for y_m ∈ {0, 1} is σ(±x)
//     itself and is taken in log space, log u = −sp(∓x), so that
//     u^γ = e^{−γ·sp(∓x)} is exact however far x is beyond the cutoff (with
//     y_m = 0, x = −1048576.5, γ = 2^-15 it is e^{−32}, not 0).
//
// Bounds on the factors, for every valid input: |x|, γ, weight, pos_weight
// < 2^1024; the CB weight ≤ C < 2^63; 1/D ≤ 2^1074; each of y_m, 1−y_m, y_s,
// 1−y_s is 0 or at least 2^{-1075} (y′ and 1−y′ are exact, see targetPrec);
// CE < 2^2050; |CE′| < 2^1025; α_t and every modulator ≤ 1; the ratios
// s·t/q ≤ 1, |y_m − t| ≤ 1, and for 0 < y_m < 1
// |(s−y_m)/expm1(CE₀)| ≤ 1/CE₀ ≤ 2^1076 (CE₀ ≥ H(y_m) ≥ min(y_m,1−y_m)·log 2).
//
// Each dropped term then changes an output in one of two ways:
//
//   - R (relative): a factor is changed by a relative amount below
//     2^2200·E. This is the case of every modulator under 1: the logarithm
//     moves by at most E·max(1, 1/y_m, 1/(1−y_m), 1/CE₀) ≤ 2^1076·E, times
//     γ < 2^1024; of the larger of s, t and sp(±x); of CE when
//     pw·y_s·sp(−x) > 0 survives (≥ 2^{-2129}·2^20); of the CE₀ and
//     expm1(CE₀) of expce; of 1 − β^n.
//   - A (absolute): a term below 2^6400·E < 2^{-1506000} is dropped from an
//     output: the terms proportional to the smaller of s, t or sp(±x) (in
//     CE, CE′ and the brackets of f′, e.g. (1−y_s)·s in CE′, or
//     γ·(y_m − t)·CE with y_m = 1), and every term multiplied by a modulator
//     below E (case 2) or by the ratio of case 3; the bound is E times the
//     product of the factor bounds above.
//
// In both cases the change is below 2^{-1.5e6} of the result or
// 2^{-1.5e6} in absolute value, while half an ulp of any float64 or float32
// (0 included, where the rounding to ±0 has a half-ulp of 2^{-1075} or
// 2^{-150}) is at least 2^{-1075}: the change is below 2^{-1.49e6} of half
// an ulp of the result, so it can move the rounding only for an exact value
// within that distance of a rounding boundary, far inside the 2^{-prec}
// working error of the next section. Sums of N < 2^63 element losses (all
// ≥ 0) keep the relative bound and add at most N times the absolute one.
// TestAsymptoticSweep checks this against the full computation (cutoff
// raised to 2^23, 512 bits) just past the cutoff, on 300 seeded inputs
// (-exact.sweep=N for more); logits up to ±MaxFloat64 and γ up to
// MaxFloat64 are handled in microseconds.
//
// # Correct rounding
//
// Every output is carried with an error bound: 2^{-prec+guardBits}
// (guardBits = 40) times its own magnitude for the losses (products and
// sums of positive terms) and times the magnitude of the terms that f′
// subtracts for the gradient (Element's dfScale, which exceeds |f′| where
// it cancels near its zero). If the value and its bound lie on one side of
// every rounding boundary of the target format, the rounding is decided
// and big.Float.Float64 / Float32 (which handle subnormals) give the
// correctly rounded result. If not, the whole batch is evaluated again at
// twice the precision, up to 2048 bits (Ziv's strategy; CBWeights does the
// same). This happens for near-ties, for instance a gradient at a logit
// within 2^{-1000} of 0 whose value at 0 is a midpoint, and not otherwise
// in practice (a random output is undecided with probability below
// 2^{-160} at 256 bits). An output still undecided at 2048 bits would be
// rounded from there; none is known.
//
// Exact ties, which no precision decides, are not expected for x ≠ 0:
// every output there involves e^{x} or log(1 + e^{x}) for a rational
// x ≠ 0, which are transcendental (Lindemann–Weierstrass; with γ = 0, f′
// is a rational affine function of σ(x) and so is transcendental unless
// 0), and no case is known where the other transcendental factors (the
// modulators) make a product dyadic. At x = 0, s = t = 1/2 and a gradient can be an
// exact rational, even exactly a midpoint (y = 1/2, whole γ: f′(0) =
// α_t·2^{−γ}·CE′); ZeroDeriv recognises every such case and the gradient
// is rounded from the exact rational (with the CB weights as exact
// rationals too, CBWeightsRat, when their counts are small; the float32
// CB weights are exact dyadics). The losses at x = 0 carry a factor log 2
// and are transcendental unless 0.
//
// The results match independent mpmath tables bit for bit, including
// near-ties at |x| down to 2^-1074 (mpmathNearTie), and the 256- and
// 512-bit starts agree.
//
// # Cost
//
// About 1-3 ms per element for ordinary logits at 256 bits (a few hundred
// to a thousand elements per second on one core), dominated by bigfloat's
// Exp and Log; far less in the asymptotic regions; the error bounds and the
// exact targets add about 5%. A batch re-evaluated for a near-tie costs
// some tens of times more (256 up to 2048 bits). See the benchmarks.
package exact
