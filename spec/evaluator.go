package spec

// Batch is N rows of C classes, row-major: element (r, c) is at index r·C+c.
type Batch struct {
	// Classes is C ≥ 1.
	Classes int
	// Logits and Targets have the same length N·C. Targets lie in [0,1].
	Logits, Targets []float64
}

// Batch32 is a Batch of float32 values.
type Batch32 struct {
	Classes         int
	Logits, Targets []float32
}

// Result holds what an Evaluator computes for one batch.
type Result struct {
	// Loss is the reduced loss; it is 0 for the None reduction.
	Loss float64
	// Losses holds the element losses l_i, before reduction.
	Losses []float64
	// Grad holds ∂Loss/∂x_i for the Sum and Mean reductions, and the
	// element derivative dl_i/dx_i for None.
	Grad []float64
}

// Result32 is a Result of float32 values.
type Result32 struct {
	Loss         float32
	Losses, Grad []float32
}

// Resize sets the lengths of r's slices to n, reusing their storage when
// the capacity suffices. The contents are unspecified afterwards.
func (r *Result) Resize(n int) { r.Losses, r.Grad = resize(r.Losses, n), resize(r.Grad, n) }

// Resize sets the lengths of r's slices to n, as Result.Resize.
func (r *Result32) Resize(n int) { r.Losses, r.Grad = resize(r.Losses, n), resize(r.Grad, n) }

func resize[F float32 | float64](s []F, n int) []F {
	if cap(s) < n {
		return make([]F, n)
	}
	return s[:n]
}

// Evaluator is an implementation of the spec, or the exact oracle.
//
// Evaluate validates cfg and b with Validate, then writes the result into r
// (resized with Result.Resize). It returns an *InputError, and leaves r's
// values unspecified, when the input is invalid; it never panics on input
// that Validate accepts, and never returns NaN for it.
//
// Evaluate32 is the float32 entry point. The logits and targets are the
// float32 values given; every real parameter enters as its nearest float32
// (Config.Round32): γ, α, ε, Weight and PosWeight, and each CB weight w_c is
// computed from the float64 β and counts and then rounded to float32, as a
// framework does that computes the weights in NumPy and applies them in a
// float32 tensor. The exact result of the loss on those values, rounded to
// float32, is the reference that the float32 contracts are measured against.
//
// CBWeights returns the class-balanced weights of cb, normalised as
// cb.Normalize says, as the implementation computes them in float64.
type Evaluator interface {
	Name() string
	Evaluate(cfg *Config, b Batch, r *Result) error
	Evaluate32(cfg *Config, b Batch32, r *Result32) error
	CBWeights(cb *CB) ([]float64, error)
}
