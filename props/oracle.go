package props

import (
	"math"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
	"pgregory.net/rapid"
)

// Oracle is the exact reference the agreement properties compare with.
var Oracle spec.Evaluator = exact.Evaluator{}

// oracleOpts keeps N·C ≤ 6: the oracle costs about a millisecond per
// element.
var oracleOpts = Opts{MaxN: 2, MaxC: 3}

// OracleAgreement: every element loss, derivative and the reduced loss
// agree with the exact oracle: within Loss, Grad and Reduced ulp for binary
// targets without smoothing where every |x| ≤ Domain; within
// SoftRel·(|exact| + S) per element otherwise (and for every element when
// the ulp bounds are +Inf), and SoftRel·(|L| + ΣS/D) for the reduced loss
// (each term of the sum within its own bound). Elements beyond Domain
// carry no accuracy promise and are checked for NaN only, as is the
// reduced loss of a batch with such an element.
func OracleAgreement(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, oracleOpts, c.Domain))
		r, x := eval(t, e, &k.Cfg, k.B), eval(t, Oracle, &k.Cfg, k.B)
		bin := isBinary(&k.Cfg, k.B)
		sc, ls := scales(t, e, &k.Cfg, k.B), lossScales(t, e, &k.Cfg, k.B)
		inDom, sumS := true, 0.0
		for i, v := range k.B.Logits {
			inDom = inDom && math.Abs(v) <= c.Domain
			sumS += sc[i] // the reduced loss: Σ W·f/D
			if math.Abs(v) > c.Domain {
				nanFree(t, &k.Cfg, k.B, i, r.Losses[i], r.Grad[i])
				continue
			}
			if !close64(r.Losses[i], x.Losses[i], c.Loss, c.SoftRel, ls[i], elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: loss %v, exact %v (%v ulp)", describe(&k.Cfg, k.B, i), r.Losses[i], x.Losses[i], ulp.Dist(r.Losses[i], x.Losses[i]))
			}
			if !close64(r.Grad[i], x.Grad[i], c.Grad, c.SoftRel, sc[i], elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: grad %v, exact %v (%v ulp)", describe(&k.Cfg, k.B, i), r.Grad[i], x.Grad[i], ulp.Dist(r.Grad[i], x.Grad[i]))
			}
		}
		if math.IsNaN(r.Loss) || (inDom && !close64(r.Loss, x.Loss, c.Reduced, c.SoftRel, sumS, bin)) {
			t.Fatalf("cfg %s: reduced loss %v, exact %v (%v ulp)", describe(&k.Cfg, k.B, 0), r.Loss, x.Loss, ulp.Dist(r.Loss, x.Loss))
		}
	}
}

// OracleAgreement32 is OracleAgreement on the float32 path, against the
// oracle's float32 reference (the exact value on the float32 inputs and
// Round32 parameters, rounded once): Loss32, Grad32 and Reduced32 ulp of
// float32, SoftRel32 otherwise; logits clamped to float32's range, Domain32
// in place of Domain.
func OracleAgreement32(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, oracleOpts, c.Domain32))
		b := To32(clamp32(k.B))
		if !valid32(t, e, &k.Cfg, b) {
			return
		}
		r, x := eval32(t, e, &k.Cfg, b), eval32(t, Oracle, &k.Cfg, b)
		b64 := spec.Batch{Classes: b.Classes}
		for i := range b.Logits {
			b64.Logits = append(b64.Logits, float64(b.Logits[i]))
			b64.Targets = append(b64.Targets, float64(b.Targets[i]))
		}
		c64 := k.Cfg.Round32()
		allBin := isBinary(c64, b64)
		sc, ls := scales(t, e, c64, b64), lossScales(t, e, c64, b64)
		sumS := 0.0
		for i, v := range b64.Logits {
			sumS += sc[i]
			if math.Abs(v) > c.Domain32 {
				nanFree(t, c64, b64, i, float64(r.Losses[i]), float64(r.Grad[i]))
				continue
			}
			if !close32(r.Losses[i], x.Losses[i], c.Loss32, c.SoftRel32, ls[i], elemBinary(c64, b64, i)) {
				t.Fatalf("%s: float32 loss %v, exact %v (%v ulp)", describe(c64, b64, i), r.Losses[i], x.Losses[i], ulp.Dist32(r.Losses[i], x.Losses[i]))
			}
			if !close32(r.Grad[i], x.Grad[i], c.Grad32, c.SoftRel32, sc[i], elemBinary(c64, b64, i)) {
				t.Fatalf("%s: float32 grad %v, exact %v (%v ulp)", describe(c64, b64, i), r.Grad[i], x.Grad[i], ulp.Dist32(r.Grad[i], x.Grad[i]))
			}
		}
		in := allIn(b64, c.Domain32)
		if r.Loss != r.Loss || (in && !close32(r.Loss, x.Loss, c.Reduced32, c.SoftRel32, sumS, allBin)) {
			t.Fatalf("cfg %s: float32 reduced loss %v, exact %v (%v ulp)", describe(c64, b64, 0), r.Loss, x.Loss, ulp.Dist32(r.Loss, x.Loss))
		}
	}
}
