package stable

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

// TestBinaryGolden compares the float64 and float32 paths with
// testdata/binary_golden.txt: the first 600 cases of TestMeasure
// (rand.New(rand.NewPCG(1, 1)); log-uniform logits over the whole range,
// the landmarks ±0, subnormals, ±16.6, ±36.7, ±88.72, ±103.97, ±709.78,
// ±745.13, ±1e3, ±1e300, ±MaxFloat64; every γ, α, weight and pos_weight
// form) with their exact values from mpmath at 60 digits, rounded once
// (testdata/measure.py --golden). Each output must be within Contract's
// ulp bounds.
func TestBinaryGolden(t *testing.T) {
	f, err := os.Open("testdata/binary_golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		var v [11]float64
		for i, s := range strings.Fields(sc.Text()) {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("binary_golden.txt:%d: %v", line, err)
			}
		}
		x, y, g, a, w, pw := v[0], v[1], v[2], v[3], v[4], v[5]
		cfg := spec.Config{Gamma: g, Reduction: spec.None, Weight: []float64{w}, PosWeight: []float64{pw}}
		if a >= 0 {
			cfg.Alpha = []float64{a}
		}
		var r spec.Result
		if err := (Evaluator{}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}, &r); err != nil {
			t.Fatalf("binary_golden.txt:%d: %v", line, err)
		}
		if d := ulp.Dist(r.Losses[0], v[6]); d > noCB {
			t.Errorf("binary_golden.txt:%d: loss %v, want %v: %v ulp", line, r.Losses[0], v[6], d)
		}
		if d := ulp.Dist(r.Grad[0], v[7]); d > noCB {
			t.Errorf("binary_golden.txt:%d: grad %v, want %v: %v ulp", line, r.Grad[0], v[7], d)
		}
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate32(&cfg, spec.Batch32{Classes: 1, Logits: []float32{float32(v[8])}, Targets: []float32{float32(y)}}, &r32); err != nil {
			t.Fatalf("binary_golden.txt:%d: %v", line, err)
		}
		if d := ulp.Dist32(r32.Losses[0], float32(v[9])); d > noCB {
			t.Errorf("binary_golden.txt:%d: loss32 %v, want %v: %v ulp", line, r32.Losses[0], v[9], d)
		}
		if d := ulp.Dist32(r32.Grad[0], float32(v[10])); d > noCB {
			t.Errorf("binary_golden.txt:%d: grad32 %v, want %v: %v ulp", line, r32.Grad[0], v[10], d)
		}
	}
	if line < 600 {
		t.Fatalf("binary_golden.txt has %d lines, want 602", line)
	}
}

// noCB is the ulp bound without class-balanced weights, where every output
// is rounded once from double-double (Contract's doc: measured 1 ulp against
// spec/exact, 0 against mpmath; the float32 references here are rounded
// through float64, hence 1 rather than 0).
const noCB = 1
