package naive

import "github.com/focalcheck/focalcheck/spec"

// Contract is the measured accuracy promise of the naive implementation
// against spec/exact: binary targets, every config, |x| ≤ Domain (float64)
// and |x| ≤ Domain32 (float32). The error grows like e^{|x|} ulp (1-p and
// log(1-p) cancel), so the domains are small. Measured with
//
//	go test ./impl/naive/ -run TestMeasure -naive.measure=200 -v
//
// which scans |x| in steps of 0.2 up to 40 over linear, geometric, split and
// expce, γ ∈ {0, 0.5, 2}, y ∈ {0, 1}: the 128-ulp bound first fails at
// |x| = 4.6 (float64) and 4.4 (float32), so Domain = Domain32 = 4. Class-balanced
// weights use the direct (1-β)/(1-β^n), which loses about ε/(n(1-β)) relative
// accuracy for β near 1; the ulp bounds do not hold there.
var Contract = spec.Contract{
	Loss: 128, Grad: 128,
	Loss32: 128, Grad32: 128,
	Reduced: 256, Reduced32: 256,
	Domain: 4, Domain32: 4,
	SoftRel: 1e-13, SoftRel32: 1e-5,
}
