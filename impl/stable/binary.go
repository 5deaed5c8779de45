package stable

import "math"

// maxIntGamma is the largest integer γ raised by repeated multiplication
// (at most 2·log2(64) = 12 double-double products; γ = 2 is one).
const maxIntGamma = 64

// intGamma returns γ as an int when it is a whole number in [1, 64], else 0.
func intGamma(g float64) int {
	if g >= 1 && g <= maxIntGamma && g == math.Trunc(g) {
		return int(g)
	}
	return 0
}

// binaryFocal returns, for a binary target with x_t = z (z = x for y = 1,
// −x for y = 0) and no label smoothing, the unweighted focal loss and its
// derivative with respect to z:
//
//	fl  = σ(−z)^γ · sp(−z)
//	dfl = −σ(−z)^γ · [σ(−z) + γ·σ(z)·sp(−z)]
//
// (SPEC.md §2–3; all four soft semantics coincide here). With E = e^{−|z|}
// every quantity is a ratio of 1, E and log1p(E), computed in
// double-double with a separate binary exponent: the result is within a few
// units of 2^-100 relative of the exact value for every finite z and γ, so
// rounding it is the only error of consequence.
//
// Special cases are:
//
//	γ = 0: σ(−z)^0 = 1 (0^0 = 1), fl = sp(−z)
//	z > 2e5: fl = dfl = 0 (below the smallest subnormal for any weights)
//	z < −2e5: fl = −z, dfl = −1 (σ(−z) = 1, σ(z)·sp(−z) below 2^-1000)
func binaryFocal(z, gamma float64, gInt int) (fl, dfl xf) {
	if z >= 0 {
		// E = e^{−z}; σ(−z) = E/(1+E), σ(z) = 1/(1+E), sp(−z) = log1p(E),
		// sp(z) = z + log1p(E).
		e := expXF(dd{-z, 0})
		if e.v.hi == 0 {
			return xf{}, xf{}
		}
		ed := e.toDD()
		onePlus := ddAddF(ed, 1)
		// ratio = log1p(E)/E ∈ [ln 2, 1], so sp(−z) = E·ratio keeps its
		// precision when E is subnormal.
		var ratio dd
		if ed.hi < 0x1p-60 {
			ratio = ddAddF(ddMulF(ed, -0.5), 1)
		} else {
			ratio = ddDiv(log1pDD(ed), ed)
		}
		spNeg := xfMul(e, xfFromDD(ratio))
		t := xfDivDD(e, onePlus)
		s := ddDiv(dd{1, 0}, onePlus)
		var m xf
		switch {
		case gamma == 0:
			m = xfFromF(1)
		case gInt > 0:
			m = xfPow(t, gInt)
		default:
			// σ(−z)^γ = e^{−γ·sp(z)}, sp(z) = z + log1p(E), the
			// argument in double-double (its absolute error is what
			// e^· turns into relative error).
			sp := ddAdd(dd{z, 0}, spNeg.toDD())
			m = expXF(ddMulF(sp, -gamma))
		}
		// σ(−z) + γ·σ(z)·sp(−z) = E·σ(z)·(1 + γ·ratio)
		b := xfMul(xfMul(e, xfFromDD(s)), xfFromDD(ddAddF(ddMulF(ratio, gamma), 1)))
		return xfMul(m, spNeg), xfNeg(xfMul(m, b))
	}
	// z < 0, w = −z > 0: E = e^{z}; σ(−z) = 1/(1+E), σ(z) = E/(1+E),
	// sp(−z) = w + log1p(E), sp(z) = log1p(E).
	e := expXF(dd{z, 0})
	ed := e.toDD()
	onePlus := ddAddF(ed, 1)
	a := log1pDD(ed)
	spNeg := xfFromDD(ddAddF(a, -z))
	t := xfFromDD(ddDiv(dd{1, 0}, onePlus))
	s := xfDivDD(e, onePlus)
	var m xf
	switch {
	case gamma == 0:
		m = xfFromF(1)
	case gInt > 0:
		m = xfPow(t, gInt)
	default:
		// σ(−z)^γ = e^{−γ·log1p(E)}
		m = expXF(ddMulF(a, -gamma))
	}
	b := xfAdd(t, xfMulF(xfMul(s, spNeg), gamma))
	return xfMul(m, spNeg), xfNeg(xfMul(m, b))
}

// xfPow returns a^n, n ≥ 1, by binary exponentiation.
func xfPow(a xf, n int) xf {
	r := xf{}
	first := true
	for n > 0 {
		if n&1 == 1 {
			if first {
				r, first = a, false
			} else {
				r = xfMul(r, a)
			}
		}
		n >>= 1
		if n > 0 {
			a = xfMul(a, a)
		}
	}
	return r
}
