package spec

import (
	"math"
	"slices"
)

// Validate reports the first reason, in the order of the checks below, why
// cfg cannot be evaluated on b, as an *InputError naming the field and, for
// arrays, the index. It returns nil for a valid input.
//
// Checks: classes ≥ 1; len(logits) = len(targets), a multiple of classes;
// logits finite; targets finite and in [0,1]; γ finite and ≥ 0; α nil, of
// length 1 or C, each in [0,1]; ε in [0,1); weight and pos_weight nil or of
// length C, each finite and ≥ 0; β in [0,1); counts of length C, whole
// numbers ≥ 1; every enumeration a known value; with cb.apply = label every
// row one-hot; with the Mean reduction a non-empty batch, and for the
// Positives normaliser at least one target above 0.
func Validate(cfg *Config, b Batch) error {
	return validate(cfg, b.Classes, b.Logits, b.Targets)
}

// Validate32 is Validate for a float32 batch. It also checks that every real
// parameter is finite once rounded to float32 (Config.Round32).
func Validate32(cfg *Config, b Batch32) error {
	if err := validate(cfg, b.Classes, b.Logits, b.Targets); err != nil {
		return err
	}
	return validateParams(cfg.Round32(), b.Classes)
}

// Round32 returns a copy of cfg in which γ, α, ε, Weight and PosWeight are
// rounded to the nearest float32. β and the counts are kept: the CB weights
// are computed in float64 and rounded afterwards (see Evaluator).
func (cfg *Config) Round32() *Config {
	c := *cfg
	c.Gamma = round32(c.Gamma)
	c.LabelSmoothing = round32(c.LabelSmoothing)
	c.Alpha = round32s(c.Alpha)
	c.Weight = round32s(c.Weight)
	c.PosWeight = round32s(c.PosWeight)
	return &c
}

func round32(v float64) float64 { return float64(float32(v)) }

func round32s(v []float64) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = round32(x)
	}
	return out
}

func validate[F float32 | float64](cfg *Config, classes int, logits, targets []F) error {
	if cfg == nil {
		return inputErr("config", -1, "missing")
	}
	if classes < 1 {
		return inputErr("classes", -1, "must be at least 1, got %d", classes)
	}
	if len(targets) != len(logits) {
		return inputErr("targets", -1, "has length %d but logits has length %d", len(targets), len(logits))
	}
	if len(logits)%classes != 0 {
		return inputErr("logits", -1, "length %d is not a multiple of classes = %d", len(logits), classes)
	}
	for i, x := range logits {
		if !finite(float64(x)) {
			return inputErr("logits", i, "%v is not finite", x)
		}
	}
	for i, y := range targets {
		if !(y >= 0 && y <= 1) {
			return inputErr("targets", i, "%v is outside [0,1]", y)
		}
	}
	if err := validateParams(cfg, classes); err != nil {
		return err
	}
	if cfg.CB != nil && cfg.CB.Apply == CBLabel {
		for r := 0; r < len(targets); r += classes {
			if err := oneHot(targets[r:r+classes], r); err != nil {
				return err
			}
		}
	}
	if cfg.Reduction == Mean {
		if len(logits) == 0 {
			return inputErr("logits", -1, "empty batch: reduction mean has nothing to divide")
		}
		if cfg.Normalizer == Positives && !slices.ContainsFunc(targets, func(y F) bool { return y > 0 }) {
			return inputErr("targets", -1, "no positive target: normalizer positives would divide by 0 (positives_guarded uses max(1, Σy))")
		}
	}
	return nil
}

// validateParams checks everything of cfg that does not depend on the data.
func validateParams(cfg *Config, classes int) error {
	if !finite(cfg.Gamma) || cfg.Gamma < 0 {
		return inputErr("gamma", -1, "must be finite and ≥ 0, got %v", cfg.Gamma)
	}
	if n := len(cfg.Alpha); cfg.Alpha != nil && n != 1 && n != classes {
		return inputErr("alpha", -1, "has length %d; want 1 or classes = %d", n, classes)
	}
	for i, a := range cfg.Alpha {
		if !(a >= 0 && a <= 1) {
			return inputErr("alpha", i, "%v is outside [0,1]", a)
		}
	}
	if e := cfg.LabelSmoothing; !(e >= 0 && e < 1) {
		return inputErr("label_smoothing", -1, "%v is outside [0,1)", e)
	}
	if err := perClass("weight", cfg.Weight, classes); err != nil {
		return err
	}
	if err := perClass("pos_weight", cfg.PosWeight, classes); err != nil {
		return err
	}
	if err := enums(cfg); err != nil {
		return err
	}
	if cfg.CB != nil {
		return ValidateCB(cfg.CB, classes)
	}
	return nil
}

// ValidateCB checks cb for a batch of the given number of classes; a
// classes of -1 accepts any number of counts but at least one.
func ValidateCB(cb *CB, classes int) error {
	if !(cb.Beta >= 0 && cb.Beta < 1) {
		return inputErr("cb.beta", -1, "%v is outside [0,1)", cb.Beta)
	}
	if classes >= 0 && len(cb.Counts) != classes {
		return inputErr("cb.counts", -1, "has length %d; want classes = %d", len(cb.Counts), classes)
	}
	if len(cb.Counts) == 0 {
		return inputErr("cb.counts", -1, "is empty")
	}
	for i, n := range cb.Counts {
		if !finite(n) || n < 1 || n != math.Trunc(n) {
			return inputErr("cb.counts", i, "%v is not a whole number ≥ 1", n)
		}
	}
	if cb.Normalize < 0 || int(cb.Normalize) >= len(cbNormNames) {
		return inputErr("cb.normalize", -1, "unknown value %d", cb.Normalize)
	}
	if cb.Apply < 0 || int(cb.Apply) >= len(cbApplyNames) {
		return inputErr("cb.apply", -1, "unknown value %d", cb.Apply)
	}
	return nil
}

func enums(cfg *Config) error {
	for _, e := range []struct {
		field string
		v, n  int
	}{
		{"soft", int(cfg.Soft), len(softNames)},
		{"smoothing_scope", int(cfg.SmoothingScope), len(scopeNames)},
		{"reduction", int(cfg.Reduction), len(reductionNames)},
		{"normalizer", int(cfg.Normalizer), len(normalizerNames)},
	} {
		if e.v < 0 || e.v >= e.n {
			return inputErr(e.field, -1, "unknown value %d", e.v)
		}
	}
	return nil
}

func perClass(field string, w []float64, classes int) error {
	if w == nil {
		return nil
	}
	if len(w) != classes {
		return inputErr(field, -1, "has length %d; want classes = %d", len(w), classes)
	}
	for i, v := range w {
		if !finite(v) || v < 0 {
			return inputErr(field, i, "%v is not finite and ≥ 0", v)
		}
	}
	return nil
}

func oneHot[F float32 | float64](row []F, start int) error {
	ones := 0
	for c, y := range row {
		switch y {
		case 1:
			ones++
		case 0:
		default:
			return inputErr("targets", start+c, "%v in a row that cb.apply = label needs one-hot", y)
		}
	}
	if ones != 1 {
		return inputErr("targets", start, "row %d has %d positive labels; cb.apply = label needs exactly one", start/len(row), ones)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
