package props

import (
	"math"
	"slices"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
	"gonum.org/v1/gonum/diff/fd"
	"pgregory.net/rapid"
)

var none = spec.None

// sp is softplus log(1+e^z) = max(z,0) + log1p(e^-|z|), relative error a
// few ulp (log1p and exp are within 1 ulp each and the sum has no
// cancellation).
func sp(z float64) float64 { return math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) }

// sigma is σ(z) = 1/(1+e^-z) for z ≥ 0 and e^z/(1+e^z) below, within 3 ulp.
func sigma(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	ez := math.Exp(z)
	return ez / (1 + ez)
}

func alphas(cfg *spec.Config, c int) (ap, am float64) {
	switch len(cfg.Alpha) {
	case 0:
		return 1, 1
	case 1:
		return cfg.Alpha[0], 1 - cfg.Alpha[0]
	}
	return cfg.Alpha[c], 1 - cfg.Alpha[c]
}

// bce returns the γ = 0 element loss and derivative of SPEC.md §2 "γ = 0",
// computed directly in float64: α_t·CE (split: α₊·pw·y_s·sp(−x) +
// α₋·(1−y_s)·sp(x)), times W.
func bce(cfg *spec.Config, x, y, W, pw float64, c int) (l, g float64) {
	ap, am := alphas(cfg, c)
	eps := cfg.LabelSmoothing
	ys := y*(1-eps) + eps/2
	ym := ys
	if cfg.SmoothingScope == spec.SmoothingCE {
		ym = y
	}
	s, tt := sigma(x), sigma(-x)
	if cfg.Soft == spec.Split {
		l = prod(W, ap, pw, ys, sp(-x)) + prod(W, am, 1-ys, sp(x))
		g = prod(W, am, 1-ys, s) - prod(W, ap, pw, ys, tt)
	} else {
		at := ap*ym + am*(1-ym)
		l = prod(W, at, pw, ys, sp(-x)) + prod(W, at, 1-ys, sp(x))
		g = prod(W, at, 1-ys, s) - prod(W, at, pw, ys, tt)
	}
	return l, g
}

// prod is the product of fs with 0·∞ = 0 (a zero weight or target removes
// its term, as in the spec's formulas), computed on the significands with
// the exponents summed apart, so that no intermediate overflows or passes
// through a subnormal: each factor adds one rounding of the significand
// product (relative 2⁻⁵³) and the result is rounded once more by Ldexp.
// (Multiplying W·α·pw·y directly loses all relative accuracy when that
// partial product is subnormal, e.g. α = 3.3e-198, weight = 8.1e-115,
// while the loss at x = −1.8e308 is a normal number.)
func prod(fs ...float64) float64 {
	m, e := 1.0, 0
	for _, f := range fs {
		if f == 0 {
			return 0
		}
		fr, ef := math.Frexp(f)
		var em int
		m, em = math.Frexp(m * fr)
		e += ef + em
	}
	return math.Ldexp(m, e)
}

// Gamma0IsBCE: at γ = 0 every soft semantics is its weighted binary
// cross-entropy (SPEC.md §2). The reference is computed here in float64
// from sp and σ, independent of the implementation. Elements beyond Domain
// are checked for NaN only.
//
// Tolerance: binary targets, the reference has at most 3 ulp from sp, one
// per product (W, α, pw: 3) — 8 ulp; so |impl − ref| ≤ Loss + 8 ulp (Grad
// + 8 for the derivative, σ within 3 ulp). Soft targets, or no ulp
// promise: the contract's SoftRel·(|ref|+S) plus the reference's own
// 16·eps·S (8 ulp relative ≤ 16·2⁻⁵³·(|ref|+S)).
func Gamma0IsBCE(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &none, MaxN: 3, MaxC: 4}, c.Domain))
		k.Cfg.Gamma = 0
		r := eval(t, e, &k.Cfg, k.B)
		var w []float64
		if k.Cfg.CB != nil {
			w, _ = e.CBWeights(k.Cfg.CB)
		}
		for i, x := range k.B.Logits {
			if math.Abs(x) > c.Domain {
				nanFree(t, &k.Cfg, k.B, i, r.Losses[i], r.Grad[i])
				continue
			}
			W, pw := ulp.ElementWeight(&k.Cfg, k.B, w, i)
			l, g := bce(&k.Cfg, x, k.B.Targets[i], W, pw, i%k.B.Classes)
			s := ulp.SoftScale(W, pw, 0, x, 1)
			if !close64(r.Losses[i], l, c.Loss+8, c.SoftRel+16*0x1p-52, s, elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: loss %v, BCE %v (%v ulp)", describe(&k.Cfg, k.B, i), r.Losses[i], l, ulp.Dist(r.Losses[i], l))
			}
			if !close64(r.Grad[i], g, c.Grad+8, c.SoftRel+16*0x1p-52, s, elemBinary(&k.Cfg, k.B, i)) {
				t.Fatalf("%s: grad %v, BCE's %v (%v ulp)", describe(&k.Cfg, k.B, i), r.Grad[i], g, ulp.Dist(r.Grad[i], g))
			}
		}
	}
}

// GradMatchesFD: the element derivative matches a central difference of the
// element loss, step h = ∛eps·max(1,|x|) per coordinate, float64 only, on
// |x| ≤ min(30, Domain) (beyond Domain: NaN check only; the loss there
// may carry any error, and its difference quotient with it).
//
// Tolerance: the central difference errs by h²·|f”'|/6 (truncation) plus
// e_f/h, e_f the error of each evaluated loss (roundoff). On |x| ≤ 30
// every term of f is a product of σ(±x)^γ, sp(±x) and polynomials in y,
// whose third derivative is bounded by (1+γ)³·S with S the SoftScale;
// h²/6 ≤ (6.1e-6·30)²/6 = 5.6e-9, so truncation ≤ 1e-8·(1+γ)³·S, γ ≤ 5
// here. e_f is the contract's bound on the loss: (Loss+1)·2⁻⁵²·|f| for a
// binary element with an ulp promise (+1: the rounding of x ± h moves the
// point by eps·|x|, a relative change of the step of eps^⅔ < 1e-10),
// SoftRel·(|f|+S) otherwise. The derivative's own error is the contract's
// Grad·2⁻⁵²·|g| or SoftRel·S. Subnormal losses carry an absolute error up
// to a few units of 2⁻¹⁰⁷⁴ each, which the quotient divides by h:
// + 4·2⁻¹⁰⁷⁴/h; and 1e-10·(|f|+|g|) covers the rounding of the quotient
// and of the step (eps^⅔ relative).
func GradMatchesFD(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{Red: &none, MaxLogit: 30, MaxN: 2, MaxC: 3}, c.Domain))
		k.Cfg.Gamma = rapid.Float64Range(0, 5).Draw(t, "fdGamma")
		r := eval(t, e, &k.Cfg, k.B)
		sc := scales(t, e, &k.Cfg, k.B)
		for i, x0 := range k.B.Logits {
			if math.Abs(x0) > c.Domain {
				nanFree(t, &k.Cfg, k.B, i, r.Losses[i], r.Grad[i])
				continue
			}
			b := spec.Batch{Classes: k.B.Classes, Logits: slices.Clone(k.B.Logits), Targets: k.B.Targets}
			f := func(x float64) float64 {
				b.Logits[i] = x
				return eval(t, e, &k.Cfg, b).Losses[i]
			}
			h := math.Cbrt(0x1p-52) * math.Max(1, math.Abs(x0))
			d := fd.Derivative(f, x0, &fd.Settings{Formula: fd.Central, Step: h})
			g1 := 1 + k.Cfg.Gamma
			fa, ga := math.Abs(r.Losses[i]), math.Abs(r.Grad[i])
			ef, eg := (c.Loss+1)*0x1p-52*fa, c.Grad*0x1p-52*ga
			if !elemBinary(&k.Cfg, k.B, i) || math.IsInf(c.Loss, 1) {
				ef, eg = c.SoftRel*(fa+sc[i]), c.SoftRel*sc[i]
			}
			tol := 1e-8*g1*g1*g1*sc[i] + ef/h + eg + 1e-10*(fa+ga) +
				4*math.SmallestNonzeroFloat64/h // subnormal losses: absolute roundoff
			if math.Abs(d-r.Grad[i]) > tol {
				t.Fatalf("%s: grad %v, central difference %v (tol %v)", describe(&k.Cfg, k.B, i), r.Grad[i], d, tol)
			}
		}
	}
}

// NoNaN: for every finite input and valid config, no NaN; and finite
// element outputs where |x| ≤ Domain, a finite reduced loss where every
// logit is (Domain = +Inf for stable and vectorized). ±Inf is allowed only
// where the exact value may exceed the range: the terms are bounded by
// the SoftScale S, the sum by ΣS, so only where S (ΣS) reaches half of
// MaxFloat64.
func NoNaN(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{}, c.Domain))
		r := eval(t, e, &k.Cfg, k.B)
		sumS := 0.0
		sc := scales(t, e, &k.Cfg, k.B)
		for i := range k.B.Logits {
			sumS += sc[i]
		}
		d := ulp.Denominator(&k.Cfg, k.B)
		for i, x := range k.B.Logits {
			nanFree(t, &k.Cfg, k.B, i, r.Losses[i], r.Grad[i])
			// sc[i] = SoftScale(…, D) bounds the derivative W·f′/D and
			// sc[i]·D the element loss W·f: the gradient of a mean over
			// D < 1 can overflow while the element loss cannot.
			bigLoss, bigGrad := sc[i]*d >= math.MaxFloat64/2, sc[i] >= math.MaxFloat64/2
			if math.Abs(x) <= c.Domain && (!bigLoss && math.IsInf(r.Losses[i], 0) || !bigGrad && math.IsInf(r.Grad[i], 0)) {
				t.Fatalf("%s: (loss, grad) = (%v, %v) inside Domain", describe(&k.Cfg, k.B, i), r.Losses[i], r.Grad[i])
			}
		}
		if math.IsNaN(r.Loss) || (allIn(k.B, c.Domain) && sumS < math.MaxFloat64/2 && math.IsInf(r.Loss, 0)) {
			t.Fatalf("cfg %s: reduced loss %v", describe(&k.Cfg, k.B, 0), r.Loss)
		}
	}
}

func clamp32(b spec.Batch) spec.Batch {
	for i, x := range b.Logits {
		if math.Abs(x) > math.MaxFloat32 {
			b.Logits[i] = math.Copysign(math.MaxFloat32, x)
		}
	}
	return b
}

// NoNaN32 is NoNaN on the float32 path (logits clamped to float32's range,
// Domain32, the range MaxFloat32).
func NoNaN32(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		k := DrawCase(t, drawDomain(t, Opts{}, c.Domain32))
		b := To32(clamp32(k.B))
		if !valid32(t, e, &k.Cfg, b) {
			return
		}
		r := eval32(t, e, &k.Cfg, b)
		// Scales of the values the float32 path works on: the rounded
		// parameters and the float32 logits and targets.
		c64, b64 := k.Cfg.Round32(), spec.Batch{Classes: b.Classes}
		for i := range b.Logits {
			b64.Logits = append(b64.Logits, float64(b.Logits[i]))
			b64.Targets = append(b64.Targets, float64(b.Targets[i]))
		}
		inDom, sumS := true, 0.0
		sc, d := scales(t, e, c64, b64), ulp.Denominator(c64, b64)
		for i, x := range b.Logits {
			inDom = inDom && math.Abs(float64(x)) <= c.Domain32
			sumS += sc[i]
		}
		for i, x := range b.Logits {
			// Bounds: sc[i]·D the element loss, sc[i] its derivative
			// (SoftScale includes 1/D), Σ sc the reduced loss.
			for j, v := range []float32{r.Losses[i], r.Grad[i], r.Loss} {
				in := math.Abs(float64(x)) <= c.Domain32
				big := sc[i]*d >= math.MaxFloat32/2
				switch j {
				case 1:
					big = sc[i] >= math.MaxFloat32/2
				case 2:
					in, big = inDom, sumS >= math.MaxFloat32/2
				}
				if v != v || (in && !big && math.IsInf(float64(v), 0)) {
					t.Fatalf("%s: float32 output %v (loss %v grad %v reduced %v)", describe(&k.Cfg, k.B, i), v, r.Losses[i], r.Grad[i], r.Loss)
				}
			}
		}
	}
}

// CBMonotone: w(n) is non-increasing in n for every β in [0,1), strictly
// where the float64 values of the direct form differ by far more than its
// error; β = 0 gives 1; the sum normalisation sums to C; as β → 1, w·n → 1.
//
// Tolerances: the normalised weights w_c·C/Σw, whatever the accuracy of
// each w_c, sum to C within (C+4) ulp of C (C divisions and C−1 additions,
// each ½ ulp, plus the rounding of Σw). For β = 1−δ, w·n = n·δ/(1−(1−δ)^n)
// = 1 + (n−1)δ/2 + O(n²δ²), so |w·n − 1| ≤ n·δ + 1e-12 for n·δ ≤ 1e-6
// (here δ ≤ 2⁻³⁰, n ≤ 1000: n²δ² < 1e-12), plus the weight's own error
// cbErr. Strictness is required where the exact weights differ by more
// than 2·cbErr relative: each computed weight may be off by cbErr.
func CBMonotone(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		beta := Beta().Draw(t, "beta")
		n1 := Count().Draw(t, "n1")
		n2 := Count().Draw(t, "n2")
		if n1 > n2 {
			n1, n2 = n2, n1
		}
		w, err := e.CBWeights(&spec.CB{Beta: beta, Counts: []float64{n1, n2}})
		if err != nil {
			t.Fatalf("CBWeights: %v", err)
		}
		if w[1] > w[0] || math.IsNaN(w[0]) || math.IsNaN(w[1]) {
			t.Fatalf("beta=%v: w(%v)=%v < w(%v)=%v", beta, n1, w[0], n2, w[1])
		}
		if beta == 0 && (w[0] != 1 || w[1] != 1) {
			t.Fatalf("beta=0: weights %v, want 1", w)
		}
		// Strictly decreasing where the exact weights are further apart than
		// twice the weight error the contract allows (cbErr each side).
		if x, err := (exact.Evaluator{}).CBWeights(&spec.CB{Beta: beta, Counts: []float64{n1, n2}}); err == nil &&
			x[0]-x[1] > 2*cbErr(c)*x[0] && !(w[1] < w[0]) {
			t.Fatalf("beta=%v: w(%v)=%v not below w(%v)=%v (exact %v, %v)", beta, n2, w[1], n1, w[0], x[1], x[0])
		}
		cnt := rapid.SliceOfN(Count(), 1, 8).Draw(t, "counts")
		ws, err := e.CBWeights(&spec.CB{Beta: beta, Counts: cnt, Normalize: spec.CBSum})
		if err != nil {
			t.Fatalf("CBWeights: %v", err)
		}
		sum := 0.0
		for _, v := range ws {
			sum += v
		}
		C := float64(len(cnt))
		if ulp.Dist(sum, C) > C+4 {
			t.Fatalf("beta=%v counts=%v: normalised weights %v sum to %v, want %v", beta, cnt, ws, sum, C)
		}
		b1 := 1 - 0x1p-30*rapid.Float64Range(0x1p-20, 1).Draw(t, "delta")
		d := 1 - b1 // exact (Sterbenz)
		m := float64(rapid.IntRange(1, 1000).Draw(t, "m"))
		w1, err := e.CBWeights(&spec.CB{Beta: b1, Counts: []float64{m}})
		if err != nil {
			t.Fatalf("CBWeights(beta=%v): %v", b1, err)
		}
		if math.Abs(w1[0]*m-1) > m*d+1e-12+cbErr(c) {
			t.Fatalf("beta=1-%v n=%v: w=%v, want about 1/n", d, m, w1[0])
		}
	}
}

// cbErr is the relative error of a CB weight that the contract allows: a
// weight W enters the element loss W·f as a factor, so its error is
// bounded by the element bound, Loss ulp (Loss·2⁻⁵² relative) with an ulp
// promise, SoftRel without one (S ≥ |l| for every binary element).
func cbErr(c spec.Contract) float64 {
	if math.IsInf(c.Loss, 1) {
		return c.SoftRel
	}
	return c.Loss * 0x1p-52
}

// Float32MatchesFloat64: the float32 path agrees with the float64 path on
// the same (float32-representable) inputs and Round32 parameters. Without
// CB (whose float32 weights are rounded differently), binary targets and
// |x| ≤ min(Domain, Domain32): the float64 result is within Loss ulp of
// float64 (≪ 1 ulp of float32), so its float32 rounding is within 1 ulp of
// the float32-rounded exact value: distance ≤ Loss32 + 1. Soft targets, or
// no ulp promise: SoftRel32 + SoftRel (the float64 result's own bound) +
// 2⁻²⁴ (its rounding to float32). Beyond either Domain: NaN check only.
func Float32MatchesFloat64(e spec.Evaluator, c spec.Contract) func(*rapid.T) {
	return func(t *rapid.T) {
		dom := math.Min(c.Domain, c.Domain32)
		k := DrawCase(t, drawDomain(t, Opts{NoCB: true, MaxLogit: math.MaxFloat32, MaxN: 3, MaxC: 4}, dom))
		b32 := To32(k.B)
		if !valid32(t, e, &k.Cfg, b32) {
			return
		}
		b64 := spec.Batch{Classes: k.B.Classes, Logits: make([]float64, len(b32.Logits)), Targets: make([]float64, len(b32.Logits))}
		for i := range b32.Logits {
			b64.Logits[i], b64.Targets[i] = float64(b32.Logits[i]), float64(b32.Targets[i])
		}
		c64 := k.Cfg.Round32()
		r32 := eval32(t, e, &k.Cfg, b32)
		r64 := eval(t, e, c64, b64)
		sc, ls := scales(t, e, c64, b64), lossScales(t, e, c64, b64)
		for i, x := range b64.Logits {
			if math.Abs(x) > dom {
				nanFree(t, c64, b64, i, float64(r32.Losses[i]), float64(r32.Grad[i]))
				nanFree(t, c64, b64, i, r64.Losses[i], r64.Grad[i])
				continue
			}
			bin := elemBinary(c64, b64, i)
			for _, v := range []struct {
				what string
				got  float32
				want float64
				u, s float64
			}{{"loss", r32.Losses[i], r64.Losses[i], c.Loss32 + 1, ls[i]}, {"grad", r32.Grad[i], r64.Grad[i], c.Grad32 + 1, sc[i]}} {
				if !close32(v.got, float32(v.want), v.u, c.SoftRel32+c.SoftRel+0x1p-24, v.s, bin) {
					t.Fatalf("%s: float32 %s %v, float64 %v", describe(c64, b64, i), v.what, v.got, v.want)
				}
			}
		}
	}
}
