package stable

import (
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

var measureCB = flag.Int("stable.measurecb", 0, "number of random CB configurations to compare with spec/exact (TestMeasureCB)")

// cbCase draws a CB configuration over the whole domain: β uniform in
// [0,1), 1−β log-uniform in [2^-53, 1), β within 8 ulps of 1, tiny β
// (log-uniform in [2^-1074, 2^-1)) or 0; 1 to 4 counts log-uniform in
// [1, 2^53] (whole numbers), one time in four 1 or 2^53; both
// normalisations.
func cbCase(rng *rand.Rand) *spec.CB {
	var beta float64
	switch rng.IntN(5) {
	case 0:
		beta = rng.Float64()
	case 1:
		beta = 1 - math.Ldexp(math.Floor(math.Exp2(53*rng.Float64())), -53)
	case 2:
		beta = 1 - math.Ldexp(float64(1+rng.IntN(8)), -53)
	case 3:
		beta = math.Exp2(-1074 + 1073*rng.Float64())
	default:
		beta = []float64{0, 0.5, 0.9, 0.99, 0.999, 0.9999}[rng.IntN(6)]
	}
	cb := &spec.CB{Beta: beta, Normalize: spec.CBNormalize(rng.IntN(2))}
	for range 1 + rng.IntN(4) {
		n := math.Floor(math.Exp2(53 * rng.Float64()))
		if rng.IntN(4) == 0 {
			n = []float64{1, 1 << 53}[rng.IntN(2)]
		}
		cb.Counts = append(cb.Counts, n)
	}
	return cb
}

// cbDistances returns the largest ulp distance of this package's CB
// weights to the exact oracle's, in float64 and (as Evaluate32 uses them)
// float32.
func cbDistances(t *testing.T, cb *spec.CB) (d64, d32 float64) {
	t.Helper()
	got, err := (Evaluator{}).CBWeights(cb)
	if err != nil {
		t.Fatal(err)
	}
	want, err := (exact.Evaluator{}).CBWeights(cb)
	if err != nil {
		t.Fatal(err)
	}
	want32, err := (exact.Evaluator{}).CBWeights32(cb)
	if err != nil {
		t.Fatal(err)
	}
	got32 := cbWeights32(cb)
	for i := range got {
		d64 = max(d64, ulp.Dist(got[i], want[i]))
		d32 = max(d32, ulp.Dist32(got32[i], want32[i]))
	}
	return d64, d32
}

// cbULP is the CB weight bound of the tests: the weights are computed to
// about 2^-100 relative and rounded once, so they are correctly rounded
// unless the exact weight lies within 2^-100 of a rounding midpoint, where
// the rounding can go the other way: 1 ulp (TestMeasureCB found one such
// case in 20000).
const cbULP = 1

// TestCBAgainstExact compares the CB weights with the exact oracle on 200
// seeded random configurations (cbCase): float64 and float32 weights must
// be within cbULP of the correctly rounded ones.
func TestCBAgainstExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		cb := cbCase(rng)
		if d64, d32 := cbDistances(t, cb); d64 > cbULP || d32 > cbULP {
			t.Errorf("β=%v counts=%v %v: %v ulp (float64), %v ulp (float32)", cb.Beta, cb.Counts, cb.Normalize, d64, d32)
		}
	}
}

// TestMeasureCB prints the largest ulp distance of the CB weights to the
// exact oracle over -stable.measurecb random configurations (cbCase), per
// normalisation, float64 and float32, and of the element losses, gradients
// and summed loss of one row with those weights (binary targets, logits
// uniform in [−20, 20], γ = 2, apply = class):
//
//	go test ./impl/stable/ -run TestMeasureCB -stable.measurecb=20000 -v
func TestMeasureCB(t *testing.T) {
	if *measureCB == 0 {
		t.Skip("measurement: run with -stable.measurecb=N")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var worst [2][2]float64 // [normalize][float64, float32]
	var elem [6]float64     // loss, grad, sum; float64 then float32
	for range *measureCB {
		cb := cbCase(rng)
		d64, d32 := cbDistances(t, cb)
		w := &worst[cb.Normalize]
		if d64 > w[0] || d32 > w[1] {
			t.Logf("new max %v: %v, %v ulp at β=%v counts=%v", cb.Normalize, d64, d32, cb.Beta, cb.Counts)
		}
		w[0], w[1] = max(w[0], d64), max(w[1], d32)

		c := len(cb.Counts)
		cfg := spec.Config{Gamma: 2, CB: cb, Reduction: spec.Sum}
		b := spec.Batch{Classes: c}
		b32 := spec.Batch32{Classes: c}
		for range c {
			x := float64(float32(40*rng.Float64() - 20))
			y := float64(rng.IntN(2))
			b.Logits, b.Targets = append(b.Logits, x), append(b.Targets, y)
			b32.Logits, b32.Targets = append(b32.Logits, float32(x)), append(b32.Targets, float32(y))
		}
		var got, want spec.Result
		var got32, want32 spec.Result32
		for _, err := range []error{
			(Evaluator{}).Evaluate(&cfg, b, &got), (exact.Evaluator{}).Evaluate(&cfg, b, &want),
			(Evaluator{}).Evaluate32(&cfg, b32, &got32), (exact.Evaluator{}).Evaluate32(&cfg, b32, &want32),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		prev := elem
		for i := range c {
			elem[0] = max(elem[0], ulp.Dist(got.Losses[i], want.Losses[i]))
			elem[1] = max(elem[1], ulp.Dist(got.Grad[i], want.Grad[i]))
			elem[3] = max(elem[3], ulp.Dist32(got32.Losses[i], want32.Losses[i]))
			elem[4] = max(elem[4], ulp.Dist32(got32.Grad[i], want32.Grad[i]))
		}
		elem[2] = max(elem[2], ulp.Dist(got.Loss, want.Loss))
		elem[5] = max(elem[5], ulp.Dist32(got32.Loss, want32.Loss))
		if elem != prev {
			t.Logf("new element max %v at β=%v counts=%v %v x=%v y=%v", elem, cb.Beta, cb.Counts, cb.Normalize, b.Logits, b.Targets)
		}
	}
	t.Logf("%d configurations: max ulp none %v (float32 %v), sum %v (float32 %v)", *measureCB, worst[0][0], worst[0][1], worst[1][0], worst[1][1])
	t.Logf("elements with CB: max ulp loss %v grad %v sum %v; float32 loss %v grad %v sum %v", elem[0], elem[1], elem[2], elem[3], elem[4], elem[5])
}
