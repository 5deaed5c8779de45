//go:build goexperiment.simd && amd64

package vectorized

import "simd/archsimd"

// kernel32 computes one chunk of float32 data: the SIMD kernel for the
// configs it covers (p.simple), the portable loop otherwise.
func kernel32(p *params, start int, x, y, loss, grad []float32) float64 {
	if hasSIMD && p.simple && !forcePortable {
		return simd32(p, start, x, y, loss, grad)
	}
	return portable(p, start, x, y, loss, grad)
}

// simd32 is simd64 on float32 data: each group of 4 elements is widened to
// float64, computed by the same binary4 and rounded once to float32; the
// loss sum accumulates the float64 values.
func simd32(p *params, start int, x, y, loss, grad []float32) float64 {
	n := len(x)
	k := newKernelConsts(p)
	var acc sum4
	var rest, restC float64
	for i := 0; i < n; i += 4 {
		var xv, yv archsimd.Float64x4
		m := min(4, n-i)
		if m == 4 {
			xv = archsimd.LoadFloat32x4Slice(x[i:]).ConvertToFloat64()
			yv = archsimd.LoadFloat32x4Slice(y[i:]).ConvertToFloat64()
		} else {
			bx, by := [4]float32{}, [4]float32{0.5, 0.5, 0.5, 0.5} // padding: not binary
			copy(bx[:], x[i:])
			copy(by[:], y[i:])
			xv = archsimd.LoadFloat32x4(&bx).ConvertToFloat64()
			yv = archsimd.LoadFloat32x4(&by).ConvertToFloat64()
		}
		pos := yv.Equal(k.one)
		bin := pos.Or(yv.Equal(k.zero))
		lv, gv := binary4(&k, xv, pos)
		if m == 4 {
			lv.ConvertToFloat32().StoreSlice(loss[i:])
			gv.ConvertToFloat32().StoreSlice(grad[i:])
		} else {
			var bl, bg [4]float32
			lv.ConvertToFloat32().Store(&bl)
			gv.ConvertToFloat32().Store(&bg)
			copy(loss[i:], bl[:m])
			copy(grad[i:], bg[:m])
		}
		if bits := bin.ToBits(); bits != 0xF {
			lv = lv.Masked(bin)
			rest, restC = redoSoft(p, start, i, m, bits, x, y, loss, grad, rest, restC)
		}
		acc.add(lv)
	}
	return acc.total(rest, restC)
}
