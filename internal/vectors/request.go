package vectors

import (
	"fmt"

	"github.com/focalcheck/focalcheck/spec"
)

// Request is one evaluation request in the JSON form `focalcheck eval`
// reads: the batch, the dtype it is evaluated in, and every field of
// spec.Config by its protocol name. Enumerations are spelled as spec.Names
// gives them. A float32 request holds float32 values written exactly.
type Request struct {
	Dtype          string     `json:"dtype"`
	Classes        int        `json:"classes"`
	Logits         []float64  `json:"logits"`
	Targets        []float64  `json:"targets"`
	Gamma          float64    `json:"gamma"`
	Alpha          []float64  `json:"alpha,omitempty"`
	Soft           string     `json:"soft"`
	LabelSmoothing float64    `json:"label_smoothing"`
	SmoothingScope string     `json:"smoothing_scope"`
	Weight         []float64  `json:"weight,omitempty"`
	PosWeight      []float64  `json:"pos_weight,omitempty"`
	CB             *CBRequest `json:"cb,omitempty"`
	Reduction      string     `json:"reduction"`
	Normalizer     string     `json:"normalizer"`
}

// CBRequest is the "cb" object of a Request.
type CBRequest struct {
	Beta      float64   `json:"beta"`
	Counts    []float64 `json:"counts"`
	Normalize string    `json:"normalize"`
	Apply     string    `json:"apply"`
}

// Dtype names.
const (
	Float64 = "float64"
	Float32 = "float32"
)

// NewRequest returns the Request of cfg on the batch, in dtype.
func NewRequest(dtype string, cfg *spec.Config, classes int, logits, targets []float64) Request {
	r := Request{
		Dtype: dtype, Classes: classes, Logits: logits, Targets: targets,
		Gamma: cfg.Gamma, Alpha: cfg.Alpha, Soft: cfg.Soft.String(),
		LabelSmoothing: cfg.LabelSmoothing, SmoothingScope: cfg.SmoothingScope.String(),
		Weight: cfg.Weight, PosWeight: cfg.PosWeight,
		Reduction: cfg.Reduction.String(), Normalizer: cfg.Normalizer.String(),
	}
	if cfg.CB != nil {
		r.CB = &CBRequest{Beta: cfg.CB.Beta, Counts: cfg.CB.Counts,
			Normalize: cfg.CB.Normalize.String(), Apply: cfg.CB.Apply.String()}
	}
	return r
}

// Config returns the spec.Config of r, or the error of the first unknown
// enumeration value.
func (r *Request) Config() (*spec.Config, error) {
	cfg := &spec.Config{Gamma: r.Gamma, Alpha: r.Alpha, LabelSmoothing: r.LabelSmoothing,
		Weight: r.Weight, PosWeight: r.PosWeight}
	var err error
	if cfg.Soft, err = spec.ParseSoft(r.Soft); err != nil {
		return nil, err
	}
	if cfg.SmoothingScope, err = spec.ParseScope(r.SmoothingScope); err != nil {
		return nil, err
	}
	if cfg.Reduction, err = spec.ParseReduction(r.Reduction); err != nil {
		return nil, err
	}
	if cfg.Normalizer, err = spec.ParseNormalizer(r.Normalizer); err != nil {
		return nil, err
	}
	if r.CB != nil {
		cb := &spec.CB{Beta: r.CB.Beta, Counts: r.CB.Counts}
		if cb.Normalize, err = spec.ParseCBNormalize(r.CB.Normalize); err != nil {
			return nil, err
		}
		if cb.Apply, err = spec.ParseCBApply(r.CB.Apply); err != nil {
			return nil, err
		}
		cfg.CB = cb
	}
	return cfg, nil
}

// Evaluate runs e on r's batch under cfg (r's own config when cfg is nil)
// in r's dtype, and returns the values widened to float64.
func (r *Request) Evaluate(e spec.Evaluator, cfg *spec.Config) (Values, error) {
	if cfg == nil {
		var err error
		if cfg, err = r.Config(); err != nil {
			return Values{}, err
		}
	}
	v := Values{HasLoss: cfg.Reduction != spec.None}
	switch r.Dtype {
	case Float64:
		var res spec.Result
		if err := e.Evaluate(cfg, spec.Batch{Classes: r.Classes, Logits: r.Logits, Targets: r.Targets}, &res); err != nil {
			return Values{}, err
		}
		v.Loss, v.Losses, v.Grad = res.Loss, res.Losses, res.Grad
	case Float32:
		var res spec.Result32
		b := spec.Batch32{Classes: r.Classes, Logits: to32(r.Logits), Targets: to32(r.Targets)}
		if err := e.Evaluate32(cfg, b, &res); err != nil {
			return Values{}, err
		}
		v.Loss, v.Losses, v.Grad = float64(res.Loss), to64(res.Losses), to64(res.Grad)
	default:
		return Values{}, fmt.Errorf("dtype %q: want %q or %q", r.Dtype, Float64, Float32)
	}
	if !v.HasLoss {
		v.Loss = 0
	}
	return v, nil
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
