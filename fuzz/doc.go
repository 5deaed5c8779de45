// Package fuzz holds focalcheck's native Go fuzz targets and the checks
// they run, exported so that other suites (the bug zoo) run the same checks
// on any implementation: Element, Element32, Float32 and CB check a set of
// Subjects (an evaluator with its spec.Contract) against a reference on one
// Input, and RunSeeds runs all four on every input of Seeds against the
// exact oracle.
//
// Every float reaches a check as raw bits (uint64 through
// math.Float64frombits, uint32 through math.Float32frombits), so that NaN,
// ±Inf, ±0, subnormals and every exponent are inputs like any other. The
// targets take the bits as one []byte (Input's encoding, Decode), not as
// float or integer arguments: the Go fuzzer mutates a numeric argument
// only by small steps (±1..100, ×/÷ 1..10, internal/fuzz/mutator.go) and
// minimises only []byte and string arguments, while its []byte mutations
// flip bits and write interesting values anywhere in the data.
//
// Targets:
//
//	FuzzElement   any config on a two-element batch, float64 path: invalid
//	              input gives spec.Validate's *spec.InputError from every
//	              implementation and never a panic; valid input gives no NaN
//	              (±Inf only where the value may exceed the range), and
//	              vectorized (1 and 2 workers) and naive agree with stable
//	              within the sum of their contracts (inside the Domains).
//	FuzzFloat32   the same on the float32 path (Evaluate32, float32 bits),
//	              and each implementation's float32 path against its own
//	              float64 path on the same numbers.
//	FuzzCB        class-balanced weights: validated, finite, in [1/n, 1],
//	              non-increasing in n, normalised to sum to C, agreeing.
//	FuzzExact     FuzzElement, FuzzFloat32 and FuzzCB with the exact oracle
//	              as the reference (a few milliseconds an input).
//	FuzzEval      any byte string as an eval request line: no panic, one
//	              line of JSON that is an error or a complete answer.
//	FuzzCandidate any byte string as a verify candidate file: an error naming
//	              the file and line, or parsed candidates; never a panic.
//
// `go test ./fuzz/` replays the seeds (Seeds: the thresholds of
// BACKGROUND.md §3, γ < 1 near saturation, large γ, β near 1, soft targets,
// one invalid input per check of spec.Validate) and the committed corpus
// under testdata/fuzz/, where every failing input a campaign finds stays as
// a regression. `make fuzz` (focalcheck fuzz) runs a campaign: each target
// in turn for FUZZ_EXECS executions (count-based -fuzztime, see
// internal/campaign). The test flag -fuzz.known (focalcheck fuzz --known)
// leaves each implementation out of the inputs that match its known open
// bugs (knownBugs in element_test.go), so that a campaign looks for new
// ones; without it an input that shows a known bug fails like any other.
// The failing inputs of the open bugs are kept under testdata/known/,
// which the engine does not read: TestKnownBugsStillShow replays them and
// fails when one passes, so that its file moves to testdata/fuzz/.
package fuzz
