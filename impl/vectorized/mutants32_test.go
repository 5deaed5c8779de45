package vectorized

// Tests of internal helpers that close gaps found by mutation testing
// (make mutants; README, "Mutation testing"): fma32's rounding to odd, the
// configs newK32 takes and the relative errors it stores, the compensated
// float64 sum of a float32 chunk (lanes8), powLog, needsPrecise's
// threshold and powPrecise's rounding. They run on both builds; the SIMD
// build also compares binary8 with elem32 lane by lane
// (mutants_simd_test.go).

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// fma32Want is a·b + c rounded once to float32: math/big at 200 bits holds
// a·b + c exactly (two 24-bit factors, exponents within float32's range),
// and Float32 rounds to nearest even.
func fma32Want(a, b, c float32) float32 {
	v := new(big.Float).SetPrec(200).SetFloat64(float64(a))
	v.Mul(v, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
	v.Add(v, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
	w, _ := v.Float32()
	return w
}

// TestFMA32RoundToOdd checks fma32 where the float64 sum p + c rounds to a
// float32 midpoint, the case rounding to odd exists for: a = ±(1 + 2^-12),
// b = 1 + 2^-12, so p = a·b = ±(1 + 2^-11 + 2^-24), exactly the midpoint
// of 1 + 2^-11 and 1 + 2^-11 + 2^-23 (whose even neighbour is the lower,
// 1 + 2^-11); c = ±2^-60 is below half a float64 ulp of p, so s = fl(p + c)
// = p and the TwoSum error is c itself. a·b + c is then strictly above or
// below the midpoint, and its correct rounding is the upper neighbour when
// |p + c| > |p| and the lower one otherwise (math/big says the same).
// A second family has the error in the TwoSum's other term, the float32
// operand c being the larger: a·b = ±(2^-24 - 2^-60) (a = 2^-12·(1 +
// 2^-18), b = ±2^-12·(1 - 2^-18)) and c = 1 + 2^-23 or 1 + 2^-22, giving
// 1 + 3·2^-24 - 2^-60 (correct rounding 1 + 2^-23, the odd neighbour of
// the midpoint 1 + 3·2^-24), 1 + 3·2^-24 + 2^-60 (1 + 2^-22) and 1 + 2^-24
// + 2^-60 (1 + 2^-23, the odd neighbour of the midpoint 1 + 2^-24), and
// their negatives. Together: every combination of the sign of the sum and
// of the error.
//
// Kills, in fma32: `bits&1 == 0` → `!=` (no nudge at the midpoint: the even
// neighbour), `(err > 0) == (s > 0)` with either comparison negated or `==`
// → `!=` (the nudge goes the wrong way), `bits++` ↔ `bits--`, `bb := s - p`
// → `s + p` (err computes to 0) and `+ (cc - bb)` → `- (cc - bb)` (err's
// sign flips).
func TestFMA32RoundToOdd(t *testing.T) {
	const (
		u   = 1 + 0x1p-12
		lo1 = 0x1p-12 * (1 + 0x1p-18)
		lo2 = 0x1p-12 * (1 - 0x1p-18)
		odd = 1 + 0x1p-23
		tau = 0x1p-60
	)
	cases := []struct{ a, b, c, want float32 }{
		{u, u, tau, 1 + 0x1p-11 + 0x1p-23},
		{u, u, -tau, 1 + 0x1p-11},
		{-u, u, -tau, -(1 + 0x1p-11 + 0x1p-23)},
		{-u, u, tau, -(1 + 0x1p-11)},
		{lo1, lo2, odd, odd},                         // 1 + 3·2^-24 - 2^-60
		{lo1, -lo2, 1 + 0x1p-22, 1 + 0x1p-22},        // 1 + 3·2^-24 + 2^-60
		{-lo1, lo2, -odd, -odd},                      // -(1 + 3·2^-24 - 2^-60)
		{-lo1, -lo2, -(1 + 0x1p-22), -(1 + 0x1p-22)}, // -(1 + 3·2^-24 + 2^-60)
		{lo1, -lo2, odd, odd},                        // 1 + 2^-24 + 2^-60: above 1 + 2^-24, the midpoint of 1 (even) and 1 + 2^-23
		{-lo1, -lo2, -odd, -odd},                     // its negative
	}
	for _, tc := range cases {
		want := fma32Want(tc.a, tc.b, tc.c)
		if want != tc.want {
			t.Fatalf("derivation: %v·%v + %v rounds to %v (math/big), not %v", tc.a, tc.b, tc.c, want, tc.want)
		}
		if got := fma32(tc.a, tc.b, tc.c); math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("fma32(%v, %v, %v) = %v, want %v", tc.a, tc.b, tc.c, got, want)
		}
	}
}

// TestNewK32Edges checks newK32 at the edges of what it takes (its doc: γ ≤
// 50, no mean over D < 1, α_t and α_t/D zero or normal float32 numbers):
// a Sum (D = 1), a mean over exactly D = 1 and α = 2^-126, the smallest
// normal float32, are taken; and the relative rounding errors ρ it stores
// satisfy h·(1 + ρ) = v within 2^-47·|v| for each of α₊, α₋, α₊/D and α₋/D
// (v - h is exact, being a difference of two floats within a factor 2;
// its quotient by h is rounded to float64 and then to float32, a relative
// error below 2^-23 of ρ, and |ρ| ≤ 2^-24), with α = 0.01 and D = 3: α₊
// is the float32 0.01 (Round32), ρ = 0; 1 - α₊ (bits down to 2^-30) and
// the quotients by 3 are not float32 numbers.
//
// Kills, in newK32: `p.d < 1` → `p.d <= 1` (every Sum and None config left
// the float32 element), `h < tiny32` → `h <= tiny32`, and `(v - h) / h` →
// `(v - h) * h`.
func TestNewK32Edges(t *testing.T) {
	accept := []struct {
		name string
		cfg  spec.Config
		n    int
		sumY float64
	}{
		{"sum", spec.Config{Gamma: 2, Alpha: []float64{0.25}, Reduction: spec.Sum}, 8, 3},
		{"none", spec.Config{Gamma: 0.5, Reduction: spec.None}, 8, 3},
		{"mean over D = 1 (Positives)", spec.Config{Gamma: 2, Reduction: spec.Mean, Normalizer: spec.Positives}, 8, 1},
		{"mean over D = 1 (Elements)", spec.Config{Gamma: 2, Reduction: spec.Mean, Normalizer: spec.Elements}, 1, 1},
		{"α = 2^-126", spec.Config{Gamma: 2, Alpha: []float64{0x1p-126}, Reduction: spec.Sum}, 8, 3},
	}
	for _, a := range accept {
		if _, ok := newK32(newParams(a.cfg.Round32(), 1, a.n, a.sumY, true)); !ok {
			t.Errorf("%s: newK32 rejects it", a.name)
		}
	}

	cfg := spec.Config{Gamma: 2, Alpha: []float64{0.01}, Reduction: spec.Mean, Normalizer: spec.Elements}
	p := newParams(cfg.Round32(), 1, 3, 1, true)
	k, ok := newK32(p)
	if !ok {
		t.Fatal("α = 0.01, D = 3: newK32 rejects it")
	}
	for _, c := range []struct {
		name   string
		v      float64
		h, rho float32
	}{
		{"α₊", p.ap[0], k.klP, k.rlP},
		{"α₋", p.an[0], k.klN, k.rlN},
		{"α₊/D", p.ap[0] / p.d, k.kgP, k.rgP},
		{"α₋/D", p.an[0] / p.d, k.kgN, k.rgN},
	} {
		if c.name != "α₊" && float64(c.h) == c.v {
			t.Fatalf("%s = %v is a float32 number: ρ = 0 tests nothing", c.name, c.v)
		}
		h := new(big.Float).SetPrec(200).SetFloat64(float64(c.h))
		got := new(big.Float).SetPrec(200).Mul(h, new(big.Float).SetFloat64(float64(c.rho)))
		got.Add(got, h) // h + h·ρ, exact at 200 bits
		d, _ := got.Sub(got, new(big.Float).SetFloat64(c.v)).Float64()
		if math.Abs(d) > 0x1p-47*math.Abs(c.v) {
			t.Errorf("%s = %v: h = %v, ρ = %v: h·(1+ρ) - v = %g, above 2^-47·|v|", c.name, c.v, c.h, c.rho, d)
		}
	}
}

// TestFloat32ChunkSumCompensated checks the float64 loss sum kernel32
// returns for a chunk against the exact (math/big) sum of the terms it
// adds: the float32 losses of the elements the float32 element keeps and
// the float64 losses portable returns for the others (soft targets). Those
// are summed with compensation (TwoSum per lane, Neumaier across lanes and
// for the rest), so the result is within 1 ulp of the exact sum: one final
// rounding plus terms of order n·2^-106 of the sum (all terms ≥ 0).
//
// Two chunks make the compensation large. In the first, every lane starts
// with a loss near 79 (y = 0, x = 79) followed by 127 losses e^{-x} below
// 2^-47 (y = 1, x in [33, 45]), each below half an ulp of the lane's sum:
// a plain sum drops them all, 4.4e-13 or 3.9 ulp of the total 632. In the
// second, a soft element with a loss near 40 (y = ½, x = 80) is followed by
// 1000 soft elements with losses near 3.9e-17 (y = 2^-60, x = -40:
// 2^-60·40 + e^{-40}), each below half an ulp of 40, 5.5 ulp in all: the
// sum of the elements portable recomputes. Both paths on the SIMD build.
//
// Kills, in lanes8.add: `a.s[j] + v` → `-`, `t - a.s[j]` → `+`, and the
// signs of the compensation, `a.c[j] + (…)` and `+ (v - bp)`; in
// lanes8.total: `s + (c + restC)` → `s - (…)` and `c + restC` → `c -
// restC`.
func TestFloat32ChunkSumCompensated(t *testing.T) {
	var lx, ly []float32
	for range 8 {
		lx, ly = append(lx, 79), append(ly, 0)
	}
	for i := range 8 * 127 {
		lx, ly = append(lx, 33+12*float32(i%97)/97), append(ly, 1)
	}
	var sx, sy []float32
	sx, sy = append(sx, 80), append(sy, 0.5)
	for range 1000 {
		sx, sy = append(sx, -40), append(sy, 0x1p-60)
	}
	cfg := spec.Config{Gamma: 0, Reduction: spec.Sum}
	check := func(path, name string, x, y []float32) {
		t.Helper()
		var sumY float64
		for _, v := range y {
			sumY += float64(v)
		}
		p := newParams(cfg.Round32(), 1, len(x), sumY, true)
		loss, grad := make([]float32, len(x)), make([]float32, len(x))
		got := kernel32(p, 0, x, y, loss, grad)
		sum := new(big.Float).SetPrec(2048)
		for i := range x {
			v := float64(loss[i])
			if y[i] != 0 && y[i] != 1 {
				var l, g [1]float32
				v = portable(p, i, x[i:i+1], y[i:i+1], l[:], g[:])
			}
			sum.Add(sum, new(big.Float).SetFloat64(v))
		}
		want, _ := sum.Float64()
		if d := ulp.Dist(got, want); d > 1 {
			t.Errorf("%s, %s: chunk sum %v, exact sum of its terms %v: %v ulp", path, name, got, want, d)
		}
	}
	paths(t, func(path string) {
		check(path, "binary lanes", lx, ly)
		check(path, "soft rest", sx, sy)
	})
}

// TestPowLog holds powLog to its error against spec/exact (300 bits):
// exp(γ·(hi+lo)) = exp(zh)·(1 + zl) with zh = fl(γ·hi), zl its FMA residual
// plus γ·lo (|zl| < 2^-42 here, so exp(zl) - (1 + zl) < 2^-85), math.Exp
// within 1 ulp and the product and the sum one rounding each: within 2 ulp
// of the correctly rounded value, subnormal results included; and 0 where
// e^{zh} is below half the smallest subnormal (zh < -745.13). The cases span
// zh from -0.03 to -746.5.
//
// Kills, in powLog: `zh < -746` → `zh >= -746` and `-746` → `746` (0 for
// every argument). elem hides both: a zero modulator sends the element to
// the careful path (its product check), which has its own modulator.
func TestPowLog(t *testing.T) {
	for _, c := range []struct{ gamma, hi, lo float64 }{
		{0.1, -0.3132616875182228, 1.3e-17},
		{2, -0.6931471805599453, 2.3190468138462996e-17},
		{7.3, -3.048587351573742, -1.1e-16},
		{100, -0.01, 5e-19},
		{250, -2.5000000000000004, 7e-17},
		{1000, -0.745, 1e-17},     // zh = -745: the smallest subnormal
		{1000, -0.7440001, 3e-18}, // a subnormal with a few bits
		{1000, -0.7465, 0},        // below half the smallest subnormal: 0
	} {
		z := new(big.Float).SetPrec(300).SetFloat64(c.hi)
		z.Add(z, new(big.Float).SetFloat64(c.lo))
		z.Mul(z, new(big.Float).SetFloat64(c.gamma))
		want, _ := exact.Exp(z, 300).Float64()
		got := powLog(c.gamma, c.hi, c.lo)
		if d := ulp.Dist(got, want); d > 2 {
			t.Errorf("powLog(%v, %v, %v) = %v, exact %v: %v ulp", c.gamma, c.hi, c.lo, got, want, d)
		}
	}
}

// TestNeedsPreciseStrict checks needsPrecise at γ·lh = 16 exactly: its doc
// states γ·lh > 16, strictly, and binary4 keeps a lane while γ·lh ≤ 16
// (fine: LessEqual), so an element at the threshold takes powLog on both
// paths. γ = 16, lh = 1 and γ = 32, lh = ½ (exact products 16) are below
// it; the next float64 γ above either is above it.
//
// Kills: `gamma*lh > preT` → `>=` in needsPrecise.
func TestNeedsPreciseStrict(t *testing.T) {
	for _, c := range []struct{ gamma, lh float64 }{{16, 1}, {32, 0.5}} {
		if needsPrecise(c.gamma, c.lh) {
			t.Errorf("needsPrecise(%v, %v) = true at γ·lh = 16", c.gamma, c.lh)
		}
		if g := math.Nextafter(c.gamma, 100); !needsPrecise(g, c.lh) {
			t.Errorf("needsPrecise(%v, %v) = false above γ·lh = 16", g, c.lh)
		}
	}
}

// TestPowPreciseRounding holds powPrecise to the bound its doc states for
// a normal result, 0.5 ulp + 2^-11 ulp: the result must be the correctly
// rounded modulator (spec/exact at 300 bits) unless the exact value lies
// within 2^-11 ulp of a rounding midpoint (TestPowPrecise allows 1 ulp
// everywhere); and, for a subnormal result (rounded twice), within 1 ulp.
// 100 seeded samples: a in [0, 40], mq = 0 or a, γ such that z = γ·(mq + l)
// is log-uniform in [2^-10, 700], and 20 with z in [709, 744] (results from
// 2^-1023 down to 2^-1073).
//
// Kills, in expNeg: the signs of the low-order terms of r, `e1+e2` → `-`,
// `-(pl+kf*ln2C)` → `+(…)`, `pl+kf*ln2C` → `-`, and `h + (l + ml)` → `h -
// (l + ml)` (errors up to about 2^-54 relative: wrong roundings); in
// powPrecise, `k >= -1021` → `k < -1021` (2^k below 2^-1022 taken as 0:
// subnormal results lost).
func TestPowPreciseRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 43))
	wrong, near := 0, 0
	for i := range 120 {
		a := 40 * rng.Float64()
		_, lh, ll := expLog1p(a)
		mq := 0.0
		if rng.IntN(2) == 0 {
			mq = a
		}
		z := math.Exp2(-10 + (10+math.Log2(700))*rng.Float64())
		if i >= 100 {
			z = 709 + 35*rng.Float64()
		}
		gamma := z / (mq + lh + ll)
		got := powPrecise(gamma, mq, a)
		e := refLog1pExp(a)
		e.Add(e, new(big.Float).SetFloat64(mq))
		e.Mul(e, new(big.Float).SetFloat64(-gamma))
		e = exact.Exp(e, refPrec)
		want, _ := e.Float64()
		if want < 0x1p-1022 {
			if d := ulp.Dist(got, want); d > 1 {
				t.Errorf("γ=%v mq=%v a=%v: %v, exact %v (subnormal): %v ulp", gamma, mq, a, got, want, d)
			}
			continue
		}
		// The distance of the exact value from want, in ulps on its side.
		next := math.Nextafter(want, math.Inf(1))
		if e.Cmp(new(big.Float).SetFloat64(want)) < 0 {
			next = math.Nextafter(want, 0)
		}
		d := new(big.Float).SetPrec(refPrec).Sub(e, new(big.Float).SetFloat64(want))
		d.Quo(d, new(big.Float).SetFloat64(next-want))
		frac, _ := d.Float64()
		if frac > 0.5-0x1p-11 {
			near++
			continue
		}
		if got != want {
			wrong++
			t.Errorf("γ=%v mq=%v a=%v: %v, correctly rounded %v (exact %.3f ulp from it)", gamma, mq, a, got, want, frac)
		}
	}
	if near > 5 || wrong > 0 {
		t.Logf("%d near a midpoint, %d wrongly rounded", near, wrong)
	}
}
