// Package naive evaluates the focal-loss family of spec/SPEC.md the way a
// textbook writes it: per element, in probability space,
//
//	p = σ(x) = 1/(1+exp(-x)),  1-p,  log p,  log(1-p),  math.Pow
//
// and the gradient by the chain rule written out on those expressions. It
// uses no logit-space rewriting (no softplus, no log1p, no expm1), so it is
// the baseline whose loss of accuracy the other implementations avoid.
//
// Special cases are:
//
//	log p      = x    when p rounds to 0 (x < -745: the limit of log σ(x))
//	log(1-p)   = -x   when 1-p rounds to 0 (x > 36.7, float32: x > 16.6)
//	0·log 0    = 0    (a zero factor wins over an infinite or huge one,
//	                   α_t = 0 included: 0·(pw·MaxFloat64) = 0, not 0·Inf)
//	γ·q^(γ-1)·q' = 0  when q rounds to 0 (its limit: q'/q is bounded)
//
// so every finite input gives a NaN-free result. The losses stay finite
// except that a product of huge factors (|x| near MaxFloat64 times a weight
// above 1) may overflow to +Inf, exactly as the float arithmetic does.
//
// Accuracy. 1-p loses the relative accuracy e^{|x|}·u when p is near 1, and
// log(1-p) for small p (the negative-target loss of a negative logit) loses
// the relative accuracy u/p ≈ e^{|x|}·u; the modulator's power multiplies
// the relative error of its base by γ. So the error in ulp grows like
// γ·e^{|x|}, and naive promises no ulp bound: Contract holds every element
// to SoftRel·(|exact| + S), the scale S carrying the factor (1+γ), for
// |x| ≤ Domain (20; float32 Domain32 = 10). Beyond, the results are free
// of NaN but may be wrong in every digit (the clamped logs above are only
// the limit). The class-balanced weights of the direct formula err by at
// most about 8e-9 relative (β → 1 included). Contract is measured with
//
//	go test ./impl/naive/ -run 'TestMeasure|TestCBWeights' -naive.measure=160 -v
//
// Float32: Evaluate32 computes in float32 arithmetic where the textbook
// would; exp, log and pow are float64 libm calls rounded to float32
// (a correctly rounded float32 libm for these), parameters are
// Config.Round32 and CB weights are computed in float64 then rounded.
package naive

import (
	"math"

	"github.com/focalcheck/focalcheck/spec"
)

// Evaluator is the textbook implementation; the zero value is ready to use.
type Evaluator struct{}

// Name returns "naive".
func (Evaluator) Name() string { return "naive" }

type float interface{ ~float32 | ~float64 }

func exp[F float](v F) F    { return F(math.Exp(float64(v))) }
func log[F float](v F) F    { return F(math.Log(float64(v))) }
func pow[F float](a, b F) F { return F(math.Pow(float64(a), float64(b))) }

// mul is a·b with 0·anything = 0 (the limit 0·log 0 = 0 and its kin).
func mul[F float](a, b F) F {
	if a == 0 || b == 0 {
		return 0
	}
	return a * b
}

// CBWeights returns w_c = (1-β)/(1-β^{n_c}) computed directly with
// math.Pow, normalised to sum to C for CBSum. The direct form loses about
// ε/(n(1-β)) relative accuracy for β near 1.
func (Evaluator) CBWeights(cb *spec.CB) ([]float64, error) {
	if err := spec.ValidateCB(cb, len(cb.Counts)); err != nil {
		return nil, err
	}
	return cbWeights(cb), nil
}

func cbWeights(cb *spec.CB) []float64 {
	w := make([]float64, len(cb.Counts))
	sum := 0.0
	for c, n := range cb.Counts {
		w[c] = (1 - cb.Beta) / (1 - math.Pow(cb.Beta, n))
		sum += w[c]
	}
	if cb.Normalize == spec.CBSum {
		for c := range w {
			w[c] = w[c] * float64(len(w)) / sum
		}
	}
	return w
}

// Evaluate implements spec.Evaluator in float64.
func (Evaluator) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	if err := spec.Validate(cfg, b); err != nil {
		return err
	}
	var cbw []float64
	if cfg.CB != nil {
		cbw = cbWeights(cfg.CB)
	}
	r.Resize(len(b.Logits))
	r.Loss = run(cfg, b.Classes, b.Logits, b.Targets, cbw, r.Losses, r.Grad)
	return nil
}

// Evaluate32 implements spec.Evaluator in float32 arithmetic.
func (Evaluator) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	if err := spec.Validate32(cfg, b); err != nil {
		return err
	}
	c := cfg.Round32()
	var cbw []float32
	if c.CB != nil {
		for _, w := range cbWeights(c.CB) {
			cbw = append(cbw, float32(w))
		}
	}
	r.Resize(len(b.Logits))
	r.Loss = run(c, b.Classes, b.Logits, b.Targets, cbw, r.Losses, r.Grad)
	return nil
}

func conv[F float](v []float64) []F {
	if v == nil {
		return nil
	}
	out := make([]F, len(v))
	for i, x := range v {
		out[i] = F(x)
	}
	return out
}

func at[F float](v []F, c int, def F) F {
	switch len(v) {
	case 0:
		return def
	case 1:
		return v[0]
	}
	return v[c]
}

// run computes the element losses and gradients into ls and gs and returns
// the reduced loss (0 for None), summing with a plain loop: Σ W·f for Sum,
// and Σ W·f/D for Mean, each term divided by D before it is added (see
// scaleDiv), since D = Σy < 1 is possible with soft targets.
func run[F float](cfg *spec.Config, classes int, xs, ys []F, cbw []F, ls, gs []F) F {
	gamma := F(cfg.Gamma)
	eps := F(cfg.LabelSmoothing)
	alpha := conv[F](cfg.Alpha)
	weight := conv[F](cfg.Weight)
	posw := conv[F](cfg.PosWeight)
	label := cfg.CB != nil && cfg.CB.Apply == spec.CBLabel
	var d F = 1 // the mean's normaliser; 1 for Sum and None
	if cfg.Reduction == spec.Mean {
		d = denominator(cfg, classes, ys)
	}
	var rowW F = 1
	var mean F // Σ W·f/D, each term scaled before it is added
	for i, x := range xs {
		c := i % classes
		if c == 0 && label {
			for k := 0; k < classes; k++ {
				if ys[i+k] != 0 {
					rowW = cbw[k]
					break
				}
			}
		}
		W := at(weight, c, 1)
		if cbw != nil {
			if label {
				W *= rowW
			} else {
				W *= cbw[c]
			}
		}
		y := ys[i]
		ys_ := y*(1-eps) + eps/2
		ym := ys_
		if cfg.SmoothingScope == spec.SmoothingCE {
			ym = y
		}
		var ap, am F = 1, 1
		if alpha != nil {
			ap = at(alpha, c, 0)
			am = 1 - ap
		}
		f, g := element(cfg.Soft, x, ym, ys_, gamma, ap, am, at(posw, c, 1))
		ls[i] = mul(W, f)
		if cfg.Reduction == spec.Mean {
			gs[i] = scaleDiv(W, g, d)
			mean += scaleDiv(W, f, d)
		} else {
			gs[i] = mul(W, g)
		}
	}
	switch cfg.Reduction {
	case spec.Sum:
		var sum F
		for _, l := range ls {
			sum += l
		}
		return sum
	case spec.Mean:
		return mean
	}
	return 0
}

// denominator returns D of the Mean reduction: N·C, N, Σy or max(1, Σy).
func denominator[F float](cfg *spec.Config, classes int, ys []F) F {
	var d F
	switch cfg.Normalizer {
	case spec.Elements:
		d = F(len(ys))
	case spec.Rows:
		d = F(len(ys) / classes)
	case spec.Positives, spec.PositivesGuarded:
		for _, y := range ys {
			d += y
		}
		if cfg.Normalizer == spec.PositivesGuarded && d < 1 {
			d = 1
		}
	}
	return d
}

// scaleDiv returns w·g/d, the gradient of a mean, with its significands
// and exponents combined apart so that w·g cannot underflow (or g/d
// overflow) before the division brings the value back into range: with
// the positives normaliser, soft targets make D = Σy < 1 possible. Zero
// w or g gives 0 (0·∞ = 0 as in mul).
func scaleDiv[F float](w, g, d F) F {
	if w == 0 || g == 0 {
		return 0
	}
	fw, ew := math.Frexp(float64(w))
	fg, eg := math.Frexp(float64(g))
	fd, ed := math.Frexp(float64(d))
	return F(math.Ldexp(fw*fg/fd, ew+eg-ed))
}

// element returns f and f′ of one element in the textbook form.
func element[F float](soft spec.Soft, x, ym, ys, gamma, ap, am, pw F) (f, df F) {
	p := 1 / (1 + exp(-x)) // s
	t := 1 - p
	logp := log(p)
	if p == 0 {
		logp = x // limit of log σ(x) as x → -∞
	}
	log1mp := log(t)
	if t == 0 {
		log1mp = -x // limit of log(1-σ(x)) as x → +∞
	}
	// Cross-entropy pieces and their derivatives: (−log p)′ = −t, (−log(1−p))′ = p.
	cePos, ceNeg := -logp, -log1mp
	ce := mul(pw*ys, cePos) + mul(1-ys, ceNeg)
	dce := (1-ys)*p - pw*ys*t
	aT := ap*ym + am*(1-ym)
	switch soft {
	case spec.Linear:
		q := ym*t + (1-ym)*p
		m := pow(q, gamma)
		var dm F // γ·q^{γ−1}·q′, q′ = (1−2y)·p·t
		if gamma != 0 && q != 0 {
			dm = mul(gamma*(1-2*ym)*p*t, pow(q, gamma-1))
		}
		return mul(aT, mul(m, ce)), mul(aT, mul(dm, ce)+mul(m, dce))
	case spec.Geometric:
		a, b := gamma*ym, gamma*(1-ym)
		m := pow(t, a) * pow(p, b)
		dm := m * (-a*p + b*t) // (t^a p^b)′ = t^a p^b (−a p + b t)
		return mul(aT, mul(m, ce)), mul(aT, mul(dm, ce)+mul(m, dce))
	case spec.ExpCE:
		ce0 := mul(ym, cePos) + mul(1-ym, ceNeg)
		e := exp(-ce0)
		u := 1 - e
		m := pow(u, gamma)
		var dm F // γ·u^{γ−1}·u′, u′ = e^{−CE₀}·(p − y)
		if gamma != 0 && u != 0 {
			dm = mul(gamma*e*(p-ym), pow(u, gamma-1))
		}
		return mul(aT, mul(m, ce)), mul(aT, mul(dm, ce)+mul(m, dce))
	default: // spec.Split
		mp, mn := pow(t, gamma), pow(p, gamma)
		var dmp, dmn F // (t^γ)′ = γ t^{γ−1}·(−p t), (p^γ)′ = γ p^{γ−1}·p t
		if gamma != 0 && t != 0 {
			dmp = mul(gamma*(-p*t), pow(t, gamma-1))
		}
		if gamma != 0 && p != 0 {
			dmn = mul(gamma*(p*t), pow(p, gamma-1))
		}
		kp, kn := ap*pw*ys, am*(1-ys)
		f = mul(kp, mul(mp, cePos)) + mul(kn, mul(mn, ceNeg))
		df = mul(kp, mul(dmp, cePos)+mul(mp, -t)) + mul(kn, mul(dmn, ceNeg)+mul(mn, p))
		return f, df
	}
}
