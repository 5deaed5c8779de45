package props

import (
	"math"
	"sync/atomic"
	"testing"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/spec"
	"pgregory.net/rapid"
)

// faulty wraps an evaluator and perturbs its results: a deliberate fault
// that one property must catch.
type faulty struct {
	base   spec.Evaluator
	post   func(cfg *spec.Config, b spec.Batch, r *spec.Result)
	post32 func(cfg *spec.Config, b spec.Batch32, r *spec.Result32)
	cb     func(cb *spec.CB, w []float64)
}

func (f faulty) Name() string { return "faulty " + f.base.Name() }

func (f faulty) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	err := f.base.Evaluate(cfg, b, r)
	if err == nil && f.post != nil {
		f.post(cfg, b, r)
	}
	return err
}

func (f faulty) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	err := f.base.Evaluate32(cfg, b, r)
	if err == nil && f.post32 != nil {
		f.post32(cfg, b, r)
	}
	return err
}

func (f faulty) CBWeights(cb *spec.CB) ([]float64, error) {
	w, err := f.base.CBWeights(cb)
	if err == nil && f.cb != nil {
		f.cb(cb, w)
	}
	return w, err
}

func each(fn func(cfg *spec.Config, b spec.Batch, r *spec.Result, i int)) func(*spec.Config, spec.Batch, *spec.Result) {
	return func(cfg *spec.Config, b spec.Batch, r *spec.Result) {
		for i := range r.Losses {
			fn(cfg, b, r, i)
		}
	}
}

// catches runs prop on up to n seeds, without shrinking, and reports
// whether some draw falsified it. The property runs inside a generator so
// that a failure is an ordinary panic of rapid.T.Fatalf that we recover.
func catches(prop func(*rapid.T), n int) bool {
	g := rapid.Custom(func(t *rapid.T) (failed bool) {
		defer func() {
			if r := recover(); r != nil {
				failed = t.Failed()
			}
		}()
		prop(t)
		return false
	})
	for seed := range n {
		if g.Example(seed) {
			return true
		}
	}
	return false
}

// TestPropertiesCatchFaults shows that each property can fail: stable,
// with one deliberate fault, must be caught by the property within 300
// draws, while the same 300 draws pass on stable itself (the control).
func TestPropertiesCatchFaults(t *testing.T) {
	var calls atomic.Int64
	covered := map[string]bool{}
	base := stable.Evaluator{}
	for _, c := range []struct {
		prop  string
		fault string
		ev    faulty
	}{
		{"Gamma0IsBCE", "loss ×(1+1e-12) at γ = 0", faulty{post: each(func(cfg *spec.Config, _ spec.Batch, r *spec.Result, i int) {
			if cfg.Gamma == 0 {
				r.Losses[i] *= 1 + 1e-12
			}
		})}},
		{"GradMatchesFD", "gradient ×1.001", faulty{post: each(func(_ *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Grad[i] *= 1.001 })}},
		{"NoNaN", "NaN gradient for |x| > 700", faulty{post: each(func(_ *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if math.Abs(b.Logits[i]) > 700 {
				r.Grad[i] = math.NaN()
			}
		})}},
		{"NoNaN32", "float32 NaN gradient for |x| > 88", faulty{post32: func(_ *spec.Config, b spec.Batch32, r *spec.Result32) {
			for i, x := range b.Logits {
				if math.Abs(float64(x)) > 88 {
					r.Grad[i] = float32(math.NaN())
				}
			}
		}}},
		{"CBMonotone", "CB weight ×(1+1e-6·log2 n)", faulty{cb: func(cb *spec.CB, w []float64) {
			for i := range w {
				w[i] *= 1 + 1e-6*math.Log2(cb.Counts[i])
			}
		}}},
		// The oracle properties perturb the oracle itself: stable misses its
		// own contract on rare CB draws (see the report), which would make
		// the control fail for a reason other than the fault.
		{"OracleAgreement", "loss ×(1+1e-14), about 45 ulp", faulty{post: each(func(_ *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Losses[i] *= 1 + 1e-14 })}},
		{"OracleAgreement32", "float32 gradient ×(1+1e-5)", faulty{post32: func(_ *spec.Config, _ spec.Batch32, r *spec.Result32) {
			for i := range r.Grad {
				r.Grad[i] *= 1 + 1e-5
			}
		}}},
		{"Float32MatchesFloat64", "float32 loss ×(1+1e-5)", faulty{post32: func(_ *spec.Config, _ spec.Batch32, r *spec.Result32) {
			for i := range r.Losses {
				r.Losses[i] *= 1 + 1e-5
			}
		}}},
		{"Symmetry", "loss ×(1+1e-10) for x > 0 only", faulty{post: each(func(_ *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if b.Logits[i] > 0 {
				r.Losses[i] *= 1 + 1e-10
			}
		})}},
		{"NonNegative", "loss negated for x < −5", faulty{post: each(func(_ *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if b.Logits[i] < -5 {
				r.Losses[i] = -r.Losses[i]
			}
		})}},
		{"FocalBelowCE", "loss ×(1+1e-3·γ)", faulty{post: each(func(cfg *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Losses[i] *= 1 + 1e-3*cfg.Gamma })}},
		{"MonotoneInGamma", "loss ×(1+1e-3·γ)", faulty{post: each(func(cfg *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Losses[i] *= 1 + 1e-3*cfg.Gamma })}},
		{"GradSign", "gradient negated for |x| > 30", faulty{post: each(func(_ *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if math.Abs(b.Logits[i]) > 30 {
				r.Grad[i] = -r.Grad[i]
			}
		})}},
		{"ReductionConsistency", "mean ×(1+1e-9)", faulty{post: func(cfg *spec.Config, _ spec.Batch, r *spec.Result) {
			if cfg.Reduction == spec.Mean {
				r.Loss *= 1 + 1e-9
			}
		}}},
		{"ReductionConsistency32", "float32 reduced loss ×(1+1e-5)", faulty{post32: func(cfg *spec.Config, _ spec.Batch32, r *spec.Result32) {
			r.Loss *= 1 + 1e-5
		}}},
		{"RowPermutation", "element loss ×(1+1e-12·index)", faulty{post: each(func(_ *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Losses[i] *= 1 + 1e-12*float64(i) })}},
		{"SumAdditive", "sum + 1e-3", faulty{post: func(cfg *spec.Config, _ spec.Batch, r *spec.Result) {
			if cfg.Reduction == spec.Sum {
				r.Loss += 1e-3
			}
		}}},
		{"WeightScaling", "loss ×(1+1e-9·weight_c)", faulty{post: each(func(cfg *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if cfg.Weight != nil {
				r.Losses[i] *= 1 + 1e-9*cfg.Weight[i%b.Classes]
			}
		})}},
		{"SmoothingZeroIdentity", "one ulp more with scope ce", faulty{post: each(func(cfg *spec.Config, _ spec.Batch, r *spec.Result, i int) {
			if cfg.SmoothingScope == spec.SmoothingCE {
				r.Losses[i] = math.Nextafter(r.Losses[i], math.Inf(1))
			}
		})}},
		{"Repeatable", "every other call one ulp more", faulty{post: func(_ *spec.Config, _ spec.Batch, r *spec.Result) {
			if calls.Add(1)%2 == 0 {
				for i := range r.Losses {
					r.Losses[i] = math.Nextafter(r.Losses[i], math.Inf(1))
				}
			}
		}}},
	} {
		var b spec.Evaluator = base
		if c.prop == "OracleAgreement" || c.prop == "OracleAgreement32" {
			b = Oracle
		}
		c.ev.base = b
		covered[c.prop] = true
		t.Run(c.prop, func(t *testing.T) { catchFault(t, c.prop, c.fault, b, c.ev, stable.Contract) })
	}
	for _, p := range Properties {
		if !covered[p.Name] {
			t.Errorf("property %s has no fault here: add one", p.Name)
		}
	}
}

// catchFault runs property prop on base (the control, which must pass 300
// draws) and on the faulty ev (which must fail one of them), both under
// contract c.
func catchFault(t *testing.T, prop, fault string, base spec.Evaluator, ev faulty, c spec.Contract) {
	var p Property
	for _, q := range Properties {
		if q.Name == prop {
			p = q
		}
	}
	if p.Prop == nil {
		t.Fatalf("no property %s", prop)
	}
	if catches(p.Prop(base, c), 300) {
		t.Fatalf("%s fails on %s without a fault: the control is broken", prop, base.Name())
	}
	if !catches(p.Prop(ev, c), 300) {
		t.Errorf("%s did not catch the fault %q", prop, fault)
	}
}

// TestPropertiesCatchFaultsNoUlp shows that the properties still fail
// under a contract without ulp bounds, where every element is held to
// SoftRel (naive.Contract: SoftRel 2e-8, SoftRel32 1e-4, Domain 20 and
// 10): naive with a fault well above those bounds, inside Domain, is
// caught within 300 draws, naive itself passes them. Each fault exceeds
// the property's tolerance for the naive contract by a factor of 10 or
// more on typical elements (|l|, |g| of order S).
func TestPropertiesCatchFaultsNoUlp(t *testing.T) {
	in := func(x float64) bool { return math.Abs(x) <= naive.Contract.Domain }
	base := naive.Evaluator{}
	for _, c := range []struct {
		prop  string
		fault string
		ev    faulty
	}{
		{"Gamma0IsBCE", "loss ×(1+1e-6) at γ = 0", faulty{post: each(func(cfg *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if cfg.Gamma == 0 && in(b.Logits[i]) {
				r.Losses[i] *= 1 + 1e-6
			}
		})}},
		{"GradMatchesFD", "gradient ×2", faulty{post: each(func(_ *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Grad[i] *= 2 })}},
		{"OracleAgreement", "loss ×(1+1e-6) inside Domain", faulty{post: each(func(_ *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if in(b.Logits[i]) {
				r.Losses[i] *= 1 + 1e-6
			}
		})}},
		{"OracleAgreement32", "float32 gradient ×(1+1e-2)", faulty{post32: func(_ *spec.Config, _ spec.Batch32, r *spec.Result32) {
			for i := range r.Grad {
				r.Grad[i] *= 1 + 1e-2
			}
		}}},
		{"Float32MatchesFloat64", "float32 loss ×(1+1e-2)", faulty{post32: func(_ *spec.Config, _ spec.Batch32, r *spec.Result32) {
			for i := range r.Losses {
				r.Losses[i] *= 1 + 1e-2
			}
		}}},
		{"Symmetry", "loss ×(1+1e-6) for 0 < x ≤ Domain", faulty{post: each(func(_ *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if b.Logits[i] > 0 && in(b.Logits[i]) {
				r.Losses[i] *= 1 + 1e-6
			}
		})}},
		{"MonotoneInGamma", "loss ×(1+1e-3·γ)", faulty{post: each(func(cfg *spec.Config, _ spec.Batch, r *spec.Result, i int) { r.Losses[i] *= 1 + 1e-3*cfg.Gamma })}},
		{"ReductionConsistency", "mean ×(1+1e-5)", faulty{post: func(cfg *spec.Config, _ spec.Batch, r *spec.Result) {
			if cfg.Reduction == spec.Mean {
				r.Loss *= 1 + 1e-5
			}
		}}},
		{"SumAdditive", "sum + 1e-3", faulty{post: func(cfg *spec.Config, _ spec.Batch, r *spec.Result) {
			if cfg.Reduction == spec.Sum {
				r.Loss += 1e-3
			}
		}}},
		{"WeightScaling", "loss ×(1+1e-6·weight_c)", faulty{post: each(func(cfg *spec.Config, b spec.Batch, r *spec.Result, i int) {
			if cfg.Weight != nil {
				r.Losses[i] *= 1 + 1e-6*cfg.Weight[i%b.Classes]
			}
		})}},
	} {
		var b spec.Evaluator = base
		if c.prop == "OracleAgreement" || c.prop == "OracleAgreement32" {
			b = Oracle
		}
		c.ev.base = b
		t.Run(c.prop, func(t *testing.T) { catchFault(t, c.prop, c.fault, b, c.ev, naive.Contract) })
	}
}
