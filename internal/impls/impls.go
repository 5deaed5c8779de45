// Package impls is the registry of focalcheck's evaluators by name: the
// exact oracle "exact" and the implementations "stable", "naive" and
// "vectorized", each with the accuracy promise (spec.Contract) it exports.
// The commands look evaluators up here and never import them directly.
package impls

import (
	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/impl/vectorized"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// Entry is one registered evaluator.
type Entry struct {
	Name string
	Eval spec.Evaluator
	// Contract is the implementation's promise against the exact oracle;
	// nil for the oracle itself.
	Contract *spec.Contract
}

// Order is the fixed order of All and Names: the oracle first, then the
// implementations from the most to the least careful. A name appears in All
// only once its package is registered (see registered).
var Order = []string{"exact", "stable", "naive", "vectorized"}

// registered holds the evaluators whose packages are in the build.
var registered = map[string]Entry{
	"exact":      {Name: "exact", Eval: exact.Evaluator{}},
	"stable":     {Name: "stable", Eval: stable.Evaluator{}, Contract: &stable.Contract},
	"naive":      {Name: "naive", Eval: naive.Evaluator{}, Contract: &naive.Contract},
	"vectorized": {Name: "vectorized", Eval: vectorized.Evaluator{}, Contract: &vectorized.Contract},
}

// Lookup returns the entry named name.
func Lookup(name string) (Entry, bool) {
	e, ok := registered[name]
	return e, ok
}

// All returns the registered entries in the order of Order.
func All() []Entry {
	var out []Entry
	for _, n := range Order {
		if e, ok := registered[n]; ok {
			out = append(out, e)
		}
	}
	return out
}

// Names returns the names of All.
func Names() []string {
	var out []string
	for _, e := range All() {
		out = append(out, e.Name)
	}
	return out
}
