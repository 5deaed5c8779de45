package fuzz_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/vectors"
	"github.com/focalcheck/focalcheck/internal/verify"
)

// candidateCases is a two-case vector set, one float64 and one float32
// case of two elements. The expected values are made up (the parser and
// the comparison do not care where they come from).
func candidateCases() []vectors.Case {
	req := vectors.Request{Dtype: vectors.Float64, Classes: 2, Logits: []float64{1, -2}, Targets: []float64{0.5, 1},
		Gamma: 2, Soft: "linear", SmoothingScope: "all", Reduction: "sum", Normalizer: "elements"}
	req32 := req
	req32.Dtype, req32.Reduction = vectors.Float32, "none"
	return []vectors.Case{
		{ID: "soft/f64/000", Category: "soft", Request: req,
			Want: vectors.Values{HasLoss: true, Loss: 0.75, Losses: []float64{0.25, 0.5}, Grad: []float64{0.125, -0.5}}},
		{ID: "gamma/f32/000", Category: "gamma", Request: req32,
			Want: vectors.Values{Losses: []float64{0.25, 0.5}, Grad: []float64{0.125, -0.5}}},
	}
}

var candidateSeeds = []string{
	"{\"id\":\"soft/f64/000\",\"loss\":0.75,\"losses\":[0.25,0.5],\"grad\":[0.125,-0.5]}\n{\"id\":\"gamma/f32/000\",\"losses\":[0.25,0.5000000596046448],\"grad\":[0.125,-0.5]}\n",
	`{"id":"soft/f64/000","loss":NaN,"losses":[Infinity,-Infinity],"grad":["nan","-inf"]}`,
	"{\"id\":\"soft/f64/000\",\"loss\":\"1e-300\",\"losses\":[0.25],\"grad\":null}\n\n{\"id\":\"soft/f64/000\"}\r\n",
	`{"id":"nope","loss":1}`,
	`{"id":"","loss":1}`,
	`{"id":"gamma/f32/000","losses":[0.25,"NaN\"Infinity"],"grad":[1e400,0]} {}`,
	`{"loss":[1,2]}`,
	"\xff\xfe{",
}

// FuzzCandidate: any byte string as a verify candidate file. Reading it
// never panics; it gives either an error whose every line names the file
// and a line ("cand.jsonl:N: ...", at most 20 of them, plus a read error),
// or candidates that each name a known case once, with as many losses and
// derivatives as the case has elements, in line order; comparing those
// with the vectors and writing the report never panics either.
func FuzzCandidate(f *testing.F) {
	for _, s := range candidateSeeds {
		f.Add([]byte(s))
	}
	cases := candidateCases()
	index := vectors.Index(cases)
	f.Fuzz(func(t *testing.T, data []byte) {
		cands, err := verify.ReadCandidates(bytes.NewReader(data), "cand.jsonl", index)
		if err != nil {
			lines := strings.Split(err.Error(), "\n")
			if len(lines) > 21 {
				t.Fatalf("%d error lines (at most 20 line errors and a read error)", len(lines))
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "cand.jsonl:") {
					t.Fatalf("error line %q does not name the file and line; whole error:\n%v", l, err)
				}
			}
			return
		}
		seen, last := map[string]bool{}, 0
		for _, c := range cands {
			want, ok := index[c.ID]
			switch {
			case !ok || seen[c.ID]:
				t.Fatalf("line %d: id %q unknown or repeated", c.Line, c.ID)
			case c.Line <= last:
				t.Fatalf("line %d after line %d", c.Line, last)
			case c.Losses != nil && len(c.Losses) != want.Elements(), c.Grad != nil && len(c.Grad) != want.Elements():
				t.Fatalf("line %d: %d losses, %d derivatives for %d elements", c.Line, len(c.Losses), len(c.Grad), want.Elements())
			}
			seen[c.ID], last = true, c.Line
		}
		rep, err := verify.Run(cases, cands, verify.Options{ULPs: 1})
		if err != nil {
			return
		}
		if err := rep.Write(io.Discard); err != nil {
			t.Fatalf("writing the report: %v", err)
		}
	})
}
