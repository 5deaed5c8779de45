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
// SoftRel·(|exact| + S) per element otherwise, and SoftRel·(|L| + ΣS) for
// the reduced loss (each term of the sum within its own bound). Logits
// beyond Domain carry no accuracy promise and are checked by NoNaN only.
func OracleAgreement(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		o := oracleOpts
		if rapid.Bool().Draw(t, "inDomain") && !math.IsInf(c.Domain, 1) {
			o.MaxLogit = c.Domain
		}
		k := DrawCase(t, o)
		r, x := eval(t, e, &k.Cfg, k.B), eval(t, Oracle, &k.Cfg, k.B)
		bin := isBinary(&k.Cfg, k.B)
		sc, ls := scales(t, e, &k.Cfg, k.B), lossScales(t, e, &k.Cfg, k.B)
		inDom, sumS := true, 0.0
		for i, v := range k.B.Logits {
			inDom = inDom && math.Abs(v) <= c.Domain
			sumS += sc[i] // the reduced loss: Σ W·f/D
			if math.Abs(v) > c.Domain {
				continue
			}
			if !close64(r.Losses[i], x.Losses[i], c.Loss, c.SoftRel, ls[i], elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: loss %v, exact %v (%v ulp)", describe(&k.Cfg, k.B, i), r.Losses[i], x.Losses[i], ulp.Dist(r.Losses[i], x.Losses[i]))
			}
			if !close64(r.Grad[i], x.Grad[i], c.Grad, c.SoftRel, sc[i], elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: grad %v, exact %v (%v ulp)", describe(&k.Cfg, k.B, i), r.Grad[i], x.Grad[i], ulp.Dist(r.Grad[i], x.Grad[i]))
			}
		}
		if inDom && !close64(r.Loss, x.Loss, c.Reduced, c.SoftRel, sumS, bin) {
			t.Fatalf("cfg %s: reduced loss %v, exact %v (%v ulp)", describe(&k.Cfg, k.B, 0), r.Loss, x.Loss, ulp.Dist(r.Loss, x.Loss))
		}
	}
}

// OracleAgreement32 is OracleAgreement on the float32 path, against the
// oracle's float32 reference (the exact value on the float32 inputs and
// Round32 parameters, rounded once): Loss32, Grad32 and Reduced32 ulp of
// float32, SoftRel32 otherwise.
func OracleAgreement32(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		o := oracleOpts
		o.MaxLogit = math.Min(c.Domain32, math.MaxFloat32)
		k := DrawCase(t, o)
		b := To32(k.B)
		if spec.Validate32(&k.Cfg, b) != nil {
			t.Skip("a soft target rounded to 0 removed the only positive")
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
		// 1 ulp always passes: the rounding of the reference itself.
		ok := func(got, want float32, u, s float64, bin bool) bool {
			if ulp.Alike(float64(got), float64(want)) || ulp.Dist32(got, want) <= 1 {
				return true
			}
			if bin {
				return ulp.Dist32(got, want) <= u
			}
			return ulp.WithinSoftRel(float64(got), float64(want), c.SoftRel32, s)
		}
		for i := range b.Logits {
			sumS += sc[i]
			if !ok(r.Losses[i], x.Losses[i], c.Loss32, ls[i], elemBinary(c64, b64, i)) {
				t.Fatalf("%s: float32 loss %v, exact %v (%v ulp)", describe(c64, b64, i), r.Losses[i], x.Losses[i], ulp.Dist32(r.Losses[i], x.Losses[i]))
			}
			if !ok(r.Grad[i], x.Grad[i], c.Grad32, sc[i], elemBinary(c64, b64, i)) {
				t.Fatalf("%s: float32 grad %v, exact %v (%v ulp)", describe(c64, b64, i), r.Grad[i], x.Grad[i], ulp.Dist32(r.Grad[i], x.Grad[i]))
			}
		}
		if !ok(r.Loss, x.Loss, c.Reduced32, sumS, allBin) {
			t.Fatalf("cfg %s: float32 reduced loss %v, exact %v (%v ulp)", describe(c64, b64, 0), r.Loss, x.Loss, ulp.Dist32(r.Loss, x.Loss))
		}
	}
}
