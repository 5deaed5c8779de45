package stable

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

var (
	measureN   = flag.Int("stable.measure", 0, "number of random binary cases to write for testdata/measure.py")
	measureOut = flag.String("stable.measureout", "/tmp/stable_measure.txt", "file the -stable.measure cases are written to")
)

// extremes are the logits every random comparison includes: zero,
// subnormals, the thresholds of SPEC.md §8 and the ends of the range.
var (
	extremes   = []float64{0, 5e-324, 0x1p-1022, 36.7, 16.6, 709.78, 745.13, 88.72, 103.97, 1e3, 1e300, math.MaxFloat64}
	extremes32 = []float64{0, 0x1p-149, 0x1p-126, 16.6, 36.7, 88.72, 103.97, 1e3, math.MaxFloat32}
)

// TestMeasure writes -stable.measure random binary cases over the whole
// float64 range (log-uniform |x| in [2^-1074, 2^1024), both signs; γ in
// {0, 0.5, 1, 2, 5, U(0,10)}; α off or U(0,1); weight and pos_weight 1 or
// log-uniform in [2^-30, 2^30]) with this package's float64 and float32
// results, one per line. testdata/measure.py recomputes each with mpmath
// at 60 digits and prints the maximum ulp distances that fill Contract:
//
//	go test ./impl/stable/ -run 'TestMeasure$' -stable.measure=100000 && python3 impl/stable/testdata/measure.py /tmp/stable_measure.txt
func TestMeasure(t *testing.T) {
	if *measureN == 0 {
		t.Skip("measurement: run with -stable.measure=N")
	}
	f, err := os.Create(*measureOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	rng := rand.New(rand.NewPCG(1, 1))
	for range *measureN {
		x, x32, y, cfg := binaryCase(rng)
		var r spec.Result
		if err := (Evaluator{}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}, &r); err != nil {
			t.Fatal(err)
		}
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate32(&cfg, spec.Batch32{Classes: 1, Logits: []float32{x32}, Targets: []float32{float32(y)}}, &r32); err != nil {
			t.Fatal(err)
		}
		a, wt, pw := -1.0, 1.0, 1.0
		if cfg.Alpha != nil {
			a = cfg.Alpha[0]
		}
		if cfg.Weight != nil {
			wt = cfg.Weight[0]
		}
		if cfg.PosWeight != nil {
			pw = cfg.PosWeight[0]
		}
		// x y γ α(−1: off) weight pos_weight loss grad | x32 loss32 grad32
		fmt.Fprintf(w, "%x %g %x %x %x %x %x %x %x %x %x\n", x, y, cfg.Gamma, a, wt, pw,
			r.Losses[0], r.Grad[0], float64(x32), float64(r32.Losses[0]), float64(r32.Grad[0]))
	}
}

var measureSoft = flag.Int("stable.measuresoft", 0, "number of random soft-target cases to write for testdata/measure_soft.py")

// TestMeasureSoft writes -stable.measuresoft random cases with soft targets
// or label smoothing (every soft semantics and scope; |x| log-uniform in
// [2^-30, 2^10] and the landmarks; γ in {0, 0.5, 1, 2, 5, U(0,10)}) with
// the float64 and float32 results; testdata/measure_soft.py prints the
// largest |got − exact|/(|exact| + S) of Contract's SoftRel form:
//
//	go test ./impl/stable/ -run TestMeasureSoft -stable.measuresoft=20000 && python3 impl/stable/testdata/measure_soft.py /tmp/stable_soft.txt
func TestMeasureSoft(t *testing.T) {
	if *measureSoft == 0 {
		t.Skip("measurement: run with -stable.measuresoft=N")
	}
	f, err := os.Create("/tmp/stable_soft.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	rng := rand.New(rand.NewPCG(1, 1))
	gammas := []float64{0, 0.5, 1, 2, 5}
	for range *measureSoft {
		x := math.Exp2(-30 + 40*rng.Float64())
		if rng.IntN(8) == 0 {
			x = extremes32[rng.IntN(len(extremes32))]
		}
		if rng.IntN(2) == 0 {
			x = -x
		}
		x = float64(float32(x)) // the same logit on both paths
		y := float64(float32(rng.Float64()))
		if rng.IntN(3) == 0 {
			y = float64(rng.IntN(2))
		}
		cfg := spec.Config{Reduction: spec.None, Soft: spec.Soft(rng.IntN(4)), SmoothingScope: spec.Scope(rng.IntN(2))}
		if rng.IntN(2) == 0 || y == 0 || y == 1 {
			cfg.LabelSmoothing = float64(float32(0.3 * rng.Float64()))
		}
		if k := rng.IntN(6); k < 5 {
			cfg.Gamma = gammas[k]
		} else {
			cfg.Gamma = float64(float32(10 * rng.Float64()))
		}
		a := -1.0
		if rng.IntN(2) == 0 {
			a = float64(float32(rng.Float64()))
			cfg.Alpha = []float64{a}
		}
		pw := 1.0
		if rng.IntN(2) == 0 {
			pw = float64(float32(math.Exp2(-4 + 8*rng.Float64())))
			cfg.PosWeight = []float64{pw}
		}
		var r spec.Result
		if err := (Evaluator{}).Evaluate(&cfg, spec.Batch{Classes: 1, Logits: []float64{x}, Targets: []float64{y}}, &r); err != nil {
			t.Fatal(err)
		}
		var r32 spec.Result32
		if err := (Evaluator{}).Evaluate32(&cfg, spec.Batch32{Classes: 1, Logits: []float32{float32(x)}, Targets: []float32{float32(y)}}, &r32); err != nil {
			t.Fatal(err)
		}
		// x y ε scope soft γ α pw loss grad loss32 grad32
		fmt.Fprintf(w, "%x %x %x %d %d %x %x %x %x %x %x %x\n", x, y, cfg.LabelSmoothing, cfg.SmoothingScope, cfg.Soft, cfg.Gamma, a, pw,
			r.Losses[0], r.Grad[0], float64(r32.Losses[0]), float64(r32.Grad[0]))
	}
}

// binaryCase draws one case of the binary measurement: the float64 logit
// x, the float32 logit x32, the target y and the config.
func binaryCase(rng *rand.Rand) (x float64, x32 float32, y float64, cfg spec.Config) {
	gammas := []float64{0, 0.5, 1, 2, 5}
	logU := func(lo, hi float64) float64 { return math.Exp2(lo + (hi-lo)*rng.Float64()) }
	x = logU(-1074, 1024)
	if math.IsInf(x, 0) {
		x = math.MaxFloat64
	}
	x32 = float32(logU(-149, 128))
	if math.IsInf(float64(x32), 0) {
		x32 = math.MaxFloat32
	}
	if rng.IntN(2) == 0 {
		x, x32 = -x, -x32
	}
	switch rng.IntN(8) {
	case 0, 1: // moderate logits, where most of the work is
		x = (rng.Float64()*2 - 1) * 800
		x32 = float32((rng.Float64()*2 - 1) * 110)
	case 2: // the landmarks of SPEC.md §8 and the ends of the range
		x = extremes[rng.IntN(len(extremes))]
		x32 = float32(extremes32[rng.IntN(len(extremes32))])
		if rng.IntN(2) == 0 {
			x, x32 = -x, -x32
		}
	}
	y = float64(rng.IntN(2))
	cfg = spec.Config{Reduction: []spec.Reduction{spec.None, spec.Sum}[rng.IntN(2)]}
	if k := rng.IntN(6); k < 5 {
		cfg.Gamma = gammas[k]
	} else {
		cfg.Gamma = 10 * rng.Float64()
	}
	if rng.IntN(2) == 0 {
		cfg.Alpha = []float64{rng.Float64()}
	}
	if rng.IntN(2) == 0 {
		cfg.Weight = []float64{logU(-30, 30)}
	}
	if rng.IntN(2) == 0 {
		cfg.PosWeight = []float64{logU(-30, 30)}
	}
	return x, x32, y, cfg
}
