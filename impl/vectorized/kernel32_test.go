package vectorized

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// TestFMA32 checks fma32 against the correctly rounded a·b + c (math/big,
// 200 bits, rounded to float32), on random operands and on sums that
// cancel or fall next to a float32 tie, where a float64 FMA rounded to
// float32 rounds twice.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	f := func() float32 {
		return float32((rng.Float64()*2 - 1) * math.Exp2(float64(rng.IntN(40)-20)))
	}
	check := func(a, b, c float32) {
		t.Helper()
		v := new(big.Float).SetPrec(200).SetFloat64(float64(a))
		v.Mul(v, new(big.Float).SetPrec(200).SetFloat64(float64(b)))
		v.Add(v, new(big.Float).SetPrec(200).SetFloat64(float64(c)))
		want, _ := v.Float32()
		if got := fma32(a, b, c); math.Float32bits(got) != math.Float32bits(want) && !(got == 0 && want == 0) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
	ties := 0
	for range 200000 {
		a, b := f(), f()
		c := f()
		switch rng.IntN(3) {
		case 1: // cancellation
			c = -float32(float64(a) * float64(b))
		case 2: // a·b + c next to a float32 tie, off by one float64 ulp
			p := float64(a) * float64(b)
			h := float64(float32(p))
			c = float32(h - p) // c ≈ -(error of p); the sum is near a float32
			if math.Float64bits(float64(a)*float64(b)+float64(c)) != math.Float64bits(p+float64(c)) {
				ties++
			}
		}
		check(a, b, c)
	}
	// a double-rounding case: 1 + 2^-24 + 2^-60 rounds up as one sum; a
	// float64 FMA rounds it to 1 + 2^-24 (a float32 tie), then to 1.
	check(1+0x1p-23, 1+0x1p-23, -(0x1p-23 + 0x1p-46 - 0x1p-24 - 0x1p-52))
	check(0x1p-12+0x1p-35, 0x1p-12+0x1p-35, 1)
}

// measure32 evaluates the float32 batch with Evaluator (on the current
// path) and with exact.Evaluator and returns the max ulp distances of the
// binary elements' losses and gradients and of the reduced loss, with
// the worst inputs.
func measure32(t *testing.T, cfg *spec.Config, b spec.Batch32) (dl, dg, dr float64, wl, wg string) {
	t.Helper()
	var r, x spec.Result32
	if err := (Evaluator{}).Evaluate32(cfg, b, &r); err != nil {
		t.Fatal(err)
	}
	if err := (exact.Evaluator{}).Evaluate32(cfg, b, &x); err != nil {
		t.Fatal(err)
	}
	for i := range b.Logits {
		if y := b.Targets[i]; y != 0 && y != 1 {
			continue
		}
		if d := ulp.Dist32(r.Losses[i], x.Losses[i]); d > dl {
			dl, wl = d, fmt.Sprintf("x=%v y=%v γ=%v α=%v: %v exact %v", b.Logits[i], b.Targets[i], cfg.Gamma, cfg.Alpha, r.Losses[i], x.Losses[i])
		}
		if d := ulp.Dist32(r.Grad[i], x.Grad[i]); d > dg {
			dg, wg = d, fmt.Sprintf("x=%v y=%v γ=%v α=%v: %v exact %v", b.Logits[i], b.Targets[i], cfg.Gamma, cfg.Alpha, r.Grad[i], x.Grad[i])
		}
	}
	if cfg.Reduction != spec.None {
		dr = ulp.Dist32(r.Loss, x.Loss)
	}
	return dl, dg, dr, wl, wg
}

// logits32 returns n float32 logits spread over the whole float32 range
// (log-uniform magnitudes from 2^-149 to MaxFloat32, both signs, uniform
// on ±100 and 3·N(0,1)) plus the thresholds of the float32 element: a
// near 80 (its fallback), 86-88.8 and 103.97 (e^{-a} subnormal, then
// 0 in float32), 16.6 (σ rounds to 1), 0 and ±MaxFloat32.
func logits32(rng *rand.Rand, n int) []float32 {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1e-38, 16.6, -16.6, 16.635532, -16.635532,
		79.99, -79.99, 80, -80, 80.01, -80.01, 86, -86, 87.3, -87.3, 88.7, -88.7, 103.97, -103.97, 104, -104,
		0.34657359, -0.34657359, 0.88137359, -0.88137359, 1, -1, math.MaxFloat32, -math.MaxFloat32}
	for len(xs) < n {
		var v float64
		switch rng.IntN(4) {
		case 0:
			v = math.Exp2(-149 + 277*rng.Float64())
		case 1:
			v = 100 * rng.Float64()
		default:
			v = 3 * rng.NormFloat64()
		}
		if rng.IntN(2) == 0 {
			v = -v
		}
		xs = append(xs, float32(min(v, math.MaxFloat32)))
	}
	return xs
}

// TestFloat32Accuracy holds the float32 path (both paths on the SIMD
// build) to Contract against spec/exact for the loss, the gradient and the
// reduced loss of binary targets over the whole float32 range, for γ in
// {0, 0.25, 0.5, 1, 2, 5, 50} and a random γ ≤ 50, with α off, 0.25, 0,
// 1 and 1e-30 (subnormal losses from normal logits), every reduction.
func TestFloat32Accuracy(t *testing.T) {
	n := 60
	if testing.Short() {
		n = 40
	}
	if *measure > 0 {
		n = *measure
	}
	rng := rand.New(rand.NewPCG(32, 1))
	xs := logits32(rng, n)
	b := spec.Batch32{Classes: 1, Logits: make([]float32, 2*len(xs)), Targets: make([]float32, 2*len(xs))}
	for i, x := range xs {
		b.Logits[2*i], b.Logits[2*i+1] = x, x
		b.Targets[2*i] = 1
	}
	alphas := [][]float64{nil, {0.25}, {0}, {1}, {1e-30}}
	paths(t, func(path string) {
		var ml, mg, mr float64
		var wl, wg string
		for _, gamma := range []float64{0, 0.25, 0.5, 1, 2, 5, 50, 1 + 49*rng.Float64()} {
			for ai, alpha := range alphas {
				cfg := spec.Config{Gamma: gamma, Alpha: alpha, Reduction: spec.Reduction(ai % 3)}
				dl, dg, dr, l, g := measure32(t, &cfg, b)
				if dl > ml {
					ml, wl = dl, l
				}
				if dg > mg {
					mg, wg = dg, g
				}
				mr = max(mr, dr)
			}
		}
		t.Logf("%s: loss %v grad %v reduced %v ulp (worst loss: %s; grad: %s)", path, ml, mg, mr, wl, wg)
		if c := Contract; ml > c.Loss32 || mg > c.Grad32 || mr > c.Reduced32 {
			t.Errorf("%s: float32 exceeds the contract: loss %v grad %v reduced %v ulp (worst loss: %s; grad: %s)", path, ml, mg, mr, wl, wg)
		}
	})
}

// batch32 returns a float32 batch of n elements over the whole range
// (logits32), 10% positive targets and, with soft, a third of the
// targets soft.
func batch32(seed uint64, n int, soft bool) spec.Batch32 {
	rng := rand.New(rand.NewPCG(seed, 32))
	b := spec.Batch32{Classes: 1, Logits: logits32(rng, n), Targets: make([]float32, n)}
	b.Logits = b.Logits[:n]
	for i := range b.Targets {
		switch {
		case soft && rng.IntN(3) == 0:
			b.Targets[i] = rng.Float32()
		case rng.IntN(10) == 0:
			b.Targets[i] = 1
		}
	}
	return b
}

// cfgs32 are the configs of the float32 tests: γ in {0, 0.25, 0.5, 1, 2,
// 5, 50} and α off, 0.25, 0 and 1, every reduction.
func cfgs32() []spec.Config {
	var cs []spec.Config
	for i, gamma := range []float64{0, 0.25, 0.5, 1, 2, 5, 50, 17.3} {
		for j, alpha := range [][]float64{nil, {0.25}, {0}, {1}} {
			cs = append(cs, spec.Config{Gamma: gamma, Alpha: alpha, Reduction: spec.Reduction((i + j) % 3)})
		}
	}
	return cs
}

// TestFloat32PathsBitIdentical checks that the SIMD kernel and portable32
// give the same bits (element results and reduced loss), on batches with
// a partial last group and a partial last chunk, with and without soft
// targets.
func TestFloat32PathsBitIdentical(t *testing.T) {
	if !hasSIMD {
		t.Skip("built without GOEXPERIMENT=simd or no AVX2/FMA")
	}
	for _, n := range []int{1, 7, 8, 13, 1000, chunk + 21} {
		for _, soft := range []bool{false, true} {
			b := batch32(uint64(n), n, soft)
			for _, cfg := range cfgs32() {
				var r, q spec.Result32
				forcePortable = false
				if err := (Evaluator{}).Evaluate32(&cfg, b, &r); err != nil {
					t.Fatal(err)
				}
				forcePortable = true
				err := (Evaluator{}).Evaluate32(&cfg, b, &q)
				forcePortable = false
				if err != nil {
					t.Fatal(err)
				}
				if i := sameBits32(r.Losses, q.Losses); i >= 0 {
					t.Fatalf("n=%d γ=%v α=%v: loss of x=%v y=%v: simd %v portable %v", n, cfg.Gamma, cfg.Alpha, b.Logits[i], b.Targets[i], r.Losses[i], q.Losses[i])
				}
				if i := sameBits32(r.Grad, q.Grad); i >= 0 {
					t.Fatalf("n=%d γ=%v α=%v: grad of x=%v y=%v: simd %v portable %v", n, cfg.Gamma, cfg.Alpha, b.Logits[i], b.Targets[i], r.Grad[i], q.Grad[i])
				}
				if math.Float32bits(r.Loss) != math.Float32bits(q.Loss) {
					t.Fatalf("n=%d γ=%v α=%v: reduced simd %v portable %v", n, cfg.Gamma, cfg.Alpha, r.Loss, q.Loss)
				}
			}
		}
	}
}

// TestFloat32Permutation checks that permuting the elements permutes the
// element results exactly, on both paths: an element's result does not
// depend on its lane, its group or the tail.
func TestFloat32Permutation(t *testing.T) {
	const n = 1003
	b := batch32(9, n, true)
	perm := rand.New(rand.NewPCG(9, 9)).Perm(n)
	pb := spec.Batch32{Classes: 1, Logits: make([]float32, n), Targets: make([]float32, n)}
	for i, j := range perm {
		pb.Logits[i], pb.Targets[i] = b.Logits[j], b.Targets[j]
	}
	paths(t, func(path string) {
		for _, cfg := range cfgs32() {
			var r, q spec.Result32
			if err := (Evaluator{}).Evaluate32(&cfg, b, &r); err != nil {
				t.Fatal(err)
			}
			if err := (Evaluator{}).Evaluate32(&cfg, pb, &q); err != nil {
				t.Fatal(err)
			}
			for i, j := range perm {
				if math.Float32bits(q.Losses[i]) != math.Float32bits(r.Losses[j]) || math.Float32bits(q.Grad[i]) != math.Float32bits(r.Grad[j]) {
					t.Fatalf("%s γ=%v α=%v x=%v y=%v: at %d (%v, %v), at %d (%v, %v)", path, cfg.Gamma, cfg.Alpha, b.Logits[j], b.Targets[j], j, r.Losses[j], r.Grad[j], i, q.Losses[i], q.Grad[i])
				}
			}
		}
	})
}

// TestElem32Fallbacks checks which elements the float32 element keeps: all
// of the benchmark's logits 3·N(0,1) for γ ≤ 50 with α = 0.25 and those
// with a subnormal loss, none beyond |x| = 80; and that newK32 sends γ >
// 50, a mean over D < 1 and a subnormal α to the float64 loop.
func TestElem32Fallbacks(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, gamma := range []float64{0, 0.5, 2, 50} {
		cfg := spec.Config{Gamma: gamma, Alpha: []float64{0.25}}
		p := newParams(cfg.Round32(), 1, 1000, 100, true)
		k, ok := newK32(p)
		if !ok {
			t.Fatalf("γ=%v: newK32 rejects the config", gamma)
		}
		for range 10000 {
			x := float32(3 * rng.NormFloat64())
			for _, pos := range []bool{false, true} {
				if _, _, ok := elem32(&k, x, pos); !ok {
					t.Errorf("γ=%v x=%v y=%v: falls back", gamma, x, pos)
				}
			}
		}
		for _, x := range []float32{80.01, -80.01, 100, -1e30} {
			if _, _, ok := elem32(&k, x, true); ok {
				t.Errorf("γ=%v x=%v: kept beyond |x| = 80", gamma, x)
			}
		}
		// y = 0, x = -60: l = α·e^{-60(γ+1)}, subnormal or 0 for γ ≥ 0.5,
		// computed in float32 all the same.
		if _, _, ok := elem32(&k, -60, false); !ok {
			t.Errorf("γ=%v x=-60 y=0: falls back", gamma)
		}
	}
	for _, cfg := range []spec.Config{
		{Gamma: 50.5},
		{Gamma: 2, Alpha: []float64{1e-40}},
	} {
		if _, ok := newK32(newParams(cfg.Round32(), 1, 1000, 100, true)); ok {
			t.Errorf("%+v: newK32 accepts it", cfg)
		}
	}
	if _, ok := newK32(newParams(&spec.Config{Gamma: 2, Normalizer: spec.Positives}, 1, 1000, 0, true)); ok {
		t.Error("a mean over D = 0: newK32 accepts it")
	}
}

// TestExpLog1p32 holds the double-floats of expLog1p32 to the bounds the
// error analysis states, against exact.Exp and exact.Log1p (200 bits):
// e^{-a} within 2^-29 relative, log1p(e^{-a}) within 2^-30 absolute and
// 2^-28.5 relative (measured maxima 2^-29.4, 2^-30.6 and 2^-29.0 on 12000
// a), on a grid of a in [0, 80] with its thresholds
// (k changes, w = √2, e = 2^-12) and random a.
func TestExpLog1p32(t *testing.T) {
	const prec = 200
	rng := rand.New(rand.NewPCG(6, 6))
	as := []float32{0, 1e-45, 1e-30, 0x1p-24, 0.34657359, 0.3465736, 0.88137359, 0.8813736, 1, 8.317766, 8.3177662, 16.6, 79.99, 80}
	for range 1000 {
		as = append(as, float32(80*rng.Float64()), float32(2*rng.Float64()), float32(math.Exp2(-60*rng.Float64())))
	}
	var me, mla, mlr float64
	for _, a := range as {
		eh, el, lh, ll, _, _ := expLog1p32(a)
		e := exact.Exp(new(big.Float).SetPrec(prec).SetFloat64(-float64(a)), prec)
		l := exact.Log1p(e, prec)
		ge := new(big.Float).SetPrec(prec).SetFloat64(float64(eh))
		ge.Add(ge, new(big.Float).SetPrec(prec).SetFloat64(float64(el)))
		gl := new(big.Float).SetPrec(prec).SetFloat64(float64(lh))
		gl.Add(gl, new(big.Float).SetPrec(prec).SetFloat64(float64(ll)))
		de, _ := new(big.Float).Quo(new(big.Float).Sub(ge, e), e).Float64()
		dl, _ := new(big.Float).Sub(gl, l).Float64()
		lf, _ := l.Float64()
		me, mla, mlr = max(me, math.Abs(de)), max(mla, math.Abs(dl)), max(mlr, math.Abs(dl)/lf)
		if math.Abs(de) > 0x1p-29 || math.Abs(dl) > 0x1p-30 || math.Abs(dl) > math.Exp2(-28.5)*lf {
			t.Fatalf("a=%v: e error %g (relative), L error %g (absolute), %g (relative)", a, de, dl, dl/lf)
		}
	}
	t.Logf("max errors: e 2^%.1f relative, L 2^%.1f absolute, 2^%.1f relative", math.Log2(me), math.Log2(mla), math.Log2(mlr))
}
