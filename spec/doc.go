// Package spec is the contract of focalcheck: the configuration of a sigmoid
// focal loss or class-balanced (CB) focal loss, the batch it is evaluated on,
// the result, the validation of all of them, and the interface that every
// implementation and the exact oracle satisfy.
//
// The formulas are written out in SPEC.md beside this file; each type's doc
// comment repeats the part that concerns it. Notation: logit x, target y in
// [0,1], p = σ(x) = 1/(1+e^-x), softplus sp(z) = log(1+e^z), so that
// -log p = sp(-x) and -log(1-p) = sp(x).
//
// spec imports nothing of the project and computes no loss: the three
// implementations share these types and Validate, never a numeric helper.
package spec
