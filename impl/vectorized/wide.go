package vectorized

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// wf is a float64 with a separate exponent, m·2^e with m = 0 or ½ ≤ |m| < 1,
// for the careful path: products and sums of wf neither overflow nor pass
// through a subnormal, so that the element loss and gradient are rounded
// to float64 once, at the end (toF), whatever the scale of their factors.
type wf struct {
	m float64
	e int
}

// wfOf returns x as a wf (x finite; a subnormal x keeps its own bits).
func wfOf(x float64) wf {
	m, e := math.Frexp(x)
	return wf{m, e}
}

// norm renormalises m·2^e.
func norm(m float64, e int) wf {
	f, d := math.Frexp(m)
	return wf{f, e + d}
}

// mul returns a·b (one rounding of the significands).
func (a wf) mul(b wf) wf {
	if a.m == 0 || b.m == 0 {
		return wf{}
	}
	return norm(a.m*b.m, a.e+b.e)
}

// add returns a+b (one rounding, or a alone when b is below 2^-110·a).
func (a wf) add(b wf) wf {
	if b.m == 0 {
		return a
	}
	if a.m == 0 {
		return b
	}
	if a.e < b.e {
		a, b = b, a
	}
	d := a.e - b.e
	if d > 110 {
		return a
	}
	return norm(a.m+math.Ldexp(b.m, -d), a.e)
}

// div returns a/d for a normal d > 0 (one rounding).
func (a wf) div(d float64) wf {
	if a.m == 0 {
		return a
	}
	return norm(a.m/d, a.e)
}

// neg returns -a.
func (a wf) neg() wf { return wf{-a.m, a.e} }

// scale returns a·2^k.
func (a wf) scale(k int) wf {
	if a.m == 0 {
		return a
	}
	return wf{a.m, a.e + k}
}

// toF rounds a to float64 (±Inf above the range, a subnormal or 0 below).
func (a wf) toF() float64 { return math.Ldexp(a.m, a.e) }

// expW returns e^{zh+zl} for zh ≤ 0 as a wf: zh = k·ln2 + r with r carried
// as a double-word (fdlibm's split ln2, k·ln2Hi exact for |k| < 2^20), then
// math.Exp(rh)·(1 + rl + zl); 0 below e^{-5000}, which no product of the
// bounded factors (below 2^4200) brings back into the float64 range.
func expW(zh, zl float64) wf {
	if zh < -5000 {
		return wf{}
	}
	k := math.RoundToEven(zh * 1.4426950408889634)
	r1 := zh - k*6.93147180369123816490e-01 // exact
	p := k * 1.90821492927058770002e-10
	pe := math.FMA(k, 1.90821492927058770002e-10, -p)
	rh, rl := twoSum(r1, -p)
	rl -= pe
	v := math.Exp(rh)
	return norm(v+v*(rl+zl), int(k))
}

// powW is powLog on the careful path: exp(γ·(hi+lo)) for a logarithm
// hi+lo ≤ 0 given as wf; γ·hi is carried exactly (FMA) when hi is a normal
// float64, and rounded once otherwise (then |γ·hi| < 4 since γ < 2^1024).
func powW(gamma float64, hi, lo wf) wf {
	if gamma == 0 {
		return wfOf(1)
	}
	g := wfOf(gamma)
	zh := g.mul(hi).toF()
	if zh < -5000 {
		return wf{}
	}
	if h := hi.toF(); h != 0 && math.Abs(h) >= 0x1p-1022 {
		zl := math.FMA(gamma, h, -zh) + g.mul(lo).toF()
		return expW(zh, zl)
	}
	return expW(zh, g.mul(lo).toF())
}

// elemWide is elem on the careful path: every factor as a wf, so that the
// loss and its derivative (before the normaliser) are rounded once. For
// a > 700, e = e^{-a} < 2^-1009 is kept as (eh+el)·2^k (expParts), with
// log1p(e) = e (the error e²/2 is below 2^-1000·e), σ of the small side = e
// and 1/(1+e) = 1. Soft targets between 0 and 1 take the modulator and the
// factor r from the float64 formulas of elem (the modulator is then a
// float64 and may be subnormal; only binary targets keep it wide), and
// binary targets take modulatorW, elem's criterion (needsPrecise) on the
// careful path.
func elemWide(p *params, c int, W, x, y float64) (l, dl wf) {
	if W == 0 {
		return wf{}, wf{}
	}
	gamma := p.gamma
	ys, ysc, ym, ymc := smoothed(p, y)
	a := math.Abs(x)
	var small, smallLo wf // e·inv (σ of the small side) and log1p(e), hi and lo
	var sp0, sp0Lo wf     // log1p(e) as hi, lo
	inv := 1.0
	if a <= 700 {
		e, lh, ll := expLog1p(a)
		inv = 1 / (1 + e)
		small = wfOf(e * inv)
		sp0, sp0Lo = wfOf(lh), wfOf(ll)
	} else if a < 5000 { // else e^{-a} < 2^-7200: 0 for any product below 2^4200
		eh, el, k := expParts(a)
		small = wfOf(eh).scale(int(k))
		smallLo = wfOf(el).scale(int(k))
		sp0, sp0Lo = small, smallLo
	}
	// The large side: max(±x, 0) + log1p(e) as a double-word.
	bh, bl := twoSum(a, sp0.toF())
	bl += sp0Lo.toF()
	bh, bl = fastTwoSum(bh, bl)
	big, bigLo := wfOf(bh), wfOf(bl)
	var s, t, spp, sppLo, spn, spnLo wf
	var mqp, mqn float64 // max(±x, 0)
	if x >= 0 {
		s, t = wfOf(inv), small
		spp, sppLo, spn, spnLo = big, bigLo, sp0, sp0Lo
		mqp = a
	} else {
		s, t = small, wfOf(inv)
		spp, sppLo, spn, spnLo = sp0, sp0Lo, big, bigLo
		mqn = a
	}
	spP, spN := spp.add(sppLo), spn.add(spnLo)
	g := wfOf(gamma)
	Ww, pw := wfOf(W), wfOf(p.pw[c])
	ap, an := wfOf(p.ap[c]), wfOf(p.an[c])

	if p.soft == spec.Split {
		mt, ms := wfOf(1), wfOf(1)
		if gamma != 0 {
			mt = modulatorW(gamma, mqp, a, sp0.toF(), spp, sppLo)
			ms = modulatorW(gamma, mqn, a, sp0.toF(), spn, spnLo)
		}
		fp := Ww.mul(ap).mul(pw).mul(wfOf(ys)).mul(mt)
		fn := Ww.mul(an).mul(wfOf(ysc)).mul(ms)
		l = fp.mul(spN).add(fn.mul(spP))
		// dl = -fp·(γ·s·sp(-x) + t) + fn·(γ·t·sp(x) + s)
		dl = fp.mul(g.mul(s).mul(spN).add(t)).neg().add(fn.mul(g.mul(t).mul(spP).add(s)))
		return l, dl
	}
	at := p.ap[c]*ym + p.an[c]*ymc
	if at == 0 {
		return wf{}, wf{}
	}
	var mod, r wf
	switch {
	case gamma == 0:
		mod = wfOf(1)
	case ymc == 0:
		mod, r = modulatorW(gamma, mqp, a, sp0.toF(), spp, sppLo), s.neg()
	case ym == 0:
		mod, r = modulatorW(gamma, mqn, a, sp0.toF(), spn, spnLo), t
	default:
		m, rr := softMod(p.soft, gamma, ym, ymc, s.toF(), t.toF(), spP.toF(), spN.toF())
		mod, r = wfOf(m), wfOf(rr)
	}
	k := Ww.mul(wfOf(at)).mul(mod)
	cp, cn := k.mul(pw).mul(wfOf(ys)), k.mul(wfOf(ysc))
	l = cp.mul(spN).add(cn.mul(spP))
	gr := g.mul(r)
	// dl = cn·(s + γr·sp(x)) - cp·(t - γr·sp(-x))
	dl = cn.mul(s.add(gr.mul(spP))).add(cp.mul(t.add(gr.mul(spN).neg())).neg())
	return l, dl
}
