package plot

import (
	"fmt"
	"math"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/spec"
)

// Gammas are the focusing parameters of the figures "loss" and "gradient".
var Gammas = []float64{0, 0.5, 1, 2, 5}

// Betas are the CB parameters of the figure "cbweights".
var Betas = []float64{0, 0.9, 0.99, 0.999, 0.9999}

// evaluator returns the registered evaluator name.
func evaluator(name string) (spec.Evaluator, error) {
	e, ok := impls.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("evaluator %q is not registered", name)
	}
	return e.Eval, nil
}

// elements evaluates cfg with the None reduction on the one-column batch of
// logits xs and targets ys and returns the element losses and derivatives.
func elements(ev spec.Evaluator, cfg spec.Config, xs, ys []float64) (loss, grad []float64, err error) {
	cfg.Reduction = spec.None
	var r spec.Result
	if err := ev.Evaluate(&cfg, spec.Batch{Classes: 1, Logits: xs, Targets: ys}, &r); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ev.Name(), err)
	}
	return r.Losses, r.Grad, nil
}

// elements32 is elements through Evaluate32; the values are returned
// converted (exactly) to float64.
func elements32(ev spec.Evaluator, cfg spec.Config, xs, ys []float32) (loss, grad []float64, err error) {
	cfg.Reduction = spec.None
	var r spec.Result32
	if err := ev.Evaluate32(&cfg, spec.Batch32{Classes: 1, Logits: xs, Targets: ys}, &r); err != nil {
		return nil, nil, fmt.Errorf("%s float32: %w", ev.Name(), err)
	}
	return widen(r.Losses), widen(r.Grad), nil
}

func widen(s []float32) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// linspace returns n evenly spaced values from a to b inclusive, each
// computed as a + i·(b-a)/(n-1) so that the grid is reproducible.
func linspace(a, b float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = a + float64(i)*(b-a)/float64(n-1)
	}
	out[n-1] = b
	return out
}

func gammaLabel(g float64) string {
	if g == 0 {
		return "γ = 0 (CE)"
	}
	return fmt.Sprintf("γ = %g", g)
}

// Loss is the figure "loss": the element loss of a positive (y = 1)
//
//	FL(p_t) = -(1-p_t)^γ · log(p_t),   p_t = σ(x)
//
// for p_t from 0.01 to 0.995, computed by the stable implementation at the
// logit x = log(p_t) - log1p(-p_t).
func Loss() (*Figure, error) {
	ev, err := evaluator("stable")
	if err != nil {
		return nil, err
	}
	var ps, xs []float64
	for i := 2; i <= 199; i++ {
		p := float64(i) / 200
		ps = append(ps, p)
		xs = append(xs, math.Log(p)-math.Log1p(-p))
	}
	pan := Panel{XLabel: "p_t, probability of the true class", YLabel: "loss (nats)", YMin: 0, YMax: 5}
	for _, g := range Gammas {
		l, _, err := elements(ev, spec.Config{Gamma: g}, xs, fill(len(xs), 1))
		if err != nil {
			return nil, err
		}
		pan.Series = append(pan.Series, Series{Label: gammaLabel(g), X: ps, Y: l})
	}
	return &Figure{Name: "loss", Title: "Focal loss of a positive, FL = -(1-p_t)^γ log p_t", Panels: []Panel{pan}}, nil
}

// Gradient is the figure "gradient": dFL/dx_t of a positive (y = 1) for
// x_t from -10 to 10, by the stable implementation. For x_t → +∞ it decays
// as -(γ+1)e^{-(γ+1)x_t} instead of CE's -e^{-x_t}.
func Gradient() (*Figure, error) {
	ev, err := evaluator("stable")
	if err != nil {
		return nil, err
	}
	xs := linspace(-10, 10, 201)
	pan := Panel{XLabel: "x_t, logit of the true class (nats)", YLabel: "dFL/dx_t (nats per unit logit)", YMin: -1.4, YMax: 0.1, LegendBottom: true}
	for _, g := range Gammas {
		_, d, err := elements(ev, spec.Config{Gamma: g}, xs, fill(len(xs), 1))
		if err != nil {
			return nil, err
		}
		pan.Series = append(pan.Series, Series{Label: gammaLabel(g), X: xs, Y: d})
	}
	return &Figure{Name: "gradient", Title: "Gradient of the focal loss: easy examples (large x_t) stop contributing", Panels: []Panel{pan}}, nil
}

// CBCounts returns the class counts of the figure "cbweights": 61 classes
// with n = round(10^(k/10)), k = 0..60, from 1 to 1e6, a long-tailed set
// evenly spaced in log n. The normalised panel normalises over this set.
func CBCounts() []float64 {
	out := make([]float64, 61)
	for k := range out {
		out[k] = math.Round(math.Pow(10, float64(k)/10))
	}
	return out
}

// CBWeights is the figure "cbweights": the class-balanced weight
//
//	w(n) = (1-β)/(1-β^n)
//
// against n, raw, and normalised to sum to C over the 61 classes of
// CBCounts (w_c·C/Σw), both as the stable implementation's CBWeights
// computes them.
func CBWeights() (*Figure, error) {
	ev, err := evaluator("stable")
	if err != nil {
		return nil, err
	}
	ns := CBCounts()
	raw := Panel{Label: "raw w = (1-β)/(1-β^n)", XLabel: "n, samples in the class", YLabel: "weight (dimensionless)", LogX: true, LogY: true, YMin: 5e-5, YMax: 3000}
	norm := Panel{Label: "normalised over 61 classes, n = 1..1e6 log-spaced", XLabel: "n, samples in the class", YLabel: "weight · C / Σ weights", LogX: true, LogY: true, YMin: 5e-4, YMax: 3000, NoLegend: true}
	for _, b := range Betas {
		for _, p := range []*Panel{&raw, &norm} {
			cb := spec.CB{Beta: b, Counts: ns}
			if p == &norm {
				cb.Normalize = spec.CBSum
			}
			w, err := ev.CBWeights(&cb)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ev.Name(), err)
			}
			p.Series = append(p.Series, Series{Label: fmt.Sprintf("β = %g", b), X: ns, Y: w})
		}
	}
	return &Figure{Name: "cbweights", Title: "Class-balanced weights against the class size", Panels: []Panel{raw, norm}}, nil
}

// Soft is the figure "soft": the element loss (γ = 2, no α) against x for
// the soft targets y = 0.5 and y = 0.9 under the four semantics, by the
// stable implementation.
func Soft() (*Figure, error) {
	ev, err := evaluator("stable")
	if err != nil {
		return nil, err
	}
	xs := linspace(-6, 6, 241)
	fig := &Figure{Name: "soft", Title: "Soft targets: the four semantics of the modulator (γ = 2)"}
	for _, y := range []float64{0.5, 0.9} {
		pan := Panel{Label: fmt.Sprintf("y = %g", y), XLabel: "x, logit (nats)", YLabel: "loss (nats)", YMin: 0, YMax: 6 * y, NoLegend: y == 0.5}
		for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
			l, _, err := elements(ev, spec.Config{Gamma: 2, Soft: s}, xs, fill(len(xs), y))
			if err != nil {
				return nil, err
			}
			pan.Series = append(pan.Series, Series{Label: s.String(), X: xs, Y: l})
		}
		fig.Panels = append(fig.Panels, pan)
	}
	return fig, nil
}

// OverflowGamma is the γ of the figure "overflow".
const OverflowGamma = 2

// Overflow is the figure "overflow": the modulator of a positive (y = 1,
// γ = 2) near the overflow of exp(-x), in float32 (x from -92 to -85) and
// float64 (x from -714 to -705). The seed's form is SeedModulator32 and
// SeedModulator64; the stable form is the ratio FL_γ/FL_0 of the stable
// implementation's element losses (the modulator σ(-x)^γ, here 1 to the
// last bit).
func Overflow() (*Figure, error) {
	ev, err := evaluator("stable")
	if err != nil {
		return nil, err
	}
	fig := &Figure{Name: "overflow", Title: "The seed module's modulator exp(-γyx - γ log1p(exp(-x))) overflows (y = 1, γ = 2)"}

	x32 := linspace(-92, -85, 141)
	xs32 := make([]float32, len(x32))
	for i, x := range x32 {
		xs32[i] = float32(x)
		x32[i] = float64(xs32[i])
	}
	ones32 := make([]float32, len(xs32))
	for i := range ones32 {
		ones32[i] = 1
	}
	fl, _, err := elements32(ev, spec.Config{Gamma: OverflowGamma}, xs32, ones32)
	if err != nil {
		return nil, err
	}
	ce, _, err := elements32(ev, spec.Config{Gamma: 0}, xs32, ones32)
	if err != nil {
		return nil, err
	}
	seed32, stable32 := make([]float64, len(xs32)), make([]float64, len(xs32))
	for i, x := range xs32 {
		seed32[i] = float64(SeedModulator32(x, 1, OverflowGamma))
		stable32[i] = float64(float32(fl[i]) / float32(ce[i]))
	}
	fig.Panels = append(fig.Panels, Panel{
		Label: "float32 (exp overflows at x < -88.72)", XLabel: "x, logit (nats)", YLabel: "modulator (1-p_t)^γ", YMin: -0.05, YMax: 1.25, LegendBottom: true,
		Series: []Series{
			{Label: "seed, float32", X: x32, Y: seed32},
			{Label: "stable FL/CE, float32", X: x32, Y: stable32},
		},
	})

	x64 := linspace(-714, -705, 181)
	fl64, _, err := elements(ev, spec.Config{Gamma: OverflowGamma}, x64, fill(len(x64), 1))
	if err != nil {
		return nil, err
	}
	ce64, _, err := elements(ev, spec.Config{Gamma: 0}, x64, fill(len(x64), 1))
	if err != nil {
		return nil, err
	}
	seed64, stable64 := make([]float64, len(x64)), make([]float64, len(x64))
	for i, x := range x64 {
		seed64[i] = SeedModulator64(x, 1, OverflowGamma)
		stable64[i] = fl64[i] / ce64[i]
	}
	fig.Panels = append(fig.Panels, Panel{
		Label: "float64 (exp overflows at x < -709.78)", XLabel: "x, logit (nats)", YLabel: "modulator (1-p_t)^γ", YMin: -0.05, YMax: 1.25, LegendBottom: true,
		Series: []Series{
			{Label: "seed, float64", X: x64, Y: seed64},
			{Label: "stable FL/CE, float64", X: x64, Y: stable64},
		},
	})
	return fig, nil
}
