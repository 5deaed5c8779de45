// Package vectors plans, computes, writes and reads focalcheck's golden
// vectors: language-neutral JSON-lines files (spec/vectors/CATEGORY.jsonl,
// one case a line) of requests in the form `focalcheck eval` reads and the
// exact oracle's results for them, correctly rounded to the request's dtype.
//
// Each line holds the case's id, category, dtype and request, the expected
// loss (absent for reduction none), losses and grad as the shortest decimals
// that round-trip in the dtype, the same values as hexadecimal floats under
// "hex" (the authority: strconv, C's strtod and Python's float.fromhex read
// them exactly), and, for the cases where conventions disagree (soft
// targets, label smoothing, α forms, normalisers, pos_weight scope), the
// expected values under each alternative convention under "alternatives",
// so that a checker can tell which convention a candidate implements
// without running the oracle.
//
// The plan is deterministic (PCG seeded with Seed, one stream per
// category), so regenerating gives identical bytes; MANIFEST.json records
// each file's SHA-256, case and element counts.
package vectors
