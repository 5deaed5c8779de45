//go:build goexperiment.simd && amd64

package vectorized

import (
	"math"
	"simd/archsimd"

	"github.com/focalcheck/focalcheck/spec"
)

// hasSIMD says whether the CPU runs the AVX2/FMA kernels.
var hasSIMD = archsimd.X86.AVX2() && archsimd.X86.FMA()

// kernel computes one chunk: the SIMD kernels for the configs they cover
// (p.simple), the portable loop otherwise.
func kernel[F float32 | float64](p *params[F], start int, x, y, loss, grad []F) float64 {
	if hasSIMD && p.simple && !forcePortable {
		switch q := any(p).(type) {
		case *params[float64]:
			return simd64(q, start, any(x).([]float64), any(y).([]float64), any(loss).([]float64), any(grad).([]float64))
		case *params[float32]:
			return simd32(q, start, any(x).([]float32), any(y).([]float32), any(loss).([]float32), any(grad).([]float32))
		}
	}
	return portable(p, start, x, y, loss, grad)
}

// simd64 is the 4×float64 kernel for linear semantics, scalar or no α, no
// ε, weight, pos_weight or CB. Vectors whose targets are not all 0 or 1,
// and the tail, go to the portable loop.
func simd64(p *params[float64], start int, x, y, loss, grad []float64) float64 {
	n := len(x)
	zero := archsimd.BroadcastFloat64x4(0)
	one := archsimd.BroadcastFloat64x4(1)
	gam := archsimd.BroadcastFloat64x4(p.gamma)
	ap := archsimd.BroadcastFloat64x4(p.ap[0])
	an := archsimd.BroadcastFloat64x4(p.an[0])
	scale := one
	if p.reduction == spec.Mean {
		scale = archsimd.BroadcastFloat64x4(1 / p.d)
	}
	under := archsimd.BroadcastFloat64x4(-746)
	kc := newConsts64()
	sum, comp := zero, zero
	var rest, restC float64
	i := 0
	for ; i+4 <= n; i += 4 {
		xv := archsimd.LoadFloat64x4Slice(x[i:])
		yv := archsimd.LoadFloat64x4Slice(y[i:])
		pos := yv.Equal(one)
		if pos.Or(yv.Equal(zero)).ToBits() != 0xF {
			v := portable(p, start+i, x[i:i+4], y[i:i+4], loss[i:i+4], grad[i:i+4])
			rest, restC = add2(rest, restC, v)
			continue
		}
		mp := xv.Max(zero)
		mn := zero.Sub(xv).Max(zero)
		e := exp64(&kc, zero.Sub(mp.Add(mn)))
		w := one.Add(e)
		inv := one.Div(w)
		l := log1p64(&kc, e, w, inv)
		et := e.Mul(inv)
		xpos := xv.GreaterEqual(zero)
		s := inv.Merge(et, xpos)
		t := et.Merge(inv, xpos)
		spp := mp.Add(l)
		sppLo := l.Sub(spp.Sub(mp))
		spn := mn.Add(l)
		spnLo := l.Sub(spn.Sub(mn))
		// y = 1: q = t, log q = -sp(x), CE = sp(-x), CE' = -t, r = -s.
		// y = 0: q = s, log q = -sp(-x), CE = sp(x), CE' = s, r = t.
		hi := zero.Sub(spp.Merge(spn, pos))
		lo := zero.Sub(sppLo.Merge(spnLo, pos))
		ce := spn.Merge(spp, pos)
		dce := zero.Sub(t).Merge(s, pos)
		r := zero.Sub(s).Merge(t, pos)
		at := ap.Merge(an, pos)
		zh := gam.Mul(hi)
		zl := gam.MulAdd(hi, zero.Sub(zh)).Add(gam.Mul(lo))
		zl = zl.Merge(zero, zh.Greater(under))
		mv := exp64(&kc, zh.Max(under))
		mod := mv.MulAdd(zl, mv)
		m := at.Mul(mod)
		lv := m.Mul(ce)
		gv := m.Mul(gam.Mul(r).MulAdd(ce, dce)).Mul(scale)
		lv.StoreSlice(loss[i:])
		gv.StoreSlice(grad[i:])
		tt := sum.Add(lv)
		bp := tt.Sub(sum)
		comp = comp.Add(sum.Sub(tt.Sub(bp)).Add(lv.Sub(bp)))
		sum = tt
	}
	var sa, ca [4]float64
	sum.Store(&sa)
	comp.Store(&ca)
	var s, c float64
	for k := range 4 {
		s, c = add2(s, c, sa[k])
		if !math.IsInf(sa[k], 0) {
			c += ca[k]
		}
	}
	if i < n {
		v := portable(p, start+i, x[i:], y[i:], loss[i:], grad[i:])
		rest, restC = add2(rest, restC, v)
	}
	s, c = add2(s, c, rest)
	return s + (c + restC)
}

// exp64 is e^z for z ≤ 0 (arguments below -750 give 0): z = k·ln2 + r with
// |r| ≤ ln2/2 (fdlibm's split ln2), the degree-13 Taylor polynomial of e^r,
// and 2^k applied in two halves so subnormal results round once.
func exp64(kc *consts64, z archsimd.Float64x4) archsimd.Float64x4 {
	z = z.Max(kc.c0)
	k := z.Mul(kc.c1).RoundToEven()
	r := k.MulAdd(kc.c2, z)
	r = k.MulAdd(kc.c3, r)
	p := kc.c4
	p = p.MulAdd(r, kc.c5)
	p = p.MulAdd(r, kc.c6)
	p = p.MulAdd(r, kc.c7)
	p = p.MulAdd(r, kc.c8)
	p = p.MulAdd(r, kc.c9)
	p = p.MulAdd(r, kc.c10)
	p = p.MulAdd(r, kc.c11)
	p = p.MulAdd(r, kc.c12)
	p = p.MulAdd(r, kc.c13)
	p = p.MulAdd(r, kc.c14)
	p = p.MulAdd(r, kc.c15)
	p = p.MulAdd(r, kc.c16)
	p = p.MulAdd(r, kc.c16)
	k1 := k.Mul(kc.c15).Floor()
	k2 := k.Sub(k1)
	return p.Mul(pow2_64(kc, k1)).Mul(pow2_64(kc, k2))
}

// pow2_64 is 2^k for whole k in [-1022, 1023].
func pow2_64(kc *consts64, k archsimd.Float64x4) archsimd.Float64x4 {
	b := k.Add(kc.c29)
	return b.AsInt64x4().ShiftAllLeft(52).AsFloat64x4()
}

// log1p64 is log(1+e) for e in [0,1], given w = 1+e rounded and inv = 1/w:
// fdlibm's log1p with its correction term c = (e-(w-1))/w.
func log1p64(kc *consts64, e, w, inv archsimd.Float64x4) archsimd.Float64x4 {
	one := kc.c16
	zero := kc.c17
	c := e.Sub(w.Sub(one)).Mul(inv)
	big := w.Greater(kc.c18)
	m := w.Mul(kc.c15).Merge(w, big)
	k := one.Merge(zero, big)
	f := m.Sub(one)
	s := f.Div(f.Add(kc.c19))
	z := s.Mul(s)
	ww := z.Mul(z)
	t1 := ww.MulAdd(kc.c20, kc.c21)
	t1 = ww.MulAdd(t1, kc.c22).Mul(ww)
	t2 := ww.MulAdd(kc.c23, kc.c24)
	t2 = ww.MulAdd(t2, kc.c25)
	t2 = ww.MulAdd(t2, kc.c26).Mul(z)
	R := t1.Add(t2)
	hfsq := f.Mul(f).Mul(kc.c15)
	inner := s.Mul(hfsq.Add(R)).Add(k.MulAdd(kc.c27, c))
	return k.MulAdd(kc.c28, zero).Sub(hfsq.Sub(inner).Sub(f))
}

// scanChunk returns Σy and whether every x is finite and every y in [0,1],
// with 8×float32 or 4×float64 vectors.
func scanChunk[F float32 | float64](x, y []F) (float64, bool) {
	if !hasSIMD {
		return scanPortable(x, y)
	}
	switch xs := any(x).(type) {
	case []float32:
		return scan32(xs, any(y).([]float32))
	default:
		return scan64(any(x).([]float64), any(y).([]float64))
	}
}

func scan32(x, y []float32) (float64, bool) {
	n := len(x) &^ 7
	acc := archsimd.BroadcastFloat32x8(0)
	lo, hi := acc, archsimd.BroadcastFloat32x8(1)
	sLo, sHi := archsimd.BroadcastFloat64x4(0), archsimd.BroadcastFloat64x4(0)
	for i := 0; i < n; i += 8 {
		xv := archsimd.LoadFloat32x8Slice(x[i:])
		yv := archsimd.LoadFloat32x8Slice(y[i:])
		acc = acc.Add(xv.Sub(xv)).Add(yv.Sub(yv))
		lo, hi = lo.Min(yv), hi.Max(yv)
		sLo = sLo.Add(yv.GetLo().ConvertToFloat64())
		sHi = sHi.Add(yv.GetHi().ConvertToFloat64())
	}
	var a, l, h [8]float32
	acc.Store(&a)
	lo.Store(&l)
	hi.Store(&h)
	var sa, sb [4]float64
	sLo.Store(&sa)
	sHi.Store(&sb)
	s, ok := scanPortable(x[n:], y[n:])
	for k := range 8 {
		ok = ok && a[k] == 0 && l[k] >= 0 && h[k] <= 1
	}
	for k := range 4 {
		s += sa[k] + sb[k]
	}
	return s, ok
}

func scan64(x, y []float64) (float64, bool) {
	n := len(x) &^ 3
	acc := archsimd.BroadcastFloat64x4(0)
	lo, hi := acc, archsimd.BroadcastFloat64x4(1)
	sum := acc
	for i := 0; i < n; i += 4 {
		xv := archsimd.LoadFloat64x4Slice(x[i:])
		yv := archsimd.LoadFloat64x4Slice(y[i:])
		acc = acc.Add(xv.Sub(xv)).Add(yv.Sub(yv))
		lo, hi = lo.Min(yv), hi.Max(yv)
		sum = sum.Add(yv)
	}
	var a, l, h, sa [4]float64
	acc.Store(&a)
	lo.Store(&l)
	hi.Store(&h)
	sum.Store(&sa)
	s, ok := scanPortable(x[n:], y[n:])
	for k := range 4 {
		ok = ok && a[k] == 0 && l[k] >= 0 && h[k] <= 1
		s += sa[k]
	}
	return s, ok
}

// consts64 holds the constants of the polynomial kernels, written as literals and
// broadcast once per chunk rather than once per vector.
type consts64 struct {
	c0  archsimd.Float64x4 // -750
	c1  archsimd.Float64x4 // 1.4426950408889634
	c2  archsimd.Float64x4 // -6.93147180369123816490e-01
	c3  archsimd.Float64x4 // -1.90821492927058770002e-10
	c4  archsimd.Float64x4 // 1.6059043836821613e-10
	c5  archsimd.Float64x4 // 2.08767569878681e-09
	c6  archsimd.Float64x4 // 2.505210838544172e-08
	c7  archsimd.Float64x4 // 2.755731922398589e-07
	c8  archsimd.Float64x4 // 2.755731922398589e-06
	c9  archsimd.Float64x4 // 2.48015873015873e-05
	c10 archsimd.Float64x4 // 1.984126984126984e-04
	c11 archsimd.Float64x4 // 1.388888888888889e-03
	c12 archsimd.Float64x4 // 8.333333333333333e-03
	c13 archsimd.Float64x4 // 4.1666666666666664e-02
	c14 archsimd.Float64x4 // 1.6666666666666666e-01
	c15 archsimd.Float64x4 // 0.5
	c16 archsimd.Float64x4 // 1
	c17 archsimd.Float64x4 // 0
	c18 archsimd.Float64x4 // 1.4142135623730951
	c19 archsimd.Float64x4 // 2
	c20 archsimd.Float64x4 // 1.531383769920937332e-01
	c21 archsimd.Float64x4 // 2.222219843214978396e-01
	c22 archsimd.Float64x4 // 3.999999999940941908e-01
	c23 archsimd.Float64x4 // 1.479819860511658591e-01
	c24 archsimd.Float64x4 // 1.818357216161805012e-01
	c25 archsimd.Float64x4 // 2.857142874366239149e-01
	c26 archsimd.Float64x4 // 6.666666666666735130e-01
	c27 archsimd.Float64x4 // 1.90821492927058770002e-10
	c28 archsimd.Float64x4 // 6.93147180369123816490e-01
	c29 archsimd.Float64x4 // 0x1p52 + 1023
}

func newConsts64() consts64 {
	return consts64{
		c0:  archsimd.BroadcastFloat64x4(-750),
		c1:  archsimd.BroadcastFloat64x4(1.4426950408889634),
		c2:  archsimd.BroadcastFloat64x4(-6.93147180369123816490e-01),
		c3:  archsimd.BroadcastFloat64x4(-1.90821492927058770002e-10),
		c4:  archsimd.BroadcastFloat64x4(1.6059043836821613e-10),
		c5:  archsimd.BroadcastFloat64x4(2.08767569878681e-09),
		c6:  archsimd.BroadcastFloat64x4(2.505210838544172e-08),
		c7:  archsimd.BroadcastFloat64x4(2.755731922398589e-07),
		c8:  archsimd.BroadcastFloat64x4(2.755731922398589e-06),
		c9:  archsimd.BroadcastFloat64x4(2.48015873015873e-05),
		c10: archsimd.BroadcastFloat64x4(1.984126984126984e-04),
		c11: archsimd.BroadcastFloat64x4(1.388888888888889e-03),
		c12: archsimd.BroadcastFloat64x4(8.333333333333333e-03),
		c13: archsimd.BroadcastFloat64x4(4.1666666666666664e-02),
		c14: archsimd.BroadcastFloat64x4(1.6666666666666666e-01),
		c15: archsimd.BroadcastFloat64x4(0.5),
		c16: archsimd.BroadcastFloat64x4(1),
		c17: archsimd.BroadcastFloat64x4(0),
		c18: archsimd.BroadcastFloat64x4(1.4142135623730951),
		c19: archsimd.BroadcastFloat64x4(2),
		c20: archsimd.BroadcastFloat64x4(1.531383769920937332e-01),
		c21: archsimd.BroadcastFloat64x4(2.222219843214978396e-01),
		c22: archsimd.BroadcastFloat64x4(3.999999999940941908e-01),
		c23: archsimd.BroadcastFloat64x4(1.479819860511658591e-01),
		c24: archsimd.BroadcastFloat64x4(1.818357216161805012e-01),
		c25: archsimd.BroadcastFloat64x4(2.857142874366239149e-01),
		c26: archsimd.BroadcastFloat64x4(6.666666666666735130e-01),
		c27: archsimd.BroadcastFloat64x4(1.90821492927058770002e-10),
		c28: archsimd.BroadcastFloat64x4(6.93147180369123816490e-01),
		c29: archsimd.BroadcastFloat64x4(0x1p52 + 1023),
	}
}
