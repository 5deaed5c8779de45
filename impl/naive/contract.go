package naive

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// Contract is the measured accuracy promise of the naive implementation
// against spec/exact. Naive makes no ulp promise (Loss, Grad, Reduced and
// their float32 fields are +Inf): every element, binary or soft, is held
// to the SoftRel form of spec.Contract,
//
//	|got − exact| ≤ SoftRel·(|exact| + S),  S = W·(1+pw)·(1+γ)·(1+|x|)/D,
//
// for |x| ≤ Domain (float64) and |x| ≤ Domain32 (float32), and the reduced
// loss to SoftRel·(|L| + ΣS/D) when every logit is; beyond, only no NaN.
//
// Why no ulp bound. 1−p carries the relative error e^{|x|}·u of p (u the
// unit roundoff), and the modulator q^γ multiplies a relative error by γ,
// so the error in ulp of a binary element grows like γ·e^{|x|}: at |x| ≤ 1
// it is 3 ulp for γ ≤ 2 but 45 ulp (float32: 70) for γ ≤ 50, and γ is
// unbounded, so no Domain > 0 has an ulp bound for every γ. Measured
// against the error bound scaled by S, which carries the factor (1+γ), the
// error no longer depends on γ; it is (maximum over |x| in each range, in
// units of u = 2⁻⁵³, float32 u = 2⁻²⁴, binary targets, every semantics,
// γ ∈ {0, 0.5, 2, 5, 50}, x on a grid of step 0.25):
//
//	|x| ≤      4     8    10     12    16     20     22      30    36
//	float64  2.5   110   330  2.2e3 7.5e4  5.2e6  2.7e7  1.0e11 2.4e13
//	float32  1.7    68   241  3.9e3 8.7e4     (σ rounds to 1 at 16.6)
//
// growing like e^{|x|}/(1+|x|) (log(1−p) and 1−p lose the digits of p),
// and small again where σ rounds to 1 (the clamps of naive.go). Measured by
//
//	go test ./impl/naive/ -run TestMeasure -naive.measure=160 -v
//
// Class-balanced weights: the direct (1−β)/(1−β^n) with math.Pow errs by
// up to about u/(1−β^n) relative, and at most 7.8e-9 relative for every β
// in [0,1) and n up to 2^53 (β within 1 ulp of 1 included; the products of
// math.Pow near 1 lose at most about √u), measured by TestCBWeights.
//
// So Domain = 20 and SoftRel = 2e-8: 5.2e6·u = 5.8e-10 from the element
// plus 7.8e-9 from the CB weight is 8.4e-9, with a margin of 2.4; float32:
// Domain32 = 10 and SoftRel32 = 1e-4 (241·2⁻²⁴ = 1.4e-5 plus the CB weight's
// 2⁻²⁴ rounding, a margin of 6). Within |x| ≤ 4 the error is below 3 units
// of u, near the rounding: the promise is loose there by design, since a
// contract is one number per dtype.
var Contract = spec.Contract{
	Loss: math.Inf(1), Grad: math.Inf(1),
	Loss32: math.Inf(1), Grad32: math.Inf(1),
	Reduced: math.Inf(1), Reduced32: math.Inf(1),
	Domain: 20, Domain32: 10,
	SoftRel: 2e-8, SoftRel32: 1e-4,
}
