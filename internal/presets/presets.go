// Package presets maps the defaults and conventions of the public focal-loss
// implementations onto spec.Config, so that `focalcheck eval --preset NAME`
// fills a request as that framework would, and `focalcheck verify --preset
// NAME` judges a framework's outputs by the conventions it implements.
//
// A preset has two parts. Defaults (γ, α, reduction, smoothing, CB β) are
// what a call that names no argument gets; they only fill fields a request
// leaves out. Conventions (soft semantics, smoothing scope, the normaliser of
// a mean, CB normalisation and application) are fixed by the framework's
// formula; Conform imposes them on a config whatever it says.
//
// Where a framework's behaviour is a numerical bug catalogued in
// CONVENTIONS-AND-BUGS.md (overflow of the geometric modulator Z1, the NaN
// gradient of pow at 0 for γ < 1 Z3, kornia's NaN Z6, Keras' clipped
// from_logits Z9, the seed module's pos_weight on the whole loss and its
// ignored weight Z19), the preset follows the framework's evident intent:
// the exact function its formula names, on which the spec is defined. The
// Bug field says what the framework does instead.
package presets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/focalcheck/focalcheck/spec"
)

// Preset is one framework's mapping onto the spec.
type Preset struct {
	// Name is the --preset spelling.
	Name string
	// Function names the framework function and Source its file with the
	// commit read (CONVENTIONS-AND-BUGS.md, "Sources read").
	Function, Source string

	// Gamma is the default γ.
	Gamma float64
	// Alpha is the default α: nil for off, else one value.
	Alpha []float64
	// AlphaOff is the framework's rule for turning α off, as text;
	// NegativeAlphaOff says that a negative scalar α means off (torchvision,
	// fvcore), and NullAlphaOff that a JSON null α does (None in Python).
	AlphaOff         string
	NegativeAlphaOff bool
	NullAlphaOff     bool

	// Soft is the soft-label semantics of the framework's modulator.
	Soft spec.Soft
	// Smoothing says whether the framework has label smoothing, and Scope
	// where it applies the smoothed target.
	Smoothing bool
	Scope     spec.Scope

	// Reduction is the default reduction, and Normalizer the denominator the
	// framework's mean uses.
	Reduction  spec.Reduction
	Normalizer spec.Normalizer

	// CB says whether the framework computes class-balanced weights; Beta is
	// its default β, CBNormalize and CBApply its conventions.
	CB          bool
	Beta        float64
	CBNormalize spec.CBNormalize
	CBApply     spec.CBApply

	// PosWeight describes the scope of the framework's pos_weight, Weight
	// that of its per-class weight ("—" when the framework has none).
	PosWeight, Weight string

	// Bug lists the framework's departures from its intent that the preset
	// does not follow, with their CONVENTIONS-AND-BUGS.md ids.
	Bug string
}

var all = []Preset{
	{
		Name: "torchvision", Function: "torchvision.ops.sigmoid_focal_loss",
		Source: "torchvision/ops/focal_loss.py@b9daa86",
		Gamma:  2, Alpha: []float64{0.25},
		AlphaOff: "α < 0 (newer releases accept only −1, PR #8882)", NegativeAlphaOff: true,
		Soft: spec.Linear, Reduction: spec.None, Normalizer: spec.Elements,
		PosWeight: "—", Weight: "—",
		Bug: "gradient NaN for 0 < γ < 1 once 1−p_t rounds to 0 (Z3)",
	},
	{
		Name: "fvcore", Function: "fvcore.nn.sigmoid_focal_loss",
		Source: "fvcore/nn/focal_loss.py@1c55350",
		Gamma:  2, Alpha: nil,
		AlphaOff: "α < 0; the default α = −1 is off", NegativeAlphaOff: true,
		Soft: spec.Linear, Reduction: spec.None, Normalizer: spec.Elements,
		PosWeight: "—", Weight: "—",
		Bug: "gradient NaN for 0 < γ < 1 once 1−p_t rounds to 0 (Z3)",
	},
	{
		Name: "keras", Function: "keras.losses.binary_focal_crossentropy(from_logits=True)",
		Source: "keras/src/losses/losses.py@3422977",
		Gamma:  2, Alpha: nil,
		AlphaOff: "α = 0.25 is used only with apply_class_balancing=True (default off)",
		Soft:     spec.Linear, Smoothing: true, Scope: spec.SmoothingAll,
		Reduction: spec.Mean, Normalizer: spec.Elements,
		PosWeight: "—", Weight: "—",
		Bug: "from_logits on the JAX/torch/NumPy backends goes through σ and a clip to [1e−7, 1−1e−7] (Z9); NaN gradient for γ < 1 (Z3)",
	},
	{
		Name: "optax", Function: "optax.losses.sigmoid_focal_loss",
		Source: "optax/losses/_classification.py@2edbcbe",
		Gamma:  2, Alpha: nil,
		AlphaOff: "alpha=None", NullAlphaOff: true,
		Soft: spec.Linear, Reduction: spec.None, Normalizer: spec.Elements,
		PosWeight: "—", Weight: "—",
		Bug: "none at this commit (log-space form, #1346); γ = 0.0 as a float gave NaN gradients at x = ±1000 before (Z4)",
	},
	{
		Name: "kornia", Function: "kornia.losses.binary_focal_loss_with_logits",
		Source: "kornia/losses/focal.py@b4f5a78",
		Gamma:  2, Alpha: []float64{0.25},
		AlphaOff: "alpha=None", NullAlphaOff: true,
		Soft: spec.Split, Reduction: spec.None, Normalizer: spec.Elements,
		PosWeight: "positive term (per class)", Weight: "whole loss (per class)",
		Bug: "exp(logsigmoid).pow(γ) is NaN for γ < 1 at x = ±104 and beyond (Z6)",
	},
	{
		Name: "mmdet", Function: "mmdet.models.losses.FocalLoss (py_sigmoid_focal_loss)",
		Source: "mmdet/models/losses/focal_loss.py@d898526",
		Gamma:  2, Alpha: []float64{0.25},
		AlphaOff: "none (α always applied)",
		Soft:     spec.Linear, Reduction: spec.Mean, Normalizer: spec.PositivesGuarded,
		PosWeight: "—", Weight: "per anchor (N) or element (N·C); not expressible per class, left to weight",
		Bug: "mean is Σ/(avg_factor+ε) with RetinaHead's avg_factor = max(#pos, 1); the CUDA path (mmcv) is split semantics with a prob-space forward (Z7)",
	},
	{
		Name: "cb-paper", Function: "focal_loss + CB weights (cifar_main.py)",
		Source: "richardaecn/class-balanced-loss src/cifar_main.py@1d78572",
		Gamma:  1, Alpha: nil,
		AlphaOff: "no α_t; the CB weight of the ground-truth class takes its place",
		Soft:     spec.Geometric, Reduction: spec.Mean, Normalizer: spec.Positives,
		CB: true, Beta: 0.9999, CBNormalize: spec.CBSum, CBApply: spec.CBLabel,
		PosWeight: "—", Weight: "—",
		Bug: "the modulator exp(−γyx − γ·log1p(e^−x)) overflows to 0 for y = 1, x < −88.7 (f32) (Z1); Σ/Σlabels is inf/NaN without positives (Z14)",
	},
	{
		Name: "seed-module", Function: "FocalBCEWithLogitLoss",
		Source: "nizhf/hoi-prediction-gaze-transformer common/focal_loss.py@b56583e",
		Gamma:  2, Alpha: nil,
		AlphaOff: "alpha=None; a scalar or a per-class list otherwise", NullAlphaOff: true,
		Soft: spec.Geometric, Reduction: spec.Mean, Normalizer: spec.Elements,
		CB: true, Beta: 0.9, CBNormalize: spec.CBSum, CBApply: spec.CBClass,
		PosWeight: "positive term (intent; as written it scales the whole loss, Z19)",
		Weight:    "whole loss (intent; as written it is ignored, Z19)",
		Bug:       "modulator overflows to 0 for y = 1, x < −706.9 (f64) / −87.5 (f32) with NaN gradients (Z1); pos_weight scales the whole loss and weight is unused (Z19); the VidHOI code clamps counts to max(5, n)",
	},
}

// Names returns the preset names in the order of the README table.
func Names() []string {
	out := make([]string, len(all))
	for i, p := range all {
		out[i] = p.Name
	}
	return out
}

// All returns a copy of every preset, in the order of Names.
func All() []Preset { return slices.Clone(all) }

// Lookup returns the preset called name.
func Lookup(name string) (*Preset, error) {
	for i := range all {
		if all[i].Name == name {
			p := all[i]
			return &p, nil
		}
	}
	return nil, fmt.Errorf("unknown preset %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Conform returns a copy of cfg with the conventions p fixes imposed: the
// soft semantics, the smoothing scope, the normaliser of a mean, and the CB
// normalisation and application. Parameters (γ, α, ε, weights, β, counts)
// and the reduction are kept: they are arguments of the framework's call.
func (p *Preset) Conform(cfg *spec.Config) *spec.Config {
	c := *cfg
	c.Soft = p.Soft
	c.SmoothingScope = p.Scope
	if c.Reduction == spec.Mean {
		c.Normalizer = p.Normalizer
	}
	if c.CB != nil {
		cb := *c.CB
		cb.Normalize, cb.Apply = p.CBNormalize, p.CBApply
		c.CB = &cb
	}
	return &c
}

// Supports reports whether the framework can express cfg at all: label
// smoothing, CB weights, pos_weight, weight, a per-class α and the
// normaliser of a mean must be within its reach. The reason names the first
// feature it lacks.
func (p *Preset) Supports(cfg *spec.Config) (ok bool, reason string) {
	switch {
	case cfg.LabelSmoothing != 0 && !p.Smoothing:
		return false, "label smoothing"
	case cfg.CB != nil && !p.CB:
		return false, "class-balanced weights"
	case cfg.PosWeight != nil && p.PosWeight == "—":
		return false, "pos_weight"
	case cfg.Weight != nil && p.Weight == "—":
		return false, "weight"
	case len(cfg.Alpha) > 1 && p.Name != "seed-module" && p.Name != "optax":
		return false, "per-class α"
	case cfg.Reduction == spec.Mean && cfg.Normalizer != p.Normalizer:
		return false, "normalizer " + cfg.Normalizer.String()
	}
	return true, ""
}

// Defaults returns the request fields p supplies when a request leaves them
// out, by their eval protocol names, as JSON values.
func (p *Preset) Defaults() map[string]any {
	d := map[string]any{
		"gamma":      p.Gamma,
		"soft":       p.Soft.String(),
		"reduction":  p.Reduction.String(),
		"normalizer": p.Normalizer.String(),
	}
	if p.Alpha != nil {
		d["alpha"] = slices.Clone(p.Alpha)
	}
	if p.Smoothing {
		d["smoothing_scope"] = p.Scope.String()
	}
	return d
}

// Fill applies p to one request given as a JSON object: every default field
// the object lacks is added, an α that the framework's rule turns off (a
// negative scalar or an array of one negative value for torchvision and
// fvcore, null for the None of optax, kornia and the seed module) is
// removed, and the conventions p fixes (soft, smoothing_scope, the
// normalizer, cb.normalize, cb.apply) are set where the object leaves them
// out. Fields the object gives are kept otherwise.
func (p *Preset) Fill(req map[string]any) {
	for k, v := range p.Defaults() {
		if _, ok := req[k]; !ok {
			req[k] = v
		}
	}
	if a, ok := req["alpha"]; ok {
		switch v := a.(type) {
		case nil:
			if p.NullAlphaOff {
				delete(req, "alpha")
			}
		case []any:
			if len(v) == 1 && p.NegativeAlphaOff && negative(v[0]) {
				delete(req, "alpha")
			}
		default:
			if p.NegativeAlphaOff && negative(v) {
				delete(req, "alpha")
			}
		}
	}
	if cb, ok := req["cb"].(map[string]any); ok {
		if _, ok := cb["beta"]; !ok && p.CB {
			cb["beta"] = p.Beta
		}
		if _, ok := cb["normalize"]; !ok {
			cb["normalize"] = p.CBNormalize.String()
		}
		if _, ok := cb["apply"]; !ok {
			cb["apply"] = p.CBApply.String()
		}
	}
}

// negative reports whether v, a float64 or a json.Number, is below 0.
func negative(v any) bool {
	switch n := v.(type) {
	case float64:
		return n < 0
	case json.Number:
		f, err := n.Float64()
		return err == nil && f < 0
	}
	return false
}

// FillLine applies Fill to one request line of `focalcheck eval`. Numbers
// are kept as written (json.Number); a line that is not a JSON object is
// returned unchanged, for the request decoder to report.
func (p *Preset) FillLine(line []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil || req == nil {
		return line
	}
	if _, err := dec.Token(); err != io.EOF {
		return line
	}
	p.Fill(req)
	out, err := json.Marshal(req)
	if err != nil {
		return line
	}
	return out
}

// Table returns the README table of the presets in Markdown, one row per
// preset, with the framework source each mapping was read from.
func Table() string {
	var b strings.Builder
	b.WriteString("| preset | function (source) | γ | α default; off | soft | label smoothing | reduction; mean's normaliser | CB normalize, apply | pos_weight | weight | not followed (bug) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range all {
		alpha := "off"
		if p.Alpha != nil {
			alpha = fmt.Sprint(p.Alpha[0])
		}
		ls := "—"
		if p.Smoothing {
			ls = "scope " + p.Scope.String()
		}
		cb := "—"
		if p.CB {
			cb = fmt.Sprintf("β=%v, %s, %s", p.Beta, p.CBNormalize, p.CBApply)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` (`%s`) | %v | %s; %s | `%s` | %s | `%s`; `%s` | %s | %s | %s | %s |\n",
			p.Name, p.Function, p.Source, p.Gamma, alpha, p.AlphaOff, p.Soft, ls,
			p.Reduction, p.Normalizer, cb, p.PosWeight, p.Weight, p.Bug)
	}
	return b.String()
}
