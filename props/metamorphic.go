package props

import (
	"math"
	"slices"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"pgregory.net/rapid"
)

var sum, mean = spec.Sum, spec.Mean

// grid16 rounds v in [0,1] to a multiple of 1/16, so that 1−v is exact.
func grid16(v float64) float64 { return math.Round(v*16) / 16 }

// Symmetry: (x, y, α) ↔ (−x, 1−y, 1−α) leaves the element loss unchanged
// and negates the derivative (no weight, pos_weight or CB, which are not
// symmetric). α and y lie on a 1/16 grid so that 1−α and 1−y are exact.
// Tolerance: both sides within the contract of the same exact value:
// 2·Loss + 1 ulp (binary), 2·SoftRel·(|l|+S) otherwise. |x| is the same on
// both sides, so an element beyond Domain is beyond it on both and is
// checked for NaN only.
func Symmetry(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &none, NoCB: true, MaxN: 3, MaxC: 4}, c.Domain))
		k.Cfg.Weight, k.Cfg.PosWeight = nil, nil
		for i := range k.Cfg.Alpha {
			k.Cfg.Alpha[i] = grid16(k.Cfg.Alpha[i])
		}
		for i := range k.B.Targets {
			k.B.Targets[i] = grid16(k.B.Targets[i])
		}
		m := k.Cfg
		m.Alpha = nil
		for _, a := range k.Cfg.Alpha {
			m.Alpha = append(m.Alpha, 1-a)
		}
		mb := spec.Batch{Classes: k.B.Classes}
		for i := range k.B.Logits {
			mb.Logits = append(mb.Logits, -k.B.Logits[i])
			mb.Targets = append(mb.Targets, 1-k.B.Targets[i])
		}
		r, rm := eval(t, e, &k.Cfg, k.B), eval(t, e, &m, mb)
		sc := scales(t, e, &k.Cfg, k.B)
		for i, x := range k.B.Logits {
			if math.Abs(x) > c.Domain {
				nanFree(t, &k.Cfg, k.B, i, r.Losses[i], r.Grad[i])
				nanFree(t, &m, mb, i, rm.Losses[i], rm.Grad[i])
				continue
			}
			if !close64(rm.Losses[i], r.Losses[i], 2*c.Loss+1, 2*c.SoftRel, sc[i], elemBinary(&k.Cfg, k.B, i)) ||
				!close64(-rm.Grad[i], r.Grad[i], 2*c.Grad+1, 2*c.SoftRel, sc[i], elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: (l, g) = (%v, %v), mirrored (%v, %v)", describe(&k.Cfg, k.B, i), r.Losses[i], r.Grad[i], rm.Losses[i], rm.Grad[i])
			}
		}
	}
}

// NonNegative: every element loss and the reduced loss are ≥ 0 (exactly:
// every term of f is a product of non-negative factors).
func NonNegative(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, Opts{})
		r := eval(t, e, &k.Cfg, k.B)
		if r.Loss < 0 {
			t.Fatalf("reduced loss %v < 0", r.Loss)
		}
		for i, l := range r.Losses {
			if l < 0 {
				t.Fatalf("%s: loss %v < 0", describe(&k.Cfg, k.B, i), l)
			}
		}
	}
}

// MonotoneInGamma: the element loss is non-increasing in γ (the modulator
// q^γ, e^{−γg}, u^γ, σ^γ has a base in [0,1]); so focal ≤ its CE (γ = 0)
// is the case γ1 = 0, checked by FocalBelowCE. Tolerance: both within the
// contract: l(γ2) ≤ l(γ1) + (2·Loss+1) ulp (binary), + 2·SoftRel·(l+S)
// otherwise, S at the larger γ (S grows with γ). Beyond Domain: NaN only.
func MonotoneInGamma(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return monotoneGamma(e, c, false)
}

// FocalBelowCE: the focal element loss at γ ≥ 0 is at most its γ = 0
// cross-entropy (same α, weights, pos_weight, CB); tolerance as
// MonotoneInGamma.
func FocalBelowCE(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return monotoneGamma(e, c, true)
}

func monotoneGamma(e spec.Evaluator, c spec.Contract, ce bool) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &none, MaxN: 3, MaxC: 4}, c.Domain))
		g1 := 0.0
		if !ce {
			g1 = Gamma().Draw(t, "gamma1")
		}
		g2 := g1 + Gamma().Draw(t, "dgamma")
		a, b := k.Cfg, k.Cfg
		a.Gamma, b.Gamma = g1, g2
		ra, rb := eval(t, e, &a, k.B), eval(t, e, &b, k.B)
		sc := scales(t, e, &b, k.B)
		for i, x := range k.B.Logits {
			if math.Abs(x) > c.Domain {
				nanFree(t, &a, k.B, i, ra.Losses[i], ra.Grad[i])
				nanFree(t, &b, k.B, i, rb.Losses[i], rb.Grad[i])
				continue
			}
			lo, hi := rb.Losses[i], ra.Losses[i]
			if lo <= hi || close64(lo, hi, 2*c.Loss+1, 2*c.SoftRel, sc[i], elemBinary(&a, k.B, i)) {
				continue
			}
			t.Fatalf("%s: loss %v at gamma=%v above %v at gamma=%v", describe(&b, k.B, i), lo, g2, hi, g1)
		}
	}
}

// GradSign: for binary targets the derivative is ≤ 0 where y = 1 and ≥ 0
// where y = 0 (exactly: it is −W·(non-negative) and +W·(non-negative)).
func GradSign(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, Opts{Binary: true})
		r := eval(t, e, &k.Cfg, k.B)
		for i, g := range r.Grad {
			if (k.B.Targets[i] == 1 && g > 0) || (k.B.Targets[i] == 0 && g < 0) {
				t.Fatalf("%s: grad %v has the wrong sign", describe(&k.Cfg, k.B, i), g)
			}
		}
	}
}

// ReductionConsistency: sum = Σ none within a summation bound, mean =
// sum/D, and grads likewise, on batches within Domain (beyond it: NaN
// checks only, since an element there may carry any error into the sum).
//
// Bound with an ulp promise (binary targets): the reduced loss is within
// Reduced ulp of Σl, whose recursive float64 sum errs by at most
// (n−1)·eps·Σl (the losses are ≥ 0), plus each element within Loss ulp:
// |Σ − ref| ≤ (Reduced+1)·ulp(ref) + (n + Loss)·2⁻⁵²·Σl. Otherwise the sum
// L and the exact L* differ by SoftRel·(L* + ΣS), Σl and L* by
// Σ SoftRel·(l*_i + S_i) + n·eps·Σl: |L − Σl| ≤ 2·SoftRel·(L* + ΣS) +
// n·eps·Σl + ulp, with L* ≤ (1 + 1e-3)·Σl + SoftRel·ΣS for SoftRel ≤ 1e-4
// and n·eps ≪ 1e-3: (2 + 1e-3)·SoftRel·(Σl + ΣS). The mean divides every
// term by D and rounds once more: + ulp(Σl/D). Gradients are
// element-wise: W·f′/D, within 2·Grad + 1 ulp (2·SoftRel·S/D) of the None
// derivative divided by D.
func ReductionConsistency(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &mean, MaxLogit: 700}, c.Domain))
		cn, cs := k.Cfg, k.Cfg
		cn.Reduction, cs.Reduction = spec.None, spec.Sum
		rn, rs, rm := eval(t, e, &cn, k.B), eval(t, e, &cs, k.B), eval(t, e, &k.Cfg, k.B)
		if !allIn(k.B, c.Domain) {
			for i := range rn.Losses {
				nanFree(t, &cn, k.B, i, rn.Losses[i], rn.Grad[i])
				nanFree(t, &cs, k.B, i, rs.Loss, rs.Grad[i])
				nanFree(t, &k.Cfg, k.B, i, rm.Loss, rm.Grad[i])
			}
			return
		}
		s, sumS := 0.0, 0.0
		ls := lossScales(t, e, &cn, k.B)
		for i, l := range rn.Losses {
			s += l
			sumS += ls[i]
		}
		n := float64(len(rn.Losses))
		d := ulp.Denominator(&k.Cfg, k.B)
		tol := (c.Reduced+1)*ulpOf(s) + (n+c.Loss)*0x1p-52*s
		tolMean := tol/d + (c.Reduced+1)*ulpOf(s/d)
		if !isBinary(&k.Cfg, k.B) || math.IsInf(c.Reduced, 1) || math.IsInf(c.Loss, 1) {
			tol = (2+1e-3)*c.SoftRel*(s+sumS) + n*0x1p-52*s + ulpOf(s)
			tolMean = tol/d + ulpOf(s/d)
		}
		if math.Abs(rs.Loss-s) > tol {
			t.Fatalf("cfg %s: sum %v, Σ none %v (tol %v)", describe(&cs, k.B, 0), rs.Loss, s, tol)
		}
		if math.Abs(rm.Loss-s/d) > tolMean {
			t.Fatalf("cfg %s: mean %v, Σ none / D = %v/%v", describe(&k.Cfg, k.B, 0), rm.Loss, s, d)
		}
		sc := scales(t, e, &cn, k.B)
		for i := range rn.Grad {
			if !close64(rs.Grad[i], rn.Grad[i], 2*c.Grad+1, 2*c.SoftRel, sc[i], elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: sum grad %v, none grad %v", describe(&cs, k.B, i), rs.Grad[i], rn.Grad[i])
			}
			if !close64(rm.Grad[i], rn.Grad[i]/d, 2*c.Grad+2, 2*c.SoftRel, sc[i]/d, elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: mean grad %v, none grad / D %v", describe(&k.Cfg, k.B, i), rm.Grad[i], rn.Grad[i]/d)
			}
		}
	}
}

func ulpOf(v float64) float64 {
	v = math.Abs(v)
	return math.Nextafter(v, math.Inf(1)) - v
}

// RowPermutation: permuting the rows permutes the element losses and
// gradients exactly (each element's value depends on its own row and
// column only), and changes the sum by at most the summation bound
// 2·(n+1)·eps·Σl plus the contract's bound of each of the two sums
// (reducedTol), on batches within Domain; beyond it the sums are checked
// for NaN only.
func RowPermutation(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &sum, MaxLogit: 700}, c.Domain))
		C := k.B.Classes
		n := len(k.B.Logits) / C
		perm := rapid.Permutation(seq(n)).Draw(t, "perm")
		pb := spec.Batch{Classes: C}
		for _, r := range perm {
			pb.Logits = append(pb.Logits, k.B.Logits[r*C:(r+1)*C]...)
			pb.Targets = append(pb.Targets, k.B.Targets[r*C:(r+1)*C]...)
		}
		r, rp := eval(t, e, &k.Cfg, k.B), eval(t, e, &k.Cfg, pb)
		for j, row := range perm {
			for cc := range C {
				i, ip := row*C+cc, j*C+cc
				if !ulp.Alike(r.Losses[i], rp.Losses[ip]) || !ulp.Alike(r.Grad[i], rp.Grad[ip]) {
					t.Fatalf("%s: row %d moved to %d: (%v, %v) became (%v, %v)", describe(&k.Cfg, k.B, i), row, j, r.Losses[i], r.Grad[i], rp.Losses[ip], rp.Grad[ip])
				}
			}
		}
		if !allIn(k.B, c.Domain) {
			if math.IsNaN(r.Loss) || math.IsNaN(rp.Loss) {
				t.Fatalf("cfg %s: sum %v, after a row permutation %v", cbString(k.Cfg.CB), r.Loss, rp.Loss)
			}
			return
		}
		tol := 2*float64(len(r.Losses)+1)*0x1p-52*r.Loss + 2*reducedTol(c, r.Loss, sumScales(t, e, &k.Cfg, k.B), isBinary(&k.Cfg, k.B))
		if math.Abs(r.Loss-rp.Loss) > tol {
			t.Fatalf("cfg %s: sum %v, after a row permutation %v (tol %v)", cbString(k.Cfg.CB), r.Loss, rp.Loss, tol)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// SumAdditive: the sum over a batch equals the sums over its two parts
// (split between rows, so CB apply = label keeps its one-hot rows), within
// 2·n·eps·Σl (recursive summation of non-negative terms) plus the
// contract's bound (reducedTol, + 1 ulp) on each of the three sums, whose
// term scales sum to at most ΣS of the whole batch; on batches within
// Domain, NaN checks only beyond it.
func SumAdditive(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &sum, MaxLogit: 700}, c.Domain))
		C := k.B.Classes
		n := len(k.B.Logits) / C
		cut := rapid.IntRange(0, n).Draw(t, "cut") * C
		a := spec.Batch{Classes: C, Logits: k.B.Logits[:cut], Targets: k.B.Targets[:cut]}
		b := spec.Batch{Classes: C, Logits: k.B.Logits[cut:], Targets: k.B.Targets[cut:]}
		r, ra, rb := eval(t, e, &k.Cfg, k.B), eval(t, e, &k.Cfg, a), eval(t, e, &k.Cfg, b)
		if !allIn(k.B, c.Domain) {
			if math.IsNaN(r.Loss) || math.IsNaN(ra.Loss) || math.IsNaN(rb.Loss) {
				t.Fatalf("cfg %s: sum %v, parts %v + %v", cbString(k.Cfg.CB), r.Loss, ra.Loss, rb.Loss)
			}
			return
		}
		tol := 2*float64(n*C+2)*0x1p-52*r.Loss + 3*(reducedTol(c, r.Loss, sumScales(t, e, &k.Cfg, k.B), isBinary(&k.Cfg, k.B))+ulpOf(r.Loss))
		if math.Abs(r.Loss-(ra.Loss+rb.Loss)) > tol {
			t.Fatalf("cfg %s: sum %v, parts %v + %v", cbString(k.Cfg.CB), r.Loss, ra.Loss, rb.Loss)
		}
	}
}

// WeightScaling: multiplying every weight by 2 multiplies every element
// loss and gradient by 2. The two exact values are exactly 2× apart (a
// power of 2) and each result is within the contract of its own, so
// Dist ≤ 2·Loss + 1 (2·Grad + 1) for binary targets, 2·SoftRel·(|l|+S)
// otherwise; an implementation that applies W as a final factor is exact.
// Beyond Domain: NaN checks only.
func WeightScaling(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &none, MaxLogit: 700}, c.Domain))
		if k.Cfg.Weight == nil {
			k.Cfg.Weight = slices.Repeat([]float64{1}, k.B.Classes)
		}
		m := k.Cfg
		m.Weight = nil
		for _, w := range k.Cfg.Weight {
			m.Weight = append(m.Weight, 2*w)
		}
		r, rm := eval(t, e, &k.Cfg, k.B), eval(t, e, &m, k.B)
		sc := scales(t, e, &m, k.B)
		for i, x := range k.B.Logits {
			if math.Abs(x) > c.Domain {
				nanFree(t, &k.Cfg, k.B, i, r.Losses[i], r.Grad[i])
				nanFree(t, &m, k.B, i, rm.Losses[i], rm.Grad[i])
				continue
			}
			bin := elemBinary(&m, k.B, i)
			if !close64(rm.Losses[i], 2*r.Losses[i], 2*c.Loss+1, 2*c.SoftRel, sc[i], bin) ||
				!close64(rm.Grad[i], 2*r.Grad[i], 2*c.Grad+1, 2*c.SoftRel, sc[i], bin) {
				t.Fatalf("%s: weight×2 gave (%v, %v), want 2×(%v, %v)", describe(&k.Cfg, k.B, i), rm.Losses[i], rm.Grad[i], r.Losses[i], r.Grad[i])
			}
		}
	}
}

// SmoothingZeroIdentity: ε = 0 with either scope equals the plain config
// bit for bit.
func SmoothingZeroIdentity(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, Opts{})
		k.Cfg.LabelSmoothing = 0
		a, b := k.Cfg, k.Cfg
		a.SmoothingScope, b.SmoothingScope = spec.SmoothingAll, spec.SmoothingCE
		sameResult(t, &k.Cfg, k.B, eval(t, e, &a, k.B), eval(t, e, &b, k.B), "scope all vs ce at eps=0")
	}
}

// Repeatable: evaluating the same input twice gives bit-identical results.
func Repeatable(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, Opts{})
		sameResult(t, &k.Cfg, k.B, eval(t, e, &k.Cfg, k.B), eval(t, e, &k.Cfg, k.B), "repeat")
	}
}

func sameResult(t *rapid.T, cfg *spec.Config, b spec.Batch, r1, r2 spec.Result, what string) {
	if !ulp.Alike(r1.Loss, r2.Loss) {
		t.Fatalf("%s: loss %v vs %v", what, r1.Loss, r2.Loss)
	}
	for i := range r1.Losses {
		if !ulp.Alike(r1.Losses[i], r2.Losses[i]) || !ulp.Alike(r1.Grad[i], r2.Grad[i]) {
			t.Fatalf("%s: %s: (%v, %v) vs (%v, %v)", what, describe(cfg, b, i), r1.Losses[i], r1.Grad[i], r2.Losses[i], r2.Grad[i])
		}
	}
}

// sumScales returns Σ S/D over the elements of b, the scale of the reduced
// loss's SoftRel bound.
func sumScales(t *rapid.T, e spec.Evaluator, cfg *spec.Config, b spec.Batch) float64 {
	s := 0.0
	for _, v := range scales(t, e, cfg, b) {
		s += v
	}
	return s
}

// huge draws a logit of magnitude 1e38 to MaxFloat32: a wrong-side element
// loss of about |x|, of which two or more overflow a float32 sum.
var huge = rapid.SampledFrom([]float64{math.MaxFloat32, -math.MaxFloat32, 2e38, -2e38, 1e38, -1e38})

// ReductionConsistency32 is ReductionConsistency on the float32 path: the
// reduced float32 loss of Sum and Mean equals the float64 path's element
// losses on the same inputs (the float32 logits and targets, Round32
// parameters, no CB, whose float32 weights are rounded differently) summed
// in float64, divided by D and rounded to float32. Logits are drawn over
// float32's whole range, and about half of them among huge values near its
// end (rapid's draws favour small magnitudes), so that a sum accumulated in
// float32 overflows where the mean does not (the zoo's C6, a float32 path
// that accumulates the mean in float32, survived every other property).
//
// Tolerance: the float64 element losses are ≥ 0 and each within Loss ulp
// of float64 (relative Loss·2⁻⁵², negligible next to float32's 2⁻²⁴), so
// their float64 sum divided by D, rounded to float32, is within 0.5 ulp
// plus a negligible part of the exact reduced loss, which the float32
// result is within Reduced32 + 0.5 ulp of: Dist32 ≤ Reduced32 + 2.
// Element losses above float32's range are fine: the float64 sum keeps
// them, and a mean that overflows float32 is +Inf on both sides.
func ReductionConsistency32(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		red := spec.Mean
		if rapid.Bool().Draw(t, "sum") {
			red = spec.Sum
		}
		k := DrawCase(t, Opts{Red: &red, MaxLogit: math.MaxFloat32, NoCB: true})
		for i := range k.B.Logits {
			if rapid.Bool().Draw(t, "huge") {
				k.B.Logits[i] = huge.Draw(t, "logit")
			}
		}
		b := To32(k.B)
		if !valid32(t, e, &k.Cfg, b) {
			return
		}
		b64 := spec.Batch{Classes: b.Classes, Logits: make([]float64, len(b.Logits)), Targets: make([]float64, len(b.Logits))}
		for i := range b.Logits {
			b64.Logits[i], b64.Targets[i] = float64(b.Logits[i]), float64(b.Targets[i])
		}
		var r spec.Result32
		if err := e.Evaluate32(&k.Cfg, b, &r); err != nil {
			t.Fatalf("%s: Evaluate32 rejected a valid input: %v", e.Name(), err)
		}
		c64 := k.Cfg.Round32()
		c64.Reduction = spec.None
		var r64 spec.Result
		if err := e.Evaluate(c64, b64, &r64); err != nil {
			t.Fatalf("%s: Evaluate rejected a valid input: %v", e.Name(), err)
		}
		s := 0.0
		for _, l := range r64.Losses {
			s += l
		}
		d := 1.0
		if red == spec.Mean {
			d = ulp.Denominator(&k.Cfg, b64)
		}
		want := float32(s / d)
		if !ulp.Alike(float64(r.Loss), float64(want)) && ulp.Dist32(r.Loss, want) > c.Reduced32+2 {
			t.Fatalf("%v/%v of %d elements (logits %v): float32 reduced loss %v, float64 Σl/D = %v (%v ulp)",
				red, k.Cfg.Normalizer, len(b.Logits), b.Logits, r.Loss, want, ulp.Dist32(r.Loss, want))
		}
	}
}
