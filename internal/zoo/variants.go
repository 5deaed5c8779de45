package zoo

import (
	"math"

	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/spec"
)

// Entry is one evaluator of the zoo with the contract it is judged under.
type Entry struct {
	// ID is the catalogue entry (CONVENTIONS-AND-BUGS.md (c)), "C1".. for
	// the classic bugs outside the catalogue, "ctl" for a control.
	ID string
	// Name is the evaluator's name.
	Name string
	// Models says what the variant computes wrongly and where that code
	// is found.
	Models   string
	Eval     spec.Evaluator
	Contract spec.Contract
	// Control is true for a correct evaluator that must survive.
	Control bool
}

// Controls are the correct evaluators: stable under its own contract, and
// the zoo's Reference under Contract.
func Controls() []Entry {
	return []Entry{
		{ID: "ctl", Name: "stable", Models: "impl/stable, the production implementation", Eval: stable.Evaluator{}, Contract: stable.Contract, Control: true},
		{ID: "ctl", Name: "reference", Models: "the zoo's base, which every variant modifies in one place", Eval: Reference, Contract: Contract, Control: true},
	}
}

// All returns the controls and then every variant.
func All() []Entry { return append(Controls(), Variants()...) }

// Variants returns the faulty evaluators, each Reference with one bug,
// judged under Contract (the contract Reference meets and each variant
// claims).
func Variants() []Entry {
	var out []Entry
	for _, v := range []struct {
		id, models string
		m          *model
	}{
		{"Z1", "geometric modulator exp(−γyx − γ·log1p(e^{−x})) as written (TPU RetinaNet, richardaecn, nizhf), float64: e^{−x} overflows below x = −709.78, the loss drops to 0 and autograd's derivative is ∞/∞ = NaN",
			&model{name: "z1-geometric-overflow-f64", elem: geomBlog, only64: true}},
		{"Z1", "the same on the float32 path: the threshold is x = −88.72",
			&model{name: "z1-geometric-overflow-f32", elem32: geomBlog}},
		{"Z2", "the geometric modulator where the linear semantics is asked (the stable modulator of the CB paper's code used as torchvision's (1−p_t)^γ): exact only for y ∈ {0,1}",
			&model{name: "z2-geometric-for-linear", config: func(c spec.Config) spec.Config {
				if c.Soft == spec.Linear {
					c.Soft = spec.Geometric
				}
				return c
			}}},
		{"Z3/Z5", "(1−p_t)^γ in probability space with the chain rule γ·(1−p_t)^{γ−1}·(1−p_t)′ (torchvision, fvcore, Keras, TFA, mmdet py; sam3's hand-written backward): σ saturates, 1−p_t = 0, and 0^{γ−1}·0 is NaN for γ < 1, γ = 0 included",
			&model{name: "z3-chain-rule-pow", elem: chainRulePow}},
		{"Z6", "kornia's exp(logsigmoid(∓x)).pow(γ) (split semantics): the exp underflows to 0 before the pow, and autograd's γ·0^{γ−1}·0 is NaN for 0 < γ < 1",
			&model{name: "z6-exp-underflow-pow", elem: expThenPow}},
		{"Z7", "mmcv's CUDA forward in probability space (split semantics): p = 1/(1+e^{−x}) rounded, log(max(p, FLT_MIN)), analytic backward; in float32 the loss jumps at x = 16.64 and caps at 87.34",
			&model{name: "z7-probability-logs-clamped", elem: probLogsClamped}},
		{"Z9", "Keras 3 from_logits on the JAX/torch/NumPy backends: σ, then clip to [1e−7, 1−1e−7], then the cross-entropy of the probability: the loss caps at 16.12 and the derivative is 0 beyond the clip",
			&model{name: "z9-sigmoid-then-clip", elem: sigmoidClip}},
		{"Z10", "label smoothing leaking into α_t and the modulator where scope ce is asked (Keras 3, keras-cv before #1086)",
			&model{name: "z10-smoothing-leak", targets: func(cfg *spec.Config, y float64) targets {
				t := refTargets(cfg, y)
				t.ym, t.ymc = t.ys, t.ysc
				return t
			}}},
		{"Z11", "TFA's truthiness test `if alpha:`: α = 0 turns α off instead of giving positives weight 0",
			&model{name: "z11-alpha-zero-off", config: func(c spec.Config) spec.Config {
				if len(c.Alpha) == 1 && c.Alpha[0] == 0 {
					c.Alpha = nil
				}
				return c
			}}},
		{"Z14", "the positives normaliser Σy without the guard max(1, ·) where positives_guarded is asked (keras-cv #1683, keras-hub #2791): inf or NaN for an image without a positive",
			&model{name: "z14-positives-unguarded", denom: func(cfg *spec.Config, classes int, y []float64) float64 {
				if cfg.Normalizer == spec.PositivesGuarded {
					s := 0.0
					for _, v := range y {
						s += v
					}
					return s
				}
				return refDenom(cfg, classes, y)
			}}},
		{"Z16", "CB weights (1−β)/(1−β^n) in float32 (vandit15, a float32 tensor): β ≥ 1−3e−8 rounds to 1 and the weight is 0/0",
			&model{name: "z16-cb-beta-one", cb: cbFloat32}},
		{"Z19", "nizhf's FocalBCEWithLogitLoss: weight ignored, pos_weight multiplies the whole loss, negatives included",
			&model{name: "z19-weight-ignored-posweight-all", weights: func(cfg *spec.Config, c int, cb float64) (float64, float64, float64) {
				_, _, pw := refWeights(cfg, c, cb)
				return pw, cb, 1
			}}},
		{"Z20", "p_t = exp(−CE) on the pos_weight-weighted CE (LDAM-DRW, torchvision PR #7760 review) for the expce semantics: 1−exp(−CE) cancels to 0 for easy examples and pow's derivative is NaN for γ < 1",
			&model{name: "z20-pt-exp-minus-ce", elem: ptFromCE}},
		{"C1", "log(1+e^{−|x|}) for log1p in softplus (vandit15's log(1+exp)): the small side of the cross-entropy rounds to 0 beyond |x| ≈ 37",
			&model{name: "c1-log-one-plus", softplus: func(z float64) float64 { return math.Max(z, 0) + math.Log(1+math.Exp(-math.Abs(z))) }}},
		{"C2", "a sign error in the gradient: the modulator's derivative with the sign of σ′ flipped",
			&model{name: "c2-gradient-sign", elem: modSignError}},
		{"C3", "α and 1−α swapped: α weights the negatives",
			&model{name: "c3-alpha-swapped", alpha: func(cfg *spec.Config, c int) (float64, float64) {
				ap, am := refAlpha(cfg, c)
				return am, ap
			}}},
		{"C4", "the mean divides by N rows instead of N·C elements (mmcv's mean, used where elements is asked)",
			&model{name: "c4-mean-over-rows", denom: func(cfg *spec.Config, classes int, y []float64) float64 {
				if cfg.Normalizer == spec.Elements {
					return float64(len(y) / classes)
				}
				return refDenom(cfg, classes, y)
			}}},
		{"C5", "CB weights left unnormalised (the raw (1−β)/(1−β^n)) where normalize sum is asked",
			&model{name: "c5-cb-unnormalised", cb: func(cb *spec.CB) []float64 {
				c := *cb
				c.Normalize = spec.CBNone
				return refCB(&c)
			}}},
		{"C6", "the float32 path accumulates Σl in float32 and divides in float32: rounding per addition, and the sum overflows where the mean does not",
			&model{name: "c6-float32-accumulation", reduce32: func(l []float64, d float64) float32 {
				var s float32
				for _, v := range l {
					s += float32(v)
				}
				return s / float32(d)
			}}},
	} {
		out = append(out, Entry{ID: v.id, Name: v.m.name, Models: v.models, Eval: v.m, Contract: Contract})
	}
	return out
}

// geomBlog is Z1: for the geometric semantics, the modulator
//
//	mod = exp(−γ·y_m·x − γ·log1p(e^{−x}))
//
// evaluated as written, with autograd's derivative
// mod′ = mod·(−γ·y_m + γ·e^{−x}/(1+e^{−x})); γ = 0 gives 1, as the CB
// paper's code special-cases it. e^{−x} overflows below −709.78 (float64)
// or −88.72 (float32): mod = 0 and mod′ = NaN.
func geomBlog(e *elem) (l, g float64) {
	if e.soft != spec.Geometric || e.gamma == 0 {
		return refElem(e)
	}
	r, x, gm, ym := e.r, e.x, e.gamma, e.ym
	ex := r(math.Exp(-x))
	mod := r(math.Exp(r(r(-gm*ym*x) - r(gm*r(math.Log1p(ex))))))
	dmod := r(mod * r(-gm*ym+r(gm*r(ex/r(1+ex)))))
	return withMod(e, mod, dmod)
}

// chainRulePow is Z3/Z5: for the linear semantics, torchvision's
// probability-space modulator in the evaluated precision,
//
//	p = 1/(1+e^{−x}),  p_t = p·y_m + (1−p)·(1−y_m),  q = 1−p_t,  mod = q^γ
//
// with the derivative of the chain rule as autograd (or a hand-written
// backward) computes it, product by product: g_q = γ·q^{γ−1},
// g_p = −g_q·y_m + g_q·(1−y_m), mod′ = g_p·p·(1−p). p rounds to 1 for
// x > 36.7 (float64) or 16.64 (float32), q = 0, g_q = ∞ for γ < 1 (and
// 0·∞ for γ = 0, Z5), and ∞·0 in g_p is NaN. q also loses all accuracy
// well before that (1−p cancels).
func chainRulePow(e *elem) (l, g float64) {
	if e.soft != spec.Linear {
		return refElem(e)
	}
	r, gm, ym := e.r, e.gamma, e.ym
	p := r(1 / r(1+r(math.Exp(-e.x))))
	q := r(1 - r(r(p*ym)+r(r(1-p)*r(1-ym))))
	mod := r(math.Pow(q, gm))
	gq := r(gm * r(math.Pow(q, gm-1)))
	gp := r(r(-gq*ym) + r(gq*r(1-ym)))
	dmod := r(gp * r(p*r(1-p)))
	return withMod(e, mod, dmod)
}

// expThenPow is Z6: for the split semantics, σ(∓x)^γ as
// exp(logsigmoid(∓x)).pow(γ) with autograd's derivative
// γ·u^{γ−1}·u·(∓σ(±x)) (PyTorch returns 0 for γ = 0). u underflows to 0
// for |x| > 745.13 (float64) or 103.97 (float32), and γ·0^{γ−1}·0 is NaN
// for 0 < γ < 1, in both terms whatever the target.
func expThenPow(e *elem) (l, g float64) {
	if e.soft != spec.Split {
		return refElem(e)
	}
	r, x, gm := e.r, e.x, e.gamma
	s, t := sigma(x), sigma(-x)
	spp, spm := sp(x), sp(-x)
	tu, su := r(math.Exp(-spp)), r(math.Exp(-spm))
	tg, sg := r(math.Pow(tu, gm)), r(math.Pow(su, gm))
	var dtg, dsg float64
	if gm != 0 {
		dtg = r(r(gm*r(math.Pow(tu, gm-1)))*tu) * -s
		dsg = r(r(gm*r(math.Pow(su, gm-1)))*su) * t
	}
	kp := e.W() * e.ap * e.pw * e.ys
	km := e.W() * e.am * (1 - e.ys)
	return kp*tg*spm + km*sg*spp, kp*(dtg*spm-tg*t) + km*(dsg*spp+sg*s)
}

// fltMin is C's FLT_MIN, the smallest normal float32.
const fltMin = 0x1p-126

// probLogsClamped is Z7, mmcv's sigmoid_focal_loss kernel (split
// semantics): p = 1/(1+e^{−x}), and
//
//	l  = −α₊·pw·y_s·(1−p)^γ·log(max(p, FLT_MIN)) − α₋·(1−y_s)·p^γ·log(max(1−p, FLT_MIN))
//	l′ = −α₊·pw·y_s·(1−p)^γ·(1−p−γ·p·log(max(p, FLT_MIN)))
//	     + α₋·(1−y_s)·p^γ·(p − γ·(1−p)·log(max(1−p, FLT_MIN)))
//
// in the evaluated precision (FLT_MIN in both, as the kernel's constant).
func probLogsClamped(e *elem) (l, g float64) {
	if e.soft != spec.Split {
		return refElem(e)
	}
	r, gm := e.r, e.gamma
	p := r(1 / r(1+r(math.Exp(-e.x))))
	lp := r(math.Log(math.Max(p, fltMin)))
	ln := r(math.Log(math.Max(r(1-p), fltMin)))
	tp, tn := r(math.Pow(r(1-p), gm)), r(math.Pow(p, gm))
	kp := e.W() * e.ap * e.pw * e.ys
	km := e.W() * e.am * (1 - e.ys)
	l = -kp*r(tp*lp) - km*r(tn*ln)
	g = -kp*r(tp*r(r(1-p)-r(r(gm*p)*lp))) + km*r(tn*r(p-r(r(gm*r(1-p))*ln)))
	return l, g
}

// sigmoidClip is Z9 (linear semantics): the cross-entropy of the clipped
// probability pc = clip(σ(x), 1e−7, 1−1e−7),
// CE = −pw·y_s·log pc − (1−y_s)·log(1−pc), whose derivative is 0 where
// the clip is active; the modulator is the reference's.
func sigmoidClip(e *elem) (l, g float64) {
	if e.soft != spec.Linear {
		return refElem(e)
	}
	const eps = 1e-7
	r, ys := e.r, e.ys
	p := r(sigma(e.x))
	pc := math.Min(math.Max(p, eps), r(1-eps))
	ce := -e.pw*ys*r(math.Log(pc)) - (1-ys)*r(math.Log(r(1-pc)))
	var dce float64
	if pc == p {
		dce = -e.pw*ys*r(1-p) + (1-ys)*p
	}
	mod, rho := refMod(e)
	k := e.W() * alphaT(e) * mod
	return mul(k, ce), mul(k, mul(rho, ce)+dce)
}

// ptFromCE is Z20 (expce semantics): p_t = exp(−CE) on the weighted
// cross-entropy (pos_weight included), mod = (1−p_t)^γ, with autograd's
// derivative γ·(1−p_t)^{γ−1}·p_t·CE′ (0 for γ = 0). 1−p_t cancels: it is 0
// for CE < 2⁻⁵³, where the loss drops to 0 and the derivative is infinite
// for 0 < γ < 1, and NaN (∞·0) once CE itself underflows to 0.
func ptFromCE(e *elem) (l, g float64) {
	if e.soft != spec.ExpCE {
		return refElem(e)
	}
	r, gm := e.r, e.gamma
	_, ce, dce := ceTerms(e)
	pt := r(math.Exp(-ce))
	u := r(1 - pt)
	mod := r(math.Pow(u, gm))
	var dmod float64
	if gm != 0 {
		dmod = r(gm*r(math.Pow(u, gm-1))) * r(pt*dce)
	}
	return withMod(e, mod, dmod)
}

// modSignError is C2: the modulator's derivative with the wrong sign
// (d/dx σ(−x) written as +σ(x)σ(−x)), ρ → −ρ; the split semantics is the
// reference's.
func modSignError(e *elem) (l, g float64) {
	if e.soft == spec.Split {
		return refElem(e)
	}
	mod, rho := refMod(e)
	return assemble(e, alphaT(e), mod, -rho)
}

// cbFloat32 is Z16: w = (1−β)/(1−β^n) with β and n rounded to float32 and
// every operation in float32; β ≥ 1 − 2⁻²⁵ rounds to 1, and w = 0/0.
func cbFloat32(cb *spec.CB) []float64 {
	b := float32(cb.Beta)
	w := make([]float64, len(cb.Counts))
	var sum float32
	for i, n := range cb.Counts {
		wi := (1 - b) / (1 - float32(math.Pow(float64(b), float64(float32(n)))))
		sum += wi
		w[i] = float64(wi)
	}
	if cb.Normalize == spec.CBSum {
		for i := range w {
			w[i] = float64(float32(w[i]) * float32(len(w)) / sum)
		}
	}
	return w
}
