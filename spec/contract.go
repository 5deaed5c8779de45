package spec

// Contract is an implementation's accuracy promise against the exact oracle
// (spec/exact), for element losses, gradients and reduced losses. Each
// implementation exports its Contract, measured, with the command that
// measures it in its doc comment; the property suite and the report hold the
// implementation to it.
//
// The ulp bounds apply to binary targets (y ∈ {0,1}) without label smoothing,
// for every config otherwise (γ, α, weight, pos_weight, CB, reductions), and
// logits with |x| ≤ Domain (Domain32 on the float32 path). A distance of d
// ulp to the correctly rounded exact value is an error of at most d + 0.5 ulp.
//
// For soft targets or label smoothing, where the gradient crosses zero and
// no ulp bound holds, the bound is
//
//	|got - exact| ≤ SoftRel·(|exact| + S),  S = W·(1+pw)·(1+γ)·(1+|x|)/D
//
// with W = weight_c·cb, pw the element's pos_weight (1 when absent) and D the
// mean's normaliser (1 otherwise): S bounds the magnitude of the terms that
// the loss and its derivative are made of, so SoftRel is a relative error in
// those terms (SoftRel32 on the float32 path).
type Contract struct {
	Loss, Grad       float64 // float64 path, ulp of float64
	Loss32, Grad32   float64 // float32 path, ulp of float32
	Reduced          float64 // the reduced loss of Sum and Mean, float64, ulp
	Reduced32        float64 // the reduced loss, float32 path, ulp of float32
	Domain, Domain32 float64 // |x| bound of the ulp promise; math.Inf(1) for all finite x
	SoftRel          float64
	SoftRel32        float64
}
