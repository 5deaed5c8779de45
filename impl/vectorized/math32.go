package vectorized

import "math"

// exp32 is e^x in float32 (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, a
// degree-6 polynomial for e^r), about 1 ulp.
//
// Special cases are:
//
//	x > 88.72: +Inf
//	x < -103.98: 0 (subnormal results are scaled in two steps)
func exp32(x float32) float32 {
	if x > 88.72284 {
		return float32(math.Inf(1))
	}
	if x < -103.97908 {
		return 0
	}
	n := float32(math.RoundToEven(float64(x * 1.44269504088896341)))
	r := x - n*0.693359375
	r -= n * -2.12194440e-4
	z := r * r
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*z + r + 1
	k := int32(n)
	if k < -125 {
		p *= math.Float32frombits(uint32(k+64+127) << 23)
		return p * 0x1p-64
	}
	return p * math.Float32frombits(uint32(k+127)<<23)
}

// log32 is ln x in float32 for x > 0 (Cephes logf), about 1 ulp.
func log32(x float32) float32 {
	b := math.Float32bits(x)
	e := int32(b>>23) - 127
	if b>>23 == 0 { // subnormal
		x *= 0x1p23
		b = math.Float32bits(x)
		e = int32(b>>23) - 127 - 23
	}
	m := math.Float32frombits(b&0x007fffff | 0x3f800000) // in [1,2)
	if m > 1.41421356 {
		m *= 0.5
		e++
	}
	return logm(m-1, float32(e))
}

// logm is log(1+f) + e·ln2 for f in [√½-1, √2-1].
func logm(f, e float32) float32 {
	z := f * f
	y := ((((((((7.0376836292e-2*f-1.1514610310e-1)*f+1.1676998740e-1)*f-1.2420140846e-1)*f+1.4249322787e-1)*f-1.6668057665e-1)*f+2.0000714765e-1)*f-2.4999993993e-1)*f + 3.3333331174e-1) * f * z
	y += e * -2.12194440e-4
	y -= 0.5 * z
	return f + y + e*0.693359375
}

// log1p32 is ln(1+x) in float32 for x ≥ 0, accurate for tiny x: with
// w = 1+x rounded, log1p(x) = log(w) + (x-(w-1))/w.
func log1p32(x float32) float32 {
	if x < 0x1p-24 {
		return x
	}
	w := 1 + x
	c := (x - (w - 1)) / w
	return log32(w) + c
}

// expm1_32 is e^x - 1 in float32 (Kahan's formula: u = e^x,
// (u-1)·x/ln u).
func expm1_32(x float32) float32 {
	u := exp32(x)
	if u == 1 {
		return x
	}
	um1 := u - 1
	if um1 == -1 {
		return -1
	}
	if math.IsInf(float64(u), 1) {
		return u
	}
	return um1 * x / log32(u)
}
