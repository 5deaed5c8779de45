package vectorized

import (
	"math"
	"unsafe"

	"github.com/focalcheck/focalcheck/spec"
)

// portable computes losses and gradients of one chunk starting at global
// index start, for every config, and returns the compensated sum of the
// element losses. It does not allocate.
func portable[F float32 | float64](p *params[F], start int, x, y, loss, grad []F) float64 {
	C := p.classes
	c := start % C
	var cbw F = 1
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
		l, g := elem(p, c, p.w[c]*cbw, x[i], y[i])
		if p.reduction == spec.Mean {
			g /= p.d
		}
		loss[i], grad[i] = l, g
		s, comp = add2(s, comp, float64(l))
		c++
	}
	return s + comp
}

// labelWeight returns the CB weight of the row that starts at global index
// row: the weight of its positive label (Validate makes every row one-hot).
func labelWeight[F float32 | float64](p *params[F], row int) F {
	for k, v := range p.targets[row : row+p.classes] {
		if v == 1 {
			return p.cbLabel[k]
		}
	}
	return 1
}

// elem returns the element loss l = W·f and its derivative W·f′ for one
// element of column c, before the normaliser. The bounded factors are
// multiplied first, and sp(±x) last, so that no intermediate overflows
// when the result does not.
func elem[F float32 | float64](p *params[F], c int, W, x, y F) (l, dl F) {
	if W == 0 {
		return 0, 0
	}
	gamma := p.gamma
	ys, ym := y, y
	if p.eps != 0 {
		ys = y*(1-p.eps) + p.eps/2
		if p.smoothAll {
			ym = ys
		}
	}
	a := x
	if a < 0 {
		a = -a
	}
	e := expF(-a)
	lg := log1pF(e)
	inv := 1 / (1 + e)
	var s, t F // σ(x), σ(-x)
	var mp, mn F
	if x >= 0 {
		s, t = inv, e*inv
		mp = x
	} else {
		s, t = e*inv, inv
		mn = -x
	}
	// sp(x) = spp + sppLo and sp(-x) = spn + spnLo as double-words.
	spp := mp + lg
	sppLo := lg - (spp - mp)
	spn := mn + lg
	spnLo := lg - (spn - mn)
	pw := p.pw[c]
	ap, an := p.ap[c], p.an[c]

	if p.soft == spec.Split {
		mt, ms := F(1), F(1)
		if gamma != 0 {
			mt = powLog(gamma, -spp, -sppLo)
			ms = powLog(gamma, -spn, -spnLo)
		}
		fp := W * ap * pw * ys * mt
		fn := W * an * (1 - ys) * ms
		l = fp*spn + fn*spp
		dl = -fp*(gamma*s*spn+t) + fn*(gamma*t*spp+s)
		return l, dl
	}
	at := ap*ym + an*(1-ym)
	if at == 0 { // a zero factor times a cross-entropy that overflowed
		return 0, 0
	}
	var mod, r F // modulator and the factor of γ·CE in the bracket
	switch {
	case gamma == 0:
		mod, r = 1, 0
	case ym == 1:
		mod, r = powLog(gamma, -spp, -sppLo), -s
	case ym == 0:
		mod, r = powLog(gamma, -spn, -spnLo), t
	default:
		switch p.soft {
		case spec.Linear:
			q := ym*t + (1-ym)*s
			mod = powF(q, gamma)
			r = (1 - 2*ym) * (s * t / q)
		case spec.Geometric:
			g := ym*spp + (1-ym)*spn
			mod = expF(-gamma * g)
			r = -(ym - t)
		default: // ExpCE
			ce0 := ym*spn + (1-ym)*spp
			mod = powF(-expm1F(-ce0), gamma)
			r = (s - ym) / expm1F(ce0)
		}
	}
	m := W * at * mod
	if m == 0 {
		return 0, 0
	}
	cp, cn := m*pw*ys, m*(1-ys) // l = cp·sp(-x) + cn·sp(x)
	l = cp*spn + cn*spp
	dl = cn*s - cp*t
	if r != 0 { // r = 0 where σ underflows, and l may have overflowed
		dl += gamma * r * l
	}
	return l, dl
}

// powLog returns exp(γ·(hi+lo)) for a logarithm hi+lo ≤ 0 given as a
// double-word, with the product γ·hi carried exactly; 0 when it underflows.
func powLog[F float32 | float64](gamma, hi, lo F) F {
	zh := gamma * hi
	if is32[F]() {
		if zh < -104 {
			return 0
		}
		zl := F(float64(gamma)*float64(hi)-float64(zh)) + gamma*lo
		v := expF(zh)
		return v + v*zl
	}
	if zh < -746 {
		return 0
	}
	zl := F(math.FMA(float64(gamma), float64(hi), -float64(zh))) + gamma*lo
	v := expF(zh)
	return v + v*zl
}

func is32[F float32 | float64]() bool {
	var z F
	return unsafe.Sizeof(z) == 4
}

func expF[F float32 | float64](x F) F {
	if is32[F]() {
		return F(exp32(float32(x)))
	}
	return F(math.Exp(float64(x)))
}

func log1pF[F float32 | float64](x F) F {
	if is32[F]() {
		return F(log1p32(float32(x)))
	}
	return F(math.Log1p(float64(x)))
}

func expm1F[F float32 | float64](x F) F {
	if is32[F]() {
		return F(expm1_32(float32(x)))
	}
	return F(math.Expm1(float64(x)))
}

func powF[F float32 | float64](x, y F) F {
	if is32[F]() {
		if x == 0 {
			return 0
		}
		return F(exp32(float32(y) * log32(float32(x))))
	}
	return F(math.Pow(float64(x), float64(y)))
}
