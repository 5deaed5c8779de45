package vectorized

import "math"

// The precise modulator. The modulator q^γ = exp(-γ·(mq + l)), with
// mq = max(±x, 0) exact and l = log1p(e^{-a}), a = |x|, has a relative
// error of γ·δl plus that of the exponential, δl being the absolute error
// of l. expLog1p's l is within 2^-58.5 absolute and 2^-57.3 relative
// (TestExpLog1pRelError; measured 2^-57.65), which multiplied by γ·l
// breaks the 5-ulp contract once γ·l exceeds about 64 (x = −3.03, y = 1,
// γ = 12896, q^γ = e^{-607}: loss and gradient 5 ulp, reduced loss 5 ulp
// against 4). Here l is computed to a relative error ρ below 2^-91
// (measured 2^-93.3), so that γ·δl = γ·l·ρ ≤ 5000·2^-91 < 2^-78 for every
// modulator that is not 0: a float64 q^γ > 0 needs γ·(mq + l) ≤ 746, so
// γ·l ≤ 746, and elemWide keeps exponents down to e^{-5000}. Any ρ ≤
// 2^-73 would keep γ·l·ρ below 2^-60 on both paths (2^-70 on the float64
// one); 2^-91 is what double-word arithmetic gives with 10 of the 20
// series terms in it. The exponential is computed the same way, to 2^-65,
// so that the modulator is rounded once from a value within 2^-64
// relative: 0.5 ulp plus 2^-11 ulp (TestPowPrecise: 0 ulp from the
// correctly rounded value on 2996 samples), where powLog's math.Exp adds
// up to about 1 ulp.

// Three-part ln 2, |ln2A + ln2B + ln2C - ln 2| < 2^-140 (from a 400-bit
// ln 2: ln2B = fl(ln 2 - ln2A), ln2C = fl(ln 2 - ln2A - ln2B)). ln2A is
// fdlibm's ln2Hi (32 significant bits: k·ln2A is exact for |k| < 2^20),
// ln2B fdlibm's ln2Lo.
const (
	ln2A  = 6.93147180369123816490e-01 // 0x3fe62e42fee00000
	ln2B  = 1.90821492927058770002e-10 // 0x3dea39ef35793c76
	ln2C  = 1.16122272293625324218e-26 // 0x3a8cc01f97b57a08
	ln2H  = 0.34657359027997264        // fl(ln 2 / 2)
	invL  = 1.4426950408889634         // fl(1/ln 2)
	preT  = 16                         // the threshold of needsPrecise
	zMax  = 746                        // e^{-746} < 2^-1076: 0 in float64
	zWid  = 5000                       // expW's limit for the careful path
	expmN = 20                         // coefficients of expm1DW's series
)

// needsPrecise reports whether the modulator exp(-γ·(mq + l)) of an
// element with l = log1p(e^{-|x|}) ≈ lh (expLog1p's high word) takes the
// precise path (powPrecise, powPreciseW): γ·lh > 16. It is elem's and
// elemWide's criterion, for both modulators of an element, and the SIMD
// kernels must route exactly the lanes it selects to elem.
//
// Below the threshold, the error that expLog1p's l adds to the modulator
// is γ·l·ρ ≤ 16·2^-57.3 = 2^-53.3 relative (ρ ≤ 2^-57.3 is its relative
// error, TestExpLog1pRelError), under 1 ulp, where the elements measured
// within 4 ulp before (package doc, γ ≤ 50) carried up to 34.7·ρ. As
// l ≤ ln 2, no element with γ ≤ 16/ln 2 = 23 takes the precise path (at
// γ = 2, the common case, none does); at γ = 50 those with |x| < 0.97 do.
// A NaN γ·lh gives false.
func needsPrecise(gamma, lh float64) bool { return gamma*lh > preT }

// twoProd returns p = fl(a·b) and the rounding error e, p + e = a·b
// exactly unless a·b underflows (FMA).
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

// dwMul returns (ah + al)·(bh + bl) as a normalised double-word, relative
// error below 5·2^-106 (Joldes, Muller, Popescu 2017, DWTimesDW3: the
// product ah·bh exact by FMA, al·bl, ah·bl and al·bh folded in by FMA).
func dwMul(ah, al, bh, bl float64) (float64, float64) {
	ch, cl1 := twoProd(ah, bh)
	t := math.FMA(ah, bl, al*bl)
	cl2 := math.FMA(al, bh, t)
	return fastTwoSum(ch, cl1+cl2)
}

// dwAdd returns (ah + al) + (bh + bl) as a normalised double-word with a
// relative error below 3·2^-106 of the sum, whatever the cancellation
// (Joldes, Muller, Popescu 2017, AccurateDWPlusDW).
func dwAdd(ah, al, bh, bl float64) (float64, float64) {
	sh, sl := twoSum(ah, bh)
	th, tl := twoSum(al, bl)
	c := sl + th
	vh, vl := fastTwoSum(sh, c)
	w := tl + vl
	return fastTwoSum(vh, w)
}

// pow2 returns 2^k for -1022 ≤ k ≤ 1023, and 0 below (its callers only
// use it where a product with 2^k below 2^-1022 is negligible).
func pow2(k int) float64 {
	if k < -1022 {
		return 0
	}
	return math.Float64frombits(uint64(k+1023) << 52)
}

// expm1Coef holds c_n = 1/(n+1)!, n < expmN, the coefficients of
// expm1(r) = r·Σ c_n·r^n, as double-words: hi = fl(1/(n+1)!) and lo =
// fl((1 - hi·(n+1)!)/(n+1)!), the remainder 1 - hi·(n+1)! being exact
// (FMA) while (n+1)! ≤ 18! < 2^53 is; expm1DW uses the lo words for n <
// 10 only.
var expm1Coef = func() (c [expmN][2]float64) {
	f := 1.0
	for n := range c {
		f *= float64(n + 1)
		h := 1 / f
		c[n] = [2]float64{h, math.FMA(-h, f, 1) / f}
	}
	return c
}()

// expm1DW returns e^r - 1 as a normalised double-word for a double-word
// r = rh + rl, |r| ≤ ln2/2 + 2^-40, from the first nt terms of its
// series, the first nd of them in double-word arithmetic (nd ≤ nt ≤
// expmN): e^r - 1 = r·P(r), P(r) = Σ_{n<nt} c_n·r^n, c_n = 1/(n+1)!.
//
// The relative error is about the first term left out, 0.3466^nt/(nt+1)!
// relative to P ≥ 0.84, plus 2^-53·0.3466^nd/(nd+1)! for the terms
// summed in float64, plus about 2^-104 for the double-word steps:
//
//	nd = 10, nt = 20 (l: expNegDW, expm1Neg): 2^-96 + 2^-93.5, < 2^-93
//	nd = 4, nt = 16 (the modulator, expNeg):   2^-72.8 + 2^-66, < 2^-65
//
// Method: the terms n ≥ nd are summed in float64 at rh (the part of rl
// they leave out is below 2^-53 of theirs), then P by Horner in
// double-word arithmetic, Q ← c_n + r·Q: rh·qh = ph + pe split exactly
// (FMA), c_n + ph by fastTwoSum (|r·Q| < c_n) into sh + se, and the low
// word ql ← rh·ql + (rl·qh + pe + se + lo(c_n)) by one FMA (rl·ql <
// 2^-104·|r·Q| left out), not renormalised (ql stays within a few ulp of
// qh, which costs nothing in the next product); each step is within about
// 2^-104 relative. Finally the product r·P (dwMul). The dependency chains
// are one product and one sum per step for the high word, one FMA for the
// low one.
func expm1DW(rh, rl float64, nd, nt int) (float64, float64) {
	c := &expm1Coef
	// The float64 terms Σ c_n·r^(n-nd) as te(r²) + r·to(r²): two Horner
	// chains, on the even and odd offsets n - nd.
	r2 := rh * rh
	te, to := 0.0, 0.0
	for n := nt - 1; n >= nd; n-- {
		if (n-nd)%2 == 0 {
			te = te*r2 + c[n][0]
		} else {
			to = to*r2 + c[n][0]
		}
	}
	qh, ql := te+rh*to, 0.0
	for n := nd - 1; n >= 0; n-- {
		ph := rh * qh
		pe := math.FMA(rh, qh, -ph)
		sh := c[n][0] + ph
		se := ph - (sh - c[n][0]) // exact
		ql = math.FMA(rh, ql, (rl*qh+pe)+(se+c[n][1]))
		qh = sh
	}
	return dwMul(rh, rl, qh, ql)
}

// expNegDW returns e^{-a} = (h + l)·2^k for 0 ≤ a < 2^19 as a normalised
// double-word h + l in [2^-½, 2^½] and a power of two, unscaled so that
// e^{-a} below the float64 range keeps its precision, with a relative
// error below 2^-93.
//
// Method: k = round(-a/ln 2), r = -a - k·ln 2 as a double-word, the
// three-part ln 2 making it within 2^-106 of the exact value (-a - k·ln2A
// exact by Sterbenz, k·ln2B split exactly by FMA, k·ln2C < 2^-66 rounded
// once), then 1 + expm1DW(r).
func expNegDW(a float64) (h, l float64, k int) {
	kf := math.RoundToEven(-a * invL)
	r1 := -a - kf*ln2A // exact
	ph, pl := twoProd(kf, ln2B)
	rh, rl := twoSum(r1, -ph)
	rh, rl = twoSum(rh, rl-(pl+kf*ln2C))
	mh, ml := expm1DW(rh, rl, 10, 20)
	h, l = fastTwoSum(1, mh)
	h, l = fastTwoSum(h, l+ml)
	return h, l, int(kf)
}

// expm1Neg returns e^{-y} - 1 for 0 ≤ y ≤ fl(ln 2) as a normalised
// double-word with a relative error below 2^-92: expm1DW(-y) for y ≤ ln
// 2/2, else e^{-y} = e^r/2 with r = ln 2 - y ∈ [-2^-32, ln 2/2] (ln2A - y
// exact by Sterbenz) and e^{-y} - 1 = (expm1(r) - 1)/2.
func expm1Neg(y float64) (float64, float64) {
	if y <= ln2H {
		return expm1DW(-y, 0, 10, 20)
	}
	rh, rl := twoSum(ln2A-y, ln2B)
	rh, rl = twoSum(rh, rl+ln2C)
	mh, ml := expm1DW(rh, rl, 10, 20)
	h, l := twoSum(mh, -1)
	h, l = fastTwoSum(h, l+ml)
	return 0.5 * h, 0.5 * l
}

// log1pExpDW returns l = log1p(e^{-a}) = (h + lo)·2^k for 0 ≤ a < 2^19,
// a normalised double-word and a power of two (k = 0 unless e^{-a} <
// 2^-54), with a relative error below 2^-91 (TestLog1pExpDW measures it
// against 300-bit math/big: 2^-93.3).
//
// Method: e = e^{-a} as a double-word (expNegDW). Below 2^-54, l = e -
// e²/2 (the next term, e³/3, is below 2^-108·e), unscaled. Otherwise one
// Newton step for the root of (1+e)·e^{-l} - 1 from l0 = math.Log1p(eh),
// within 2^-51·l of l (1 ulp, and el/(1+e) ≤ 2^-52·l left out):
//
//	l = l0 + d,  d = (1+e)·e^{-l0} - 1 = e + m + e·m,  m = e^{-l0} - 1
//
// with m by expm1Neg (within 2^-92 of |m| ≤ 2l) and d in double-word
// arithmetic (dwMul, dwAdd: within 2^-104 of |e| ≤ 2l), which with e's
// error (2^-93) makes 2^-91·l. The step leaves δ²/2 ≤ 2^-103·l of an
// error δ of l0.
func log1pExpDW(a float64) (h, lo float64, k int) {
	eh, el, k := expNegDW(a)
	if k <= -55 { // e < 2^½·2^-55
		// e²/2 relative to 2^k: eh·e/2 (float64; below 2^-54·eh).
		d := eh * eh * pow2(k-1)
		h, lo = fastTwoSum(eh, el-d)
		return h, lo, k
	}
	s := pow2(k) // e ≥ 2^-54.5: exact, but for an el·2^k below 2^-1022
	eh, el = eh*s, el*s
	l0 := math.Log1p(eh)
	mh, ml := expm1Neg(l0)
	ph, pl := dwMul(eh, el, mh, ml)
	dh, dl := dwAdd(eh, el, mh, ml)
	dh, dl = dwAdd(dh, dl, ph, pl)
	h, lo = dwAdd(l0, 0, dh, dl)
	return h, lo, 0
}

// gammaLogQ returns z = γ·(mq + log1p(e^{-a})) = -γ·log q ≥ 0 as a
// normalised double-word, for γ ≥ 0, a ≥ 0, mq ∈ {0, a}, within about
// 2^-91·z (l's error and four roundings of double-word arithmetic, the
// products exact by FMA unless they underflow, where z's absolute error is
// below 2^-1000). A zh above zWid is returned alone (it may be +Inf); for
// a ≥ 2^19, γ·l < γ·e^{-2^19} is left out (below 2^-750000 of γ·a).
func gammaLogQ(gamma, mq, a float64) (zh, zl float64) {
	if mq != 0 {
		if zh = gamma * mq; !(zh <= zWid) {
			return zh, 0
		}
		zl = math.FMA(gamma, mq, -zh)
	}
	if a >= 0x1p19 {
		return zh, zl
	}
	lh, ll, k := log1pExpDW(a)
	g := gamma
	if k != 0 {
		g = math.Ldexp(gamma, k) // exact when normal, as it is when γ·l > 1
	}
	th, tl := twoProd(g, lh)
	th, tl = fastTwoSum(th, tl+g*ll)
	if mq == 0 {
		return th, tl
	}
	return dwAdd(zh, zl, th, tl)
}

// expNeg returns e^{-(zh+zl)} = v·2^k for a normalised double-word
// 0 ≤ zh + zl ≤ 2^19, v in [2^-½, 2^½] rounded once (to nearest) from a
// double-word within 2^-64 relative: k = round(-zh/ln 2), r = -zh - k·ln
// 2 - zl as a double-word (-zh - k·ln2A exact by Sterbenz, as in
// expNegDW), v = 1 + expm1DW(r).
func expNeg(zh, zl float64) (v float64, k int) {
	kf := math.RoundToEven(-zh * invL)
	r1 := -zh - kf*ln2A // exact
	ph, pl := twoProd(kf, ln2B)
	t1, e1 := twoSum(r1, -ph)
	t2, e2 := twoSum(t1, -zl)
	rh, rl := twoSum(t2, e1+e2-(pl+kf*ln2C))
	mh, ml := expm1DW(rh, rl, 4, 16)
	h, l := fastTwoSum(1, mh)
	return h + (l + ml), int(kf)
}

// powPrecise is powLog's precise form for binary targets: exp(-γ·(mq +
// l)), l = log1p(e^{-a}), mq ∈ {0, a} the exact part of -log q (elem's
// max(±x, 0)), for γ ≥ 0 and a ≥ 0, with a relative error below 0.5 ulp
// + 2^-11 ulp when the result is normal (see the top of this file); 0 when
// γ·(mq + l) > 746. A subnormal result is rounded twice (v, then v·2^k).
func powPrecise(gamma, mq, a float64) float64 {
	zh, zl := gammaLogQ(gamma, mq, a)
	if !(zh <= zMax) {
		return 0
	}
	v, k := expNeg(zh, zl)
	if k >= -1021 {
		return v * pow2(k)
	}
	return math.Ldexp(v, k)
}

// powPreciseW is powPrecise on the careful path: exp(-γ·(mq + l)) as a
// wf (v rounded once, within 0.5 ulp + 2^-11 ulp), 0 below e^{-5000} as
// expW.
func powPreciseW(gamma, mq, a float64) wf {
	zh, zl := gammaLogQ(gamma, mq, a)
	if !(zh <= zWid) {
		return wf{}
	}
	v, k := expNeg(zh, zl)
	return norm(v, k)
}

// modulator returns exp(-γ·(mq + l)) for l = log1p(e^{-a}) ≈ lh and
// sp + spLo = mq + l (a double-word): powPrecise when needsPrecise(γ, lh),
// else powLog(γ, -sp, -spLo).
func modulator(gamma, mq, a, lh, sp, spLo float64) float64 {
	if needsPrecise(gamma, lh) {
		return powPrecise(gamma, mq, a)
	}
	return powLog(gamma, -sp, -spLo)
}

// modulatorW is modulator on the careful path: exp(-γ·(mq + l)) for l =
// log1p(e^{-a}) ≈ lh (expLog1p's high word for a ≤ 700, e^{-a} rounded to
// float64 beyond) and sp + spLo = mq + l as wf: powPreciseW when
// needsPrecise(γ, lh), else powW(γ, -sp, -spLo).
func modulatorW(gamma, mq, a, lh float64, sp, spLo wf) wf {
	if needsPrecise(gamma, lh) {
		return powPreciseW(gamma, mq, a)
	}
	return powW(gamma, sp.neg(), spLo.neg())
}
