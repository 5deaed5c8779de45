package impls

import (
	"slices"
	"testing"
)

func TestRegistry(t *testing.T) {
	names := Names()
	for i, e := range All() {
		if e.Eval.Name() != e.Name {
			t.Errorf("entry %q holds an evaluator named %q", e.Name, e.Eval.Name())
		}
		if (e.Contract == nil) != (e.Name == "exact") {
			t.Errorf("entry %q: contract present = %v; only exact has none", e.Name, e.Contract != nil)
		}
		if got, ok := Lookup(e.Name); !ok || got.Name != e.Name {
			t.Errorf("Lookup(%q) = %v, %v", e.Name, got.Name, ok)
		}
		if names[i] != e.Name || !slices.Contains(Order, e.Name) {
			t.Errorf("Names()[%d] = %q, All()[%d] = %q, Order = %q", i, names[i], i, e.Name, Order)
		}
	}
	if !slices.IsSortedFunc(names, func(a, b string) int { return slices.Index(Order, a) - slices.Index(Order, b) }) {
		t.Errorf("Names() = %q, not in the order %q", names, Order)
	}
	if got := Names(); !slices.Equal(got, Order) {
		t.Errorf("Names() = %q; every name of Order is registered: %q", got, Order)
	}
	if _, ok := Lookup("bogus"); ok {
		t.Error(`Lookup("bogus") found an entry`)
	}
}
