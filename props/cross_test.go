package props

import (
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/impl/vectorized"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"pgregory.net/rapid"
)

// crossImpl is an implementation with its contract, for agreement checks.
type crossImpl struct {
	e spec.Evaluator
	c spec.Contract
}

var crossImpls = []crossImpl{
	{stable.Evaluator{}, stable.Contract},
	{vectorized.Evaluator{}, vectorized.Contract},
	{vectorized.Evaluator{Workers: 2}, vectorized.Contract},
}

// TestCrossAgreement: every pair of implementations agrees. Each is within
// its contract of the same exact value, so two results differ by at most
// the sum of the two bounds plus 1 ulp (the two roundings): Loss_a + Loss_b
// + 1 ulp for binary elements within both Domains, (SoftRel_a +
// SoftRel_b)·(|l| + S) otherwise; and likewise on the float32 path.
func TestCrossAgreement(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := DrawCase(t, Opts{})
		b32 := To32(clamp32(Case{k.Cfg, spec.Batch{Classes: k.B.Classes, Logits: append([]float64(nil), k.B.Logits...), Targets: k.B.Targets}}.B))
		ok32 := spec.Validate32(&k.Cfg, b32) == nil
		type res struct {
			r   spec.Result
			r32 spec.Result32
		}
		out := make([]res, len(crossImpls))
		for j, ci := range crossImpls {
			out[j].r = eval(t, ci.e, &k.Cfg, k.B)
			if ok32 {
				out[j].r32 = eval32(t, ci.e, &k.Cfg, b32)
			}
		}
		sc, ls := scales(t, stable.Evaluator{}, &k.Cfg, k.B), lossScales(t, stable.Evaluator{}, &k.Cfg, k.B)
		for a := range crossImpls {
			for b := a + 1; b < len(crossImpls); b++ {
				ca, cb := crossImpls[a].c, crossImpls[b].c
				ra, rb := out[a].r, out[b].r
				for i, x := range k.B.Logits {
					if math.Abs(x) > math.Min(ca.Domain, cb.Domain) {
						continue
					}
					bin := elemBinary(&k.Cfg, k.B, i)
					if !close64(ra.Losses[i], rb.Losses[i], ca.Loss+cb.Loss+1, ca.SoftRel+cb.SoftRel, ls[i], bin) ||
						!close64(ra.Grad[i], rb.Grad[i], ca.Grad+cb.Grad+1, ca.SoftRel+cb.SoftRel, sc[i], bin) {
						t.Fatalf("%s: %s (%v, %v), %s (%v, %v)", describe(&k.Cfg, k.B, i),
							crossImpls[a].e.Name(), ra.Losses[i], ra.Grad[i], crossImpls[b].e.Name(), rb.Losses[i], rb.Grad[i])
					}
					if !ok32 {
						continue
					}
					la, lb := out[a].r32.Losses[i], out[b].r32.Losses[i]
					ga, gb := out[a].r32.Grad[i], out[b].r32.Grad[i]
					if bin && (ulp.Dist32(la, lb) > ca.Loss32+cb.Loss32+1 || ulp.Dist32(ga, gb) > ca.Grad32+cb.Grad32+1) {
						t.Fatalf("%s: float32 %s (%v, %v), %s (%v, %v)", describe(&k.Cfg, k.B, i),
							crossImpls[a].e.Name(), la, ga, crossImpls[b].e.Name(), lb, gb)
					}
				}
			}
		}
	})
}
