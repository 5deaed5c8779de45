// Package reporttest holds stand-in evaluators for testing the report and
// the commands without the real implementations: a small float64 reference
// and wrappers that break a result on purpose.
package reporttest

import (
	"errors"
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// Reference evaluates the linear focal loss with γ, α, weight, pos_weight
// and every reduction, in float64:
//
//	l = weight_c · α_t · (y·σ(-x) + (1-y)·σ(x))^γ · (pw_c·y·sp(-x) + (1-y)·sp(x))
//
// It supports binary and soft targets without label smoothing, CB or any
// other soft semantics, and reports an error for those. It is a stand-in
// oracle for tests of the comparison machinery, not an accurate one: its
// error is unmeasured, so tests compare other evaluators with it only
// through wrappers of itself (Perturb, NaNAt).
type Reference struct{}

// Name returns "reference".
func (Reference) Name() string { return "reference" }

var errUnsupported = errors.New("reporttest.Reference: only linear, without CB or smoothing")

// Evaluate computes the loss of cfg on b.
func (Reference) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := spec.Validate(cfg, b); err != nil {
		return err
	}
	if cfg.CB != nil || cfg.LabelSmoothing != 0 || cfg.Soft != spec.Linear {
		return errUnsupported
	}
	r.Resize(len(b.Logits))
	d := 1.0
	if cfg.Reduction == spec.Mean {
		d = float64(len(b.Logits))
		switch cfg.Normalizer {
		case spec.Rows:
			d = float64(len(b.Logits) / b.Classes)
		case spec.Positives, spec.PositivesGuarded:
			d = 0
			for _, y := range b.Targets {
				d += y
			}
			if cfg.Normalizer == spec.PositivesGuarded {
				d = math.Max(1, d)
			}
		}
	}
	sum := 0.0
	for i, x := range b.Logits {
		c := i % b.Classes
		y := b.Targets[i]
		ap, an := 1.0, 1.0
		if len(cfg.Alpha) == 1 {
			ap, an = cfg.Alpha[0], 1-cfg.Alpha[0]
		} else if cfg.Alpha != nil {
			ap, an = cfg.Alpha[c], 1-cfg.Alpha[c]
		}
		w, pw := 1.0, 1.0
		if cfg.Weight != nil {
			w = cfg.Weight[c]
		}
		if cfg.PosWeight != nil {
			pw = cfg.PosWeight[c]
		}
		at := ap*y + an*(1-y)
		sn, sp := sigmoid(-x), sigmoid(x)
		m := y*sn + (1-y)*sp // 1-p_t
		ce := pw*y*softplus(-x) + (1-y)*softplus(x)
		g := cfg.Gamma
		mod := math.Pow(m, g)
		// dm/dx = (1-2y)·σ(x)σ(-x); dce/dx = -pw·y·σ(-x) + (1-y)·σ(x).
		dmod := 0.0
		if g != 0 && m > 0 {
			dmod = g * math.Pow(m, g-1) * (1 - 2*y) * sp * sn
		}
		dce := -pw*y*sn + (1-y)*sp
		l := w * at * mod * ce
		r.Losses[i] = l
		r.Grad[i] = w * at * (dmod*ce + mod*dce) / d
		sum += l
	}
	if cfg.Reduction == spec.None {
		r.Loss = 0
	} else {
		r.Loss = sum / d
	}
	return nil
}

// Evaluate32 evaluates in float64 on the float32 values and rounds.
func (e Reference) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := spec.Validate32(cfg, b); err != nil {
		return err
	}
	b64 := spec.Batch{Classes: b.Classes, Logits: make([]float64, len(b.Logits)), Targets: make([]float64, len(b.Targets))}
	for i := range b.Logits {
		b64.Logits[i], b64.Targets[i] = float64(b.Logits[i]), float64(b.Targets[i])
	}
	var r64 spec.Result
	if err := e.Evaluate(cfg.Round32(), b64, &r64); err != nil {
		return err
	}
	r.Resize(len(b.Logits))
	r.Loss = float32(r64.Loss)
	for i := range r64.Losses {
		r.Losses[i], r.Grad[i] = float32(r64.Losses[i]), float32(r64.Grad[i])
	}
	return nil
}

// CBWeights is unsupported.
func (Reference) CBWeights(cb *spec.CB) ([]float64, error) { return nil, errUnsupported }

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// Perturb wraps an evaluator and moves every nonzero element gradient whose
// logit satisfies When by Ulps float64 (or float32) values away from zero.
type Perturb struct {
	spec.Evaluator
	Ulps int
	When func(x float64) bool
}

// Name returns "perturbed".
func (Perturb) Name() string { return "perturbed" }

// Evaluate runs the wrapped evaluator and moves the gradients.
func (p Perturb) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := p.Evaluator.Evaluate(cfg, b, r); err != nil {
		return err
	}
	for i, x := range b.Logits {
		if p.When == nil || p.When(x) {
			for k := 0; k < p.Ulps; k++ {
				r.Grad[i] = math.Nextafter(r.Grad[i], math.Copysign(math.Inf(1), r.Grad[i]))
			}
		}
	}
	return nil
}

// Evaluate32 runs the wrapped evaluator and moves the gradients.
func (p Perturb) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := p.Evaluator.Evaluate32(cfg, b, r); err != nil {
		return err
	}
	for i, x := range b.Logits {
		if p.When == nil || p.When(float64(x)) {
			for k := 0; k < p.Ulps; k++ {
				r.Grad[i] = math.Nextafter32(r.Grad[i], float32(math.Copysign(math.Inf(1), float64(r.Grad[i]))))
			}
		}
	}
	return nil
}

// NaNAt wraps an evaluator and writes NaN into the element losses whose
// logit satisfies When.
type NaNAt struct {
	spec.Evaluator
	When func(x float64) bool
}

// Name returns "nan".
func (NaNAt) Name() string { return "nan" }

// Evaluate runs the wrapped evaluator and plants the NaNs.
func (n NaNAt) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := n.Evaluator.Evaluate(cfg, b, r); err != nil {
		return err
	}
	for i, x := range b.Logits {
		if n.When(x) {
			r.Losses[i] = math.NaN()
		}
	}
	return nil
}

// Evaluate32 runs the wrapped evaluator and plants the NaNs.
func (n NaNAt) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := n.Evaluator.Evaluate32(cfg, b, r); err != nil {
		return err
	}
	for i, x := range b.Logits {
		if n.When(float64(x)) {
			r.Losses[i] = float32(math.NaN())
		}
	}
	return nil
}
