package props

import (
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/impl/vectorized"
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
	{naive.Evaluator{}, naive.Contract},
}

// TestCrossAgreement: every pair of implementations agrees. Each is within
// its contract of the same exact value, so two results differ by at most
// the sum of the two bounds plus 1 ulp (the two roundings): Loss_a + Loss_b
// + 1 ulp for binary elements when both promise ulp bounds, (SoftRel_a +
// SoftRel_b)·(|l| + S) otherwise (naive promises no ulp bound); and
// likewise on the float32 path. An element is compared only within both
// Domains (Domain32 on the float32 path): beyond one of them it is held to
// no common value, and NoNaN checks it.
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
		var sc32, ls32 []float64
		if ok32 {
			b64 := spec.Batch{Classes: b32.Classes}
			for i := range b32.Logits {
				b64.Logits = append(b64.Logits, float64(b32.Logits[i]))
				b64.Targets = append(b64.Targets, float64(b32.Targets[i]))
			}
			c64 := k.Cfg.Round32()
			sc32, ls32 = scales(t, stable.Evaluator{}, c64, b64), lossScales(t, stable.Evaluator{}, c64, b64)
		}
		for a := range crossImpls {
			for b := a + 1; b < len(crossImpls); b++ {
				ca, cb := crossImpls[a].c, crossImpls[b].c
				ra, rb := out[a].r, out[b].r
				for i, x := range k.B.Logits {
					bin := elemBinary(&k.Cfg, k.B, i)
					if math.Abs(x) <= math.Min(ca.Domain, cb.Domain) &&
						(!close64(ra.Losses[i], rb.Losses[i], ca.Loss+cb.Loss+1, ca.SoftRel+cb.SoftRel, ls[i], bin) ||
							!close64(ra.Grad[i], rb.Grad[i], ca.Grad+cb.Grad+1, ca.SoftRel+cb.SoftRel, sc[i], bin)) {
						t.Fatalf("%s: %s (%v, %v), %s (%v, %v)", describe(&k.Cfg, k.B, i),
							crossImpls[a].e.Name(), ra.Losses[i], ra.Grad[i], crossImpls[b].e.Name(), rb.Losses[i], rb.Grad[i])
					}
					if !ok32 || math.Abs(float64(b32.Logits[i])) > math.Min(ca.Domain32, cb.Domain32) {
						continue
					}
					la, lb := out[a].r32.Losses[i], out[b].r32.Losses[i]
					ga, gb := out[a].r32.Grad[i], out[b].r32.Grad[i]
					rel := ca.SoftRel32 + cb.SoftRel32
					if !close32(la, lb, ca.Loss32+cb.Loss32+1, rel, ls32[i], bin) || !close32(ga, gb, ca.Grad32+cb.Grad32+1, rel, sc32[i], bin) {
						t.Fatalf("%s: float32 %s (%v, %v), %s (%v, %v)", describe(&k.Cfg, k.B, i),
							crossImpls[a].e.Name(), la, ga, crossImpls[b].e.Name(), lb, gb)
					}
				}
			}
		}
	})
}
