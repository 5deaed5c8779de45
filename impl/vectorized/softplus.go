package vectorized

import "math"

// twoSum returns s = fl(a+b) and the rounding error err, s + err = a + b
// exactly (Knuth's TwoSum, no condition on |a|, |b|).
func twoSum(a, b float64) (s, err float64) {
	s = a + b
	bb := s - a
	err = (a - (s - bb)) + (b - bb)
	return s, err
}

// fastTwoSum is twoSum for |a| ≥ |b| (or a = 0): s + err = a + b exactly
// (Dekker's Fast2Sum).
func fastTwoSum(a, b float64) (s, err float64) {
	s = a + b
	return s, b - (s - a)
}

// Constants of the kernels, written out where they are used (in the SIMD
// kernels as literals; see the package comment):
//
//	ln2Hi = 6.93147180369123816490e-01 = 0x3fe62e42fee00000 (fdlibm: 32
//	        significant bits, so k·ln2Hi is exact for |k| < 2^20)
//	ln2Lo = 1.90821492927058770002e-10, ln2Hi + ln2Lo = ln 2 within 2^-86
//	Lg1..Lg7: fdlibm's log1p coefficients (Remez, |error| ≤ 2^-58.45 on
//	        s² ∈ [0, 0.1716²])
//	1/3! .. 1/14!: Taylor coefficients of e^r, |r| ≤ ln2/2, truncation
//	        error below r^15/15! < 2^-63

// expLog1p returns, for a ≥ 0 (+Inf included), e = e^{-a} rounded to
// float64 and l = log1p(e^{-a}) = sp(-a) as a double-word lh + ll with an
// absolute error below 2^-58.5 (measured: 2.34·2^-60 at most over 60000
// seeded a in [0,745], against 200-bit math/big), where a plain float64 l
// is off by up to 2^-53: the modulator exp(-γ·sp) then loses about
// γ·2^-58.5 relative instead of γ·2^-53.
//
// Method: e^{-a} = 2^k·e^r with r = -a - k·ln2 carried as a double-word
// (ln2 split into ln2Hi + ln2Lo, the product k·ln2Lo split with an FMA),
// e^r = 1 + r + r²/2 + r³·P(r) summed as a double-word with r² exact
// (FMA); then w = 1 + e, the exact rounding error of w and the error of e
// folded into a correction c/w, and log(w) = k'·ln2 + log1p(f), f = m - 1
// exact, by fdlibm's log1p(f) = f - f²/2 + s·(f²/2 + R(s²)), s = f/(2+f),
// with f - f²/2 exact (f² split with an FMA), s corrected by its residual
// and s·(f²/2 + R) carried as a double-word.
//
// Special cases are:
//
//	a > 745.2 (e^{-a} below half the smallest subnormal): e = 0, l = 0
//	a = 0: e = 1, l = ln 2
func expLog1p(a float64) (e, lh, ll float64) {
	if a > 745.2 {
		return 0, 0, 0
	}
	eh, el, k := expParts(a)
	// 2^k in two factors, so that a subnormal e is rounded once.
	k1 := math.Floor(k * 0.5)
	k2 := k - k1
	f1 := math.Float64frombits(uint64(int64(k1)+1023) << 52)
	f2 := math.Float64frombits(uint64(int64(k2)+1023) << 52)
	e = eh * f1 * f2
	el = el * f1 * f2
	lh, ll = log1pDW(e, el)
	return e, lh, ll
}

// expParts returns e^{-a} = (eh + el)·2^k for 0 ≤ a < 2^19 (eh + el in
// [½, 2], a double-word; see expLog1p for the method), before the scaling
// by 2^k, so that the careful path can keep e^{-a} below the float64 range.
func expParts(a float64) (eh, el, k float64) {
	z := -a
	k = math.RoundToEven(z * 1.4426950408889634)
	r1 := z - k*6.93147180369123816490e-01 // exact
	p := k * 1.90821492927058770002e-10
	pe := math.FMA(k, 1.90821492927058770002e-10, -p)
	rh, rl := twoSum(r1, -p)
	rl -= pe
	sq := rh * rh
	sqe := math.FMA(rh, rh, -sq)
	q := 1.1470745597729725e-11 // 1/14!
	q = q*rh + 1.6059043836821613e-10
	q = q*rh + 2.08767569878681e-09
	q = q*rh + 2.505210838544172e-08
	q = q*rh + 2.755731922398589e-07
	q = q*rh + 2.755731922398589e-06
	q = q*rh + 2.48015873015873e-05
	q = q*rh + 1.984126984126984e-04
	q = q*rh + 1.388888888888889e-03
	q = q*rh + 8.333333333333333e-03
	q = q*rh + 4.1666666666666664e-02
	q = q*rh + 1.6666666666666666e-01
	tail := rh * sq * q
	s1, e1 := fastTwoSum(1, rh)
	s2, e2 := fastTwoSum(s1, 0.5*sq)
	lo := e1 + e2 + 0.5*sqe + tail + rl*s2
	eh, el = fastTwoSum(s2, lo)
	return eh, el, k
}

// log1pDW returns lh + ll = log1p(e + el) for e ∈ [0,1], |el| ≤ ulp(e)
// (see expLog1p for the method and the error).
//
// Below 2^-32 the series is used instead, lh + ll = e + (el - e²/2) (the
// next term, e³/3, is below 2^-64·e): the general form rounds e + el to
// one float64 there (w = 1), a relative error of 2^-53 in l that the
// modulator multiplies by γ·l (109 ulp at γ = 7.4e47, x = 103.97).
func log1pDW(e, el float64) (lh, ll float64) {
	if e < 0x1p-32 {
		return fastTwoSum(e, el-0.5*e*e)
	}
	w := 1 + e
	c := e - (w - 1) // exact: w - 1 is exact and |e - (w-1)| ≤ ulp(w)/2
	c += el
	kk, m := 0.0, w
	if w > 1.4142135623730951 {
		kk, m = 1, w*0.5
	}
	f := m - 1 // exact (Sterbenz)
	dh, dl := fastTwoSum(2, f)
	s := f / dh
	// ds ≈ s_exact - s: the residual f - s·(2+f), divided by 2+f within 4%.
	ds := (math.FMA(-s, dh, f) - s*dl) * (0.5 - 0.25*f)
	z := s * s
	ww := z * z
	t1 := ww * (3.999999999940941908e-01 + ww*(2.222219843214978396e-01+ww*1.531383769920937332e-01))
	t2 := z * (6.666666666666735130e-01 + ww*(2.857142874366239149e-01+ww*(1.818357216161805012e-01+ww*1.479819860511658591e-01)))
	R := t1 + t2
	sq := f * f
	sqe := math.FMA(f, f, -sq)
	hf := 0.5 * sq
	// T = s·(f²/2 + R) = th + tl, product and sums carried as double-words.
	xh, xl := fastTwoSum(hf, R)
	th := s * xh
	tl := math.FMA(s, xh, -th) + s*(xl+0.5*sqe) + ds*xh
	h1, e1 := fastTwoSum(f, -hf)
	h2, e2 := twoSum(kk*6.93147180369123816490e-01, h1)
	h3, e3 := fastTwoSum(h2, th)
	lo := e1 + e2 + e3 - 0.5*sqe + tl + kk*1.90821492927058770002e-10 + c/w
	return fastTwoSum(h3, lo)
}
