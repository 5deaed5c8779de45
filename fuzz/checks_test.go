package fuzz_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/fuzz"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/spec"
)

func TestBytesRoundTrip(t *testing.T) {
	for i, in := range fuzz.Seeds() {
		b := in.Bytes()
		if len(b) != fuzz.EncodedLen || fuzz.Decode(b) != in {
			t.Fatalf("seed %d: %d bytes, decoded %v, want %v", i, len(b), fuzz.Decode(b), in)
		}
	}
	// Short data reads as zeros after its end; extra bytes are ignored.
	in := fuzz.Decode([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f})
	if in.Mode != 1 || in.X[0] != 0x7ff0000000000000 || in.X[1] != 0 || in.Gamma != 0 {
		t.Errorf("short data decoded as %+v", in)
	}
	long := append(fuzz.Seeds()[3].Bytes(), 9, 9, 9)
	if fuzz.Decode(long) != fuzz.Seeds()[3] {
		t.Error("extra bytes changed the input")
	}
	if !bytes.Equal(fuzz.Decode(nil).Bytes(), make([]byte, fuzz.EncodedLen)) {
		t.Error("empty data is not the zero input")
	}
}

// TestRunSeedsStable: the production implementation passes every check on
// every seed against the exact oracle.
func TestRunSeedsStable(t *testing.T) {
	if check, err := fuzz.RunSeeds(stable.Evaluator{}, stable.Contract); err != nil {
		t.Fatalf("%s: %v", check, err)
	}
}

// faulty is stable with one fault, for showing that each check fails when
// it should.
type faulty struct {
	stable.Evaluator
	fault string
}

func (f faulty) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	switch f.fault {
	case "panic":
		if len(b.Logits) > 0 && b.Logits[0] < -100 {
			panic("index out of range")
		}
	case "lax":
		if spec.Validate(cfg, b) != nil {
			r.Resize(len(b.Logits))
			return nil
		}
	case "plainError":
		if err := spec.Validate(cfg, b); err != nil {
			return errors.New(err.Error())
		}
	}
	if err := f.Evaluator.Evaluate(cfg, b, r); err != nil {
		return err
	}
	for i := range r.Grad {
		switch f.fault {
		case "grad8ulp": // 2⁻⁴⁹ relative: 8 ulp, above stable's Grad = 1
			r.Grad[i] *= 1 + 0x1p-49
		case "nan":
			if b.Logits[i] > 700 {
				r.Losses[i] = math.NaN()
			}
		}
	}
	return nil
}

func (f faulty) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := f.Evaluator.Evaluate32(cfg, b, r); err != nil {
		return err
	}
	if f.fault == "grad32" { // 2⁻²¹ relative: 4 ulp of float32, above stable's Grad32 = 1 (+1 in Float32)
		for i := range r.Grad {
			r.Grad[i] *= 1 + 0x1p-21
		}
	}
	return nil
}

func (f faulty) CBWeights(cb *spec.CB) ([]float64, error) {
	w, err := f.Evaluator.CBWeights(cb)
	if f.fault == "cbReversed" && err == nil && len(w) == 2 {
		w[0], w[1] = w[1], w[0]
	}
	return w, err
}

// TestChecksFail: each fault is caught by the check that should catch it,
// first among the checks RunSeeds runs in order.
func TestChecksFail(t *testing.T) {
	for _, c := range []struct{ fault, check string }{
		{"panic", "element"},
		{"lax", "element"},
		{"plainError", "element"},
		{"grad8ulp", "element"},
		{"nan", "element"},
		{"grad32", "element32"},
		{"cbReversed", "cb"},
	} {
		check, err := fuzz.RunSeeds(faulty{fault: c.fault}, stable.Contract)
		var f *fuzz.Failure
		if check != c.check || !errors.As(err, &f) {
			t.Errorf("fault %s: RunSeeds returned %q, %v; want check %q", c.fault, check, err, c.check)
			continue
		}
		t.Logf("fault %s: %v", c.fault, err)
	}
	// The float32-against-float64 check on its own (RunSeeds meets the
	// fault first in element32): 4 ulp of float32 against stable's
	// Grad32 + 1 = 2 allowed.
	caught := false
	for _, in := range fuzz.Seeds() {
		if fuzz.Float32(in, fuzz.Subject{Eval: faulty{fault: "grad32"}, Contract: stable.Contract}) != nil {
			caught = true
			break
		}
	}
	if !caught {
		t.Error("the float32 check passed float32 derivatives 4 ulp off on every seed")
	}
	// The CB check on its own.
	s := fuzz.Subject{Eval: faulty{fault: "cbReversed"}, Contract: stable.Contract}
	caught = false
	for _, in := range fuzz.Seeds() {
		if fuzz.CB(in, fuzz.Subject{Eval: stable.Evaluator{}, Contract: stable.Contract}, s) != nil {
			caught = true
			break
		}
	}
	if !caught {
		t.Error("the CB check passed reversed CB weights on every seed")
	}
}
