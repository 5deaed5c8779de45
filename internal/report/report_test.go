package report

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/internal/report/reporttest"
	"github.com/focalcheck/focalcheck/spec"
)

// smallCases is a case set the stand-in reference supports: binary targets
// over a range of logits in two reductions, and soft targets.
func smallCases(dtype string) []Case {
	xs := []float64{-50, -12, -3, -0.5, 0, 0.5, 3, 12, 50}
	var lg, tg []float64
	for _, y := range []float64{0, 1} {
		for _, x := range xs {
			lg, tg = append(lg, x), append(tg, y)
		}
	}
	var sl, st []float64
	for _, x := range xs {
		sl, st = append(sl, x), append(st, 0.3)
	}
	return []Case{
		{ID: "bin/none", Category: "binary", Cfg: &spec.Config{Gamma: 2, Reduction: spec.None}, Batch: spec.Batch{Classes: 1, Logits: lg, Targets: tg}},
		{ID: "bin/mean", Category: "binary", Cfg: &spec.Config{Gamma: 0.5, Alpha: []float64{0.25}}, Batch: spec.Batch{Classes: 2, Logits: lg, Targets: tg}},
		{ID: "soft/sum", Category: "soft", Cfg: &spec.Config{Gamma: 2, Reduction: spec.Sum}, Batch: spec.Batch{Classes: 1, Logits: sl, Targets: st}},
	}
}

func entry(e spec.Evaluator, c spec.Contract) []impls.Entry {
	return []impls.Entry{{Name: e.Name(), Eval: e, Contract: &c}}
}

func TestRunVerdicts(t *testing.T) {
	ref := reporttest.Reference{}
	big := func(x float64) bool { return math.Abs(x) > 20 }
	inf := math.Inf(1)
	for _, tc := range []struct {
		name     string
		eval     spec.Evaluator
		contract spec.Contract
		ok       bool
		gradUlp  float64 // the largest gradient ulp error expected in the binary rows
		why      string
	}{
		{"identical", ref, spec.Contract{Domain: inf, Domain32: inf}, true, 0,
			"the oracle against itself has no error even under a 0-ulp, 0-SoftRel contract"},
		{"1ulp-allowed", reporttest.Perturb{Evaluator: ref, Ulps: 1}, spec.Contract{Grad: 1, Grad32: 1, Domain: inf, Domain32: inf, SoftRel: 1e-15, SoftRel32: 1e-6}, true, 1,
			"a gradient 1 ulp off meets a 1-ulp gradient promise"},
		{"1ulp-forbidden", reporttest.Perturb{Evaluator: ref, Ulps: 1}, spec.Contract{Domain: inf, Domain32: inf, SoftRel: 1e-15, SoftRel32: 1e-6}, false, 1,
			"a gradient 1 ulp off breaks a 0-ulp promise"},
		{"outside-domain", reporttest.Perturb{Evaluator: ref, Ulps: 1000, When: big}, spec.Contract{Domain: 20, Domain32: 20, SoftRel: 1, SoftRel32: 1}, true, 0,
			"errors at |x| > Domain are not held to the ulp promise"},
		{"inside-domain", reporttest.Perturb{Evaluator: ref, Ulps: 1000, When: big}, spec.Contract{Grad: 999, Grad32: 999, Domain: 60, Domain32: 60, SoftRel: 1, SoftRel32: 1}, false, 1000,
			"the same errors inside a wider Domain break a 999-ulp promise"},
		{"nan-outside-domain", reporttest.NaNAt{Evaluator: ref, When: big}, spec.Contract{Domain: 20, Domain32: 20, SoftRel: 1, SoftRel32: 1}, false, 0,
			"a NaN is a breach even where the ulp promise does not apply"},
	} {
		for _, dt := range []string{"float64", "float32"} {
			rows, err := Run(ref, entry(tc.eval, tc.contract), smallCases, Options{Dtypes: []string{dt}})
			if err != nil {
				t.Fatalf("%s %s: %v", tc.name, dt, err)
			}
			if len(rows) != 2 {
				t.Fatalf("%s %s: %d rows, want 2 (binary, soft)", tc.name, dt, len(rows))
			}
			if ok := len(Broken(rows)) == 0; ok != tc.ok {
				var buf bytes.Buffer
				Write(&buf, rows, true)
				t.Errorf("%s %s: ok = %v, want %v (%s)\n%s", tc.name, dt, ok, tc.ok, tc.why, buf.String())
			}
			if g := rows[0].Errors.GradUlp; g != tc.gradUlp {
				t.Errorf("%s %s: binary grad ulp = %v, want %v", tc.name, dt, g, tc.gradUlp)
			}
		}
	}
}

func TestCompareSoftBound(t *testing.T) {
	// One soft element x = 1, y = 0.5, γ = 2, sum reduction: S = W·(1+pw)·(1+γ)·(1+|x|)
	// = 1·2·3·2 = 12 (spec/contract.go), so with SoftRel = 1e-3 the bound on
	// |got - exact| is 1e-3·(|exact| + 12).
	cfg := &spec.Config{Gamma: 2, Reduction: spec.None}
	b := spec.Batch{Classes: 1, Logits: []float64{1}, Targets: []float64{0.5}}
	c := spec.Contract{SoftRel: 1e-3, Domain: math.Inf(1)}
	want := spec.Result{Losses: []float64{1}, Grad: []float64{-0.5}}
	for _, tc := range []struct {
		loss, grad float64
		ok         bool
		why        string
	}{
		{1.0125, -0.5, true, "loss off by 0.0125 < 1e-3·13 = 0.013"},
		{1.0135, -0.5, false, "loss off by 0.0135 > 0.013"},
		{1, -0.5 + 0.0120, true, "grad off by 0.012 < 1e-3·12.5 = 0.0125"},
		{1, -0.5 - 0.0130, false, "grad off by 0.013 > 0.0125"},
	} {
		got := spec.Result{Losses: []float64{tc.loss}, Grad: []float64{tc.grad}}
		if e := Compare(c, false, cfg, nil, b, got, want); e.OK() != tc.ok {
			t.Errorf("loss %v grad %v: OK = %v, want %v (%s); ratio %v", tc.loss, tc.grad, e.OK(), tc.ok, tc.why, e.SoftRatio)
		}
	}
}

// TestCompareNoUlpPromise: under a contract without ulp bounds (+Inf, as
// naive's) a binary element is held to the SoftRel form, and an element
// beyond Domain is not compared, whatever its target.
func TestCompareNoUlpPromise(t *testing.T) {
	// x = 1, y = 1, γ = 2, sum: S = 1·2·3·2 = 12, so the bound on the loss is
	// 1e-3·(1 + 12) = 0.013 (spec/contract.go).
	inf := math.Inf(1)
	c := spec.Contract{Loss: inf, Grad: inf, Reduced: inf, Domain: 4, SoftRel: 1e-3}
	cfg := &spec.Config{Gamma: 2, Reduction: spec.Sum}
	for _, tc := range []struct {
		x, y, loss float64
		ok         bool
		why        string
	}{
		{1, 1, 1.0125, true, "binary, off by 0.0125 < 0.013"},
		{1, 1, 1.0135, false, "binary, off by 0.0135 > 0.013: an infinite ulp bound is no free pass"},
		{5, 0.5, 2, true, "soft, beyond Domain 4: not compared"},
	} {
		b := spec.Batch{Classes: 1, Logits: []float64{tc.x}, Targets: []float64{tc.y}}
		want := spec.Result{Loss: 1, Losses: []float64{1}, Grad: []float64{-0.5}}
		got := spec.Result{Loss: tc.loss, Losses: []float64{tc.loss}, Grad: []float64{-0.5}}
		if e := Compare(c, false, cfg, nil, b, got, want); e.OK() != tc.ok {
			t.Errorf("x %v y %v loss %v: OK = %v, want %v (%s)", tc.x, tc.y, tc.loss, e.OK(), tc.ok, tc.why)
		}
	}
}

func TestWriteTable(t *testing.T) {
	ref := reporttest.Reference{}
	rows, err := Run(ref, entry(reporttest.Perturb{Evaluator: ref, Ulps: 3}, spec.Contract{Grad: 2, Domain: math.Inf(1), SoftRel: 1}), smallCases, Options{Dtypes: []string{"float64"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, rows, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Logf("\n%s", out)
	for _, want := range []string{"BROKEN", "perturbed", "float64", "binary", "perturbed float64 binary: bin/"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestCasesValid(t *testing.T) {
	// Every built-in case must be valid input, in both dtypes, or the report
	// would stop at the oracle.
	n := 0
	for _, dt := range []string{"float64", "float32"} {
		for _, c := range Cases(dt) {
			var err error
			if dt == "float32" {
				b := c.Batch
				err = spec.Validate32(c.Cfg, spec.Batch32{Classes: b.Classes, Logits: to32(b.Logits), Targets: to32(b.Targets)})
			} else {
				err = spec.Validate(c.Cfg, c.Batch)
			}
			if err != nil {
				t.Errorf("%s %s: %v", dt, c.ID, err)
			}
			n += len(c.Batch.Logits)
		}
	}
	if n > 8000 {
		t.Errorf("%d elements in the built-in cases: over the budget of the exact oracle (~1 ms each)", n)
	}
	t.Logf("%d elements", n)
}

func TestCompareReducedOutsideDomain(t *testing.T) {
	// Sum of two binary elements; the second is at |x| = 100 > Domain = 50,
	// so its loss, and the reduced loss it enters, are not held to the ulp
	// promise; a NaN reduced loss still is a breach.
	cfg := &spec.Config{Gamma: 2, Reduction: spec.Sum}
	b := spec.Batch{Classes: 1, Logits: []float64{1, 100}, Targets: []float64{1, 0}}
	c := spec.Contract{Domain: 50}
	want := spec.Result{Loss: 101, Losses: []float64{1, 100}, Grad: []float64{-0.1, 1}}
	for _, tc := range []struct {
		loss, far float64
		ok        bool
		why       string
	}{
		{101, 100, true, "exact"},
		{1e300, 1e300, true, "any error outside Domain, and in a sum that includes it"},
		{math.NaN(), 100, false, "a NaN reduced loss"},
	} {
		got := spec.Result{Loss: tc.loss, Losses: []float64{1, tc.far}, Grad: []float64{-0.1, 1}}
		if e := Compare(c, false, cfg, nil, b, got, want); e.OK() != tc.ok {
			t.Errorf("%s: OK = %v, want %v", tc.why, e.OK(), tc.ok)
		}
	}
	// Inside a wider Domain the same wrong sum breaks a 0-ulp promise.
	c.Domain = 200
	got := spec.Result{Loss: 102, Losses: []float64{1, 100}, Grad: []float64{-0.1, 1}}
	if e := Compare(c, false, cfg, nil, b, got, want); e.OK() || e.ReducedUlp == 0 {
		t.Errorf("reduced loss 102 for exact 101 inside Domain: OK = %v, reduced ulp %v", e.OK(), e.ReducedUlp)
	}
}
