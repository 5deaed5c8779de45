package vectors

import (
	"fmt"
	"math"
	"slices"

	"github.com/focalcheck/focalcheck/spec"
)

// Compute runs the oracle e on p's request and on the alternative
// conventions of its axes, and returns the finished case.
func Compute(e spec.Evaluator, p Planned) (Case, error) {
	c := Case{ID: p.ID, Category: p.Category, Request: p.Request}
	cfg, err := p.Request.Config()
	if err != nil {
		return c, fmt.Errorf("%s: %v", p.ID, err)
	}
	if c.Want, err = p.Request.Evaluate(e, cfg); err != nil {
		return c, fmt.Errorf("%s: %v", p.ID, err)
	}
	if err := finite(c.Want); err != nil {
		return c, fmt.Errorf("%s: %v", p.ID, err)
	}
	for _, axis := range p.Axes {
		alts, primary := Variants(axis, cfg, p.Request.Targets)
		m := map[string]Values{}
		for name, alt := range alts {
			if name == primary {
				m[name] = c.Want
				continue
			}
			v, err := p.Request.Evaluate(e, alt)
			if err != nil {
				return c, fmt.Errorf("%s: alternative %s=%s: %v", p.ID, axis, name, err)
			}
			if err := finite(v); err != nil {
				return c, fmt.Errorf("%s: alternative %s=%s: %v", p.ID, axis, name, err)
			}
			m[name] = v
		}
		if c.Alternatives == nil {
			c.Alternatives = map[string]map[string]Values{}
		}
		c.Alternatives[axis] = m
	}
	return c, nil
}

// Variants returns the configs that differ from cfg in one convention axis
// only, by the name of the convention, and the name of cfg's own:
//
//   - soft: linear, geometric, split, expce;
//   - smoothing_scope: all, ce;
//   - alpha: given (α₊ = a, α₋ = 1−a), swapped (α₊ = 1−a, α₋ = a), off;
//   - normalizer (for a mean): the mean under elements, rows, positives
//     (when some target is positive), positives_guarded, and "sum" (a mean
//     that forgot to divide);
//   - pos_weight: positive (PyTorch's BCEWithLogits: the positive term
//     only) and whole (the whole element loss, as the seed module does;
//     expressed as weight·pw without pos_weight).
func Variants(axis string, cfg *spec.Config, targets []float64) (map[string]*spec.Config, string) {
	out := map[string]*spec.Config{}
	with := func(name string, f func(c *spec.Config)) {
		c := *cfg
		f(&c)
		out[name] = &c
	}
	switch axis {
	case AxisSoft:
		for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
			with(s.String(), func(c *spec.Config) { c.Soft = s })
		}
		return out, cfg.Soft.String()
	case AxisScope:
		for _, s := range []spec.Scope{spec.SmoothingAll, spec.SmoothingCE} {
			with(s.String(), func(c *spec.Config) { c.SmoothingScope = s })
		}
		return out, cfg.SmoothingScope.String()
	case AxisAlpha:
		with("given", func(c *spec.Config) {})
		with("off", func(c *spec.Config) { c.Alpha = nil })
		with("swapped", func(c *spec.Config) {
			c.Alpha = make([]float64, len(cfg.Alpha))
			for i, a := range cfg.Alpha {
				c.Alpha[i] = 1 - a
			}
		})
		if cfg.Alpha == nil {
			return out, "off"
		}
		return out, "given"
	case AxisNormalizer:
		pos := slices.ContainsFunc(targets, func(y float64) bool { return y > 0 })
		for _, n := range []spec.Normalizer{spec.Elements, spec.Rows, spec.Positives, spec.PositivesGuarded} {
			if n == spec.Positives && !pos {
				continue
			}
			with(n.String(), func(c *spec.Config) { c.Reduction, c.Normalizer = spec.Mean, n })
		}
		with("sum", func(c *spec.Config) { c.Reduction = spec.Sum })
		return out, cfg.Normalizer.String()
	case AxisPosWeight:
		with("positive", func(c *spec.Config) {})
		with("whole", func(c *spec.Config) {
			if cfg.PosWeight == nil {
				return
			}
			c.Weight = make([]float64, len(cfg.PosWeight))
			for i, pw := range cfg.PosWeight {
				c.Weight[i] = pw
				if cfg.Weight != nil {
					c.Weight[i] *= cfg.Weight[i]
				}
			}
			c.PosWeight = nil
		})
		return out, "positive"
	}
	return nil, ""
}

// finite reports an error for a value that is not finite: the vectors hold
// finite expected values only (a float32 sum that overflows is planned out).
func finite(v Values) error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	if bad(v.Loss) {
		return fmt.Errorf("loss is %v", v.Loss)
	}
	for i := range v.Losses {
		if bad(v.Losses[i]) || bad(v.Grad[i]) {
			return fmt.Errorf("element %d: loss %v, grad %v", i, v.Losses[i], v.Grad[i])
		}
	}
	return nil
}
