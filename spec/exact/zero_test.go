package exact

import (
	"math"
	"math/big"
	"testing"

	"github.com/focalcheck/focalcheck/spec"
)

// TestZeroTies checks gradients at x = 0 that are exactly a rounding
// midpoint, where only an exact evaluation breaks the tie correctly (to
// even), or a hair off one. With y = 1/2 the bracket of f′ vanishes,
// q = 1/2, and f′(0) = 2^{−γ}·CE′ with CE′ = (1 − pw)/4 (SPEC.md §3, α off).
// The expected values are derived by hand in each case.
func TestZeroTies(t *testing.T) {
	const u52 = 0x1p-52
	cases := []struct {
		why  string
		cfg  spec.Config
		y    float64
		want float64
	}{
		// W·f′ = (1+2^-52)·(3/4)/4/4 = (3/4 + 3·2^-54)/16: 3/4 + 3·2^-54
		// lies halfway between 3/4 + 2^-53 (odd) and 3/4 + 2^-52 (even).
		{"tie up", spec.Config{Gamma: 2, PosWeight: []float64{0.25}, Weight: []float64{1 + u52}}, 0.5, (0.75 + u52) / 16},
		// (1+3·2^-52)·3/4 = 3/4 + 9·2^-54, halfway between 3/4 + 2^-51
		// (even) and 3/4 + 5·2^-53 (odd).
		{"tie down", spec.Config{Gamma: 2, PosWeight: []float64{0.25}, Weight: []float64{1 + 3*u52}}, 0.5, (0.75 + 2*u52) / 16},
		// expce and geometric have the same f′(0) for y_m = 1/2.
		{"tie up, expce", spec.Config{Gamma: 2, Soft: spec.ExpCE, PosWeight: []float64{0.25}, Weight: []float64{1 + u52}}, 0.5, (0.75 + u52) / 16},
		{"tie up, geometric", spec.Config{Gamma: 2, Soft: spec.Geometric, PosWeight: []float64{0.25}, Weight: []float64{1 + u52}}, 0.5, (0.75 + u52) / 16},
		// split with γ = 0: f′(0) = (α₋(1−y_s) − α₊·pw·y_s)/2 = (1−pw)/4.
		{"tie up, split γ=0", spec.Config{Soft: spec.Split, PosWeight: []float64{0.25}, Weight: []float64{1 + u52}}, 0.5, (0.75 + u52) / 4},
		// Just below a tie: γ = 0, y = 0, ε = 2^-600 (scope ce), α = 1/4:
		// f′ = α₋·CE′ = (3/4)·(1 − y_s − y_s)/2 with y_s = 2^-601, so
		// W·f′ = (3/4 + 3·2^-54)·(1 − 2^-600)/2, a hair below the tie of
		// "tie up": it rounds down, to (3/4 + 2^-53)/2. A 256-bit value
		// rounds to the tie itself and would be rounded up.
		{"below a tie", spec.Config{Alpha: []float64{0.25}, LabelSmoothing: 0x1p-600, SmoothingScope: spec.SmoothingCE, Weight: []float64{1 + u52}}, 0, (0.75 + u52/2) / 2},
		// CB β = 1/2, n = 2: w = 2/3, not a float64; γ = 0, pw = 7/16:
		// f′ = 9/64, W·f′ = (1+2^-52)·(2/3)·(9/64) = (3 + 3·2^-52)/32,
		// halfway between 3 + 2^-51 (odd) and 3 + 2^-50 (even).
		{"tie up through a CB weight 2/3", spec.Config{PosWeight: []float64{7.0 / 16}, Weight: []float64{1 + u52}, CB: &spec.CB{Beta: 0.5, Counts: []float64{2}}}, 0.5, (3 + 4*u52) / 32},
	}
	for _, c := range cases {
		_, df := elem1(t, Evaluator{}, c.cfg, 0, c.y)
		if df != c.want {
			t.Errorf("%s: f′(0) = %v, want %v", c.why, df, c.want)
		}
		c.cfg.Reduction = spec.Mean
		c.cfg.Normalizer = spec.Rows
		var r spec.Result
		b := spec.Batch{Classes: 1, Logits: []float64{0, 0, 0, 0}, Targets: []float64{c.y, c.y, c.y, c.y}}
		if err := (Evaluator{}).Evaluate(&c.cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if r.Grad[0] != c.want/4 {
			t.Errorf("%s, mean over 4 rows: %v, want %v", c.why, r.Grad[0], c.want/4)
		}
	}
	// float32: (1+2^-23)·3/4 = 3/4 + 3·2^-25, halfway between 3/4 + 2^-24
	// (odd) and 3/4 + 2^-23 (even).
	cfg := spec.Config{Gamma: 2, PosWeight: []float64{0.25}, Weight: []float64{1 + 0x1p-23}, Reduction: spec.None}
	var r spec.Result32
	if err := (Evaluator{}).Evaluate32(&cfg, spec.Batch32{Classes: 1, Logits: []float32{0}, Targets: []float32{0.5}}, &r); err != nil {
		t.Fatal(err)
	}
	if want := float32(0.75+0x1p-23) / 16; r.Grad[0] != want {
		t.Errorf("float32 tie: %v, want %v", r.Grad[0], want)
	}
}

// TestZeroDerivAgrees checks ZeroDeriv against Element's 512-bit f′(0)
// wherever it applies, over the semantics, targets, α, pw and γ, and that
// it declines the transcendental cases (a log 2 term, or 2^{−γ} for
// γ = 0.5 with f′(0) ≠ 0).
func TestZeroDerivAgrees(t *testing.T) {
	const prec = 512
	one := fl(prec, 1)
	for _, s := range []spec.Soft{spec.Linear, spec.Geometric, spec.Split, spec.ExpCE} {
		for _, y := range []float64{0, 0.5, 1, 0.3} {
			for _, g := range []float64{0, 0.5, 1, 3} {
				for _, pw := range []float64{0, 0.7, 2} {
					for _, a := range []float64{0.25, 1} {
						yb := fl(targetPrec, y)
						p := Params{YM: yb, YS: yb, APos: fl(prec, a), ANeg: newF(targetPrec).Sub(one, fl(prec, a)), PW: fl(prec, pw), Gamma: g, Soft: s}
						q, ok := ZeroDeriv(p)
						_, df, _ := Element(0, p, prec)
						// K = 0 (no log 2 term) and CE′ = ((1−y) − pw·y)/2 = 0.
						kZero := g == 0 || y == 0.5 || (y == 1 && pw == 0)
						zero := a*y+(1-a)*(1-y) == 0 || (kZero && (1-y) == pw*y) // α_t = 0 or no term
						rational := zero || (kZero && g == math.Trunc(g))        // 2^{−γ} rational
						if s == spec.Split {
							// b − a = (1−α)(1−y) − α·pw·y.
							rational = g == 0 || (1-a)*(1-y) == a*pw*y
						}
						if ok != rational {
							t.Errorf("%v y=%v γ=%v pw=%v α=%v: ZeroDeriv ok = %v, want %v", s, y, g, pw, a, ok, rational)
							continue
						}
						if !ok {
							continue
						}
						qf := new(big.Float).SetPrec(prec).SetRat(q)
						if d := relDiff(df, qf); d > math.Ldexp(1, -480) {
							t.Errorf("%v y=%v γ=%v pw=%v α=%v: ZeroDeriv %v, Element %v", s, y, g, pw, a, qf, df)
						}
					}
				}
			}
		}
	}
}

// TestCBWeights32Tie checks a float32 CB weight a hair above a float32
// midpoint: β = 0.9999999968169185 and n = 2.48968132107e11 give
// w = (1−β)/(1−β^n) with β^n ≈ e^{−792}, so w = (1−β)(1 + ~1e-344), and
// 1−β (a float64) is exactly halfway between two float32s. The exact weight
// lies just above the midpoint and rounds up, to the float32 whose bits are
// 828030301; a 256-bit value rounds to the midpoint itself and would round
// down (to even, 828030300). mpmath at 3000 bits, rounded to 24 bits,
// gives 828030301.
func TestCBWeights32Tie(t *testing.T) {
	cb := &spec.CB{Beta: 0.9999999968169185, Counts: []float64{2.48968132107e+11}}
	w, err := (Evaluator{}).CBWeights32(cb)
	if err != nil {
		t.Fatal(err)
	}
	if b := math.Float32bits(w[0]); b != 828030301 {
		t.Errorf("w = %v (bits %d), want bits 828030301", w[0], b)
	}
}
