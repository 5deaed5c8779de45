package props

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
	"pgregory.net/rapid"
)

// Landmark logits: signed zero, subnormals, the thresholds of BACKGROUND.md
// §3 (σ saturates at 16.6 and 36.7 in float32 and float64, e^z overflows at
// 88.72 and 709.78, underflows at −103.97 and −745.13), their float
// neighbours, and huge values.
var landmarks = func() []float64 {
	base := []float64{0, math.SmallestNonzeroFloat64, 0x1p-1022, 1e3, 1e300, math.MaxFloat64,
		16.6, 36.7, 88.72, 103.97, 709.78, 745.13, 16.635532, 36.736801, 88.7228391, 103.972077, 709.782712893384, 745.1332191019411}
	var out []float64
	for _, v := range base {
		for _, s := range []float64{1, -1} {
			for _, x := range []float64{s * v, math.Nextafter(s*v, math.Inf(1)), math.Nextafter(s*v, math.Inf(-1))} {
				if !math.IsInf(x, 0) {
					out = append(out, x)
				}
			}
		}
	}
	out = append(out, math.Copysign(0, -1))
	return out
}()

// Logit draws a finite logit: rapid.Float64 half of the time, a landmark of
// BACKGROUND.md §3 or its neighbour otherwise. Never Inf or NaN.
func Logit() *rapid.Generator[float64] {
	return rapid.OneOf(
		rapid.Float64().Filter(func(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }),
		rapid.Float64Range(-40, 40),
		rapid.SampledFrom(landmarks),
	)
}

// LogitIn draws a logit with |x| ≤ m, mixing landmarks inside that range.
func LogitIn(m float64) *rapid.Generator[float64] {
	var in []float64
	for _, v := range landmarks {
		if math.Abs(v) <= m {
			in = append(in, v)
		}
	}
	return rapid.OneOf(rapid.Float64Range(-m, m), rapid.SampledFrom(in))
}

// Gamma draws γ: 0, (0,1), small integers, or large.
func Gamma() *rapid.Generator[float64] {
	return rapid.OneOf(
		rapid.Just(0.0),
		rapid.Float64Range(0, 1),
		rapid.SampledFrom([]float64{1, 2, 3, 5}),
		rapid.Float64Range(1, 50),
	)
}

// unit draws a value in [0,1], 0 and 1 included often.
func unit() *rapid.Generator[float64] {
	return rapid.OneOf(rapid.SampledFrom([]float64{0, 1, 0.25, 0.5}), rapid.Float64Range(0, 1))
}

// Beta draws a CB β in [0,1): 0, a uniform value, or within a few ulp of 1.
func Beta() *rapid.Generator[float64] {
	return rapid.OneOf(
		rapid.Just(0.0),
		rapid.Float64Range(0, 0.9999),
		rapid.SampledFrom([]float64{0.9, 0.99, 0.999, 0.9999, 0.99999}),
		rapid.Custom(func(t *rapid.T) float64 {
			k := rapid.IntRange(1, 8).Draw(t, "ulpsBelow1")
			b := 1.0
			for range k {
				b = math.Nextafter(b, 0)
			}
			return b
		}),
	)
}

// Count draws a CB count: a whole number in [1, 2^53].
func Count() *rapid.Generator[float64] {
	return rapid.OneOf(
		rapid.Custom(func(t *rapid.T) float64 { return float64(rapid.IntRange(1, 1000).Draw(t, "n")) }),
		rapid.Custom(func(t *rapid.T) float64 { return float64(rapid.Int64Range(1, 1<<53).Draw(t, "n")) }),
		rapid.SampledFrom([]float64{1, 2, 1 << 52, 1 << 53}),
	)
}

// Opts restricts the configurations that Case draws.
type Opts struct {
	Binary   bool    // targets in {0,1} and ε = 0
	MaxLogit float64 // |x| bound, 0 for any finite logit
	NoCB     bool    // no class-balanced weights
	MaxN     int     // rows at most (default 6)
	MaxC     int     // classes at most (default 8)
	Red      *spec.Reduction
}

// Case is a drawn configuration and float64 batch.
type Case struct {
	Cfg spec.Config
	B   spec.Batch
}

// DrawConfig draws a valid configuration for C classes: every soft
// semantics, α off/scalar/per class (0 and 1 included), weight, pos_weight,
// CB, label smoothing with both scopes, every reduction and normaliser.
// Every draw is labelled.
func DrawConfig(t *rapid.T, c int, o Opts) spec.Config {
	cfg := spec.Config{
		Gamma: Gamma().Draw(t, "gamma"),
		Soft:  spec.Soft(rapid.IntRange(0, 3).Draw(t, "soft")),
	}
	switch rapid.IntRange(0, 2).Draw(t, "alphaKind") {
	case 1:
		cfg.Alpha = []float64{unit().Draw(t, "alpha")}
	case 2:
		cfg.Alpha = rapid.SliceOfN(unit(), c, c).Draw(t, "alpha")
	}
	if !o.Binary && rapid.Bool().Draw(t, "smooth") {
		cfg.LabelSmoothing = rapid.OneOf(rapid.Float64Range(0, 0.999), rapid.Just(0.1)).Draw(t, "eps")
	}
	cfg.SmoothingScope = spec.Scope(rapid.IntRange(0, 1).Draw(t, "scope"))
	w := rapid.OneOf(rapid.SampledFrom([]float64{0, 1, 2, 0.5}), rapid.Float64Range(0, 10))
	if rapid.Bool().Draw(t, "hasWeight") {
		cfg.Weight = rapid.SliceOfN(w, c, c).Draw(t, "weight")
	}
	if rapid.Bool().Draw(t, "hasPosWeight") {
		cfg.PosWeight = rapid.SliceOfN(w, c, c).Draw(t, "pos_weight")
	}
	if !o.NoCB && rapid.Bool().Draw(t, "hasCB") {
		cfg.CB = &spec.CB{
			Beta:      Beta().Draw(t, "beta"),
			Counts:    rapid.SliceOfN(Count(), c, c).Draw(t, "counts"),
			Normalize: spec.CBNormalize(rapid.IntRange(0, 1).Draw(t, "cbNormalize")),
			Apply:     spec.CBApply(rapid.IntRange(0, 1).Draw(t, "cbApply")),
		}
	}
	if o.Red != nil {
		cfg.Reduction = *o.Red
	} else {
		cfg.Reduction = spec.Reduction(rapid.IntRange(0, 2).Draw(t, "reduction"))
	}
	cfg.Normalizer = spec.Normalizer(rapid.IntRange(0, 3).Draw(t, "normalizer"))
	return cfg
}

// DrawCase draws a valid configuration and batch: N rows (0 allowed when the
// reduction is not Mean) of C classes, binary or soft targets, logits from
// Logit (or LogitIn(o.MaxLogit)). Validity is by construction: one-hot rows
// for CB apply = label, a positive target for the Positives normaliser.
func DrawCase(t *rapid.T, o Opts) Case {
	maxN, maxC := o.MaxN, o.MaxC
	if maxN == 0 {
		maxN = 6
	}
	if maxC == 0 {
		maxC = 8
	}
	c := rapid.IntRange(1, maxC).Draw(t, "C")
	cfg := DrawConfig(t, c, o)
	minN := 0
	if cfg.Reduction == spec.Mean {
		minN = 1
	}
	n := rapid.IntRange(minN, maxN).Draw(t, "N")
	lg := Logit()
	if o.MaxLogit > 0 {
		lg = LogitIn(o.MaxLogit)
	}
	b := spec.Batch{Classes: c, Logits: rapid.SliceOfN(lg, n*c, n*c).Draw(t, "logits")}
	label := cfg.CB != nil && cfg.CB.Apply == spec.CBLabel
	var y *rapid.Generator[float64]
	if o.Binary || label {
		y = rapid.SampledFrom([]float64{0, 1})
	} else {
		y = rapid.OneOf(rapid.SampledFrom([]float64{0, 1, 0.5}), rapid.Float64Range(0, 1))
	}
	if label {
		b.Targets = make([]float64, n*c)
		for r := range n {
			b.Targets[r*c+rapid.IntRange(0, c-1).Draw(t, "label")] = 1
		}
	} else {
		b.Targets = rapid.SliceOfN(y, n*c, n*c).Draw(t, "targets")
		if cfg.Reduction == spec.Mean && cfg.Normalizer == spec.Positives {
			i := rapid.IntRange(0, n*c-1).Draw(t, "positiveAt")
			if b.Targets[i] == 0 {
				b.Targets[i] = 1
			}
		}
	}
	if err := spec.Validate(&cfg, b); err != nil {
		t.Fatalf("generator produced an invalid input: %v", err)
	}
	return Case{cfg, b}
}

// To32 returns the float32 batch of b (logits rounded to nearest float32,
// which may overflow to ±Inf: callers keep |x| within float32's range).
func To32(b spec.Batch) spec.Batch32 {
	out := spec.Batch32{Classes: b.Classes, Logits: make([]float32, len(b.Logits)), Targets: make([]float32, len(b.Targets))}
	for i := range b.Logits {
		out.Logits[i] = float32(b.Logits[i])
		out.Targets[i] = float32(b.Targets[i])
	}
	return out
}
