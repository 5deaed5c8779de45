//go:build goexperiment.simd && amd64

package vectorized

import (
	"math"
	"simd/archsimd"
)

// hasSIMD says whether the CPU runs the AVX2/FMA kernels.
var hasSIMD = archsimd.X86.AVX2() && archsimd.X86.FMA()

// kernel computes one chunk: float32 data takes kernel32; float64 data
// takes the SIMD kernel for the configs it covers (p.simple), the portable
// loop otherwise.
func kernel[F float32 | float64](p *params, start int, x, y, loss, grad []F) float64 {
	if xs, ok := any(x).([]float32); ok {
		return kernel32(p, start, xs, any(y).([]float32), any(loss).([]float32), any(grad).([]float32))
	}
	if hasSIMD && p.simple && !forcePortable {
		return simd64(p, start, any(x).([]float64), any(y).([]float64), any(loss).([]float64), any(grad).([]float64))
	}
	return portable(p, start, x, y, loss, grad)
}

// simd64 is the 4×float64 kernel for linear semantics, scalar or no α, no
// ε, weight, pos_weight or CB. Every full group of 4 elements takes
// binary4, and the tail is padded, so that an element's result does not
// depend on its position. The loop holds no scalar float instruction (on
// some CPUs, one such instruction after a 256-bit one costs over 100 ns);
// after it, the elements binary4 does not stand for (soft targets, and
// lanes whose modulator needs the precise path, needsPrecise) are
// recomputed by the portable loop, group by group, in index order.
func simd64(p *params, start int, x, y, loss, grad []float64) float64 {
	n := len(x)
	k := newKernelConsts(p)
	var acc sum4
	var kept [chunk / 4]uint8 // per full group: the lanes binary4 stands for
	redo := false
	nf := n &^ 3
	for i := 0; i < nf; i += 4 {
		xv := archsimd.LoadFloat64x4Slice(x[i:])
		yv := archsimd.LoadFloat64x4Slice(y[i:])
		pos := yv.Equal(k.one)
		lv, gv, fine := binary4(&k, xv, pos)
		lv.StoreSlice(loss[i:])
		gv.StoreSlice(grad[i:])
		keep := pos.Or(yv.Equal(k.zero)).And(fine)
		bits := keep.ToBits()
		kept[i>>2] = bits
		if bits != 0xF {
			redo = true
			lv = lv.Masked(keep)
		}
		acc.add(lv)
	}
	tail := uint8(0xF)
	if nf < n {
		bx, by := [4]float64{}, [4]float64{0.5, 0.5, 0.5, 0.5} // padding: not binary
		copy(bx[:], x[nf:])
		copy(by[:], y[nf:])
		xv, yv := archsimd.LoadFloat64x4(&bx), archsimd.LoadFloat64x4(&by)
		pos := yv.Equal(k.one)
		lv, gv, fine := binary4(&k, xv, pos)
		var bl, bg [4]float64
		lv.Store(&bl)
		gv.Store(&bg)
		copy(loss[nf:], bl[:n-nf])
		copy(grad[nf:], bg[:n-nf])
		keep := pos.Or(yv.Equal(k.zero)).And(fine)
		tail = keep.ToBits()
		acc.add(lv.Masked(keep))
	}
	archsimd.ClearAVXUpperBits()
	var rest, restC float64
	if redo {
		for i := 0; i < nf; i += 4 {
			if bits := kept[i>>2]; bits != 0xF {
				rest, restC = redoSoft(p, start, i, 4, bits, x, y, loss, grad, rest, restC)
			}
		}
	}
	if nf < n {
		rest, restC = redoSoft(p, start, nf, n-nf, tail, x, y, loss, grad, rest, restC)
	}
	return acc.total(rest, restC)
}

// redoSoft recomputes with the portable loop the first m elements of the
// group at i whose bit is clear in bits (elements the SIMD kernel does not
// stand for), adding their losses to the compensated sum (rest, restC).
func redoSoft[F float32 | float64](p *params, start, i, m int, bits uint8, x, y, loss, grad []F, rest, restC float64) (float64, float64) {
	for j := range m {
		if bits&(1<<j) == 0 {
			k := i + j
			v := portable(p, start+k, x[k:k+1], y[k:k+1], loss[k:k+1], grad[k:k+1])
			rest, restC = add2(rest, restC, v)
		}
	}
	return rest, restC
}

// sum4 is a compensated sum per lane (Fast2Sum ordered by magnitude is
// replaced by the branch-free TwoSum).
type sum4 struct{ s, c archsimd.Float64x4 }

func (a *sum4) add(v archsimd.Float64x4) {
	t := a.s.Add(v)
	bp := t.Sub(a.s)
	a.c = a.c.Add(a.s.Sub(t.Sub(bp)).Add(v.Sub(bp)))
	a.s = t
}

// total adds the lanes in order, then rest + restC.
func (a *sum4) total(rest, restC float64) float64 {
	var sa, ca [4]float64
	a.s.Store(&sa)
	a.c.Store(&ca)
	var s, c float64
	for k := range 4 {
		s, c = add2(s, c, sa[k])
		if !math.IsInf(sa[k], 0) {
			c += ca[k]
		}
	}
	s, c = add2(s, c, rest)
	return s + (c + restC)
}

// binary4 returns the losses and gradients (divided by D) of 4 elements with
// targets y = 1 where pos is set and y = 0 elsewhere: with a = |x|,
// e = e^{-a} and l = log1p(e) from expLog1p4 (a double-word),
//
//	y = 1: q = t, log q = -sp(x),  CE = sp(-x), CE' = -t, r = -s
//	y = 0: q = s, log q = -sp(-x), CE = sp(x),  CE' = s,  r = t
//	l = α_t·q^γ·CE,  l' = α_t·q^γ·(γ·r·CE + CE')
//
// with q^γ = exp(zh)·(1+zl), zh + zl = γ·log q carried as a double-word.
// fine is clear in the lanes whose modulator needs the precise path
// (γ·lh > 16, needsPrecise's criterion on this kernel's lh) and in those
// with a > 700, which elem sends to the careful path: there e = e^{-a} <
// 2^-1009 has lost bits to the subnormal range, which γ·t·CE shows once γ
// is above about 1e300 (x = 742, y = 0, γ = 9.1e307: 311 ulp).
func binary4(k *kernelConsts, xv archsimd.Float64x4, pos archsimd.Mask64x4) (lv, gv archsimd.Float64x4, fine archsimd.Mask64x4) {
	zero := k.zero
	mp := xv.Max(zero)
	mn := zero.Sub(xv).Max(zero)
	a := mp.Add(mn)
	e, inv, lh, ll := expLog1p4(k, zero.Sub(a))
	et := e.Mul(inv)
	xpos := xv.GreaterEqual(zero)
	s := inv.Merge(et, xpos)
	t := et.Merge(inv, xpos)
	mq := mp.Merge(mn, pos) // log q = -(mq + l)
	mc := mn.Merge(mp, pos) // CE = mc + l
	qh, ql := twoSum4(mq, lh)
	ql = ql.Add(ll)
	ch, cl := twoSum4(mc, lh)
	ce := ch.Add(cl.Add(ll))
	dce := zero.Sub(t).Merge(s, pos)
	r := zero.Sub(s).Merge(t, pos)
	at := k.ap.Merge(k.an, pos)
	zh := zero.Sub(k.gam.Mul(qh))
	zl := k.gam.MulAdd(qh, zh).Add(k.gam.Mul(ql)) // -(zl)
	zl = zero.Sub(zl).Merge(zero, zh.Greater(k.under))
	mv := exp64(k, zh.Max(k.under))
	mod := mv.MulAdd(zl, mv)
	m := at.Mul(mod)
	lv = m.Mul(ce)
	gv = m.Mul(k.gam.Mul(r).MulAdd(ce, dce)).Div(k.d)
	fine = k.gam.Mul(lh).LessEqual(k.preT).And(a.LessEqual(k.c700))
	return lv, gv, fine
}

// twoSum4 is twoSum on 4 lanes.
func twoSum4(a, b archsimd.Float64x4) (s, err archsimd.Float64x4) {
	s = a.Add(b)
	bb := s.Sub(a)
	err = a.Sub(s.Sub(bb)).Add(b.Sub(bb))
	return s, err
}

// expLog1p4 is expLog1p on 4 lanes, for z = -a ≤ 0 (the same steps and
// constants; arguments below -750 give e = 0 and l = 0); it also returns
// inv = 1/(1+e).
func expLog1p4(k *kernelConsts, z archsimd.Float64x4) (e, inv, lh, ll archsimd.Float64x4) {
	zero, one, half := k.zero, k.one, k.half
	z = z.Max(k.c750)
	kf := z.Mul(k.log2e).RoundToEven()
	r1 := kf.MulAdd(k.negLn2Hi, z)
	pl := kf.Mul(k.ln2Lo)
	pe := kf.MulAdd(k.ln2Lo, zero.Sub(pl))
	rh, rl := twoSum4(r1, zero.Sub(pl))
	rl = rl.Sub(pe)
	sq := rh.Mul(rh)
	sqe := rh.MulAdd(rh, zero.Sub(sq))
	q := k.e14
	q = q.MulAdd(rh, k.e13)
	q = q.MulAdd(rh, k.e12)
	q = q.MulAdd(rh, k.e11)
	q = q.MulAdd(rh, k.e10)
	q = q.MulAdd(rh, k.e9)
	q = q.MulAdd(rh, k.e8)
	q = q.MulAdd(rh, k.e7)
	q = q.MulAdd(rh, k.e6)
	q = q.MulAdd(rh, k.e5)
	q = q.MulAdd(rh, k.e4)
	q = q.MulAdd(rh, k.e3)
	tail := rh.Mul(sq).Mul(q)
	s1 := one.Add(rh)
	e1 := rh.Sub(s1.Sub(one))
	hs := half.Mul(sq)
	s2 := s1.Add(hs)
	e2 := hs.Sub(s2.Sub(s1))
	lo := e1.Add(e2).Add(half.MulAdd(sqe, tail)).Add(rl.Mul(s2))
	eh := s2.Add(lo)
	el := lo.Sub(eh.Sub(s2))
	k1 := kf.Mul(half).Floor()
	f1, f2 := pow2_64(k, k1), pow2_64(k, kf.Sub(k1))
	e = eh.Mul(f1).Mul(f2)
	el = el.Mul(f1).Mul(f2)

	// log1p(e + el), see log1pDW.
	w := one.Add(e)
	c := e.Sub(w.Sub(one)).Add(el)
	inv = one.Div(w)
	big := w.Greater(k.sqrt2)
	m := w.Mul(half).Merge(w, big)
	kk := one.Merge(zero, big)
	f := m.Sub(one)
	dh := k.two.Add(f)
	dl := f.Sub(dh.Sub(k.two))
	s := f.Div(dh)
	res := zero.Sub(s).MulAdd(dh, f).Sub(s.Mul(dl))
	ds := res.Mul(k.quarterNeg.MulAdd(f, half))
	zz := s.Mul(s)
	ww := zz.Mul(zz)
	t1 := ww.MulAdd(k.lg6, k.lg4)
	t1 = ww.MulAdd(t1, k.lg2).Mul(ww)
	t2 := ww.MulAdd(k.lg7, k.lg5)
	t2 = ww.MulAdd(t2, k.lg3)
	t2 = ww.MulAdd(t2, k.lg1).Mul(zz)
	R := t1.Add(t2)
	fsq := f.Mul(f)
	fsqe := f.MulAdd(f, zero.Sub(fsq))
	hf := half.Mul(fsq)
	xh := hf.Add(R)
	xl := R.Sub(xh.Sub(hf))
	th := s.Mul(xh)
	tl := s.MulAdd(xh, zero.Sub(th)).Add(s.Mul(half.MulAdd(fsqe, xl))).Add(ds.Mul(xh))
	h1 := f.Sub(hf)
	ee1 := f.Sub(h1).Sub(hf)
	h2, ee2 := twoSum4(kk.Mul(k.ln2Hi), h1)
	h3 := h2.Add(th)
	ee3 := th.Sub(h3.Sub(h2))
	lo2 := ee1.Add(ee2).Add(ee3).Sub(half.Mul(fsqe)).Add(tl).Add(kk.MulAdd(k.ln2Lo, c.Mul(inv)))
	lh = h3.Add(lo2)
	ll = lo2.Sub(lh.Sub(h3))
	// Below 2^-32, the series e + (el - e²/2), as in log1pDW.
	small := e.Less(k.tinyE)
	sl := el.Sub(half.Mul(e).Mul(e))
	sh := e.Add(sl)
	lh = sh.Merge(lh, small)
	ll = sl.Sub(sh.Sub(e)).Merge(ll, small)
	return e, inv, lh, ll
}

// exp64 is e^z for z ≤ 0 (arguments below -750 give 0): z = k·ln2 + r with
// |r| ≤ ln2/2 (fdlibm's split ln2), the degree-13 Taylor polynomial of e^r,
// and 2^k applied in two halves so subnormal results round once.
func exp64(k *kernelConsts, z archsimd.Float64x4) archsimd.Float64x4 {
	z = z.Max(k.c750)
	kf := z.Mul(k.log2e).RoundToEven()
	r := kf.MulAdd(k.negLn2Hi, z)
	r = kf.MulAdd(k.negLn2Lo, r)
	p := k.e13
	p = p.MulAdd(r, k.e12)
	p = p.MulAdd(r, k.e11)
	p = p.MulAdd(r, k.e10)
	p = p.MulAdd(r, k.e9)
	p = p.MulAdd(r, k.e8)
	p = p.MulAdd(r, k.e7)
	p = p.MulAdd(r, k.e6)
	p = p.MulAdd(r, k.e5)
	p = p.MulAdd(r, k.e4)
	p = p.MulAdd(r, k.e3)
	p = p.MulAdd(r, k.half)
	p = p.MulAdd(r, k.one)
	p = p.MulAdd(r, k.one)
	k1 := kf.Mul(k.half).Floor()
	return p.Mul(pow2_64(k, k1)).Mul(pow2_64(k, kf.Sub(k1)))
}

// pow2_64 is 2^k for whole k in [-1022, 1023].
func pow2_64(k *kernelConsts, kf archsimd.Float64x4) archsimd.Float64x4 {
	b := kf.Add(k.bias)
	return b.AsInt64x4().ShiftAllLeft(52).AsFloat64x4()
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

// kernelConsts holds the parameters and the constants of the kernels,
// written as literals and broadcast once per chunk rather than once per
// vector (see expLog1p for the constants).
type kernelConsts struct {
	zero, one, half, two, quarterNeg, sqrt2, c700, c750, under, bias, tinyE, preT archsimd.Float64x4
	gam, ap, an, d                                                                archsimd.Float64x4
	log2e, ln2Hi, negLn2Hi, ln2Lo, negLn2Lo                                       archsimd.Float64x4
	e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14                           archsimd.Float64x4 // 1/n!
	lg1, lg2, lg3, lg4, lg5, lg6, lg7                                             archsimd.Float64x4
}

func newKernelConsts(p *params) kernelConsts {
	b := archsimd.BroadcastFloat64x4
	k := kernelConsts{
		zero: b(0), one: b(1), half: b(0.5), two: b(2), quarterNeg: b(-0.25),
		sqrt2: b(1.4142135623730951), c700: b(700), c750: b(-750), under: b(-746), bias: b(0x1p52 + 1023), tinyE: b(0x1p-32), preT: b(preT),
		gam: b(p.gamma), ap: b(p.ap[0]), an: b(p.an[0]), d: b(p.d),
		log2e: b(1.4426950408889634),
		ln2Hi: b(6.93147180369123816490e-01), negLn2Hi: b(-6.93147180369123816490e-01),
		ln2Lo: b(1.90821492927058770002e-10), negLn2Lo: b(-1.90821492927058770002e-10),
		e3: b(1.6666666666666666e-01), e4: b(4.1666666666666664e-02), e5: b(8.333333333333333e-03),
		e6: b(1.388888888888889e-03), e7: b(1.984126984126984e-04), e8: b(2.48015873015873e-05),
		e9: b(2.755731922398589e-06), e10: b(2.755731922398589e-07), e11: b(2.505210838544172e-08),
		e12: b(2.08767569878681e-09), e13: b(1.6059043836821613e-10), e14: b(1.1470745597729725e-11),
		lg1: b(6.666666666666735130e-01), lg2: b(3.999999999940941908e-01), lg3: b(2.857142874366239149e-01),
		lg4: b(2.222219843214978396e-01), lg5: b(1.818357216161805012e-01), lg6: b(1.531383769920937332e-01),
		lg7: b(1.479819860511658591e-01),
	}
	return k
}
