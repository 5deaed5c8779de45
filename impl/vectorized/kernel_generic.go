//go:build !(goexperiment.simd && amd64)

package vectorized

// kernel computes one chunk; without SIMD every config takes the portable
// loop.
func kernel[F float32 | float64](p *params, start int, x, y, loss, grad []F) float64 {
	return portable(p, start, x, y, loss, grad)
}

// hasSIMD is false without the SIMD build.
const hasSIMD = false

// scanChunk is scanPortable without SIMD.
func scanChunk[F float32 | float64](x, y []F) (float64, bool) { return scanPortable(x, y) }
