package props

import (
	"flag"
	"testing"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/impl/vectorized"
)

var impls = flag.Bool("props.impls", false, "also run the conformance suite on stable, naive and vectorized from props (their own tests call Check)")

// The conformance suite on the implementations that have landed. Each
// implementation's test file calls Check itself; this copy, behind
// -props.impls, runs them from here while developing the suite.
func TestCheckImpls(t *testing.T) {
	if !*impls {
		t.Skip("run with -props.impls")
	}
	t.Run("stable", func(t *testing.T) { Check(t, stable.Evaluator{}, stable.Contract) })
	t.Run("naive", func(t *testing.T) { Check(t, naive.Evaluator{}, naive.Contract) })
	t.Run("vectorized", func(t *testing.T) { Check(t, vectorized.Evaluator{}, vectorized.Contract) })
}
