package vectors

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/focalcheck/focalcheck/internal/impls"
)

// TestNotStale proves the files are what the generator produces today:
// every planned request is in the files, byte for byte, in order; the files
// re-encode to their own bytes; and a sample of cases, recomputed with the
// oracle that wrote them (the manifest's, "exact"), gives the same bits.
func TestNotStale(t *testing.T) {
	cases, m, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	oracle, ok := impls.Lookup(m.Oracle)
	if !ok {
		t.Fatalf("the files were written by %q, which is not in the build", m.Oracle)
	}
	plan := Plan()
	if len(plan) != len(cases) {
		t.Fatalf("plan has %d cases, the files %d: regenerate", len(plan), len(cases))
	}
	for i, p := range plan {
		c := &cases[i]
		a, _ := json.Marshal(&p.Request)
		b, _ := json.Marshal(&c.Request)
		if p.ID != c.ID || p.Category != c.Category || !bytes.Equal(a, b) {
			t.Fatalf("case %d: plan %s differs from file %s: regenerate", i, p.ID, c.ID)
		}
		if axes := slices.Sorted(slices.Values(p.Axes)); len(axes)+len(c.Alternatives) > 0 && !slices.Equal(axes, sortedKeys(c.Alternatives)) {
			t.Errorf("%s: axes %v, file has %v", p.ID, axes, sortedKeys(c.Alternatives))
		}
	}
	files, err := Encode(cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if checksum(files[f.Category]) != f.SHA256 {
			t.Errorf("%s: re-encoding the cases read does not reproduce the file", f.Name)
		}
	}
	budget := 600 // element evaluations, about 1 ms each with the oracle
	if testing.Short() {
		budget = 150
	}
	for _, i := range sample(plan, budget) {
		got, err := Compute(oracle.Eval, plan[i])
		if err != nil {
			t.Fatal(err)
		}
		same(t, plan[i].ID, "", got.Want, cases[i].Want)
		for axis, alts := range got.Alternatives {
			for name, v := range alts {
				same(t, plan[i].ID, axis+"="+name, v, cases[i].Alternatives[axis][name])
			}
		}
	}
}

// sample picks, deterministically, the smallest case of each category and
// dtype, then every 7th case while the budget of element evaluations lasts.
func sample(plan []Planned, budget int) []int {
	var out []int
	first := map[string]int{}
	for i, p := range plan {
		k := p.Category + p.Request.Dtype
		if j, ok := first[k]; !ok || cost(p) < cost(plan[j]) {
			first[k] = i
		}
	}
	for _, i := range first {
		out = append(out, i)
		budget -= cost(plan[i])
	}
	for i := 3; i < len(plan); i += 7 {
		if c := cost(plan[i]); c <= budget && !slices.Contains(out, i) {
			out = append(out, i)
			budget -= c
		}
	}
	slices.Sort(out)
	return out
}
