//go:build goexperiment.simd && amd64

package vectorized

// Tests of the SIMD kernels' helpers that close gaps found by mutation
// testing (make mutants; README, "Mutation testing"); see also mutants32_test.go.

import (
	"math"
	"math/rand/v2"
	"simd/archsimd"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// TestBinary8MatchesElem32 checks that every lane of binary8 gives elem32's
// bits (loss, gradient and whether the result is final), as both are
// written to (the same float32 operations in the same order, the FMA
// emulated in elem32 by fma32). The logits are the thresholds of the
// float32 element: w = 1 + e^{-a} equal to sqrt2f32 (a = 0.8813736,
// 0.88137364, 0.8813737, found by scanning every float32 a in [0.85,
// 0.92]), e^{-a} equal to 2^-12 (a = 8.317766, the only float32 a in [8.2,
// 8.4]), a = 80 and beyond, ±0, and logits32's spread over the float32
// range; the configs have α_t and α_t/D that are not float32 numbers (α =
// 0.01, D = 3: ρ ≠ 0), and γ from 0 to 50. TestFloat32PathsBitIdentical
// compares the two paths through Evaluate32, with α_t exact in float32.
//
// Kills (SIMD build), in elem32 and expLog1p32: `dm + rl` → `dm - rl` and
// `w > sqrt2f32` → `>=`; and any other change to the float32 element that
// changes its bits on these inputs. (`eh < smallE32` → `<=` lives: at a =
// 8.317766 the series and the general form give the same lh and an ll 6e-16
// apart, 2^-38 of L.)
func TestBinary8MatchesElem32(t *testing.T) {
	if !hasSIMD {
		t.Skip("no AVX2/FMA")
	}
	xs := []float32{0, float32(math.Copysign(0, -1)), 0.8813736, 0.88137364, 0.8813737, 8.317766, 80, 80.01}
	for _, x := range xs[2:] {
		xs = append(xs, -x)
	}
	xs = append(xs, logits32(rand.New(rand.NewPCG(8, 8)), 200)...)
	for len(xs)%8 != 0 {
		xs = append(xs, 1)
	}
	var ks []k32
	for _, gamma := range []float64{0, 0.5, 2, 7.3, 50} {
		for _, alpha := range [][]float64{nil, {0.01}, {0.25}} {
			for _, red := range []spec.Reduction{spec.Sum, spec.Mean} {
				cfg := spec.Config{Gamma: gamma, Alpha: alpha, Reduction: red, Normalizer: spec.Elements}
				k, ok := newK32(newParams(cfg.Round32(), 1, 3, 1, true))
				if !ok {
					t.Fatalf("%+v: newK32 rejects it", cfg)
				}
				ks = append(ks, k)
			}
		}
	}
	compare := func(k k32, xs []float32) {
		t.Helper()
		c := newConsts32(&k)
		for _, pos := range []bool{false, true} {
			y := float32(0)
			if pos {
				y = 1
			}
			for i := 0; i < len(xs); i += 8 {
				var bx [8]float32
				copy(bx[:], xs[i:])
				yv := archsimd.BroadcastFloat32x8(y)
				lv, gv, good := binary8(&c, archsimd.LoadFloat32x8(&bx), yv.Equal(c.one))
				var bl, bg [8]float32
				lv.Store(&bl)
				gv.Store(&bg)
				bits := good.ToBits()
				archsimd.ClearAVXUpperBits()
				for j, x := range bx {
					l, g, ok := elem32(&k, x, pos)
					if ok != (bits&(1<<j) != 0) {
						t.Fatalf("γ=%v x=%v y=%v: elem32 ok %v, binary8 lane %d %v", k.gam, x, y, ok, j, !ok)
					}
					if ok && (math.Float32bits(l) != math.Float32bits(bl[j]) || math.Float32bits(g) != math.Float32bits(bg[j])) {
						t.Fatalf("γ=%v kl=%v kg=%v x=%v y=%v: elem32 (%v, %v), binary8 (%v, %v)", k.gam, k.klP, k.kgP, x, y, l, g, bl[j], bg[j])
					}
				}
			}
		}
	}
	for _, k := range ks {
		compare(k, xs)
	}
}

// TestBinary4Fine checks binary4 directly on ordinary elements (|x| ≤ 10,
// γ = 2, α = 0.25, both targets): γ·log1p(e^{-|x|}) ≤ 2·ln 2 < 16, so every
// lane must be fine (no precise path needed), and the lanes' losses and
// gradients must be within Contract of spec/exact.
//
// Kills: `c750: b(-750)` → `b(750)` in newKernelConsts (both mutants):
// expLog1p4 and exp64 then clamp every argument to +750, every lane comes
// out Inf or NaN and not fine, and simd64 silently recomputes all of them
// with the portable loop (correct results, no SIMD).
func TestBinary4Fine(t *testing.T) {
	if !hasSIMD {
		t.Skip("no AVX2/FMA")
	}
	xs := []float64{-10, -3, -1, -0.1, 0, 0.5, 2, 10}
	cfg := spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.None}
	for _, y := range []float64{0, 1} {
		b := spec.Batch{Classes: 1, Logits: xs, Targets: make([]float64, len(xs))}
		for i := range b.Targets {
			b.Targets[i] = y
		}
		var want spec.Result
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &want); err != nil {
			t.Fatal(err)
		}
		k := newKernelConsts(newParams(&cfg, 1, len(xs), 0, false))
		for i := 0; i < len(xs); i += 4 {
			var bx [4]float64
			copy(bx[:], xs[i:])
			pos := archsimd.BroadcastFloat64x4(y).Equal(k.one)
			lv, gv, fine := binary4(&k, archsimd.LoadFloat64x4(&bx), pos)
			var bl, bg [4]float64
			lv.Store(&bl)
			gv.Store(&bg)
			bits := fine.ToBits()
			archsimd.ClearAVXUpperBits()
			for j := range 4 {
				x := bx[j]
				if bits&(1<<j) == 0 {
					t.Errorf("x=%v y=%v: lane not fine", x, y)
				}
				if d := ulp.Dist(bl[j], want.Losses[i+j]); d > Contract.Loss {
					t.Errorf("x=%v y=%v: loss %v, exact %v: %v ulp", x, y, bl[j], want.Losses[i+j], d)
				}
				if d := ulp.Dist(bg[j], want.Grad[i+j]); d > Contract.Grad {
					t.Errorf("x=%v y=%v: gradient %v, exact %v: %v ulp", x, y, bg[j], want.Grad[i+j], d)
				}
			}
		}
	}
}
