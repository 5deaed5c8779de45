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

// refPrec is the precision of the math/big references of this file
// (spec/exact's Exp and Log1p, accurate to about that many bits relative).
const refPrec = 300

// refLog1pExp returns log1p(e^{-a}) to refPrec bits (spec/exact).
func refLog1pExp(a float64) *big.Float {
	e := exact.Exp(new(big.Float).SetPrec(refPrec).SetFloat64(-a), refPrec)
	return exact.Log1p(e, refPrec)
}

// relErr returns |got - want|/|want| as a float64 (want ≠ 0).
func relErr(got, want *big.Float) float64 {
	d := new(big.Float).SetPrec(refPrec).Sub(got, want)
	d.Quo(d, want)
	f, _ := d.Float64()
	return math.Abs(f)
}

// dwBig returns (h + l)·2^k exactly.
func dwBig(h, l float64, k int) *big.Float {
	v := new(big.Float).SetPrec(2200).SetFloat64(h)
	v.Add(v, new(big.Float).SetFloat64(l))
	return v.SetMantExp(v, k)
}

// drawA draws a in [0, 745]: uniform, log-uniform in [2^-60, 724] so that
// the small arguments (l near ln 2) are sampled too, uniform in [36, 39]
// around the edge of log1pExpDW's branches (k = -55 from a = 54.5·ln 2 =
// 37.78), and a few fixed points, that edge among them.
func drawA(rng *rand.Rand) float64 {
	switch rng.IntN(4) {
	case 0:
		return 745 * rng.Float64()
	case 1:
		return math.Exp2(-60 + 69.5*rng.Float64())
	case 2:
		return 36 + 3*rng.Float64()
	default:
		return []float64{0, 0x1p-1074, 1, math.Ln2, 54.5 * math.Ln2, 700, 708.39, 745}[rng.IntN(8)]
	}
}

// TestLog1pExpDW holds log1pExpDW's l = log1p(e^{-a}) to its documented
// relative error, 2^-91, against spec/exact at 300 bits over seeded a in
// [0, 745], and the three-part ln 2 and the expm1 coefficients to theirs.
func TestLog1pExpDW(t *testing.T) {
	ln2 := exact.Log1p(new(big.Float).SetPrec(refPrec).SetInt64(1), refPrec)
	sum := new(big.Float).SetPrec(refPrec).SetFloat64(ln2A)
	sum.Add(sum, big.NewFloat(ln2B)).Add(sum, big.NewFloat(ln2C))
	if d, _ := sum.Sub(sum, ln2).Float64(); math.Abs(d) > 0x1p-140 {
		t.Errorf("ln2A+ln2B+ln2C: error %g > 2^-140", d)
	}
	fact := big.NewInt(1)
	for n := range 10 { // the coefficients expm1DW takes as double-words
		fact.Mul(fact, big.NewInt(int64(n+1)))
		want := new(big.Float).SetPrec(refPrec).Quo(big.NewFloat(1).SetPrec(refPrec), new(big.Float).SetInt(fact))
		if r := relErr(dwBig(expm1Coef[n][0], expm1Coef[n][1], 0), want); r > 0x1p-106 {
			t.Errorf("1/%d!: double-word relative error %g > 2^-106", n+1, r)
		}
	}
	n := 4000
	if testing.Short() {
		n = 500
	}
	rng := rand.New(rand.NewPCG(5, 9))
	worst, at := 0.0, 0.0
	for range n {
		a := drawA(rng)
		h, l, k := log1pExpDW(a)
		if r := relErr(dwBig(h, l, k), refLog1pExp(a)); r > worst || math.IsNaN(r) {
			worst, at = r, a
		}
	}
	t.Logf("log1pExpDW: max relative error 2^%.2f at a = %v over %d a", math.Log2(worst), at, n)
	if !(worst <= 0x1p-91) {
		t.Errorf("log1pExpDW: relative error 2^%.2f at a = %v, above the documented 2^-91", math.Log2(worst), at)
	}
}

// TestExpLog1pRelError measures the relative error of the l that the
// float64 path uses below needsPrecise's threshold, against spec/exact:
// expLog1p's lh + ll for a ≤ 700 (elem, elemWide) and expParts' e^{-a} ≈
// log1p(e^{-a}) for 700 < a < 745 (elemWide), and holds it to 2^-57.3,
// the bound on which needsPrecise's threshold rests (16·2^-57.3 =
// 2^-53.3, 0.4 ulp at most).
func TestExpLog1pRelError(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 500
	}
	rng := rand.New(rand.NewPCG(6, 9))
	worst, at := 0.0, 0.0
	for range n {
		a := drawA(rng)
		var got *big.Float
		if a <= 700 {
			_, lh, ll := expLog1p(a)
			got = dwBig(lh, ll, 0)
		} else {
			eh, el, k := expParts(a)
			got = dwBig(eh, el, int(k))
		}
		if r := relErr(got, refLog1pExp(a)); r > worst || math.IsNaN(r) {
			worst, at = r, a
		}
	}
	t.Logf("expLog1p: max relative error of l 2^%.2f at a = %v over %d a", math.Log2(worst), at, n)
	if !(worst <= math.Exp2(-57.3)) {
		t.Errorf("expLog1p: relative error of l 2^%.2f at a = %v, above the 2^-57.3 needsPrecise assumes", math.Log2(worst), at)
	}
}

// refMod returns the modulator exp(-γ·(mq + log1p(e^{-a}))) rounded to
// float64 (spec/exact at 300 bits).
func refMod(gamma, mq, a float64) float64 {
	z := refLog1pExp(a)
	z.Add(z, new(big.Float).SetFloat64(mq))
	z.Mul(z, new(big.Float).SetFloat64(-gamma))
	v, _ := exact.Exp(z, refPrec).Float64()
	return v
}

// TestPowPrecise holds powPrecise to 1 ulp of the exact modulator (it is
// rounded once from a value within 2^-64) over γ·(mq + l) up to 745 on
// both sides (mq = 0 and mq = a), and checks on the known case (x =
// −3.03, γ = 12896, q^γ = e^{-607}) that powLog, which the element took
// before (5 ulp off in the loss and gradient), is more than 1 ulp off
// there.
func TestPowPrecise(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	worst, seen := 0.0, 0
	var where string
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		a := drawA(rng)
		if a > 700 {
			a = 700 * rng.Float64()
		}
		_, lh, ll := expLog1p(a)
		mq := 0.0
		if rng.IntN(2) == 0 {
			mq = a
		}
		// γ such that z = γ·(mq + l) is log-uniform in [2^-10, 745].
		gamma := math.Exp2(-10+19.5*rng.Float64()) / (mq + lh + ll)
		if gamma > math.MaxFloat64 {
			continue
		}
		got := powPrecise(gamma, mq, a)
		want := refMod(gamma, mq, a)
		if want < 0x1p-1022 {
			continue
		}
		seen++
		if d := ulp.Dist(got, want); d > worst {
			worst, where = d, fmt.Sprintf("γ=%v mq=%v a=%v: %v, exact %v", gamma, mq, a, got, want)
		}
	}
	t.Logf("powPrecise: max %v ulp over %d modulators (%s)", worst, seen, where)
	if worst > 1 || seen < n/2 {
		t.Errorf("powPrecise: %v ulp > 1 (%s), or too few normal modulators (%d)", worst, where, seen)
	}

	const gamma, a = 12896, 3.03
	_, lh, ll := expLog1p(a)
	want := refMod(gamma, 0, a)
	if d := ulp.Dist(powPrecise(gamma, 0, a), want); d > 1 {
		t.Errorf("known case: powPrecise %v ulp off", d)
	}
	old := ulp.Dist(powLog(gamma, -lh, -ll), want)
	t.Logf("known case: powLog %v ulp off", old)
	if old <= 1 {
		t.Errorf("known case: powLog only %v ulp off; this test would not tell powPrecise from it", old)
	}
}

// preciseCase is a config and a binary batch of preciseGrid.
type preciseCase struct {
	cfg spec.Config
	b   spec.Batch
}

// preciseGrid returns binary batches (y = 1 with logit x, y = 0 with -x,
// so that -log q = sp(x) on both) for γ in {64, 200, 1000, 12896, 1e5}
// and sp(x) = z/γ, z = -log q^γ log-spaced over [2^-30, 700] (q^γ neither
// 1 nor below the normal range), under a plain config and under split
// with α = 0.25; and with weight 2^900, over z in [2^-30, 1300], where
// q^γ < 2^-1074 for z > 745 but the loss is normal (the careful path,
// elemWide); and γ = 10^308 with e^{-|x|} near the bottom of the float64
// range. Reduction None.
func preciseGrid() []preciseCase {
	var out []preciseCase
	for _, gamma := range []float64{64, 200, 1000, 12896, 1e5} {
		for _, tc := range []struct {
			cfg  spec.Config
			zMax float64
		}{
			{spec.Config{Gamma: gamma, Reduction: spec.None}, 700},
			{spec.Config{Gamma: gamma, Soft: spec.Split, Alpha: []float64{0.25}, Reduction: spec.None}, 700},
			{spec.Config{Gamma: gamma, Weight: []float64{0x1p900}, Reduction: spec.None}, 1300},
		} {
			b := spec.Batch{Classes: 1}
			for i := range 40 {
				z := math.Exp2(-30 + float64(i)*(30+math.Log2(tc.zMax))/39)
				s := z / gamma // sp(x) = s: x = log(e^s - 1)
				x := math.Log(math.Expm1(s))
				b.Logits = append(b.Logits, x, -x)
				b.Targets = append(b.Targets, 1, 0)
			}
			out = append(out, preciseCase{tc.cfg, b})
		}
	}
	// γ = 10^308 and 700 < |x| < 709 (elemWide's branch with e^{-a} from
	// expParts): γ·l from about 3 to 500.
	b := spec.Batch{Classes: 1}
	for _, x := range []float64{703, 704, 705, 706, 706.5, 707, 708} {
		b.Logits = append(b.Logits, x, -x)
		b.Targets = append(b.Targets, 0, 1)
	}
	return append(out, preciseCase{spec.Config{Gamma: 1e308, Reduction: spec.None}, b})
}

// TestPreciseElements holds the portable path to 5 ulp (Contract) against
// spec/exact, loss and gradient, on the reproducer of the large-γ bug (x =
// −3.03, y = 1, γ = 12896, which was 8 ulp off; its reduced loss to
// Contract.Reduced) and on preciseGrid, and logs the max errors.
func TestPreciseElements(t *testing.T) {
	defer func(v bool) { forcePortable = v }(forcePortable)
	forcePortable = true
	c := Contract

	cfg := spec.Config{Gamma: 12896, Reduction: spec.Sum}
	b := spec.Batch{Classes: 1, Logits: []float64{-3.03}, Targets: []float64{1}}
	var r, x spec.Result
	if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
		t.Fatal(err)
	}
	if err := (exact.Evaluator{}).Evaluate(&cfg, b, &x); err != nil {
		t.Fatal(err)
	}
	dl, dg, dr := ulp.Dist(r.Losses[0], x.Losses[0]), ulp.Dist(r.Grad[0], x.Grad[0]), ulp.Dist(r.Loss, x.Loss)
	t.Logf("x=-3.03 y=1 γ=12896: loss %v, gradient %v, reduced %v ulp", dl, dg, dr)
	if dl > c.Loss || dg > c.Grad || dr > c.Reduced {
		t.Errorf("x=-3.03 y=1 γ=12896: loss %v, gradient %v, reduced %v ulp, above the contract", dl, dg, dr)
	}

	var e, ep maxErr // all elements, those needsPrecise selects
	for _, tc := range preciseGrid() {
		var r, x spec.Result
		if err := (Evaluator{}).Evaluate(&tc.cfg, tc.b, &r); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&tc.cfg, tc.b, &x); err != nil {
			t.Fatal(err)
		}
		for i := range r.Losses {
			w := func() string {
				return fmt.Sprintf("γ=%v soft=%v x=%v y=%v: loss %v exact %v, grad %v exact %v", tc.cfg.Gamma, tc.cfg.Soft,
					tc.b.Logits[i], tc.b.Targets[i], r.Losses[i], x.Losses[i], r.Grad[i], x.Grad[i])
			}
			for _, m := range []*maxErr{&e, &ep} {
				m.see("loss", ulp.Dist(r.Losses[i], x.Losses[i]), w)
				m.see("grad", ulp.Dist(r.Grad[i], x.Grad[i]), w)
				if _, lh, _ := expLog1p(math.Abs(tc.b.Logits[i])); !needsPrecise(tc.cfg.Gamma, lh) {
					break
				}
			}
		}
	}
	t.Logf("grid, precise elements: loss %v, gradient %v ulp (worst: %v)", ep.loss, ep.grad, ep.where)
	t.Logf("grid: loss %v, gradient %v ulp (worst: %v)", e.loss, e.grad, e.where)
	if e.loss > c.Loss || e.grad > c.Grad {
		t.Errorf("grid: loss %v, gradient %v ulp, above the contract (%v)", e.loss, e.grad, e.where)
	}
}

// TestSubnormalModulator holds the portable path to Contract against
// spec/exact where the modulator is subnormal but, times a weight of
// 2^999, gives a normal loss: elem took the float64 modulator, 7·10^8 ulp
// off at γ = 100, x = -7.3, y = 0 (q^γ = e^{-730}), before it sent a
// subnormal modulator to elemWide. Plain and split configs, q^γ from
// e^{-730} to e^{-741}, on both targets.
func TestSubnormalModulator(t *testing.T) {
	defer func(v bool) { forcePortable = v }(forcePortable)
	forcePortable = true
	b := spec.Batch{Classes: 1, Logits: []float64{-7.3, 7.3, -7.35, 7.35, -7.41, 7.41}, Targets: []float64{0, 1, 0, 1, 0, 1}}
	for _, cfg := range []spec.Config{
		{Gamma: 100, Weight: []float64{0x1p999}, Reduction: spec.Sum},
		{Gamma: 100, Soft: spec.Split, Weight: []float64{0x1p999}, Reduction: spec.Sum},
	} {
		var r, x spec.Result
		if err := (Evaluator{}).Evaluate(&cfg, b, &r); err != nil {
			t.Fatal(err)
		}
		if err := (exact.Evaluator{}).Evaluate(&cfg, b, &x); err != nil {
			t.Fatal(err)
		}
		for i, xi := range b.Logits {
			dl, dg := ulp.Dist(r.Losses[i], x.Losses[i]), ulp.Dist(r.Grad[i], x.Grad[i])
			if dl > Contract.Loss || dg > Contract.Grad {
				t.Errorf("soft=%v x=%v y=%v: loss %v exact %v (%v ulp), gradient %v exact %v (%v ulp)", cfg.Soft, xi, b.Targets[i],
					r.Losses[i], x.Losses[i], dl, r.Grad[i], x.Grad[i], dg)
			}
		}
	}
}

// TestNeedsPrecise checks the criterion at its threshold and that elem
// takes it: at γ·lh just above 16 elem's modulator is powPrecise's, just
// below it powLog's (told apart on an element where they differ).
func TestNeedsPrecise(t *testing.T) {
	if needsPrecise(2, math.Ln2) || needsPrecise(23, math.Ln2) || !needsPrecise(24, math.Ln2) || needsPrecise(math.NaN(), 1) {
		t.Errorf("needsPrecise: wrong at γ = 2, 23, 24 (l = ln 2) or NaN")
	}
	_, lh, _ := expLog1p(0)
	if g := 16 / lh; needsPrecise(g*(1-0x1p-40), lh) || !needsPrecise(g*(1+0x1p-40), lh) {
		t.Errorf("needsPrecise: threshold not at γ·lh = 16")
	}
}

// sinkF keeps the benchmarked results alive.
var sinkF float64

// BenchmarkModulator times one modulator on each path, at γ = 50 and a =
// 0.5 (γ·l = 24: needsPrecise selects powPrecise there).
func BenchmarkModulator(b *testing.B) {
	const gamma, a = 50.0, 0.5
	_, lh, ll := expLog1p(a)
	b.Run("powLog", func(b *testing.B) {
		for b.Loop() {
			sinkF += powLog(gamma, -lh, -ll)
		}
	})
	b.Run("powPrecise", func(b *testing.B) {
		for b.Loop() {
			sinkF += powPrecise(gamma, 0, a)
		}
	})
}
