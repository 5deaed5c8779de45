package vectorized

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// portable computes losses and gradients of one chunk starting at global
// index start, for every config, in float64 (rounded once on the float32
// path), and returns the compensated float64 sum of the element losses
// before that rounding. It does not allocate.
func portable[F float32 | float64](p *params, start int, x, y, loss, grad []F) float64 {
	C := p.classes
	c := start % C
	cbw := 1.0
	if p.cbLabel != nil {
		cbw = labelWeight(p, start-c)
	}
	var s, comp float64
	for i := range x {
		if c == C {
			c = 0
			if p.cbLabel != nil {
				cbw = labelWeight(p, start+i)
			}
		}
		if p.dExp != 0 {
			// A mean over D = dm·2^-dExp < 1: the gradient and this
			// chunk's sum carry the factor 2^dExp before the one
			// rounding (run divides the sum by dm).
			lw, gw := elemWide(p, c, p.w[c]*cbw, float64(x[i]), float64(y[i]))
			loss[i], grad[i] = F(lw.toF()), F(gw.scale(p.dExp).div(p.dm).toF())
			s, comp = add2(s, comp, lw.scale(p.dExp).toF())
			c++
			continue
		}
		l, g := elem(p, c, p.w[c]*cbw, float64(x[i]), float64(y[i]))
		if p.reduction == spec.Mean {
			if math.IsInf(g, 0) {
				// W·f′ overflowed; W·f′/D may not.
				_, gw := elemWide(p, c, p.w[c]*cbw, float64(x[i]), float64(y[i]))
				g = gw.div(p.d).toF()
			} else {
				g /= p.d
			}
		}
		loss[i], grad[i] = F(l), F(g)
		s, comp = add2(s, comp, l)
		c++
	}
	return s + comp
}

// labelWeight returns the CB weight of the row that starts at global index
// row: the weight of its positive label (Validate makes every row one-hot).
func labelWeight(p *params, row int) float64 {
	if p.t32 != nil {
		for k, v := range p.t32[row : row+p.classes] {
			if v == 1 {
				return p.cbLabel[k]
			}
		}
		return 1
	}
	for k, v := range p.t64[row : row+p.classes] {
		if v == 1 {
			return p.cbLabel[k]
		}
	}
	return 1
}

// elem returns the element loss l = W·f and its derivative W·f′ for one
// element of column c, before the normaliser. The bounded factors are
// multiplied first, and sp(±x) last. The plain float64 computation is kept
// when every intermediate is safe: a = |x| ≤ 700 (e^{-a}, σ and sp(±x)
// normal), each nonzero weight product (W·α_t·pw·y_s and W·α_t·(1-y_s), or
// W·α₊·pw·y_s and W·α₋·(1-y_s) for split) in [2^-960, 2^1000], its product
// with the modulator at least 2^-1000, the modulator itself normal (a
// subnormal one has lost bits: 7·10^8 ulp at γ = 100, x = -7.3, y = 0,
// W = 2^999), and l and l′ finite. Otherwise the element takes elemWide,
// whose factors carry their exponents apart and which rounds once, so that
// no intermediate passes through a subnormal or overflows (nor gives ∞·0 =
// NaN) when the result is a normal number; these checks cost a few
// comparisons on the common path.
//
// The modulators q^γ = exp(-γ·(max(±x, 0) + l)) of binary targets take
// modulator (precise.go): powLog on the double-word sp(±x), or, when
// needsPrecise(γ, lh) (γ·l > 16), powPrecise, which recomputes l to
// 2^-91 relative so that γ times its error stays negligible.
//
// The smoothed targets follow SPEC.md §1 with their complements computed
// by the same formula, 1-y' = (1-y)(1-ε) + ε/2, not as 1 - fl(y'), which
// loses ε/2 next to 1 (y = 1, ε = 2^-53: fl(y') = 1 but 1-y' = 2^-54).
func elem(p *params, c int, W, x, y float64) (l, dl float64) {
	if W == 0 {
		return 0, 0
	}
	gamma := p.gamma
	ys, ysc, ym, ymc := smoothed(p, y)
	a := math.Abs(x)
	if a > 700 { // e^{-a} < 2^-1009
		return wideF(p, c, W, x, y)
	}
	e, lh, ll := expLog1p(a)
	inv := 1 / (1 + e)
	var s, t float64 // σ(x), σ(-x)
	var mp, mn float64
	if x >= 0 {
		s, t = inv, e*inv
		mp = x
	} else {
		s, t = e*inv, inv
		mn = -x
	}
	// sp(x) = spp + sppLo and sp(-x) = spn + spnLo as double-words.
	spp, sppLo := twoSum(mp, lh)
	sppLo += ll
	spn, spnLo := twoSum(mn, lh)
	spnLo += ll
	spp, sppLo = fastTwoSum(spp, sppLo)
	spn, spnLo = fastTwoSum(spn, spnLo)
	pw := p.pw[c]
	ap, an := p.ap[c], p.an[c]

	if p.soft == spec.Split {
		mt, ms := 1.0, 1.0
		if gamma != 0 {
			mt = modulator(gamma, mp, a, lh, spp, sppLo)
			ms = modulator(gamma, mn, a, lh, spn, spnLo)
		}
		cpos, cneg := 0.0, 0.0
		if ap != 0 && pw != 0 && ys != 0 {
			cpos = W * ap * pw * ys
			if !safe(cpos) {
				return wideF(p, c, W, x, y)
			}
		}
		if an != 0 && ysc != 0 {
			cneg = W * an * ysc
			if !safe(cneg) {
				return wideF(p, c, W, x, y)
			}
		}
		fp, fn := cpos*mt, cneg*ms
		// A subnormal modulator has lost bits even when its product does
		// not look small (a weight up to 2^1000).
		if (cpos != 0 && (fp < 0x1p-1000 || mt < 0x1p-1022)) || (cneg != 0 && (fn < 0x1p-1000 || ms < 0x1p-1022)) {
			return wideF(p, c, W, x, y)
		}
		l = fp*spn + fn*spp
		dl = -fp*(gamma*s*spn+t) + fn*(gamma*t*spp+s)
		if l-l != 0 || dl-dl != 0 {
			return wideF(p, c, W, x, y)
		}
		return l, dl
	}
	at := ap*ym + an*ymc
	if at == 0 { // a zero factor times a cross-entropy that overflowed
		return 0, 0
	}
	var mod, r float64 // modulator and the factor of γ·CE in the bracket
	switch {
	case gamma == 0:
		mod, r = 1, 0
	case ymc == 0:
		mod, r = modulator(gamma, mp, a, lh, spp, sppLo), -s
	case ym == 0:
		mod, r = modulator(gamma, mn, a, lh, spn, spnLo), t
	default:
		mod, r = softMod(p.soft, gamma, ym, ymc, s, t, spp, spn)
	}
	kp, kn := 0.0, 0.0
	if pw != 0 && ys != 0 {
		kp = W * at * pw * ys
		if !safe(kp) {
			return wideF(p, c, W, x, y)
		}
	}
	if ysc != 0 {
		kn = W * at * ysc
		if !safe(kn) {
			return wideF(p, c, W, x, y)
		}
	}
	cp, cn := kp*mod, kn*mod // l = cp·sp(-x) + cn·sp(x)
	if (kp != 0 && cp < 0x1p-1000) || (kn != 0 && cn < 0x1p-1000) || (kp+kn != 0 && mod < 0x1p-1022) {
		return wideF(p, c, W, x, y)
	}
	l = cp*spn + cn*spp
	// l' = cn·s - cp·t + γ·r·l, grouped by coefficient so that no rounded
	// (possibly subnormal) l enters it; r = 0 where σ underflows.
	gr := gamma * r
	dl = cn*(s+gr*spp) - cp*(t-gr*spn)
	if l-l != 0 || dl-dl != 0 { // ±Inf or NaN: let the careful path tell
		return wideF(p, c, W, x, y)
	}
	return l, dl
}

// smoothed returns the smoothed target y_s = y(1-ε) + ε/2 and its
// complement 1-y_s = (1-y)(1-ε) + ε/2 (SPEC.md §1; y and 1-y without ε),
// and the modulator's target y_m and 1-y_m: the smoothed pair under
// SmoothingAll, else y and 1-y.
func smoothed(p *params, y float64) (ys, ysc, ym, ymc float64) {
	ys, ysc, ym, ymc = y, 1-y, y, 1-y
	if p.eps != 0 {
		ys = math.FMA(y, 1-p.eps, p.eps/2)
		ysc = math.FMA(1-y, 1-p.eps, p.eps/2)
		if p.smoothAll {
			ym, ymc = ys, ysc
		}
	}
	return ys, ysc, ym, ymc
}

// safe reports whether a nonzero coefficient is in [2^-960, 2^1000], where
// its products with the modulator (checked apart) and sp ≤ 2^1024 neither
// pass through a subnormal nor overflow unless the result does.
func safe(k float64) bool { return k >= 0x1p-960 && k <= 0x1p1000 }

// wideF is elemWide rounded to float64.
func wideF(p *params, c int, W, x, y float64) (l, dl float64) {
	lw, dw := elemWide(p, c, W, x, y)
	return lw.toF(), dw.toF()
}

// powLog returns exp(γ·(hi+lo)) for a logarithm hi+lo ≤ 0 given as a
// double-word, with the product γ·hi carried exactly (FMA):
// exp(zh)·(1 + zl), zh + zl = γ·(hi+lo); 0 when it underflows.
func powLog(gamma, hi, lo float64) float64 {
	zh := gamma * hi
	if zh < -746 {
		return 0
	}
	zl := math.FMA(gamma, hi, -zh) + gamma*lo
	v := math.Exp(zh)
	return v + v*zl
}

// softMod returns the modulator and the factor r of γ·CE in the gradient's
// bracket for a soft target 0 < y_m < 1 (y_m + ymc = 1), from σ(x) = s,
// σ(-x) = t and sp(±x).
func softMod(soft spec.Soft, gamma, ym, ymc, s, t, spp, spn float64) (mod, r float64) {
	switch soft {
	case spec.Linear:
		q := ym*t + ymc*s
		mod = math.Pow(q, gamma)
		r = (ymc - ym) * (s * t / q)
	case spec.Geometric:
		g := ym*spp + ymc*spn
		mod = math.Exp(-gamma * g)
		// y_m - t = s - (1-y_m): the form without cancellation
		// against 1 on each side.
		if ym > 0.5 {
			r = ymc - s
		} else {
			r = t - ym
		}
	default: // ExpCE
		ce0 := ym*spn + ymc*spp
		mod = math.Pow(-math.Expm1(-ce0), gamma)
		// s - y_m = (1-y_m) - t
		d := s - ym
		if ym > 0.5 {
			d = ymc - t
		}
		r = d / math.Expm1(ce0)
	}
	return mod, r
}
