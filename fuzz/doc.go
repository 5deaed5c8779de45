// Package fuzz holds focalcheck's native Go fuzz targets; it has no code of
// its own outside its tests.
//
// Every float reaches a target as raw bits (uint64 through
// math.Float64frombits, uint32 through math.Float32frombits), because the Go
// fuzzer only nudges float arguments by small steps and never turns them into
// NaN, ±Inf or a subnormal, while bit mutations reach every exponent.
//
// Targets:
//
//	FuzzElement  any config on a two-element batch: invalid input gives a
//	             spec.InputError from every implementation and never a panic;
//	             valid input gives no NaN, and stable, vectorized and naive
//	             agree within their contracts (naive inside its domain).
//	FuzzExact    the same inputs, stable and vectorized against the exact
//	             oracle within their contracts (slower: ~1 ms an input).
//	FuzzFloat32  the float32 entry points against the exact float32 result.
//	FuzzCB       class-balanced weights: finite, validated, non-increasing in n.
//	FuzzEval     any byte string as an eval request line: no panic, one line
//	             of JSON that is an error or a complete answer.
//	FuzzCandidate any byte string as a verify candidate file: an error naming
//	             a line, or a parsed candidate; never a panic.
//
// `go test ./fuzz/` replays the f.Add seeds and the committed corpus under
// testdata/fuzz/ (every crasher found by a campaign stays there as a
// regression). `make fuzz` runs a campaign: each target in turn for
// FUZZ_EXECS executions (count-based -fuzztime, see internal/campaign).
package fuzz
