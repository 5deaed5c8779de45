//go:build goexperiment.simd && amd64

package vectorized

import (
	"simd/archsimd"

	"github.com/focalcheck/focalcheck/spec"
)

// simd32 is the 8×float32 kernel, computing in float32, for the configs of
// simd64; the loss sum accumulates in float64.
func simd32(p *params[float32], start int, x, y, loss, grad []float32) float64 {
	n := len(x)
	zero := archsimd.BroadcastFloat32x8(0)
	one := archsimd.BroadcastFloat32x8(1)
	gam := archsimd.BroadcastFloat32x8(p.gamma)
	ap := archsimd.BroadcastFloat32x8(p.ap[0])
	an := archsimd.BroadcastFloat32x8(p.an[0])
	scale := one
	if p.reduction == spec.Mean {
		scale = archsimd.BroadcastFloat32x8(1 / p.d)
	}
	under := archsimd.BroadcastFloat32x8(-104)
	kc := newConsts32()
	sumLo, sumHi := archsimd.BroadcastFloat64x4(0), archsimd.BroadcastFloat64x4(0)
	var rest, restC float64
	i := 0
	for ; i+8 <= n; i += 8 {
		xv := archsimd.LoadFloat32x8Slice(x[i:])
		yv := archsimd.LoadFloat32x8Slice(y[i:])
		pos := yv.Equal(one)
		if pos.Or(yv.Equal(zero)).ToBits() != 0xFF {
			v := portable(p, start+i, x[i:i+8], y[i:i+8], loss[i:i+8], grad[i:i+8])
			rest, restC = add2(rest, restC, v)
			continue
		}
		mp := xv.Max(zero)
		mn := zero.Sub(xv).Max(zero)
		e := exp32x8(&kc, zero.Sub(mp.Add(mn)))
		w := one.Add(e)
		inv := one.Div(w)
		l := log1p32x8(&kc, e, w, inv)
		et := e.Mul(inv)
		xpos := xv.GreaterEqual(zero)
		s := inv.Merge(et, xpos)
		t := et.Merge(inv, xpos)
		spp := mp.Add(l)
		sppLo := l.Sub(spp.Sub(mp))
		spn := mn.Add(l)
		spnLo := l.Sub(spn.Sub(mn))
		hi := zero.Sub(spp.Merge(spn, pos))
		lo := zero.Sub(sppLo.Merge(spnLo, pos))
		ce := spn.Merge(spp, pos)
		dce := zero.Sub(t).Merge(s, pos)
		r := zero.Sub(s).Merge(t, pos)
		at := ap.Merge(an, pos)
		zh := gam.Mul(hi)
		zl := gam.MulAdd(hi, zero.Sub(zh)).Add(gam.Mul(lo))
		zl = zl.Merge(zero, zh.Greater(under))
		mv := exp32x8(&kc, zh.Max(under))
		mod := mv.MulAdd(zl, mv)
		m := at.Mul(mod)
		lv := m.Mul(ce)
		gv := m.Mul(gam.Mul(r).MulAdd(ce, dce)).Mul(scale)
		lv.StoreSlice(loss[i:])
		gv.StoreSlice(grad[i:])
		sumLo = sumLo.Add(lv.GetLo().ConvertToFloat64())
		sumHi = sumHi.Add(lv.GetHi().ConvertToFloat64())
	}
	var a, b [4]float64
	sumLo.Store(&a)
	sumHi.Store(&b)
	var s, c float64
	for k := range 4 {
		s, c = add2(s, c, a[k])
		s, c = add2(s, c, b[k])
	}
	if i < n {
		v := portable(p, start+i, x[i:], y[i:], loss[i:], grad[i:])
		rest, restC = add2(rest, restC, v)
	}
	s, c = add2(s, c, rest)
	return s + (c + restC)
}

// exp32x8 is e^z in float32 for z ≤ 0 (arguments below -104 give 0):
// Cephes expf's reduction and polynomial, 2^k applied in two halves so
// subnormal results round once.
func exp32x8(kc *consts32, z archsimd.Float32x8) archsimd.Float32x8 {
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
	p = p.Mul(r.Mul(r)).Add(r).Add(kc.c10)
	k1 := k.Mul(kc.c11).Floor()
	k2 := k.Sub(k1)
	return p.Mul(pow2_32(k1)).Mul(pow2_32(k2))
}

// pow2_32 is 2^k for whole k in [-126, 127].
func pow2_32(k archsimd.Float32x8) archsimd.Float32x8 {
	b := k.Add(archsimd.BroadcastFloat32x8(0x1p23 + 127))
	return b.AsInt32x8().ShiftAllLeft(23).AsFloat32x8()
}

// log1p32x8 is log(1+e) for e in [0,1], given w = 1+e rounded and
// inv = 1/w: Cephes logf on w's mantissa plus c = (e-(w-1))/w.
func log1p32x8(kc *consts32, e, w, inv archsimd.Float32x8) archsimd.Float32x8 {
	one := kc.c10
	zero := kc.c12
	c := e.Sub(w.Sub(one)).Mul(inv)
	big := w.Greater(kc.c13)
	m := w.Mul(kc.c11).Merge(w, big)
	k := one.Merge(zero, big)
	f := m.Sub(one)
	z := f.Mul(f)
	y := kc.c14
	y = y.MulAdd(f, kc.c15)
	y = y.MulAdd(f, kc.c16)
	y = y.MulAdd(f, kc.c17)
	y = y.MulAdd(f, kc.c18)
	y = y.MulAdd(f, kc.c19)
	y = y.MulAdd(f, kc.c20)
	y = y.MulAdd(f, kc.c21)
	y = y.MulAdd(f, kc.c22)
	y = y.Mul(f).Mul(z)
	y = k.MulAdd(kc.c23, y)
	y = z.MulAdd(kc.c24, y)
	return k.MulAdd(kc.c25, f.Add(y.Add(c)))
}

// consts32 holds the constants of the polynomial kernels, written as literals and
// broadcast once per chunk rather than once per vector.
type consts32 struct {
	c0  archsimd.Float32x8 // -104
	c1  archsimd.Float32x8 // 1.44269504088896341
	c2  archsimd.Float32x8 // -0.693359375
	c3  archsimd.Float32x8 // 2.12194440e-4
	c4  archsimd.Float32x8 // 1.9875691500e-4
	c5  archsimd.Float32x8 // 1.3981999507e-3
	c6  archsimd.Float32x8 // 8.3334519073e-3
	c7  archsimd.Float32x8 // 4.1665795894e-2
	c8  archsimd.Float32x8 // 1.6666665459e-1
	c9  archsimd.Float32x8 // 5.0000001201e-1
	c10 archsimd.Float32x8 // 1
	c11 archsimd.Float32x8 // 0.5
	c12 archsimd.Float32x8 // 0
	c13 archsimd.Float32x8 // 1.41421356
	c14 archsimd.Float32x8 // 7.0376836292e-2
	c15 archsimd.Float32x8 // -1.1514610310e-1
	c16 archsimd.Float32x8 // 1.1676998740e-1
	c17 archsimd.Float32x8 // -1.2420140846e-1
	c18 archsimd.Float32x8 // 1.4249322787e-1
	c19 archsimd.Float32x8 // -1.6668057665e-1
	c20 archsimd.Float32x8 // 2.0000714765e-1
	c21 archsimd.Float32x8 // -2.4999993993e-1
	c22 archsimd.Float32x8 // 3.3333331174e-1
	c23 archsimd.Float32x8 // -2.12194440e-4
	c24 archsimd.Float32x8 // -0.5
	c25 archsimd.Float32x8 // 0.693359375
}

func newConsts32() consts32 {
	return consts32{
		c0:  archsimd.BroadcastFloat32x8(-104),
		c1:  archsimd.BroadcastFloat32x8(1.44269504088896341),
		c2:  archsimd.BroadcastFloat32x8(-0.693359375),
		c3:  archsimd.BroadcastFloat32x8(2.12194440e-4),
		c4:  archsimd.BroadcastFloat32x8(1.9875691500e-4),
		c5:  archsimd.BroadcastFloat32x8(1.3981999507e-3),
		c6:  archsimd.BroadcastFloat32x8(8.3334519073e-3),
		c7:  archsimd.BroadcastFloat32x8(4.1665795894e-2),
		c8:  archsimd.BroadcastFloat32x8(1.6666665459e-1),
		c9:  archsimd.BroadcastFloat32x8(5.0000001201e-1),
		c10: archsimd.BroadcastFloat32x8(1),
		c11: archsimd.BroadcastFloat32x8(0.5),
		c12: archsimd.BroadcastFloat32x8(0),
		c13: archsimd.BroadcastFloat32x8(1.41421356),
		c14: archsimd.BroadcastFloat32x8(7.0376836292e-2),
		c15: archsimd.BroadcastFloat32x8(-1.1514610310e-1),
		c16: archsimd.BroadcastFloat32x8(1.1676998740e-1),
		c17: archsimd.BroadcastFloat32x8(-1.2420140846e-1),
		c18: archsimd.BroadcastFloat32x8(1.4249322787e-1),
		c19: archsimd.BroadcastFloat32x8(-1.6668057665e-1),
		c20: archsimd.BroadcastFloat32x8(2.0000714765e-1),
		c21: archsimd.BroadcastFloat32x8(-2.4999993993e-1),
		c22: archsimd.BroadcastFloat32x8(3.3333331174e-1),
		c23: archsimd.BroadcastFloat32x8(-2.12194440e-4),
		c24: archsimd.BroadcastFloat32x8(-0.5),
		c25: archsimd.BroadcastFloat32x8(0.693359375),
	}
}
