package presets

import (
	"os"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
	"github.com/google/go-cmp/cmp"
)

// TestMapping checks each preset's mapping against CONVENTIONS-AND-BUGS.md,
// table (a), and the framework file named in the row.
func TestMapping(t *testing.T) {
	for _, tc := range []struct {
		name       string
		gamma      float64
		alpha      []float64
		soft       spec.Soft
		reduction  spec.Reduction
		normalizer spec.Normalizer
		smoothing  bool
		cb         bool
		reason     string
	}{
		{"torchvision", 2, []float64{0.25}, spec.Linear, spec.None, spec.Elements, false, false, "defaults α=0.25, γ=2, reduction='none'; (1-p_t)**γ; mean over all elements"},
		{"fvcore", 2, nil, spec.Linear, spec.None, spec.Elements, false, false, "α=-1 default means off (Z12)"},
		{"keras", 2, nil, spec.Linear, spec.Mean, spec.Elements, true, false, "α only with apply_class_balancing; sum_over_batch_size of a mean over the last axis = mean over N·C"},
		{"optax", 2, nil, spec.Linear, spec.None, spec.Elements, false, false, "elementwise only, alpha=None"},
		{"kornia", 2, []float64{0.25}, spec.Split, spec.None, spec.Elements, false, false, "α on the positive term, 1−α on the negative term: split"},
		{"mmdet", 2, []float64{0.25}, spec.Linear, spec.Mean, spec.PositivesGuarded, false, false, "py_sigmoid_focal_loss; RetinaHead's avg_factor = max(#pos, 1)"},
		{"cb-paper", 1, nil, spec.Geometric, spec.Mean, spec.Positives, false, true, "γ CLI default 1.0; Σ/Σlabels; CB replaces α"},
		{"seed-module", 2, nil, spec.Geometric, spec.Mean, spec.Elements, false, true, "FocalBCEWithLogitLoss(gamma=2, alpha=None, reduction='mean'); fl_loss.mean()"},
	} {
		p, err := Lookup(tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := []any{p.Gamma, p.Alpha, p.Soft, p.Reduction, p.Normalizer, p.Smoothing, p.CB}
		want := []any{tc.gamma, tc.alpha, tc.soft, tc.reduction, tc.normalizer, tc.smoothing, tc.cb}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (%s): mapping differs (-want +got):\n%s", tc.name, tc.reason, d)
		}
		if !strings.Contains(Table(), "`"+tc.name+"`") {
			t.Errorf("%s: missing from the README table", tc.name)
		}
	}
	if len(Names()) != 8 {
		t.Errorf("Names() = %v, want the 8 presets of the issue", Names())
	}
}

func TestCBPaperCB(t *testing.T) {
	p, _ := Lookup("cb-paper")
	if p.Beta != 0.9999 || p.CBNormalize != spec.CBSum || p.CBApply != spec.CBLabel {
		t.Errorf("cb-paper CB = β %v, %v, %v; want 0.9999 (the paper's scripts), sum (w/Σw·C, cifar_main L425–430), label (GT-class weight tiled over C)", p.Beta, p.CBNormalize, p.CBApply)
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("tensorflow")
	if err == nil || !strings.Contains(err.Error(), "torchvision") {
		t.Errorf("Lookup(tensorflow) = %v, want an error listing the presets", err)
	}
}

func TestConform(t *testing.T) {
	p, _ := Lookup("seed-module")
	in := &spec.Config{Gamma: 0.5, Soft: spec.ExpCE, Reduction: spec.Mean, Normalizer: spec.Rows,
		CB: &spec.CB{Beta: 0.99, Counts: []float64{1, 2}, Normalize: spec.CBNone, Apply: spec.CBLabel}}
	got := p.Conform(in)
	if got.Soft != spec.Geometric || got.Normalizer != spec.Elements || got.CB.Normalize != spec.CBSum || got.CB.Apply != spec.CBClass {
		t.Errorf("Conform = %+v %+v; want geometric, elements, cb sum/class", got, got.CB)
	}
	if got.Gamma != 0.5 || in.Soft != spec.ExpCE || in.CB.Apply != spec.CBLabel {
		t.Errorf("Conform changed a parameter or its input: %+v %+v", got, in)
	}
	sum := &spec.Config{Reduction: spec.Sum, Normalizer: spec.Rows}
	if p.Conform(sum).Normalizer != spec.Rows {
		t.Errorf("Conform changed the normalizer of a sum")
	}
}

func TestFill(t *testing.T) {
	for _, tc := range []struct {
		preset string
		in     map[string]any
		want   map[string]any
		reason string
	}{
		{"torchvision", map[string]any{"alpha": -1.0},
			map[string]any{"gamma": 2.0, "soft": "linear", "reduction": "none", "normalizer": "elements"},
			"α < 0 disables α in torchvision"},
		{"torchvision", map[string]any{},
			map[string]any{"gamma": 2.0, "alpha": []float64{0.25}, "soft": "linear", "reduction": "none", "normalizer": "elements"},
			"every default filled"},
		{"kornia", map[string]any{"alpha": nil, "gamma": 0.5},
			map[string]any{"gamma": 0.5, "soft": "split", "reduction": "none", "normalizer": "elements"},
			"alpha=None disables; a given γ is kept"},
		{"fvcore", map[string]any{"alpha": nil},
			map[string]any{"alpha": nil, "gamma": 2.0, "soft": "linear", "reduction": "none", "normalizer": "elements"},
			"fvcore has no None rule: null is left for the protocol to reject"},
		{"cb-paper", map[string]any{"cb": map[string]any{"counts": []any{1.0, 2.0}}},
			map[string]any{"gamma": 1.0, "soft": "geometric", "reduction": "mean", "normalizer": "positives",
				"cb": map[string]any{"counts": []any{1.0, 2.0}, "beta": 0.9999, "normalize": "sum", "apply": "label"}},
			"CB defaults fill the cb object"},
		{"keras", map[string]any{"soft": "expce"},
			map[string]any{"soft": "expce", "gamma": 2.0, "reduction": "mean", "normalizer": "elements", "smoothing_scope": "all"},
			"a given convention is kept by eval's fill"},
	} {
		p, err := Lookup(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		p.Fill(tc.in)
		if d := cmp.Diff(tc.want, tc.in); d != "" {
			t.Errorf("%s %s: Fill (-want +got):\n%s", tc.preset, tc.reason, d)
		}
	}
}

func TestSupports(t *testing.T) {
	tv, _ := Lookup("torchvision")
	seed, _ := Lookup("seed-module")
	for _, tc := range []struct {
		p      *Preset
		cfg    spec.Config
		want   bool
		reason string
	}{
		{tv, spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.Sum}, true, "scalar α and sum"},
		{tv, spec.Config{PosWeight: []float64{2}}, false, "torchvision has no pos_weight"},
		{tv, spec.Config{Alpha: []float64{0.1, 0.2}}, false, "torchvision's α is scalar"},
		{tv, spec.Config{Reduction: spec.Mean, Normalizer: spec.Rows}, false, "torchvision's mean is over all elements"},
		{seed, spec.Config{Alpha: []float64{0.1, 0.2}, PosWeight: []float64{1, 2}}, true, "per-class α list and pos_weight"},
		{seed, spec.Config{LabelSmoothing: 0.1}, false, "no label smoothing in the seed module"},
	} {
		if got, why := tc.p.Supports(&tc.cfg); got != tc.want {
			t.Errorf("%s Supports(%s) = %v (%s), want %v", tc.p.Name, tc.reason, got, why, tc.want)
		}
	}
}

// TestTableShape checks that every row of the README table has as many
// cells as the header, so that no cell text breaks the Markdown table.
func TestTableShape(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(Table()), "\n")
	want := strings.Count(lines[0], "|")
	for i, l := range lines {
		if got := strings.Count(l, "|"); got != want {
			t.Errorf("line %d has %d separators, the header %d: %s", i+1, got, want, l)
		}
	}
	if len(lines) != 2+len(all) {
		t.Errorf("table has %d lines, want header, rule and %d rows", len(lines), len(all))
	}
}

func TestFillLine(t *testing.T) {
	tv, _ := Lookup("torchvision")
	for _, tc := range []struct {
		in, want, reason string
	}{
		{`{"id":1,"logits":[0.1,-3],"targets":[0,1],"alpha":-1}`,
			`{"gamma":2,"id":1,"logits":[0.1,-3],"normalizer":"elements","reduction":"none","soft":"linear","targets":[0,1]}`,
			"negative α removed, defaults added, numbers kept as written"},
		{`{"logits":["NaN"],"targets":[1e400],"gamma":0.5,"alpha":[0.5]}`,
			`{"alpha":[0.5],"gamma":0.5,"logits":["NaN"],"normalizer":"elements","reduction":"none","soft":"linear","targets":[1e400]}`,
			"invalid values pass through for the decoder to reject"},
		{`{"id":1,"gamma":2`, `{"id":1,"gamma":2`, "malformed JSON returned unchanged"},
		{`{"id":1} {"id":2}`, `{"id":1} {"id":2}`, "trailing data returned unchanged"},
	} {
		if got := string(tv.FillLine([]byte(tc.in))); got != tc.want {
			t.Errorf("%s: FillLine(%s) =\n%s\nwant\n%s", tc.reason, tc.in, got, tc.want)
		}
	}
}

// TestREADMETable checks that the README shows the table that Table
// generates, so that the documented mappings are the ones eval and verify
// apply.
func TestREADMETable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), strings.TrimSpace(Table())) {
		t.Errorf("README.md does not contain the presets table; paste the output of Table():\n%s", Table())
	}
}
