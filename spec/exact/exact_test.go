package exact

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

var softs = map[string]spec.Soft{"linear": spec.Linear, "geometric": spec.Geometric, "split": spec.Split, "expce": spec.ExpCE}

func elem1(t *testing.T, ev Evaluator, cfg spec.Config, x, y float64) (float64, float64) {
	t.Helper()
	cfg.Reduction = spec.None
	var r spec.Result
	if err := ev.Evaluate(&cfg, spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}, &r); err != nil {
		t.Fatalf("Evaluate(%v, x=%g, y=%g): %v", cfg, x, y, err)
	}
	return r.Losses[0], r.Grad[0]
}

func round64(t *testing.T, s string) float64 {
	t.Helper()
	v, _, err := big.ParseFloat(s, 10, 400, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := v.Float64()
	return f
}

// TestMpmathTable compares with the independent mpmath tables; the results
// must be the float64 rounding of the 45-digit references, bit for bit.
func TestMpmathTable(t *testing.T) {
	for _, c := range mpmathElements {
		f, df := elem1(t, Evaluator{}, spec.Config{Gamma: c.gamma, Soft: softs[c.soft]}, c.x, c.y)
		wf, wdf := round64(t, c.f), round64(t, c.df)
		if math.Float64bits(f) != math.Float64bits(wf) && !(f == 0 && wf == 0) {
			t.Errorf("%s γ=%g x=%g y=%g: f = %v, mpmath %v", c.soft, c.gamma, c.x, c.y, f, wf)
		}
		if df != wdf {
			t.Errorf("%s γ=%g x=%g y=%g: f′ = %v, mpmath %v", c.soft, c.gamma, c.x, c.y, df, wdf)
		}
	}
	scopes := map[string]spec.Scope{"all": spec.SmoothingAll, "ce": spec.SmoothingCE}
	for _, c := range mpmathSmoothed {
		cfg := spec.Config{Gamma: c.gamma, Soft: softs[c.soft], LabelSmoothing: c.eps, SmoothingScope: scopes[c.scope]}
		f, df := elem1(t, Evaluator{}, cfg, c.x, c.y)
		wf, wdf := round64(t, c.f), round64(t, c.df)
		if math.Float64bits(f) != math.Float64bits(wf) && !(f == 0 && wf == 0) {
			t.Errorf("%s %s ε=%g γ=%g x=%v y=%g: f = %v, mpmath %v", c.soft, c.scope, c.eps, c.gamma, c.x, c.y, f, wf)
		}
		if df != wdf {
			t.Errorf("%s %s ε=%g γ=%g x=%v y=%g: f′ = %v, mpmath %v", c.soft, c.scope, c.eps, c.gamma, c.x, c.y, df, wdf)
		}
	}
	for _, c := range mpmathNearTie {
		cfg := spec.Config{Gamma: c.gamma, Soft: softs[c.soft], PosWeight: []float64{c.pw}, Weight: []float64{c.weight}}
		_, df := elem1(t, Evaluator{}, cfg, c.x, c.y)
		want, err := strconv.ParseFloat(c.df, 64)
		if err != nil {
			t.Fatal(err)
		}
		if df != want {
			t.Errorf("near-tie %s γ=%g pw=%g weight=%v x=%v: f′ = %x, mpmath %x", c.soft, c.gamma, c.pw, c.weight, c.x, df, want)
		}
	}
	for _, c := range mpmathCB {
		w, err := Evaluator{}.CBWeights(&spec.CB{Beta: c.beta, Counts: []float64{c.n}})
		if err != nil {
			t.Fatal(err)
		}
		if want := round64(t, c.w); w[0] != want {
			t.Errorf("CB β=%v n=%g: %v, mpmath %v", c.beta, c.n, w[0], want)
		}
	}
}

// bigElem evaluates Element with the plain parameters of cfg for target y.
func bigElem(x, y, gamma float64, soft spec.Soft, prec uint) (f, df *big.Float) {
	one := fl(prec, 1)
	yb := fl(prec, y)
	f, df, _ = Element(x, Params{YM: yb, YS: yb, APos: one, ANeg: one, PW: one, Gamma: gamma, Soft: soft}, prec)
	return f, df
}

func relDiff(a, b *big.Float) float64 {
	if a.Sign() == 0 && b.Sign() == 0 {
		return 0
	}
	d := newF(a.Prec()).Sub(a, b)
	m := newF(a.Prec()).Abs(a)
	if m.Sign() == 0 {
		m.Abs(b)
	}
	r, _ := d.Quo(d.Abs(d), m).Float64()
	return r
}

// TestIdentities checks relations that hold exactly, at 320 bits.
func TestIdentities(t *testing.T) {
	const prec = 320
	tol := math.Ldexp(1, -280) // 40 bits of slack below the working precision
	for _, x := range []float64{-700, -37, -1, -1e-10, 0, 1e-300, 0.5, 3, 50, 900} {
		// Binary targets: the four semantics are one function.
		for _, y := range []float64{0, 1} {
			for _, g := range []float64{0, 0.5, 2, 5} {
				fl0, dl0 := bigElem(x, y, g, spec.Linear, prec)
				for _, s := range []spec.Soft{spec.Geometric, spec.Split, spec.ExpCE} {
					f, df := bigElem(x, y, g, s, prec)
					if relDiff(f, fl0) > tol || relDiff(df, dl0) > tol {
						t.Errorf("x=%g y=%g γ=%g: %v differs from linear", x, y, g, s)
					}
				}
			}
		}
		// γ = 0 gives α_t·CE with CE = y·sp(−x) + (1−y)·sp(x).
		y := 0.3
		oy := newF(prec).Sub(fl(prec, 1), fl(prec, y))
		f, _ := bigElem(x, y, 0, spec.Linear, prec)
		fs, _ := bigElem(x, 1, 0, spec.Linear, prec) // sp(−x)
		fp, _ := bigElem(x, 0, 0, spec.Linear, prec) // sp(x)
		ce := newF(prec).Add(newF(prec).Mul(fl(prec, y), fs), newF(prec).Mul(oy, fp))
		if relDiff(f, ce) > tol {
			t.Errorf("x=%g: γ=0 loss is not CE", x)
		}
		// sp(x) − sp(−x) = x.
		// Compared in absolute terms: sp(±x) carry prec bits relative to
		// their own size, at least log 2 near 0.
		d := newF(prec).Sub(fp, fs)
		if e, _ := newF(prec).Sub(d, fl(prec, x)).Float64(); math.Abs(e) > tol*math.Max(1, math.Abs(x)) {
			t.Errorf("x=%g: sp(x) − sp(−x) = %v", x, d)
		}
		// split is the sum of its y=1 and y=0 parts weighted by y, 1−y.
		f, df := bigElem(x, y, 2, spec.Split, prec)
		f1, d1 := bigElem(x, 1, 2, spec.Split, prec)
		f0, d0 := bigElem(x, 0, 2, spec.Split, prec)
		wf := newF(prec).Add(newF(prec).Mul(fl(prec, y), f1), newF(prec).Mul(oy, f0))
		wd := newF(prec).Add(newF(prec).Mul(fl(prec, y), d1), newF(prec).Mul(oy, d0))
		if relDiff(f, wf) > tol || relDiff(df, wd) > tol {
			t.Errorf("x=%g: split is not the sum of its components", x)
		}
	}
}

// TestPrecisions checks that 256 and 512 bits give the same float64 results
// on seeded random inputs including extremes.
func TestPrecisions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ext := []float64{math.MaxFloat64, -math.MaxFloat64, 1e300, -745, 745, 36.7, -36.7, 5e-324, 0, expCutoff, -expCutoff, math.Nextafter(expCutoff, 0)}
	n := 60
	if testing.Short() {
		n = 20
	}
	for i := range n {
		x := ext[i%len(ext)]
		if i >= len(ext) {
			x = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(4)))
		}
		y := []float64{0, 1, rng.Float64()}[i%3]
		cfg := spec.Config{Gamma: []float64{0, 0.5, 2, 7.3}[rng.IntN(4)], Soft: spec.Soft(rng.IntN(4)),
			Alpha: []float64{rng.Float64()}, LabelSmoothing: []float64{0, 0.1}[rng.IntN(2)], SmoothingScope: spec.Scope(rng.IntN(2))}
		f1, d1 := elem1(t, Evaluator{Prec: 256}, cfg, x, y)
		f2, d2 := elem1(t, Evaluator{Prec: 512}, cfg, x, y)
		if f1 != f2 || d1 != d2 {
			t.Errorf("x=%g y=%g %+v: 256 bits (%v, %v), 512 bits (%v, %v)", x, y, cfg, f1, d1, f2, d2)
		}
	}
}

// TestFloat32 checks Evaluate32 against the float32 rounding of the exact
// value computed on the float32 inputs and Round32 parameters.
func TestFloat32(t *testing.T) {
	cfg := spec.Config{Gamma: 2.1, Alpha: []float64{0.3, 0.7}, LabelSmoothing: 0.1, Weight: []float64{1.1, 0.9},
		PosWeight: []float64{3.3, 0.2}, CB: &spec.CB{Beta: 0.999, Counts: []float64{3, 5000}, Normalize: spec.CBSum}, Reduction: spec.Mean}
	b := spec.Batch32{Classes: 2, Logits: []float32{0.3, -2.7, 17, -90}, Targets: []float32{1, 0.2, 0, 1}}
	var r spec.Result32
	if err := (Evaluator{}).Evaluate32(&cfg, b, &r); err != nil {
		t.Fatal(err)
	}
	prec := Evaluator{}.prec()
	var cbw []*big.Float
	for _, w := range CBWeightsBig(cfg.CB, prec) {
		w32, _ := w.Float32()
		cbw = append(cbw, fl(prec, float64(w32)))
	}
	xs := []float64{0.3, float64(float32(-2.7)), 17, -90}
	ys := []float64{1, float64(float32(0.2)), 0, 1}
	o := run(cfg.Round32(), 2, xs, ys, cbw, nil, prec)
	loss, ls, gs := o.loss, o.ls, o.gs
	if w, _ := loss.Float32(); r.Loss != w {
		t.Errorf("loss %v, want %v", r.Loss, w)
	}
	for i := range ls {
		wl, _ := ls[i].Float32()
		wg, _ := gs[i].Float32()
		if r.Losses[i] != wl || r.Grad[i] != wg {
			t.Errorf("element %d: (%v, %v), want (%v, %v)", i, r.Losses[i], r.Grad[i], wl, wg)
		}
	}
}

// TestValidation checks that invalid input returns an *spec.InputError.
func TestValidation(t *testing.T) {
	cases := []struct {
		name string
		cfg  spec.Config
		b    spec.Batch
	}{
		{"NaN logit", spec.Config{}, spec.Batch{Classes: 1, Logits: []float64{math.NaN()}, Targets: []float64{1}}},
		{"target above 1", spec.Config{}, spec.Batch{Classes: 1, Logits: []float64{0}, Targets: []float64{2}}},
		{"negative γ", spec.Config{Gamma: -1}, spec.Batch{Classes: 1, Logits: []float64{0}, Targets: []float64{1}}},
		{"β = 1", spec.Config{CB: &spec.CB{Beta: 1, Counts: []float64{1}}}, spec.Batch{Classes: 1, Logits: []float64{0}, Targets: []float64{1}}},
		{"no positive with positives", spec.Config{Normalizer: spec.Positives}, spec.Batch{Classes: 1, Logits: []float64{0}, Targets: []float64{0}}},
	}
	for _, c := range cases {
		var r spec.Result
		var ie *spec.InputError
		if err := (Evaluator{}).Evaluate(&c.cfg, c.b, &r); !errors.As(err, &ie) {
			t.Errorf("%s: Evaluate error %v, want *spec.InputError", c.name, err)
		}
		b32 := spec.Batch32{Classes: c.b.Classes}
		for i := range c.b.Logits {
			b32.Logits = append(b32.Logits, float32(c.b.Logits[i]))
			b32.Targets = append(b32.Targets, float32(c.b.Targets[i]))
		}
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate32(&c.cfg, b32, &r32); !errors.As(err, &ie) {
			t.Errorf("%s: Evaluate32 error %v, want *spec.InputError", c.name, err)
		}
	}
	if _, err := (Evaluator{}).CBWeights(&spec.CB{Beta: -0.5, Counts: []float64{1}}); err == nil {
		t.Errorf("CBWeights(β=-0.5): no error")
	}
}

func benchBatch(xs []float64) spec.Batch {
	b := spec.Batch{Classes: 4}
	for i := range 64 {
		b.Logits = append(b.Logits, xs[i%len(xs)])
		b.Targets = append(b.Targets, []float64{0, 1, 0.3, 0}[i%4])
	}
	return b
}

func benchEval(bm *testing.B, xs []float64, soft spec.Soft) {
	b := benchBatch(xs)
	cfg := spec.Config{Gamma: 2, Soft: soft, Alpha: []float64{0.25}}
	var r spec.Result
	for bm.Loop() {
		if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			bm.Fatal(err)
		}
	}
	bm.ReportMetric(float64(bm.N*len(b.Logits))/bm.Elapsed().Seconds(), "elements/s")
}

func BenchmarkTypical(bm *testing.B) { benchEval(bm, []float64{-3, -0.5, 0.2, 1.7, 4}, spec.Linear) }
func BenchmarkTypicalExpCE(bm *testing.B) {
	benchEval(bm, []float64{-3, -0.5, 0.2, 1.7, 4}, spec.ExpCE)
}
func BenchmarkExtreme(bm *testing.B) {
	benchEval(bm, []float64{-1e300, 800, -1e5, math.MaxFloat64, 40}, spec.Linear)
}

// TestExpCEHugeGamma checks the expce modulator when u = 1 − e^{−CE₀} is
// closer to 1 than the working precision: with γ = 1e300 and x = −300,
// y = 1, u^γ = exp(γ·log1p(−e^{−sp(300)})) ≈ exp(−1e300·e^{−300}) = 0, while
// an evaluation that rounds u to 1 would give the bare CE = 300.
func TestExpCEHugeGamma(t *testing.T) {
	for _, c := range []struct {
		soft spec.Soft
		why  string
	}{
		{spec.ExpCE, "u rounds to 1 at 320 bits"},
		{spec.Linear, "reference: q = t, t^γ = exp(−γ·sp(x))"},
	} {
		f, df := elem1(t, Evaluator{}, spec.Config{Gamma: 1e300, Soft: c.soft}, -300, 0.999)
		if f != 0 || df != 0 {
			t.Errorf("%v (%s): (%v, %v), want (0, 0)", c.soft, c.why, f, df)
		}
	}
	// A modulator that is not 0: γ = 1e120 and e^{−300} ≈ 5.1e−131 give
	// u^γ ≈ exp(−5.1e−11), a relative change that rounding u to 1 would
	// lose. For y = 1 the semantics agree (u = q = t), and linear takes
	// t^γ = exp(−γ·sp(x)) without forming t, so it is the reference.
	fe, de := elem1(t, Evaluator{}, spec.Config{Gamma: 1e120, Soft: spec.ExpCE}, -300, 1)
	fl0, dl0 := elem1(t, Evaluator{}, spec.Config{Gamma: 1e120, Soft: spec.Linear}, -300, 1)
	if fe != fl0 || de != dl0 {
		t.Errorf("γ=1e120 x=−300 y=1: expce (%v, %v), linear (%v, %v)", fe, de, fl0, dl0)
	}
}

// TestReductions checks the reductions, normalisers and CB application
// against the element results: mean = sum/D and grad_mean = grad_sum/D for
// each D, CB label weights taken from the row's positive, CBSum weights
// summing to C.
func TestReductions(t *testing.T) {
	b := spec.Batch{Classes: 3, Logits: []float64{0.5, -1, 2, 3, 0.1, -4}, Targets: []float64{0, 1, 0, 1, 0, 0}}
	cb := &spec.CB{Beta: 0.99, Counts: []float64{7, 100, 2}, Normalize: spec.CBSum, Apply: spec.CBLabel}
	base := spec.Config{Gamma: 2, Alpha: []float64{0.25}, Weight: []float64{1, 2, 0.5}, PosWeight: []float64{3, 1, 1}, CB: cb}
	var none, sum spec.Result
	cfg := base
	cfg.Reduction = spec.None
	if err := (Evaluator{}).Evaluate(&cfg, b, &none); err != nil {
		t.Fatal(err)
	}
	cfg.Reduction = spec.Sum
	if err := (Evaluator{}).Evaluate(&cfg, b, &sum); err != nil {
		t.Fatal(err)
	}
	// CB label: row 0 has label 1, row 1 label 0, so element (0,0) and
	// (1,0) differ in weight by w_1/w_0 relative to the no-CB loss.
	w, _ := Evaluator{}.CBWeights(cb)
	if s := w[0] + w[1] + w[2]; math.Abs(s-3) > 1e-15 {
		t.Errorf("CBSum weights sum to %v, want 3", s)
	}
	var plain spec.Result
	cfg = base
	cfg.CB, cfg.Reduction = nil, spec.None
	if err := (Evaluator{}).Evaluate(&cfg, b, &plain); err != nil {
		t.Fatal(err)
	}
	for i := range b.Logits {
		k := 1
		if i >= 3 {
			k = 0
		}
		if got, want := none.Losses[i], plain.Losses[i]*w[k]; math.Abs(got-want) > 4e-16*want {
			t.Errorf("element %d: CB label loss %v, want %v", i, got, want)
		}
		if none.Grad[i] != sum.Grad[i] {
			t.Errorf("element %d: sum gradient %v differs from element derivative %v", i, sum.Grad[i], none.Grad[i])
		}
	}
	for _, c := range []struct {
		norm spec.Normalizer
		d    float64
		why  string
	}{
		{spec.Elements, 6, "N·C"},
		{spec.Rows, 2, "N"},
		{spec.Positives, 2, "Σy"},
		{spec.PositivesGuarded, 2, "max(1, Σy)"},
	} {
		cfg := base
		cfg.Normalizer = c.norm
		var mean spec.Result
		if err := (Evaluator{}).Evaluate(&cfg, b, &mean); err != nil {
			t.Fatal(err)
		}
		// D is a power of two or 6; compare within one rounding.
		if want := sum.Loss / c.d; math.Abs(mean.Loss-want) > 2.3e-16*want {
			t.Errorf("%v (%s): mean %v, want %v", c.norm, c.why, mean.Loss, want)
		}
		for i := range mean.Grad {
			if want := sum.Grad[i] / c.d; math.Abs(mean.Grad[i]-want) > 2.3e-16*math.Abs(want) {
				t.Errorf("%v element %d: grad %v, want %v", c.norm, i, mean.Grad[i], want)
			}
		}
	}
	// positives_guarded with no positive divides by 1.
	cfg = spec.Config{Gamma: 2, Normalizer: spec.PositivesGuarded}
	zb := spec.Batch{Classes: 1, Logits: []float64{0.7}, Targets: []float64{0}}
	var g, s spec.Result
	if err := (Evaluator{}).Evaluate(&cfg, zb, &g); err != nil {
		t.Fatal(err)
	}
	cfg.Reduction = spec.Sum
	if err := (Evaluator{}).Evaluate(&cfg, zb, &s); err != nil {
		t.Fatal(err)
	}
	if g.Loss != s.Loss {
		t.Errorf("positives_guarded with Σy = 0: %v, want the sum %v", g.Loss, s.Loss)
	}
}
