// Package zoo is focalcheck's bug zoo: faulty evaluators, each a real
// spec.Evaluator with one bug of the catalogue in
// docs CONVENTIONS-AND-BUGS.md (c) (Z1..Z20) or a classic one (C1..C6),
// and the run that judges them with the property suite (package props, at
// rapid's default budget) and the fuzz seeds (fuzz.RunSeeds). Every variant
// must be killed; a survivor is a gap in the suite.
//
// Each variant is Reference, a compact logit-space implementation of the
// spec written here, with one part replaced: its element function, its
// reading of a parameter (α, the targets, the weights), its CB weights,
// its normaliser or its float32 reduction. Each claims Reference's
// Contract and is judged under it; the controls are stable under its own
// contract and Reference under Contract, and must survive everything, so
// that a kill is the variant's bug and not the base's or the suite's.
//
// Run orders the properties cheapest first, stops a variant at its first
// failure, and records the time from the variant's start to the first
// failing draw (before rapid shrinks it). Table prints the result;
// `focalcheck zoo` runs it, and TestZoo keeps the zoo killed in `make
// test`. A variant that survives is a gap in the suite, closed by a new
// property in props (ReductionConsistency32 was added for C6).
//
// Not modelled, as they do not arise in a Go implementation of this spec:
// Z4 (JAX's float γ = 0), Z8 (float16 input), Z12 (defaults), Z13 (a
// softmax layout), Z15 (per-image normaliser), Z17 (a limit, not a bug),
// Z18 (a Python keyword), Z21 (probabilities as input).
package zoo
