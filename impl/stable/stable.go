package stable

import (
	"github.com/focalcheck/focalcheck/spec"
)

// Evaluator evaluates the spec in float64 and float32. The zero value is
// ready to use and safe for concurrent use.
type Evaluator struct{}

var _ spec.Evaluator = Evaluator{}

// Name returns "stable".
func (Evaluator) Name() string { return "stable" }

// Evaluate validates cfg and b with spec.Validate and writes the element
// losses l_i = W_i·f(x_i), the gradient and the reduced loss into r:
//
//	sum:  L = Σ l_i,    ∂L/∂x_i = W_i·f′(x_i)
//	mean: L = Σ l_i/D,  ∂L/∂x_i = W_i·f′(x_i)/D
//	none: L = 0,        r.Grad[i] = W_i·f′(x_i)
//
// Each output is computed as an extended-range double-double and rounded
// once; the reduced loss is the double-double sum of the unrounded element
// losses, divided by D and rounded once. Accuracy: Contract.
//
// Special cases are:
//
//	an exact value beyond ±MaxFloat64: ±MaxFloat64 (every output is finite)
//	a zero factor (weight, α, pos_weight·y_s): exactly 0, never 0·Inf
func (Evaluator) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := spec.Validate(cfg, b); err != nil {
		return err
	}
	r.Resize(len(b.Logits))
	var cbw []dd
	if cfg.CB != nil {
		cbw = cbWeightsDD(cfg.CB) // unrounded: W·f is rounded once
	}
	loss := evaluate(cfg, b.Classes, b.Logits, b.Targets, cbw, r.Losses, r.Grad)
	r.Loss = loss.float64()
	return nil
}

// Evaluate32 validates cfg and b with spec.Validate32 and evaluates the
// float32 batch on the parameters of spec §6: cfg.Round32() (γ, α, ε,
// weight and pos_weight rounded to float32), and the CB weights computed in
// double-double from the float64 β and counts and each rounded once to
// float32.
//
// The computation itself is Evaluate's, in extended double-double on the
// float32 values widened to float64 (exactly); each output is rounded once
// to float32 from a float64 within 2^-53 relative of the exact value, which
// keeps it within 1 ulp of float32 of the correctly rounded result.
func (Evaluator) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := spec.Validate32(cfg, b); err != nil {
		return err
	}
	r.Resize(len(b.Logits))
	c32 := cfg.Round32()
	var cbw []dd
	if cfg.CB != nil {
		for _, w := range cbWeights32(cfg.CB) {
			cbw = append(cbw, dd{float64(w), 0})
		}
	}
	loss := evaluate(c32, b.Classes, b.Logits, b.Targets, cbw, r.Losses, r.Grad)
	r.Loss = loss.float32()
	return nil
}
