package vectors

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/focalcheck/focalcheck/internal/protocol"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

// dir is the committed vector directory.
const dir = "../../spec/vectors"

// TestManifest reads every committed vector file, which checks its SHA-256
// and case count against the manifest, and checks that the files hold the
// categories and counts the manifest lists and nothing else.
func TestManifest(t *testing.T) {
	cases, m, err := Read(dir)
	if err != nil {
		t.Fatalf("Read(%s): %v (regenerate with `go run ./cmd/focalcheck vectors`)", dir, err)
	}
	if m.Seed != Seed {
		t.Errorf("manifest seed %d, the generator's is %d", m.Seed, Seed)
	}
	_, ncases, nelems := Stats(cases)
	for _, f := range m.Files {
		if ncases[f.Category] != f.Cases || nelems[f.Category] != f.Elements {
			t.Errorf("%s: %d cases, %d elements; manifest says %d, %d", f.Name, ncases[f.Category], nelems[f.Category], f.Cases, f.Elements)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if n == ManifestName || n == "README.md" {
			continue
		}
		if !slices.ContainsFunc(m.Files, func(f File) bool { return f.Name == n }) {
			t.Errorf("%s: not in the manifest (a leftover temporary file?)", n)
		}
	}
}

func same(t *testing.T, id, alt string, got, want Values) {
	t.Helper()
	if got.HasLoss != want.HasLoss || !ulp.Alike(got.Loss, want.Loss) {
		t.Errorf("%s %s: loss %v, file has %v: stale", id, alt, got.Loss, want.Loss)
	}
	for i := range want.Losses {
		if !ulp.Alike(got.Losses[i], want.Losses[i]) || !ulp.Alike(got.Grad[i], want.Grad[i]) {
			t.Errorf("%s %s: element %d: (%v, %v), file has (%v, %v): stale", id, alt, i,
				got.Losses[i], got.Grad[i], want.Losses[i], want.Grad[i])
			return
		}
	}
}

// TestPlanValid checks that every planned request is valid input and that
// planning twice gives the same cases (the generator is seeded).
func TestPlanValid(t *testing.T) {
	a, b := Plan(), Plan()
	ids := map[string]bool{}
	for i, p := range a {
		if ids[p.ID] {
			t.Errorf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		x, _ := json.Marshal(&p.Request)
		y, _ := json.Marshal(&b[i].Request)
		if !bytes.Equal(x, y) {
			t.Fatalf("%s: two plans differ", p.ID)
		}
		cfg, err := p.Request.Config()
		if err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		r := &p.Request
		if r.Dtype == Float32 {
			err = spec.Validate32(cfg, spec.Batch32{Classes: r.Classes, Logits: to32(r.Logits), Targets: to32(r.Targets)})
		} else {
			err = spec.Validate(cfg, spec.Batch{Classes: r.Classes, Logits: r.Logits, Targets: r.Targets})
		}
		if err != nil {
			t.Errorf("%s: invalid: %v", p.ID, err)
		}
		for _, axis := range p.Axes {
			alts, _ := Variants(axis, cfg, r.Targets)
			for name, alt := range alts {
				if err := spec.Validate(alt, spec.Batch{Classes: r.Classes, Logits: r.Logits, Targets: r.Targets}); err != nil {
					t.Errorf("%s: alternative %s=%s invalid: %v", p.ID, axis, name, err)
				}
			}
		}
	}
}

// TestRoundTrip writes two hand-made cases, including -0, a subnormal and
// float32 values, and reads them back bit for bit; no temporary file is
// left behind.
func TestRoundTrip(t *testing.T) {
	tmp := t.TempDir()
	req := Request{Dtype: Float32, Classes: 1, Logits: []float64{1.5, -2}, Targets: []float64{1, 0},
		Gamma: 2, Soft: "linear", SmoothingScope: "all", Reduction: "sum", Normalizer: "elements"}
	v32 := Values{HasLoss: true, Loss: float64(float32(0.1)), Losses: []float64{float64(float32(1e-40)), math.Copysign(0, -1)},
		Grad: []float64{float64(math.SmallestNonzeroFloat32), -3}}
	req64 := req
	req64.Dtype, req64.Reduction = Float64, "none"
	v64 := Values{Losses: []float64{0.1, 5e-324}, Grad: []float64{math.MaxFloat64, math.Copysign(0, -1)}}
	in := []Case{
		{ID: "soft/f32/000", Category: "soft", Request: req, Want: v32,
			Alternatives: map[string]map[string]Values{"soft": {"linear": v32, "geometric": v32}}},
		{ID: "gamma/f64/000", Category: "gamma", Request: req64, Want: v64},
	}
	if _, err := Write(tmp, "test", in); err != nil {
		t.Fatal(err)
	}
	out, _, err := Read(tmp)
	if err != nil {
		t.Fatal(err)
	}
	byID := Index(out)
	for _, c := range in {
		got := byID[c.ID]
		if got == nil {
			t.Fatalf("%s missing", c.ID)
		}
		same(t, c.ID, "", got.Want, c.Want)
		for name, v := range c.Alternatives["soft"] {
			same(t, c.ID, name, got.Alternatives["soft"][name], v)
		}
	}
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if n := e.Name(); n != ManifestName && filepath.Ext(n) != ".jsonl" {
			t.Errorf("left behind: %s", n)
		}
	}
	// A corrupted file is caught by its checksum.
	p := filepath.Join(tmp, "soft.jsonl")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(data, []byte(`"loss":0.1`), []byte(`"loss":0.2`), 1), 0o644)
	if _, _, err := Read(tmp); err == nil {
		t.Errorf("Read accepted a file whose checksum differs")
	}
}

// TestRequestsAreEvalRequests checks that every planned request, as written
// to the files, is read by `focalcheck eval`'s decoder (protocol.Decode,
// which rejects unknown fields) into the same config and batch.
func TestRequestsAreEvalRequests(t *testing.T) {
	for _, p := range Plan() {
		line, err := json.Marshal(&p.Request)
		if err != nil {
			t.Fatal(err)
		}
		req, err := protocol.Decode(line)
		if err != nil {
			t.Fatalf("%s: protocol.Decode: %v", p.ID, err)
		}
		gotCfg, gotB, err := req.Spec()
		if err != nil {
			t.Fatalf("%s: Spec: %v", p.ID, err)
		}
		wantCfg, err := p.Request.Config()
		if err != nil {
			t.Fatal(err)
		}
		if req.DtypeName() != p.Request.Dtype {
			t.Errorf("%s: eval reads dtype %s, want %s", p.ID, req.DtypeName(), p.Request.Dtype)
		}
		if d := cmp.Diff(wantCfg, gotCfg, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%s: eval reads another config (-want +got):\n%s", p.ID, d)
		}
		wantB := spec.Batch{Classes: p.Request.Classes, Logits: p.Request.Logits, Targets: p.Request.Targets}
		if d := cmp.Diff(wantB, gotB); d != "" {
			t.Fatalf("%s: eval reads another batch (-want +got):\n%s", p.ID, d)
		}
	}
}
