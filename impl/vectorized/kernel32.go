package vectorized

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// The float32 element (elem32 here, binary8 in kernel_simd32.go: the same
// operations in the same order, so that the two give the same bits)
// computes the loss and gradient of an element with a binary target in
// float32 arithmetic, as a framework's float32 kernel does, for the
// configs of the SIMD kernels (p.simple) with γ ≤ 50, no mean over D < 1,
// and α_t, α_t/D zero or normal float32 numbers (newK32). With a = |x| ≤
// 80, on the right side (y = 1, x ≥ 0 or y = 0, x < 0; x = -0 counts as
// negative) and on the wrong side:
//
//	right: q = e·inv, log q = -(a + L), CE = L,     B' = γ·CE + e
//	wrong: q = inv,   log q = -L,       CE = a + L, B' = γ·e·CE + 1
//	l  = α_t·q^γ·CE
//	l' = ∓(α_t/D)·q^γ·inv·B'  (− for y = 1)
//
// with e = e^{-a}, L = log1p(e), inv = 1/(1+e): inv·B' is the bracket
// γ·r·CE + CE' of binary4, whose two terms have the same sign, so that it
// is summed without cancellation.
//
// Steps and their errors (u = 2^-24, the unit roundoff of float32):
//
//   - e^{-a} = 2^k·e^r·(1+δ) (expLog1p32): k = round(-a·log2e), r = -a -
//     k·C1 exact in one FMA (C1 = fl32(ln 2), a multiple of 2^-24: r is a
//     multiple of 2^-25 below ½ when k ≠ 0), δ = -k·C2 (C2 = fl32(ln 2 -
//     C1), |C1 + C2 - ln 2| < 2^-50); e^r = 1 + r + r²/2 + r³·Q(r) summed
//     as a double-float (r² split by an FMA), Q the Taylor polynomial of
//     degree 6 with coefficients 1/3! .. 1/9! (truncation r^10/10! <
//     2^-37 for |r| ≤ ln2/2); the float32 evaluation of r³·Q (up to
//     0.0076) and the sum of the low parts leave e = eh + el within
//     2^-29 relative (2^-29.4 measured, TestExpLog1p32).
//   - L = log1p(eh + el) = Lh + Ll (expLog1p32): w = fl(1 + eh) with its
//     error c, w = 2^kk·m with m in [1/√2, √2], f = m - 1 exact,
//     L = kk·ln2 + 2·atanh(s), s = (f + c')/(2 + f + c') = sh + sl (sl from
//     the FMA residual of the division and c' = c·2^-kk, times 1/(2+f) to
//     2^-9 by a cubic), 2·atanh(s) = 2s + 2s³·P(s²) + 6s²P·sl, P the
//     Taylor polynomial 1/3 .. 1/11 (|s| ≤ 0.1716: truncation below
//     2^-35); below eh = 2^-12, L = e - e²/2 + e³/3 (the next term is below
//     2^-36·e). L is within 2^-30 absolute and 2^-28.5 relative (2^-30.9
//     and 2^-29.3 measured), the float32 rounding of 2s³·P (up to 0.0034)
//     being most of it.
//   - inv = fl(1/w)·(1 + ε), ε = (1 - inv·w) - c·inv (the FMA residual of
//     the division and the error c of w) folded into the gradient's
//     relative correction.
//   - γ·log q = -(zh + zl) as a double-float: mq + Lh by TwoSum, γ·uh with
//     its FMA residual. The error of L enters q^γ multiplied by γ: at most
//     50·2^-30 ≈ 0.8u (γ·L is at most 35 where L's absolute error matters).
//   - q^γ = 2^n·(1 + pl)·(1 + δm): n = round(-zh·log2e), r1 = -zh - n·C1
//     exact, pl = e^{r1} - 1 = r1 + r1²·(½ + r1·Q(r1)), |pl| < 0.42 with a
//     rounding error below 2^-25.5 (0.5u relative to 1 + pl), δm = -n·C2
//     - zl. zh is clamped at 131: beyond, the loss and the gradient are
//     below 2^-182 (CE ≤ 81, B' ≤ 4051) and round to 0 either way.
//   - The small relative factors are summed, d = δm + ρ (+ ε for the
//     gradient), ρ the relative rounding error of α_t or α_t/D computed in
//     float64 per chunk, and applied with pl in one FMA: X = Y + Y·v,
//     v = pl + (d + d·pl).
//   - l = fl(fl(α_t·Xl)·2^(n+64))·2^-64, Xl = ch + (ch·vl + cl) with
//     CE = ch + cl by TwoSum; l' = fl(fl((α_t/D)·Xg·inv)·2^(n+64))·2^-64
//     with the product (α_t/D)·Xg carried exactly (FMA), Xg = B' + B'·vg,
//     B' one FMA on the double-float CE (and, on the wrong side, on γ·e as
//     a double-float). The scaling in two steps keeps 2^(n+64) a normal
//     number for n ≥ -189 and rounds a subnormal result once.
//
// Adding the bounds: the loss within about 3u (X 0.5u plus 0.5u from pl,
// the product 0.5u, L through the modulator up to 0.8u, CE and the low
// parts a few tenths), the gradient about 1u more (B': its FMA and the
// rounding of its addend); the maxima measured against spec/exact are 2
// ulp for both (TestFloat32Accuracy with -vectorized.measure=800, 130000
// elements; TestMeasure). A subnormal result takes at most about 2 ulp of
// the subnormal spacing more.
//
// Elements with a binary target fall back to the float64 element
// (portable, rounded once to float32) when a > 80: e^{-a} < 2^-115, where
// el·2^k would be subnormal and 2^k soon not a normal number; soft targets
// always take it. Below, e, L, CE, B', X and 2^(n+64) are normal float32 numbers;
// terms already negligible next to a normal sum (r² for a tiny a, the low
// parts el and γ·el for a near 80) can be subnormal, and the products with
// α_t or α_t/D, inv and the scale factors only when the result is (the
// factors after the first product, inv and 2^n = 2^(n+64)·2^-64, are at
// most 1). None overflows (a ≤ 80, γ ≤ 50: CE ≤ 81, B' ≤ 4051).

// Constants of the float32 element (see above).
const (
	log2e32  = float32(1.4426950408889634)
	ln2Hi32  = float32(math.Ln2)                    // C1 = 0x3f317218
	ln2Lo32  = float32(math.Ln2 - float64(ln2Hi32)) // C2
	sqrt2f32 = float32(1.4142135623730951)          // rounded down: m ≤ 1.41421354
	tiny32   = float32(0x1p-126)                    // smallest normal float32
	maxA32   = float32(80)                          // largest a on the float32 path
	maxZ32   = float32(131)                         // γ·(mq+Lh) clamped above: l, l' < 2^-182
	bias32   = float32(0x1p23 + 127)                // pow2 bias
	smallE32 = float32(0x1p-12)                     // series below
	keepE32  = float32(0x1p-40)                     // e²/2 dropped below
	maxGam32 = 50.0                                 // largest γ on the float32 path
)

// k32 holds the per-chunk parameters of the float32 element: γ; for
// y = 1 (P) and y = 0 (N) α_t and α_t/D rounded to float32 with their
// relative rounding errors ρ (precomputed in float64).
type k32 struct {
	gam                float32
	klP, klN, kgP, kgN float32
	rlP, rlN, rgP, rgN float32
}

// newK32 returns the float32 element's parameters for p, and false when
// the chunk must take the float64 loop: not p.simple, γ > 50, a mean over
// D < 1, or a nonzero α_t or α_t/D that is not a normal float32.
func newK32(p *params) (k k32, ok bool) {
	if !p.simple || p.gamma > maxGam32 || p.d < 1 {
		return k, false
	}
	d := 1.0
	if p.reduction == spec.Mean {
		d = p.d
	}
	split := func(v float64) (h, rho float32, ok bool) {
		if v == 0 {
			return 0, 0, true
		}
		h = float32(v)
		if h < tiny32 {
			return 0, 0, false
		}
		return h, float32((v - float64(h)) / float64(h)), true
	}
	var ok1, ok2, ok3, ok4 bool
	k.gam = float32(p.gamma)
	k.klP, k.rlP, ok1 = split(p.ap[0])
	k.klN, k.rlN, ok2 = split(p.an[0])
	k.kgP, k.rgP, ok3 = split(p.ap[0] / d)
	k.kgN, k.rgN, ok4 = split(p.an[0] / d)
	return k, ok1 && ok2 && ok3 && ok4
}

// fma32 is the float32 fused multiply-add, fl32(a·b + c) rounded once: a·b
// is exact in float64, and the sum is rounded to odd in float64 (53 ≥
// 24 + 2 bits) before its rounding to float32, which is then the correct
// rounding (Boldo and Melquiond, "Emulation of FMA and correctly rounded
// sums: proved algorithms using rounding to odd", 2008). The explicit
// conversions keep the compiler from fusing the float64 operations.
func fma32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b))
	cc := float64(c)
	s := float64(p + cc)
	bb := float64(s - p)
	err := (p - (s - bb)) + (cc - bb)
	if err != 0 {
		bits := math.Float64bits(s)
		if bits&1 == 0 {
			if (err > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}

// mul32 is the float32 product, rounded (the conversion keeps it from
// being fused into a following addition).
func mul32(a, b float32) float32 { return float32(a * b) }

// roundEven32 is RoundToEven on float32.
func roundEven32(v float32) float32 { return float32(math.RoundToEven(float64(v))) }

// pow2f32 is 2^k for whole k in [-126, 127].
func pow2f32(k float32) float32 { return math.Float32frombits(uint32(int32(k)+127) << 23) }

// poly32Q is Q(r) = 1/3! + r/4! + … + r^6/9! (Horner, FMA).
func poly32Q(r float32) float32 {
	q := float32(2.7557319e-06)
	q = fma32(q, r, 2.4801588e-05)
	q = fma32(q, r, 1.9841270e-04)
	q = fma32(q, r, 1.3888889e-03)
	q = fma32(q, r, 8.3333333e-03)
	q = fma32(q, r, 4.1666668e-02)
	return fma32(q, r, 1.6666667e-01)
}

// twoSum32 is TwoSum in float32: s + err = a + b exactly.
func twoSum32(a, b float32) (s, err float32) {
	s = a + b
	bb := s - a
	err = (a - (s - bb)) + (b - bb)
	return s, err
}

// expLog1p32 returns, for 0 ≤ a ≤ 80, e^{-a} = eh + el and log1p(e^{-a}) =
// lh + ll as double-floats, and w = fl(1 + eh) with its error c (w + c =
// 1 + eh + el up to a rounding of c): the first two steps of the float32
// element (see above; binary8 repeats them on 8 lanes).
func expLog1p32(a float32) (eh, el, lh, ll, w, c float32) {
	// e^{-a} = eh + el.
	z := 0 - a
	ke := roundEven32(mul32(z, log2e32))
	r := fma32(ke, -ln2Hi32, z)
	de := mul32(ke, -ln2Lo32)
	sq := mul32(r, r)
	sqe := fma32(r, r, 0-sq)
	tail := mul32(mul32(r, sq), poly32Q(r))
	s1 := 1 + r
	e1 := r - (s1 - 1)
	hs := mul32(0.5, sq)
	s2 := s1 + hs
	e2 := hs - (s2 - s1)
	lo := e1 + e2 + mul32(0.5, sqe) + tail + mul32(de, s2+tail)
	eh = s2 + lo
	el = lo - (eh - s2)
	fe := pow2f32(ke)
	eh = mul32(eh, fe)
	el = mul32(el, fe)

	// L = log1p(eh + el) = Lh + Ll.
	w = 1 + eh
	c = (eh - (w - 1)) + el
	m, cm, kc1, kc2 := w, c, float32(0), float32(0)
	if w > sqrt2f32 {
		m, cm, kc1, kc2 = mul32(0.5, w), mul32(0.5, c), ln2Hi32, ln2Lo32
	}
	f := m - 1
	d := 2 + f
	dl := f - (d - 2)
	sh := f / d
	res := fma32(0-sh, d, f)
	num := res - mul32(sh, dl) + cm - mul32(cm, sh)
	rd := fma32(fma32(fma32(-0.0625, f, 0.125), f, -0.25), f, 0.5)
	sl := mul32(num, rd)
	z2 := mul32(sh, sh)
	pp := fma32(0.09090909, z2, 0.11111111)
	pp = fma32(pp, z2, 0.14285715)
	pp = fma32(pp, z2, 0.2)
	pp = fma32(pp, z2, 0.33333334)
	t3 := mul32(mul32(2*sh, z2), pp)
	h := kc1 + 2*sh
	he := 2*sh - (h - kc1)
	dt3 := mul32(mul32(z2, pp), mul32(6, sl)) // t3's change with s: 6s²P·sl
	lo2 := he + 2*sl + kc2 + t3 + dt3
	lh = h + lo2
	ll = lo2 - (lh - h)
	if eh < smallE32 {
		y := mul32(eh, fma32(0-eh, 0.33333334, 0.5))
		if !(eh > keepE32) {
			y = 0
		}
		sl2 := el - mul32(eh, y)
		lh = eh + sl2
		ll = sl2 - (lh - eh)
	}

	return eh, el, lh, ll, w, c
}

// elem32 returns the loss and gradient (divided by D) of an element with
// logit x and target y = 1 (pos) or y = 0, computed in float32 (see the
// comment above k32), and false when the element must take the float64
// element instead.
func elem32(k *k32, x float32, pos bool) (l, g float32, ok bool) {
	xb := math.Float32bits(x)
	a := math.Float32frombits(xb &^ (1 << 31))
	ok = a <= maxA32
	a = min(a, maxA32)

	eh, el, lh, ll, w, c := expLog1p32(a)

	inv := 1 / w
	icorr := fma32(0-inv, w, 1) - mul32(c, inv)

	right := pos != (xb>>31 != 0)
	mq, mc := float32(0), a
	if right {
		mq, mc = a, 0
	}
	ch, cl := twoSum32(mc, lh)
	cl = cl + ll
	uh, ul := twoSum32(mq, lh)
	ul = ul + ll
	zh := mul32(k.gam, uh)
	zl := fma32(k.gam, uh, 0-zh) + mul32(k.gam, ul)
	zh = min(zh, maxZ32)
	nz := 0 - zh
	kn := roundEven32(mul32(nz, log2e32))
	r1 := fma32(kn, -ln2Hi32, nz)
	dm := mul32(kn, -ln2Lo32) - zl
	pl := fma32(mul32(r1, r1), fma32(r1, poly32Q(r1), 0.5), r1)
	fm := pow2f32(kn + 64) // 2^n = fm·2^-64

	kl, rl, kg, rg := k.klN, k.rlN, k.kgN, k.rgN
	if pos {
		kl, rl, kg, rg = k.klP, k.rlP, k.kgP, k.rgP
	}
	dtl := dm + rl
	vl := pl + fma32(dtl, pl, dtl)
	xl := ch + fma32(ch, vl, cl)
	l = mul32(mul32(mul32(kl, xl), fm), 0x1p-64)

	// B' = g1·CE + ad: on the wrong side γ·e = g1 + gl (g1 rounded, gl
	// its FMA residual plus γ·el) and ad = 1 + (gl·ch + g1·cl); on the
	// right side g1 = γ and ad = γ·cl + e.
	g1 := mul32(k.gam, eh)
	gl := fma32(k.gam, eh, 0-g1) + mul32(k.gam, el)
	ad := fma32(gl, ch, mul32(g1, cl)) + 1
	if right {
		g1, ad = k.gam, fma32(k.gam, cl, el)+eh
	}
	bp := fma32(g1, ch, ad)
	dtg := dm + rg + icorr
	vg := pl + fma32(dtg, pl, dtg)
	xg := fma32(bp, vg, bp)
	ph := mul32(kg, xg)
	pe := fma32(kg, xg, 0-ph)
	gm := mul32(mul32(fma32(ph, inv, mul32(pe, inv)), fm), 0x1p-64)
	g = gm
	if pos {
		g = 0 - gm
	}
	return l, g, ok
}

// lanes8 is the compensated float64 loss sum of the float32 kernels, one
// per lane of 8 (element i of a chunk adds to lane i mod 8), each by the
// branch-free TwoSum, as sum4 does on the SIMD path.
type lanes8 struct{ s, c [8]float64 }

func (a *lanes8) add(j int, v float64) {
	t := a.s[j] + v
	bp := t - a.s[j]
	a.c[j] = a.c[j] + ((a.s[j] - (t - bp)) + (v - bp))
	a.s[j] = t
}

// total adds the lanes in order, then rest + restC (as sum4.total).
func (a *lanes8) total(rest, restC float64) float64 {
	var s, c float64
	for k := range 8 {
		s, c = add2(s, c, a.s[k])
		if !math.IsInf(a.s[k], 0) {
			c += a.c[k]
		}
	}
	s, c = add2(s, c, rest)
	return s + (c + restC)
}

// portable32 is the float32 path without SIMD (or with forcePortable): the
// float32 element for the elements the SIMD kernel computes, in the same
// lanes, the float64 element for the others (soft targets, elem32's
// fallbacks), and the float64 loop for the configs newK32 rejects. Its
// results are the SIMD kernel's, bit for bit.
func portable32(p *params, start int, x, y, loss, grad []float32) float64 {
	k, ok := newK32(p)
	if !ok {
		return portable(p, start, x, y, loss, grad)
	}
	var acc lanes8
	var rest, restC float64
	for i := range x {
		if yi := y[i]; yi == 0 || yi == 1 {
			if l, g, ok := elem32(&k, x[i], yi == 1); ok {
				loss[i], grad[i] = l, g
				acc.add(i&7, float64(l))
				continue
			}
		}
		v := portable(p, start+i, x[i:i+1], y[i:i+1], loss[i:i+1], grad[i:i+1])
		rest, restC = add2(rest, restC, v)
	}
	return acc.total(rest, restC)
}
