package vectors

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/focalcheck/focalcheck/spec"
)

// Seed seeds the generator of every category's random draws (PCG, one
// stream per category), so that a run reproduces the committed files.
const Seed = 20260917

// Axes of convention that a case can carry alternatives for.
const (
	AxisSoft       = "soft"
	AxisScope      = "smoothing_scope"
	AxisAlpha      = "alpha"
	AxisNormalizer = "normalizer"
	AxisPosWeight  = "pos_weight"
)

// Planned is a case before the oracle has run: its request and the axes of
// convention its alternatives cover.
type Planned struct {
	ID, Category string
	Request      Request
	Axes         []string
}

// Categories lists the categories in file order; each is written to
// CATEGORY.jsonl.
var Categories = []string{"extreme", "gamma", "soft", "smoothing", "alpha", "weight", "cb", "reduction", "classes", "mixed", "batch"}

// Plan returns every case, in file order, deterministically.
func Plan() []Planned {
	var out []Planned
	for i, cat := range Categories {
		g := &planner{cat: cat, rng: rand.New(rand.NewPCG(Seed, uint64(i)))}
		builders[cat](g)
		out = append(out, g.out...)
	}
	return out
}

type planner struct {
	cat string
	rng *rand.Rand
	out []Planned
	n   map[string]int
}

// add plans cfg on the batch in both dtypes: the float32 case takes the
// float32 roundings of the logits and targets (dropping none: every value
// used is within float32 range).
func (g *planner) add(cfg spec.Config, classes int, logits, targets []float64, axes ...string) {
	for _, dt := range []string{Float64, Float32} {
		x, y := logits, targets
		if dt == Float32 {
			x, y = round32(logits), round32(targets)
		}
		g.addDtype(dt, cfg, classes, x, y, axes...)
	}
}

func (g *planner) addDtype(dt string, cfg spec.Config, classes int, logits, targets []float64, axes ...string) {
	if g.n == nil {
		g.n = map[string]int{}
	}
	short := map[string]string{Float64: "f64", Float32: "f32"}[dt]
	id := fmt.Sprintf("%s/%s/%03d", g.cat, short, g.n[dt])
	g.n[dt]++
	c := cfg
	out := Planned{ID: id, Category: g.cat, Request: NewRequest(dt, &c, classes, slices.Clone(logits), slices.Clone(targets)), Axes: axes}
	g.out = append(g.out, out)
}

func round32(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(float32(x))
	}
	return out
}

var gammas = []float64{0, 0.25, 0.5, 1, 2, 5}

// thresholds are the logits around the landmarks of BACKGROUND.md §3 and
// CONVENTIONS-AND-BUGS.md: σ rounding to 1 (16.6 f32, 36.7 f64), the γ < 1
// NaN of pow (16.7/17.3/17.4 f32, 37/38 f64), PyTorch's log1p overflow
// (87.5 f32, 706.89 f64), exp overflow (88.72, 709.78), exp underflow
// (103.97, 745.13) and kornia's ±104.
var thresholds = []float64{0, 1e-300, 1e-30, 1e-8, 0.5, 1, 4, 10, 16.6, 16.7, 17.3, 17.4, 20, 30,
	36.7, 37, 38, 50, 87.5, 88, 88.72, 89, 100, 103.97, 104, 200, 706.89, 709, 709.78, 710, 745.13, 746, 800, 1e4, 1e10, 1e30, 3e38}

var builders = map[string]func(g *planner){
	// extreme: binary targets at every threshold logit, both signs, each
	// logit once with y = 1 and once with y = 0, for every γ.
	"extreme": func(g *planner) {
		var x, y []float64
		for _, t := range thresholds {
			for _, s := range []float64{1, -1} {
				if t == 0 && s < 0 {
					continue
				}
				x = append(x, s*t, s*t)
				y = append(y, 1, 0)
			}
		}
		for _, gm := range gammas {
			g.add(spec.Config{Gamma: gm, Alpha: []float64{0.25}, Reduction: spec.None}, 2, x, y)
		}
		// The sums leave out ±3e38, whose float32 sum overflows.
		x, y = x[:len(x)-4], y[:len(y)-4]
		for _, gm := range []float64{0.5, 2} {
			g.add(spec.Config{Gamma: gm, Reduction: spec.Sum}, 2, x, y)
		}
	},
	// gamma: moderate and wide logits, binary targets, every γ and reduction.
	"gamma": func(g *planner) {
		for _, gm := range gammas {
			for _, red := range []spec.Reduction{spec.Mean, spec.Sum, spec.None} {
				x, y := g.logits(32, 4, 50), g.binary(32, 0.3)
				g.add(spec.Config{Gamma: gm, Alpha: []float64{0.25}, Reduction: red}, 4, x, y)
			}
		}
	},
	// soft: soft targets under every semantics; alternatives over the soft axis.
	"soft": func(g *planner) {
		for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
			for _, gm := range []float64{0, 0.5, 2, 5} {
				x := g.logits(18, 5, 20)
				x[0], x[1], x[2] = 40, -100, 0
				y := g.soft(18)
				y[3], y[4], y[5], y[6], y[7] = 0.5, 0.1, 0.9, 1e-6, 0.99
				g.add(spec.Config{Gamma: gm, Alpha: []float64{0.25}, Soft: s, Reduction: spec.None}, 3, x, y, AxisSoft)
			}
		}
	},
	// smoothing: binary targets with ε > 0 under both scopes and every semantics.
	"smoothing": func(g *planner) {
		for _, eps := range []float64{0.05, 0.1, 0.2} {
			for _, sc := range []spec.Scope{spec.SmoothingAll, spec.SmoothingCE} {
				for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
					x, y := g.logits(12, 5, 30), g.binary(12, 0.4)
					g.add(spec.Config{Gamma: 2, Alpha: []float64{0.25}, Soft: s, LabelSmoothing: eps, SmoothingScope: sc,
						Reduction: spec.None}, 3, x, y, AxisSoft, AxisScope)
				}
			}
		}
	},
	// alpha: off, the values 0 and 1 (never "off", Z11), scalar and per class.
	"alpha": func(g *planner) {
		for _, a := range [][]float64{nil, {0}, {0.25}, {0.5}, {0.75}, {1}, {0.1, 0.25, 0.5, 0.9}} {
			for _, gm := range []float64{0.5, 2} {
				x, y := g.logits(24, 4, 40), g.binary(24, 0.3)
				axes := []string{AxisAlpha}
				if a == nil {
					axes = nil
				}
				g.add(spec.Config{Gamma: gm, Alpha: a, Reduction: spec.Sum}, 4, x, y, axes...)
			}
		}
	},
	// weight: per-class weight and pos_weight (zeros included), binary and soft targets.
	"weight": func(g *planner) {
		w := []float64{1, 0.5, 2, 0, 10}
		pw := []float64{3, 1, 0, 0.25, 100}
		for _, c := range []struct {
			w, pw []float64
			soft  spec.Soft
		}{{w, nil, spec.Linear}, {nil, pw, spec.Linear}, {w, pw, spec.Linear}, {nil, pw, spec.Split}, {w, pw, spec.Geometric}, {nil, pw, spec.ExpCE}} {
			for _, gm := range []float64{0, 2} {
				x := g.logits(20, 4, 30)
				y := g.binary(20, 0.4)
				g.add(spec.Config{Gamma: gm, Alpha: []float64{0.25}, Soft: c.soft, Weight: c.w, PosWeight: c.pw,
					Reduction: spec.None}, 5, x, y, posAxis(c.w, c.pw)...)
				y = g.soft(20)
				g.add(spec.Config{Gamma: gm, Soft: c.soft, Weight: c.w, PosWeight: c.pw, Reduction: spec.Sum},
					5, x, y, posAxis(c.w, c.pw)...)
			}
		}
	},
	// cb: β up to 0.9999, counts from 1 to 1e9, both normalisations and applications.
	"cb": func(g *planner) {
		counts := [][]float64{{1, 10, 1000, 1e9}, {5, 5, 7, 2}, {1, 1, 1, 1}, {9e5, 7e5, 6e4, 3}}
		for _, beta := range []float64{0, 0.5, 0.9, 0.99, 0.999, 0.9999} {
			for i, n := range counts {
				for _, norm := range []spec.CBNormalize{spec.CBNone, spec.CBSum} {
					apply := spec.CBApply(i % 2)
					x := g.logits(16, 4, 30)
					y := g.binary(16, 0.3)
					if apply == spec.CBLabel {
						y = g.oneHot(4, 4)
					}
					nz := spec.PositivesGuarded
					if apply == spec.CBLabel {
						nz = spec.Positives // Σ labels, the CB paper's normaliser
					}
					g.add(spec.Config{Gamma: 2, CB: &spec.CB{Beta: beta, Counts: n, Normalize: norm, Apply: apply},
						Reduction: spec.Mean, Normalizer: nz}, 4, x, y)
				}
			}
		}
	},
	// reduction: every reduction and normaliser, alternatives over the normaliser.
	"reduction": func(g *planner) {
		for _, red := range []struct {
			r spec.Reduction
			n spec.Normalizer
		}{{spec.Mean, spec.Elements}, {spec.Mean, spec.Rows}, {spec.Mean, spec.Positives}, {spec.Mean, spec.PositivesGuarded}, {spec.Sum, 0}} {
			for k := range 3 {
				x := g.logits(15, 4, 30)
				y := g.binary(15, 0.25)
				if k == 1 {
					y = g.soft(15)
				}
				if k == 2 && red.n != spec.Positives {
					clear(y) // no positive: D = max(1, 0) for positives_guarded
				}
				if k == 2 && red.n == spec.Positives {
					clear(y)
					y[7] = 1 // a single positive
				}
				var axes []string
				if red.r == spec.Mean {
					axes = []string{AxisNormalizer}
				}
				g.add(spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: red.r, Normalizer: red.n}, 3, x, y, axes...)
			}
		}
	},
	// classes: C from 1 to 80.
	"classes": func(g *planner) {
		for _, c := range []int{1, 2, 3, 5, 10, 20, 40, 80} {
			n := max(1, 120/c)
			x, y := g.logits(n*c, 4, 20), g.binary(n*c, 1/float64(c+1))
			g.add(spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.Mean}, c, x, y)
		}
	},
	// mixed: random configs with every feature at once.
	"mixed": func(g *planner) {
		for range 24 {
			c := 1 + g.rng.IntN(6)
			n := 1 + g.rng.IntN(4)
			cfg := spec.Config{Gamma: gammas[g.rng.IntN(len(gammas))], Soft: spec.Soft(g.rng.IntN(4)),
				Reduction: spec.Reduction(g.rng.IntN(3)), Normalizer: spec.Normalizer(g.rng.IntN(4))}
			if g.rng.IntN(2) == 0 {
				cfg.Alpha = g.unit(c)
			}
			if g.rng.IntN(3) == 0 {
				cfg.LabelSmoothing, cfg.SmoothingScope = 0.1, spec.Scope(g.rng.IntN(2))
			}
			if g.rng.IntN(2) == 0 {
				cfg.Weight = g.scale(c)
			}
			if g.rng.IntN(2) == 0 {
				cfg.PosWeight = g.scale(c)
			}
			if g.rng.IntN(2) == 0 {
				cnt := make([]float64, c)
				for i := range cnt {
					cnt[i] = math.Round(math.Pow(10, 6*g.rng.Float64()))
				}
				cfg.CB = &spec.CB{Beta: []float64{0.9, 0.99, 0.999, 0.9999}[g.rng.IntN(4)], Counts: cnt, Normalize: spec.CBNormalize(g.rng.IntN(2))}
			}
			x, y := g.logits(n*c, 5, 40), g.soft(n*c)
			if cfg.Normalizer == spec.Positives {
				y[0] = 1
			}
			g.add(cfg, c, x, y)
		}
	},
	// batch: batches of a few thousand elements.
	"batch": func(g *planner) {
		for _, b := range []struct{ n, c int }{{50, 80}, {1000, 1}, {256, 10}} {
			x, y := g.logits(b.n*b.c, 4, 60), g.binary(b.n*b.c, 0.05)
			g.add(spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.Mean, Normalizer: spec.PositivesGuarded}, b.c, x, y)
		}
		x, y := g.logits(2000, 4, 30), g.soft(2000)
		g.add(spec.Config{Gamma: 0.5, Soft: spec.ExpCE, LabelSmoothing: 0.1, Reduction: spec.Sum}, 20, x, y)
	},
}

// posAxis gives the pos_weight axis to the cases with pos_weight and
// without weight, where its two scopes are told apart by pos_weight alone.
func posAxis(w, pw []float64) []string {
	if pw == nil || w != nil {
		return nil
	}
	return []string{AxisPosWeight}
}

// logits draws n logits: mostly normal with standard deviation sd, one in
// eight uniform in [-wide, wide], each rounded to 2^-20 so that the decimal
// form is short.
func (g *planner) logits(n int, sd, wide float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		v := g.rng.NormFloat64() * sd
		if g.rng.IntN(8) == 0 {
			v = (2*g.rng.Float64() - 1) * wide
		}
		x[i] = math.Round(v*(1<<20)) / (1 << 20)
	}
	return x
}

// binary draws n targets in {0,1}, 1 with probability p.
func (g *planner) binary(n int, p float64) []float64 {
	y := make([]float64, n)
	for i := range y {
		if g.rng.Float64() < p {
			y[i] = 1
		}
	}
	return y
}

// soft draws n targets: one in four 0 or 1, the others uniform in [0,1]
// rounded to three decimals.
func (g *planner) soft(n int) []float64 {
	y := make([]float64, n)
	for i := range y {
		switch g.rng.IntN(8) {
		case 0:
			y[i] = 0
		case 1:
			y[i] = 1
		default:
			y[i] = math.Round(g.rng.Float64()*1000) / 1000
		}
	}
	return y
}

// oneHot draws n one-hot rows of c classes.
func (g *planner) oneHot(n, c int) []float64 {
	y := make([]float64, n*c)
	for r := range n {
		y[r*c+g.rng.IntN(c)] = 1
	}
	return y
}

// unit draws n values in [0,1] rounded to two decimals.
func (g *planner) unit(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Round(g.rng.Float64()*100) / 100
	}
	return v
}

// scale draws n weights in [0, 4] rounded to two decimals.
func (g *planner) scale(n int) []float64 {
	v := g.unit(n)
	for i := range v {
		v[i] *= 4
	}
	return v
}
