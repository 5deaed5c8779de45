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
		l, g := elem(p, c, p.w[c]*cbw, float64(x[i]), float64(y[i]))
		if p.reduction == spec.Mean {
			g /= p.d
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
// multiplied first, and sp(±x) last, so that no intermediate overflows
// when the result does not; when the products of the weights (W·α_t·pw·y_s
// and W·α_t·(1-y_s), or W·α₊·pw·y_s and W·α₋·(1-y_s) for split) are tiny
// they are formed scaled by 2^600 and the results scaled back, so that no
// intermediate underflows to a subnormal when the result is normal.
//
// The smoothed targets follow SPEC.md §1 with their complements computed
// by the same formula, 1-y' = (1-y)(1-ε) + ε/2, not as 1 - fl(y'), which
// loses ε/2 next to 1 (y = 1, ε = 2^-53: fl(y') = 1 but 1-y' = 2^-54).
func elem(p *params, c int, W, x, y float64) (l, dl float64) {
	if W == 0 {
		return 0, 0
	}
	gamma := p.gamma
	ys, ym, ysc, ymc := y, y, 1-y, 1-y
	if p.eps != 0 {
		ys = math.FMA(y, 1-p.eps, p.eps/2)
		ysc = math.FMA(1-y, 1-p.eps, p.eps/2)
		if p.smoothAll {
			ym, ymc = ys, ysc
		}
	}
	a := math.Abs(x)
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
			mt = powLog(gamma, -spp, -sppLo)
			ms = powLog(gamma, -spn, -spnLo)
		}
		cpos, cneg := W*ap*pw*ys, W*an*ysc
		sc := 1.0
		if tiny(cpos, cneg) {
			cpos, cneg, sc = prod600(W, ap, pw, ys), prod600(W, an, ysc, 1), 0x1p-600
		}
		fp, fn := cpos*mt, cneg*ms
		l = fp*spn + fn*spp
		dl = -fp*(gamma*s*spn+t) + fn*(gamma*t*spp+s)
		return l * sc, dl * sc
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
		mod, r = powLog(gamma, -spp, -sppLo), -s
	case ym == 0:
		mod, r = powLog(gamma, -spn, -spnLo), t
	default:
		switch p.soft {
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
	}
	kp, kn, sc := W*at*pw*ys, W*at*ysc, 1.0
	if tiny(kp, kn) {
		kp, kn, sc = prod600(W, at, pw, ys), prod600(W, at, ysc, 1), 0x1p-600
	}
	cp, cn := kp*mod, kn*mod // l = cp·sp(-x) + cn·sp(x)
	if cp == 0 && cn == 0 {
		return 0, 0
	}
	l = cp*spn + cn*spp
	// l' = cn·s - cp·t + γ·r·l, grouped by coefficient so that no rounded
	// (possibly subnormal) l enters it; r = 0 where σ underflows.
	gr := gamma * r
	dl = cn*(s+gr*spp) - cp*(t-gr*spn)
	return l * sc, dl * sc
}

// tiny reports whether a nonzero coefficient is below 2^-960, where it
// keeps fewer than 53 bits or comes close, while both are below 2^-600:
// then 2^600 times either, times sp ≤ 2^1024, stays finite.
func tiny(a, b float64) bool {
	small := (a > 0 && a < 0x1p-960) || (b > 0 && b < 0x1p-960)
	return small && max(a, b) < 0x1p-600
}

// prod600 returns a·b·c·d·2^600 without an intermediate underflow: the
// mantissas are multiplied (each in [½,1), the product above 2^-4) and the
// exponents added; it rounds once, at the end.
func prod600(a, b, c, d float64) float64 {
	if a == 0 || b == 0 || c == 0 || d == 0 {
		return 0
	}
	fa, ea := math.Frexp(a)
	fb, eb := math.Frexp(b)
	fc, ec := math.Frexp(c)
	fd, ed := math.Frexp(d)
	return math.Ldexp(fa*fb*fc*fd, ea+eb+ec+ed+600)
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
