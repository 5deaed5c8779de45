package report

import (
	"fmt"
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// Case is one configuration on one batch, identified for the --v output.
type Case struct {
	ID       string
	Category string
	Cfg      *spec.Config
	Batch    spec.Batch
}

// Thresholds are the logits of BACKGROUND.md §3 (SPEC.md §8) where a naive
// formula breaks: σ rounds to 1 (16.6 in float32, 36.7 in float64), e^x
// overflows (88.72, 709.78) or underflows (-103.97, -745.13).
var Thresholds = []float64{16.6, 36.7, 88.72, 103.97, 709.78, 745.13}

// ExtremeLogits returns the logits of the extreme category: each threshold
// with its neighbours at ±0.5, ±1e-3 relative and the adjacent float, both
// signs, then 0, ±1 and the large magnitudes up to ±1e308 and ±MaxFloat64;
// for float32 the values beyond MaxFloat32 are left out (they would round to
// ±Inf, which Validate32 rejects).
func ExtremeLogits(dtype string) []float64 {
	var xs []float64
	for _, t := range Thresholds {
		for _, v := range []float64{t, t - 0.5, t + 0.5, t * (1 - 1e-3), t * (1 + 1e-3), math.Nextafter(t, 0), math.Nextafter(t, math.Inf(1))} {
			xs = append(xs, v, -v)
		}
	}
	xs = append(xs, 0, 1, -1, 5, -5)
	for _, v := range []float64{1e4, 1e10, 1e38, 3e38, 1e100, 1e200, 1e308, math.MaxFloat64} {
		xs = append(xs, v, -v)
	}
	if dtype == "float32" {
		keep := xs[:0]
		for _, x := range xs {
			if math.Abs(x) <= math.MaxFloat32 {
				keep = append(keep, x)
			}
		}
		xs = keep
	}
	return xs
}

// moderate are ordinary logits for the categories whose point is not the
// range.
var moderate = []float64{-40, -20, -9, -3, -1, -0.25, 0, 0.25, 1, 3, 9, 20, 40}

// Cases returns the built-in case set for dtype ("float64" or "float32").
// It has a few thousand elements in all, since the exact oracle costs about
// a millisecond per element.
func Cases(dtype string) []Case {
	var cs []Case
	add := func(cat string, cfg *spec.Config, classes int, logits, targets []float64, idf string, args ...any) {
		cs = append(cs, Case{ID: cat + "/" + fmt.Sprintf(idf, args...), Category: cat, Cfg: cfg,
			Batch: spec.Batch{Classes: classes, Logits: logits, Targets: targets}})
	}
	gammas := []float64{0, 0.5, 1, 2, 5}

	// extreme: every extreme logit with target 0 and 1, per γ.
	xs := ExtremeLogits(dtype)
	lg, tg := binaryGrid(xs)
	for _, g := range gammas {
		add("extreme", &spec.Config{Gamma: g, Reduction: spec.None}, 1, lg, tg, "gamma=%g", g)
	}
	add("extreme", &spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.Sum}, 1, lg, tg, "gamma=2,alpha=0.25,sum")

	// alpha: off, scalar and per class (C = 3), binary targets.
	ml, mt := binaryGrid(moderate[:12]) // 24 elements, 8 rows of 3
	for _, a := range []struct {
		name  string
		alpha []float64
	}{{"off", nil}, {"0.25", []float64{0.25}}, {"0", []float64{0}}, {"1", []float64{1}}, {"per-class", []float64{0.1, 0.5, 0.9}}} {
		for _, g := range []float64{0, 2} {
			add("alpha", &spec.Config{Gamma: g, Alpha: a.alpha, Reduction: spec.None}, 3, ml, mt, "alpha=%s,gamma=%g", a.name, g)
		}
	}

	// soft: the four semantics on soft targets, with and without smoothing.
	sl, st := softGrid(append(append([]float64{}, moderate...), -745.13, 745.13, -1e10, 1e10))
	if dtype == "float32" {
		sl, st = softGrid(append(append([]float64{}, moderate...), -103.97, 103.97, -1e10, 1e10))
	}
	for s := spec.Linear; s <= spec.ExpCE; s++ {
		for _, g := range []float64{0, 2, 5} {
			add("soft", &spec.Config{Gamma: g, Soft: s, Alpha: []float64{0.25}, Reduction: spec.None}, 1, sl, st, "%v,gamma=%g", s, g)
		}
		for _, sc := range []spec.Scope{spec.SmoothingAll, spec.SmoothingCE} {
			add("soft", &spec.Config{Gamma: 2, Soft: s, LabelSmoothing: 0.1, SmoothingScope: sc, Reduction: spec.Mean}, 1, sl, st, "%v,eps=0.1,%v", s, sc)
		}
	}

	// weights: weight and pos_weight per class.
	for _, w := range []struct {
		name       string
		weight, pw []float64
	}{{"weight", []float64{0, 0.5, 3}, nil}, {"pos_weight", nil, []float64{1, 2.5, 100}}, {"both", []float64{2, 1, 0.25}, []float64{0.5, 4, 1}}} {
		add("weights", &spec.Config{Gamma: 2, Alpha: []float64{0.25}, Weight: w.weight, PosWeight: w.pw, Reduction: spec.None}, 3, ml, mt, "%s", w.name)
	}

	// cb: β × counts from 1 to 1e9, C = 5, both normalisations and both
	// ways of applying.
	counts := []float64{1, 10, 1000, 1e6, 1e9}
	cl := []float64{-20, -3, 0.5, 4, 30, 2, -1, -9, 16.6, -36.7}
	ct := []float64{1, 0, 0, 0, 0, 0, 0, 0, 1, 0} // one-hot rows of 5
	for _, beta := range []float64{0, 0.9, 0.99, 0.999, 0.9999} {
		for _, norm := range []spec.CBNormalize{spec.CBNone, spec.CBSum} {
			for _, ap := range []spec.CBApply{spec.CBClass, spec.CBLabel} {
				cb := &spec.CB{Beta: beta, Counts: counts, Normalize: norm, Apply: ap}
				add("cb", &spec.Config{Gamma: 2, CB: cb, Reduction: spec.None}, 5, cl, ct, "beta=%g,%v,%v", beta, norm, ap)
			}
		}
	}

	// reduction: sum, none and mean with each normaliser.
	rl, rt := binaryGrid(moderate)
	for _, r := range []spec.Reduction{spec.Sum, spec.None} {
		add("reduction", &spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: r}, 2, rl, rt, "%v", r)
	}
	for n := spec.Elements; n <= spec.PositivesGuarded; n++ {
		add("reduction", &spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.Mean, Normalizer: n}, 2, rl, rt, "mean,%v", n)
	}
	return cs
}

// binaryGrid pairs every logit with target 0 and with target 1.
func binaryGrid(xs []float64) (logits, targets []float64) {
	for _, y := range []float64{0, 1} {
		for _, x := range xs {
			logits = append(logits, x)
			targets = append(targets, y)
		}
	}
	return logits, targets
}

// softGrid pairs every logit with the soft targets 0.1, 0.5, 0.9 and the
// float32-exact 0.25.
func softGrid(xs []float64) (logits, targets []float64) {
	for _, y := range []float64{0.1, 0.5, 0.9, 0.25} {
		for _, x := range xs {
			logits = append(logits, x)
			targets = append(targets, y)
		}
	}
	return logits, targets
}
