//go:build goexperiment.simd && amd64

package vectorized

import "simd/archsimd"

// kernel32 computes one chunk of float32 data: simd32 for the configs the
// float32 element covers (newK32), portable32 without AVX2/FMA or with
// forcePortable (the same bits), the float64 loop otherwise.
func kernel32(p *params, start int, x, y, loss, grad []float32) float64 {
	if hasSIMD && !forcePortable {
		if k, ok := newK32(p); ok {
			return simd32(&k, p, start, x, y, loss, grad)
		}
	}
	return portable32(p, start, x, y, loss, grad)
}

// simd32 is the 8×float32 kernel: every element with a binary target takes
// binary8 (elem32's operations, lane by lane), wherever it lies (the tail is
// padded), so that an element's result does not depend on its position.
// The loop holds no scalar float instruction (a scalar SSE instruction with
// dirty upper halves costs about 160 ns): the groups with a soft target or
// a fallback (see elem32) are noted by their lane bits and recomputed by
// the float64 element after the loop and VZEROUPPER, in index order. The
// loss sum adds the float32 losses in float64 per lane (lanes8's order).
func simd32(kp *k32, p *params, start int, x, y, loss, grad []float32) float64 {
	n := len(x)
	nf := n &^ 7
	// The tail, padded, is copied in before the first vector instruction
	// and out after VZEROUPPER (memmove may use legacy SSE).
	var bx, by, bl, bg [8]float32
	if nf < n {
		for j := range by {
			by[j] = 0.5 // padding: not binary
		}
		copy(bx[:], x[nf:])
		copy(by[:], y[nf:])
	}
	k := newConsts32(kp)
	var lo, hi sum4
	var redo [chunk / 8]uint8 // lane bits of the elements to redo, per group of 8
	some := false
	for i := 0; i < nf; i += 8 {
		xv := archsimd.LoadFloat32x8Slice(x[i:])
		yv := archsimd.LoadFloat32x8Slice(y[i:])
		pos := yv.Equal(k.one)
		bin := pos.Or(yv.Equal(k.zero))
		lv, gv, good := binary8(&k, xv, pos)
		good = good.And(bin)
		lv.StoreSlice(loss[i:])
		gv.StoreSlice(grad[i:])
		if bits := good.ToBits(); bits != 0xFF {
			redo[i>>3] = ^bits
			some = true
			lv = lv.Masked(good)
		}
		lo.add(lv.GetLo().ConvertToFloat64())
		hi.add(lv.GetHi().ConvertToFloat64())
	}
	tailBits := uint8(0xFF)
	if nf < n {
		xv, yv := archsimd.LoadFloat32x8(&bx), archsimd.LoadFloat32x8(&by)
		pos := yv.Equal(k.one)
		bin := pos.Or(yv.Equal(k.zero))
		lv, gv, good := binary8(&k, xv, pos)
		good = good.And(bin)
		lv.Store(&bl)
		gv.Store(&bg)
		tailBits = good.ToBits()
		lv = lv.Masked(good)
		lo.add(lv.GetLo().ConvertToFloat64())
		hi.add(lv.GetHi().ConvertToFloat64())
	}
	archsimd.ClearAVXUpperBits()
	if nf < n {
		copy(loss[nf:], bl[:n-nf])
		copy(grad[nf:], bg[:n-nf])
	}
	var acc lanes8
	lo.s.Store((*[4]float64)(acc.s[:4]))
	lo.c.Store((*[4]float64)(acc.c[:4]))
	hi.s.Store((*[4]float64)(acc.s[4:]))
	hi.c.Store((*[4]float64)(acc.c[4:]))
	var rest, restC float64
	if some {
		for i := 0; i < nf; i += 8 {
			if bad := redo[i>>3]; bad != 0 {
				rest, restC = redoSoft(p, start, i, 8, ^bad, x, y, loss, grad, rest, restC)
			}
		}
	}
	if nf < n {
		rest, restC = redoSoft(p, start, nf, n-nf, tailBits, x, y, loss, grad, rest, restC)
	}
	return acc.total(rest, restC)
}

// binary8 is elem32 on 8 lanes: the losses, the gradients (divided by D)
// and the lanes whose results are final (elem32's ok).
func binary8(k *consts32, xv archsimd.Float32x8, pos archsimd.Mask32x8) (lv, gv archsimd.Float32x8, good archsimd.Mask32x8) {
	zero, one, half := k.zero, k.one, k.half
	xi := xv.AsInt32x8()
	a := xi.And(k.absMask).AsFloat32x8()
	good = a.LessEqual(k.maxA)
	a = a.Min(k.maxA)

	// e^{-a} = eh + el.
	z := zero.Sub(a)
	ke := z.Mul(k.log2e).RoundToEven()
	r := ke.MulAdd(k.negLn2Hi, z)
	de := ke.Mul(k.negLn2Lo)
	sq := r.Mul(r)
	sqe := r.MulAdd(r, zero.Sub(sq))
	tail := r.Mul(sq).Mul(polyQ8(k, r))
	s1 := one.Add(r)
	e1 := r.Sub(s1.Sub(one))
	hs := half.Mul(sq)
	s2 := s1.Add(hs)
	e2 := hs.Sub(s2.Sub(s1))
	lo := e1.Add(e2).Add(half.Mul(sqe)).Add(tail).Add(de.Mul(s2.Add(tail)))
	eh := s2.Add(lo)
	el := lo.Sub(eh.Sub(s2))
	fe := pow2_32(k, ke)
	eh = eh.Mul(fe)
	el = el.Mul(fe)

	// L = log1p(eh + el) = lh + ll.
	w := one.Add(eh)
	c := eh.Sub(w.Sub(one)).Add(el)
	big := w.Greater(k.sqrt2)
	m := half.Mul(w).Merge(w, big)
	cm := half.Mul(c).Merge(c, big)
	kc1 := k.ln2Hi.Masked(big)
	kc2 := k.ln2Lo.Masked(big)
	f := m.Sub(one)
	d := k.two.Add(f)
	dl := f.Sub(d.Sub(k.two))
	sh := f.Div(d)
	res := zero.Sub(sh).MulAdd(d, f)
	num := res.Sub(sh.Mul(dl)).Add(cm).Sub(cm.Mul(sh))
	rd := k.rd3.MulAdd(f, k.rd2).MulAdd(f, k.rd1).MulAdd(f, half)
	sl := num.Mul(rd)
	z2 := sh.Mul(sh)
	pp := k.p11.MulAdd(z2, k.p9)
	pp = pp.MulAdd(z2, k.p7)
	pp = pp.MulAdd(z2, k.p5)
	pp = pp.MulAdd(z2, k.p3)
	sh2 := sh.Add(sh)
	t3 := sh2.Mul(z2).Mul(pp)
	h := kc1.Add(sh2)
	he := sh2.Sub(h.Sub(kc1))
	dt3 := z2.Mul(pp).Mul(k.six.Mul(sl))
	lo2 := he.Add(sl.Add(sl)).Add(kc2).Add(t3).Add(dt3)
	lh := h.Add(lo2)
	ll := lo2.Sub(lh.Sub(h))
	small := eh.Less(k.smallE)
	y := eh.Mul(zero.Sub(eh).MulAdd(k.third, half)).Masked(eh.Greater(k.keepE))
	sl2 := el.Sub(eh.Mul(y))
	lhs := eh.Add(sl2)
	lls := sl2.Sub(lhs.Sub(eh))
	lh = lhs.Merge(lh, small)
	ll = lls.Merge(ll, small)

	inv := one.Div(w)
	icorr := zero.Sub(inv).MulAdd(w, one).Sub(c.Mul(inv))

	right := pos.ToInt32x8().Xor(xi).Less(k.zeroI)
	mq := a.Masked(right)
	mc := zero.Merge(a, right)
	ch, cl := twoSum8(mc, lh)
	cl = cl.Add(ll)
	uh, ul := twoSum8(mq, lh)
	ul = ul.Add(ll)
	zh := k.gam.Mul(uh)
	zl := k.gam.MulAdd(uh, zero.Sub(zh)).Add(k.gam.Mul(ul))
	zh = zh.Min(k.maxZ)
	nz := zero.Sub(zh)
	kn := nz.Mul(k.log2e).RoundToEven()
	r1 := kn.MulAdd(k.negLn2Hi, nz)
	dm := kn.Mul(k.negLn2Lo).Sub(zl)
	pl := r1.Mul(r1).MulAdd(r1.MulAdd(polyQ8(k, r1), half), r1)
	fm := pow2_32(k, kn.Add(k.c64)) // 2^n = fm·2^-64

	kl := k.klP.Merge(k.klN, pos)
	rl := k.rlP.Merge(k.rlN, pos)
	kg := k.kgP.Merge(k.kgN, pos)
	rg := k.rgP.Merge(k.rgN, pos)
	dtl := dm.Add(rl)
	vl := pl.Add(dtl.MulAdd(pl, dtl))
	xl := ch.Add(ch.MulAdd(vl, cl))
	lv = kl.Mul(xl).Mul(fm).Mul(k.twoM64)

	ge := k.gam.Mul(eh)
	gl := k.gam.MulAdd(eh, zero.Sub(ge)).Add(k.gam.Mul(el))
	g1 := k.gam.Merge(ge, right)
	ad := k.gam.MulAdd(cl, el).Add(eh).Merge(gl.MulAdd(ch, ge.Mul(cl)).Add(one), right)
	bp := g1.MulAdd(ch, ad)
	dtg := dm.Add(rg).Add(icorr)
	vg := pl.Add(dtg.MulAdd(pl, dtg))
	xg := bp.MulAdd(vg, bp)
	ph := kg.Mul(xg)
	pe := kg.MulAdd(xg, zero.Sub(ph))
	gm := ph.MulAdd(inv, pe.Mul(inv)).Mul(fm).Mul(k.twoM64)
	gv = zero.Sub(gm).Merge(gm, pos)
	return lv, gv, good
}

// polyQ8 is poly32Q on 8 lanes.
func polyQ8(k *consts32, r archsimd.Float32x8) archsimd.Float32x8 {
	q := k.q9.MulAdd(r, k.q8)
	q = q.MulAdd(r, k.q7)
	q = q.MulAdd(r, k.q6)
	q = q.MulAdd(r, k.q5)
	q = q.MulAdd(r, k.q4)
	return q.MulAdd(r, k.q3)
}

// twoSum8 is twoSum32 on 8 lanes.
func twoSum8(a, b archsimd.Float32x8) (s, err archsimd.Float32x8) {
	s = a.Add(b)
	bb := s.Sub(a)
	err = a.Sub(s.Sub(bb)).Add(b.Sub(bb))
	return s, err
}

// pow2_32 is 2^k for whole k in [-126, 127].
func pow2_32(k *consts32, kf archsimd.Float32x8) archsimd.Float32x8 {
	return kf.Add(k.bias).AsInt32x8().ShiftAllLeft(23).AsFloat32x8()
}

// consts32 holds the parameters and constants of binary8, written as
// literals (kernel32.go's constants) and broadcast once per chunk.
type consts32 struct {
	zero, one, half, two, sqrt2, maxA, maxZ, bias, smallE, keepE, third, six, c64, twoM64 archsimd.Float32x8
	log2e, ln2Hi, ln2Lo, negLn2Hi, negLn2Lo                                               archsimd.Float32x8
	q3, q4, q5, q6, q7, q8, q9                                                            archsimd.Float32x8
	p3, p5, p7, p9, p11, rd1, rd2, rd3                                                    archsimd.Float32x8
	gam, klP, klN, kgP, kgN, rlP, rlN, rgP, rgN                                           archsimd.Float32x8
	absMask, zeroI                                                                        archsimd.Int32x8
}

func newConsts32(p *k32) consts32 {
	b := archsimd.BroadcastFloat32x8
	return consts32{
		zero: b(0), one: b(1), half: b(0.5), two: b(2), sqrt2: b(sqrt2f32),
		maxA: b(maxA32), maxZ: b(maxZ32), bias: b(bias32), smallE: b(smallE32), keepE: b(keepE32), third: b(0.33333334), six: b(6), c64: b(64), twoM64: b(0x1p-64),
		log2e: b(log2e32), ln2Hi: b(ln2Hi32), ln2Lo: b(ln2Lo32), negLn2Hi: b(-ln2Hi32), negLn2Lo: b(-ln2Lo32),
		q3: b(1.6666667e-01), q4: b(4.1666668e-02), q5: b(8.3333333e-03), q6: b(1.3888889e-03),
		q7: b(1.9841270e-04), q8: b(2.4801588e-05), q9: b(2.7557319e-06),
		p3: b(0.33333334), p5: b(0.2), p7: b(0.14285715), p9: b(0.11111111), p11: b(0.09090909),
		rd1: b(-0.25), rd2: b(0.125), rd3: b(-0.0625),
		gam: b(p.gam), klP: b(p.klP), klN: b(p.klN), kgP: b(p.kgP), kgN: b(p.kgN),
		rlP: b(p.rlP), rlN: b(p.rlN), rgP: b(p.rgP), rgN: b(p.rgN),
		absMask: archsimd.BroadcastInt32x8(0x7fffffff), zeroI: archsimd.BroadcastInt32x8(0),
	}
}
