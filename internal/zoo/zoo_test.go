package zoo

import (
	"github.com/focalcheck/focalcheck/props"
	"strings"
	"testing"
)

// TestZoo runs the whole zoo at rapid's default budget: every variant must
// be killed and every control must survive. The table is logged.
func TestZoo(t *testing.T) {
	if testing.Short() {
		t.Skip("the zoo is judged at rapid's default budget, which -short cuts to a fifth")
	}
	rows := Run(All())
	var b strings.Builder
	ok := Table(&b, rows, true)
	t.Log("\n" + b.String())
	for _, r := range rows {
		if !r.OK() {
			if r.Control {
				t.Errorf("control %s killed by %s: %s", r.Name, r.By, r.Msg)
			} else {
				t.Errorf("variant %s (%s) survived: a gap in the suite", r.Name, r.ID)
			}
		}
	}
	if !ok {
		t.Error("the zoo is not all killed with its controls alive")
	}
}

// TestReferenceConformance holds the zoo's base to Contract with the whole
// property suite, as each implementation's conformance test does.
func TestReferenceConformance(t *testing.T) { props.Check(t, Reference, Contract) }
