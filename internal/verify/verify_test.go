package verify

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/presets"
	"github.com/focalcheck/focalcheck/internal/vectors"
)

// tiny is a hand-made vector set of two cases. The expected values are
// made up for the test (the checker does not care where they come from);
// soft's alternatives differ at the third decimal so that detection has
// something to tell apart.
func tiny() []vectors.Case {
	req := vectors.Request{Dtype: vectors.Float64, Classes: 2, Logits: []float64{1, -2}, Targets: []float64{0.5, 1},
		Gamma: 2, Soft: "linear", SmoothingScope: "all", Reduction: "sum", Normalizer: "elements"}
	lin := vectors.Values{HasLoss: true, Loss: 0.75, Losses: []float64{0.25, 0.5}, Grad: []float64{0.125, -0.5}}
	geo := vectors.Values{HasLoss: true, Loss: 0.751, Losses: []float64{0.251, 0.5}, Grad: []float64{0.126, -0.5}}
	req32 := req
	req32.Dtype = vectors.Float32
	req32.Reduction = "none"
	return []vectors.Case{
		{ID: "soft/f64/000", Category: "soft", Request: req, Want: lin,
			Alternatives: map[string]map[string]vectors.Values{"soft": {"linear": lin, "geometric": geo}}},
		{ID: "gamma/f32/000", Category: "gamma", Request: req32,
			Want: vectors.Values{Losses: []float64{0.25, 0.5}, Grad: []float64{0.125, -0.5}}},
	}
}

func run(t *testing.T, cand string, o Options) (*Report, string) {
	t.Helper()
	cases := tiny()
	cs, err := ReadCandidates(strings.NewReader(cand), "cand.jsonl", vectors.Index(cases))
	if err != nil {
		t.Fatalf("ReadCandidates: %v", err)
	}
	rep, err := Run(cases, cs, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	return rep, out.String()
}

func TestPassing(t *testing.T) {
	cand := `{"id":"soft/f64/000","loss":0.75,"losses":[0.25,0.5],"grad":[0.125,-0.5]}
{"id":"gamma/f32/000","losses":[0.25,0.5000000596046448],"grad":[0.125,-0.5]}
`
	rep, out := run(t, cand, Options{ULPs: 1})
	if rep.Failed() || rep.Compared != 2 {
		t.Errorf("want 2 cases passing, got:\n%s", out)
	}
	// 0.5000000596046448 is 0.5 + 2^-24, one float32 ulp above 0.5.
	if rep.Rows[0].Category != "gamma" || rep.Rows[0].MaxULPLoss != 1 {
		t.Errorf("first row %s max ulp loss = %v, want gamma with 1 (one float32 ulp)", rep.Rows[0].Category, rep.Rows[0].MaxULPLoss)
	}
	if !strings.Contains(out, "soft: 1 cases; matches linear within 0 ulp; differs from geometric by up to 2.0e-03") {
		t.Errorf("detection missing:\n%s", out)
	}
}

func TestFailing(t *testing.T) {
	cand := `{"id":"soft/f64/000","loss":0.751,"losses":[0.251,0.5],"grad":[0.126,-0.5]}`
	rep, out := run(t, cand, Options{ULPs: 4})
	if !rep.Failed() || rep.Rows[0].Passed != 0 {
		t.Errorf("want a failure, got:\n%s", out)
	}
	if !strings.Contains(out, "matches geometric within 0 ulp; differs from linear by up to 2.0e-03") {
		t.Errorf("want geometric detected:\n%s", out)
	}
	if !strings.Contains(out, "1 vector cases not in the candidate") {
		t.Errorf("absent count missing:\n%s", out)
	}
	// The same values pass a relative tolerance of 1e-2.
	if rep, _ := run(t, cand, Options{Rtol: 1e-2}); rep.Failed() {
		t.Errorf("rtol 1e-2 should pass a relative error of 4e-3")
	}
}

func TestNonFinite(t *testing.T) {
	for _, cand := range []string{
		`{"id":"soft/f64/000","loss":0.75,"losses":[0.25,0.5],"grad":["NaN",-0.5]}`,
		`{"id":"soft/f64/000","loss":0.75,"losses":[0.25,0.5],"grad":[NaN,-0.5]}`,
		`{"id":"soft/f64/000","loss":Infinity,"losses":[0.25,0.5],"grad":[0.125,-0.5]}`,
		`{"id":"soft/f64/000","loss":0.75,"losses":[0.25,"-Inf"],"grad":[0.125,-0.5]}`,
	} {
		rep, out := run(t, cand, Options{ULPs: 4})
		if !rep.Failed() || rep.Rows[0].NonFinite != 1 || !strings.Contains(out, "inf") {
			t.Errorf("%s: want one NaN/Inf counted, got:\n%s", cand, out)
		}
	}
}

func TestDtypeFilter(t *testing.T) {
	cand := `{"id":"soft/f64/000","loss":1}
{"id":"gamma/f32/000","grad":[0.125,-0.5]}`
	rep, _ := run(t, cand, Options{ULPs: 0, Dtype: vectors.Float32})
	if rep.Failed() || rep.Compared != 1 || rep.SkippedType != 1 {
		t.Errorf("--dtype float32: compared %d, skipped %d, failed %v; want 1, 1, false", rep.Compared, rep.SkippedType, rep.Failed())
	}
}

func TestPresetUsesAlternative(t *testing.T) {
	seed, _ := presets.Lookup("seed-module")
	cand := `{"id":"soft/f64/000","loss":0.751,"losses":[0.251,0.5],"grad":[0.126,-0.5]}`
	rep, out := run(t, cand, Options{ULPs: 0, Preset: seed})
	if rep.Failed() || rep.Recomputed != 1 {
		t.Errorf("with the seed-module preset (geometric) the geometric values pass:\n%s", out)
	}
}

func TestBadLines(t *testing.T) {
	for _, tc := range []struct {
		cand, want, reason string
	}{
		{"{\"id\":\"soft/f64/000\"}\n{\"id\": oops}", "cand.jsonl:2: malformed JSON", "not JSON"},
		{`{"loss":1}`, `cand.jsonl:1: missing "id"`, "no id"},
		{`{"id":""}`, `cand.jsonl:1: "id" is empty`, "empty id"},
		{"\n\n" + `{"id":"nope/f64/000"}`, `cand.jsonl:3: unknown id "nope/f64/000"`, "unknown id, blank lines counted"},
		{`{"id":"soft/f64/000"}` + "\n" + `{"id":"soft/f64/000"}`, `cand.jsonl:2: duplicate id "soft/f64/000" (first on line 1)`, "duplicate"},
		{`{"id":"soft/f64/000","losses":[1,2,3]}`, `cand.jsonl:1: id "soft/f64/000": losses has length 3; want 2, the length of the case`, "wrong length"},
		{`{"id":"soft/f64/000","grad":[1]}`, `cand.jsonl:1: id "soft/f64/000": grad has length 1; want 2`, "short grad"},
		{`{"id":"soft/f64/000","grad":[1,"x"]}`, `cand.jsonl:1: id "soft/f64/000": grad[1]: not a number: "x"`, "bad number"},
		{`{"id":"soft/f64/000","loss":[1]}`, `cand.jsonl:1: id "soft/f64/000": loss: not a number`, "loss not a scalar"},
		{`{"id":"soft/f64/000"} {"id":"x"}`, "cand.jsonl:1: malformed JSON: more than one value", "two objects on a line"},
	} {
		_, err := ReadCandidates(strings.NewReader(tc.cand), "cand.jsonl", vectors.Index(tiny()))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.reason, err, tc.want)
		}
	}
}

func TestBadLinesAllReported(t *testing.T) {
	_, err := ReadCandidates(strings.NewReader("x\ny\n"), "c", vectors.Index(tiny()))
	if err == nil || !strings.Contains(err.Error(), "c:1:") || !strings.Contains(err.Error(), "c:2:") {
		t.Errorf("want both lines named, got %v", err)
	}
}

func TestQuoteBareTokens(t *testing.T) {
	got := string(quoteBareTokens([]byte(`{"id":"NaN Infinity","grad":[NaN,-Infinity,Infinity]}`)))
	want := `{"id":"NaN Infinity","grad":["NaN","-Infinity","Infinity"]}`
	if got != want {
		t.Errorf("quoteBareTokens = %s, want %s", got, want)
	}
	v, err := number([]byte(`"-Infinity"`))
	if err != nil || !math.IsInf(v, -1) {
		t.Errorf("number(-Infinity) = %v, %v", v, err)
	}
}

// TestDetectionPartial has two soft cases: the candidate matches linear on
// the first, one ulp off, and geometric on the second. Neither convention
// matches every case; the tie is broken by name.
func TestDetectionPartial(t *testing.T) {
	cases := tiny()[:1]
	second := cases[0]
	second.ID = "soft/f64/001"
	cases = append(cases, second)
	// 0.25000000000000006 is 0.25 + 2^-54, one float64 ulp above 0.25 (strconv).
	cand := `{"id":"soft/f64/000","loss":0.75,"losses":[0.25000000000000006,0.5],"grad":[0.125,-0.5]}
{"id":"soft/f64/001","loss":0.751,"losses":[0.251,0.5],"grad":[0.126,-0.5]}`
	cs, err := ReadCandidates(strings.NewReader(cand), "c", vectors.Index(cases))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(cases, cs, Options{ULPs: 4})
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Axes[0].Summary()
	want := "2 cases; matches geometric on 1 (within 0 ulp of the largest value), 1 match it not (up to 2.0e-03); differs from linear by up to 2.0e-03 (equal on 1)"
	if got != want {
		t.Errorf("Summary =\n%s\nwant\n%s", got, want)
	}
	if rep.Failures != 1 || rep.Rows[0].Passed != 1 {
		t.Errorf("failures %d, passed %d; want the first case passing at 1 ulp and the second failing", rep.Failures, rep.Rows[0].Passed)
	}
}
