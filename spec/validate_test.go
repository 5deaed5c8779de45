package spec

import (
	"errors"
	"math"
	"testing"
)

func TestValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	good := func() (*Config, Batch) {
		return &Config{Gamma: 2}, Batch{Classes: 2, Logits: []float64{1, -1, 0, 3}, Targets: []float64{1, 0, 0, 1}}
	}
	for i, c := range []struct {
		reason string
		change func(*Config, *Batch)
		field  string
		index  int
	}{
		{"valid input", func(*Config, *Batch) {}, "", 0},
		{"NaN logit", func(_ *Config, b *Batch) { b.Logits[2] = nan }, "logits", 2},
		{"Inf logit", func(_ *Config, b *Batch) { b.Logits[1] = -inf }, "logits", 1},
		{"NaN target", func(_ *Config, b *Batch) { b.Targets[3] = nan }, "targets", 3},
		{"target above 1", func(_ *Config, b *Batch) { b.Targets[0] = 1.5 }, "targets", 0},
		{"negative target", func(_ *Config, b *Batch) { b.Targets[1] = -0.1 }, "targets", 1},
		{"length mismatch", func(_ *Config, b *Batch) { b.Targets = b.Targets[:3] }, "targets", -1},
		{"not a multiple of classes", func(_ *Config, b *Batch) { b.Classes = 3 }, "logits", -1},
		{"zero classes", func(_ *Config, b *Batch) { b.Classes = 0 }, "classes", -1},
		{"empty batch with mean", func(_ *Config, b *Batch) { b.Logits, b.Targets = nil, nil }, "logits", -1},
		{"negative gamma", func(c *Config, _ *Batch) { c.Gamma = -1 }, "gamma", -1},
		{"infinite gamma", func(c *Config, _ *Batch) { c.Gamma = inf }, "gamma", -1},
		{"alpha above 1", func(c *Config, _ *Batch) { c.Alpha = []float64{0.2, 1.1} }, "alpha", 1},
		{"alpha of wrong length", func(c *Config, _ *Batch) { c.Alpha = []float64{0.2, 0.3, 0.4} }, "alpha", -1},
		{"smoothing 1", func(c *Config, _ *Batch) { c.LabelSmoothing = 1 }, "label_smoothing", -1},
		{"negative weight", func(c *Config, _ *Batch) { c.Weight = []float64{1, -2} }, "weight", 1},
		{"weight of wrong length", func(c *Config, _ *Batch) { c.Weight = []float64{1} }, "weight", -1},
		{"NaN pos_weight", func(c *Config, _ *Batch) { c.PosWeight = []float64{nan, 1} }, "pos_weight", 0},
		{"beta 1", func(c *Config, _ *Batch) { c.CB = &CB{Beta: 1, Counts: []float64{1, 2}} }, "cb.beta", -1},
		{"NaN beta", func(c *Config, _ *Batch) { c.CB = &CB{Beta: nan, Counts: []float64{1, 2}} }, "cb.beta", -1},
		{"count 0", func(c *Config, _ *Batch) { c.CB = &CB{Beta: 0.9, Counts: []float64{1, 0}} }, "cb.counts", 1},
		{"fractional count", func(c *Config, _ *Batch) { c.CB = &CB{Beta: 0.9, Counts: []float64{2.5, 1}} }, "cb.counts", 0},
		{"counts of wrong length", func(c *Config, _ *Batch) { c.CB = &CB{Beta: 0.9, Counts: []float64{1}} }, "cb.counts", -1},
		{"two labels with apply label", func(c *Config, b *Batch) {
			c.CB = &CB{Beta: 0.9, Counts: []float64{1, 2}, Apply: CBLabel}
			b.Targets = []float64{1, 1, 0, 1}
		}, "targets", 0},
		{"soft target with apply label", func(c *Config, b *Batch) {
			c.CB = &CB{Beta: 0.9, Counts: []float64{1, 2}, Apply: CBLabel}
			b.Targets[3] = 0.5
		}, "targets", 3},
		{"no positives", func(c *Config, b *Batch) {
			c.Normalizer = Positives
			b.Targets = []float64{0, 0, 0, 0}
		}, "targets", -1},
		{"unknown soft", func(c *Config, _ *Batch) { c.Soft = 9 }, "soft", -1},
		{"unknown reduction", func(c *Config, _ *Batch) { c.Reduction = -1 }, "reduction", -1},
	} {
		cfg, b := good()
		c.change(cfg, &b)
		err := Validate(cfg, b)
		if c.field == "" {
			if err != nil {
				t.Errorf("case %d (%s): unexpected error %v", i, c.reason, err)
			}
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("case %d (%s): got %v, want an *InputError", i, c.reason, err)
			continue
		}
		if ie.Field != c.field || ie.Index != c.index {
			t.Errorf("case %d (%s): error %q names %s[%d], want %s[%d]", i, c.reason, err, ie.Field, ie.Index, c.field, c.index)
		}
	}
}

func TestValidateAccepts(t *testing.T) {
	for i, c := range []struct {
		reason string
		cfg    Config
		b      Batch
	}{
		{"empty batch with sum", Config{Reduction: Sum}, Batch{Classes: 3}},
		{"alpha 0 and 1 are values", Config{Alpha: []float64{0, 1}}, Batch{Classes: 2, Logits: []float64{0, 0}, Targets: []float64{0, 1}}},
		{"zero positives with the guarded normaliser", Config{Normalizer: PositivesGuarded}, Batch{Classes: 1, Logits: []float64{3}, Targets: []float64{0}}},
		{"huge count", Config{CB: &CB{Beta: 0.9999, Counts: []float64{1e300}}}, Batch{Classes: 1, Logits: []float64{3}, Targets: []float64{0.5}}},
		{"extreme logits", Config{}, Batch{Classes: 1, Logits: []float64{math.MaxFloat64}, Targets: []float64{1}}},
	} {
		if err := Validate(&c.cfg, c.b); err != nil {
			t.Errorf("case %d (%s): %v", i, c.reason, err)
		}
	}
}

func TestValidate32(t *testing.T) {
	cfg := &Config{Gamma: 2, Weight: []float64{1e300}}
	b := Batch32{Classes: 1, Logits: []float32{1}, Targets: []float32{1}}
	var ie *InputError
	if err := Validate32(cfg, b); !errors.As(err, &ie) || ie.Field != "weight" || ie.Index != 0 {
		t.Errorf("a weight that overflows float32: got %v, want weight[0]", err)
	}
	if err := Validate(cfg, Batch{Classes: 1, Logits: []float64{1}, Targets: []float64{1}}); err != nil {
		t.Errorf("the same weight is valid in float64: %v", err)
	}
}

func TestRound32(t *testing.T) {
	cfg := &Config{Gamma: 0.1, Alpha: []float64{0.25}, CB: &CB{Beta: 0.9999, Counts: []float64{3}}}
	r := cfg.Round32()
	if r.Gamma != float64(float32(0.1)) || r.Alpha[0] != 0.25 {
		t.Errorf("Round32: gamma %v alpha %v", r.Gamma, r.Alpha)
	}
	if r.CB.Beta != 0.9999 {
		t.Errorf("Round32 must keep β in float64, got %v", r.CB.Beta)
	}
	if cfg.Gamma != 0.1 {
		t.Error("Round32 changed its receiver")
	}
}

func TestParse(t *testing.T) {
	for field, names := range Names() {
		for want, n := range names {
			var got int
			var err error
			switch field {
			case "soft":
				var v Soft
				v, err = ParseSoft(n)
				got = int(v)
			case "smoothing_scope":
				var v Scope
				v, err = ParseScope(n)
				got = int(v)
			case "reduction":
				var v Reduction
				v, err = ParseReduction(n)
				got = int(v)
			case "normalizer":
				var v Normalizer
				v, err = ParseNormalizer(n)
				got = int(v)
			case "cb.normalize":
				var v CBNormalize
				v, err = ParseCBNormalize(n)
				got = int(v)
			case "cb.apply":
				var v CBApply
				v, err = ParseCBApply(n)
				got = int(v)
			}
			if err != nil || got != want {
				t.Errorf("%s %q: got %d, %v", field, n, got, err)
			}
		}
	}
	if _, err := ParseSoft("geometrical"); err == nil {
		t.Error("an unknown name parsed")
	}
	if Soft(7).String() != "invalid(7)" || Geometric.String() != "geometric" {
		t.Error("String")
	}
}
