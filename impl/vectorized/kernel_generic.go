//go:build !(goexperiment.simd && amd64)

package vectorized

// kernel computes one chunk; without SIMD every config takes the portable
// loop.
func kernel[F float32 | float64](p *params, start int, x, y, loss, grad []F) float64 {
	if xs, ok := any(x).([]float32); ok {
		return kernel32(p, start, xs, any(y).([]float32), any(loss).([]float32), any(grad).([]float32))
	}
	return portable(p, start, x, y, loss, grad)
}

// kernel32 computes one chunk of float32 data with portable32: the
// float32 element for the configs and elements it covers, the float64
// loop for the others.
func kernel32(p *params, start int, x, y, loss, grad []float32) float64 {
	return portable32(p, start, x, y, loss, grad)
}

// hasSIMD is false without the SIMD build.
const hasSIMD = false

// scanChunk is scanPortable without SIMD.
func scanChunk[F float32 | float64](x, y []F) (float64, bool) { return scanPortable(x, y) }
