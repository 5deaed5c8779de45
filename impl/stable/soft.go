package stable

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// softElem holds the per-element parameters of the general path.
type softElem struct {
	x, ys, ym      float64 // logit, CE target y_s, modulator target y_m
	ysc, ymc       float64 // 1−y_s and 1−y_m, each computed by the mirrored formula
	ap, am, pw, gm float64 // α₊, α₋, pos_weight, γ
}

// softFocal returns the unweighted element loss f and f′ = df/dx for
// soft targets or label smoothing (SPEC.md §2–3):
//
//	CE  = pw·y_s·sp(−x) + (1−y_s)·sp(x),  CE′ = (1−y_s)·s − pw·y_s·t
//	linear:    f = α_t·q^γ·CE,        f′ = α_t·q^γ·[γ(1−2y_m)(s·t/q)·CE + CE′]
//	geometric: f = α_t·e^{−γg}·CE,    f′ = α_t·e^{−γg}·[−γ(y_m−t)·CE + CE′]
//	expce:     f = α_t·u^γ·CE,        f′ = α_t·u^γ·[γ(s−y_m)/expm1(CE₀)·CE + CE′]
//	split:     f = α₊·pw·y_s·t^γ·sp(−x) + α₋·(1−y_s)·s^γ·sp(x)
//
// with s = σ(x), t = σ(−x), from E = e^{−|x|}, and sp from log1p(E);
// 1−y_s and 1−y_m are (1−y)(1−ε) + ε/2 (or 1−y), so that swapping y with
// 1−y and x with −x gives the same rounding. The
// base quantities are float64 (each within about 2 ulp); products and sums
// are carried as xf so that no intermediate overflows or underflows and a
// zero factor gives 0, never 0·Inf. Accuracy: Contract.SoftRel.
//
// Special cases are:
//
//	γ = 0: every modulator is 1 (0^0 = 1)
//	y_m = 1: s·t/q = s, (s−1)/expm1(sp(−x)) = −s
//	y_m = 0: s·t/q = t, s/expm1(sp(x)) = t
func softFocal(soft spec.Soft, p softElem) (f, df xf) {
	x := p.x
	e := math.Exp(-math.Abs(x))
	l1p := math.Log1p(e)
	var s, t, spp, spm float64 // σ(x), σ(−x), sp(x), sp(−x)
	if x >= 0 {
		s, t = 1/(1+e), e/(1+e)
		spp, spm = x+l1p, l1p
	} else {
		s, t = e/(1+e), 1/(1+e)
		spp, spm = l1p, -x+l1p
	}
	ys, ym, g := p.ys, p.ym, p.gm
	ysc, ymc := p.ysc, p.ymc
	at := xfFromF(p.ap*ym + p.am*ymc)
	ceX := xfAdd(xfMul(xfFromF(p.pw*ys), xfFromF(spm)), xfMulF(xfFromF(ysc), spp))
	ceD := xfAdd(xfMulF(xfFromF(ysc), s), xfNeg(xfMulF(xfFromF(p.pw*ys), t)))
	var mod, bracket xf
	switch soft {
	case spec.Linear:
		// q = y_m·t + (1−y_m)·s; log q = −sp(x) for y_m = 1, −sp(−x) for 0.
		var lq, stq float64
		switch {
		case ymc == 0:
			lq, stq = -spp, s
		case ym == 0:
			lq, stq = -spm, t
		default:
			q := ym*t + ymc*s
			lq, stq = math.Log(q), s*t/q
		}
		mod = modulator(g, lq)
		bracket = xfAdd(xfMulF(ceX, g*(ymc-ym)*stq), ceD)
	case spec.Geometric:
		// e^{−γg}, g = y_m·sp(x) + (1−y_m)·sp(−x); g′ = y_m − t
		mod = modulator(g, -(ym*spp + ymc*spm))
		bracket = xfAdd(xfMulF(ceX, -g*(ym-t)), ceD)
	case spec.ExpCE:
		// u = −expm1(−CE₀); log u = log(−expm1(−CE₀)) for CE₀ < ln 2, else
		// log1p(−e^{−CE₀}).
		// For y_m ∈ {0,1}, u = 1 − e^{−sp(∓x)} = σ(±x) exactly, so
		// log u = −sp(−x) (y_m = 0) or −sp(x) (y_m = 1): no underflow of
		// CE₀ for |x| beyond 745.
		ce0 := ym*spm + ymc*spp
		var lu float64
		switch {
		case ym == 0:
			lu = -spm
		case ymc == 0:
			lu = -spp
		case ce0 < math.Ln2:
			lu = math.Log(-math.Expm1(-ce0))
		default:
			lu = math.Log1p(-math.Exp(-ce0))
		}
		mod = modulator(g, lu)
		var r float64 // (s − y_m)/expm1(CE₀)
		switch {
		case ymc == 0:
			r = -s
		case ym == 0:
			r = t
		default:
			r = (s - ym) / math.Expm1(ce0) // expm1 → +Inf gives 0
		}
		bracket = ceD
		if g != 0 {
			bracket = xfAdd(xfMulF(ceX, g*r), ceD)
		}
	case spec.Split:
		// t^γ = e^{−γ·sp(x)}, s^γ = e^{−γ·sp(−x)}
		pos := xfMul(xfFromF(p.ap*p.pw*ys), modulator(g, -spp))
		negT := xfMul(xfFromF(p.am*ysc), modulator(g, -spm))
		f = xfAdd(xfMulF(pos, spm), xfMulF(negT, spp))
		dpos := xfNeg(xfMul(pos, xfAdd(xfMulF(xfFromF(g*s), spm), xfFromF(t))))
		dneg := xfMul(negT, xfAdd(xfMulF(xfFromF(g*t), spp), xfFromF(s)))
		return f, xfAdd(dpos, dneg)
	}
	c := xfMul(at, mod)
	return xfMul(c, ceX), xfMul(c, bracket)
}

// modulator returns e^{γ·lv} (lv = log of the modulator's base, ≤ 0), with
// 0^0 = 1 for γ = 0.
func modulator(g, lv float64) xf {
	if g == 0 {
		return xfFromF(1)
	}
	if math.IsInf(lv, -1) {
		return xf{}
	}
	return expXF(twoProd(g, lv))
}
