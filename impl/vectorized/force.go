package vectorized

// forcePortable makes every chunk take the portable loop; tests set it to
// compare the two paths.
//
//lint:ignore U1000 read by the SIMD kernels (GOEXPERIMENT=simd) and set by the tests
var forcePortable bool
