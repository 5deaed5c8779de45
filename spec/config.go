package spec

import "fmt"

// Config is one focal-loss convention with its parameters. The zero value,
// with Gamma set, is the plain sigmoid focal loss of Lin et al. (2017) without
// α, with the `linear` soft-label semantics and the `mean` reduction over all
// N·C elements.
//
// For an element with logit x, given target y, smoothed target
// y' = y(1-ε) + ε/2 (ε = LabelSmoothing), and, for its column c,
// α₊ = α_c, α₋ = 1-α_c (both 1 when Alpha is nil), the element loss is
//
//	l = weight_c · cb · f(x, y_m, y_s)
//
// where y_s (the target of the cross-entropy) is y', y_m (the target of α_t
// and of the modulator) is y' for SmoothingAll and y for SmoothingCE, cb is
// the class-balanced weight of the element (1 without CB) and f depends on
// Soft:
//
//	CE    = pw_c·y_s·sp(-x) + (1-y_s)·sp(x)            (pw: PosWeight)
//	α_t   = α₊·y_m + α₋·(1-y_m)
//	Linear:    f = α_t · (y_m·σ(-x) + (1-y_m)·σ(x))^γ · CE
//	Geometric: f = α_t · exp(-γ(y_m·sp(x) + (1-y_m)·sp(-x))) · CE
//	ExpCE:     f = α_t · (-expm1(-CE₀))^γ · CE,   CE₀ = y_m·sp(-x) + (1-y_m)·sp(x)
//	Split:     f = α₊·pw_c·y_s·σ(-x)^γ·sp(-x) + α₋·(1-y_s)·σ(x)^γ·sp(x)
//
// with 0^0 = 1. All four agree when y ∈ {0,1} and ε = 0. SPEC.md gives the
// sources and the closed-form derivatives.
type Config struct {
	// Gamma is the focusing parameter γ ≥ 0; γ = 0 gives the (α-weighted)
	// binary cross-entropy.
	Gamma float64

	// Alpha is nil (no α: α₊ = α₋ = 1), one value a in [0,1] used for every
	// class (α₊ = a, α₋ = 1-a), or C values, one per class.
	Alpha []float64

	// Soft selects the modulator's meaning for soft targets.
	Soft Soft

	// LabelSmoothing is ε in [0,1): y' = y(1-ε) + ε/2.
	LabelSmoothing float64
	// SmoothingScope says where the smoothed targets are used.
	SmoothingScope Scope

	// Weight is nil (all 1) or C non-negative finite factors, one per class,
	// that multiply the whole element loss.
	Weight []float64
	// PosWeight is nil (all 1) or C non-negative finite factors, one per
	// class, that multiply the positive part y_s·sp(-x) of the cross-entropy
	// only, as PyTorch's BCEWithLogitsLoss does.
	PosWeight []float64

	// CB, when not nil, adds class-balanced weights (Cui et al., CVPR 2019).
	CB *CB

	// Reduction and Normalizer say how the element losses are combined.
	Reduction  Reduction
	Normalizer Normalizer
}

// CB configures class-balanced weights
//
//	w_c = (1-β) / (1-β^{n_c})
//
// the inverse of the effective number of samples (1-β^n)/(1-β) of class c.
// β = 0 gives w_c = 1; as β → 1, w_c tends to 1/n_c.
type CB struct {
	// Beta is β in [0,1).
	Beta float64
	// Counts holds n_c for each of the C classes: whole numbers ≥ 1.
	Counts []float64
	// Normalize is CBNone (the raw w_c) or CBSum (w_c·C/Σw, so that the
	// weights sum to C, as the CB paper's code does).
	Normalize CBNormalize
	// Apply says which weight an element gets.
	Apply CBApply
}

// Soft is the meaning of the modulator for soft targets.
type Soft int

const (
	// Linear: 1-p_t = y(1-p) + (1-y)p, as torchvision, Keras, optax and mmdet.
	Linear Soft = iota
	// Geometric: modulator exp(-γ(y·sp(x) + (1-y)·sp(-x))) = (1-p)^{γy}·p^{γ(1-y)},
	// as the CB paper's code and the seed module, without their overflow.
	Geometric
	// Split: α₊·y·(1-p)^γ·sp(-x) + α₋·(1-y)·p^γ·sp(x), as kornia and mmcv.
	Split
	// ExpCE: modulator (1-e^{-CE})^γ on the unweighted cross-entropy.
	ExpCE
)

// Scope says where label smoothing applies.
type Scope int

const (
	// SmoothingAll uses y' everywhere, α_t and modulator included (Keras 3).
	SmoothingAll Scope = iota
	// SmoothingCE uses y' in the cross-entropy only; α_t and the modulator
	// take the given y (EfficientDet; keras-cv after its fix).
	SmoothingCE
)

// Reduction combines the element losses.
type Reduction int

const (
	// Mean is Σ l / D, with D given by the Normalizer.
	Mean Reduction = iota
	// Sum is Σ l.
	Sum
	// None keeps the element losses; Result.Loss is 0.
	None
)

// Normalizer is the denominator D of the Mean reduction.
type Normalizer int

const (
	// Elements: D = N·C.
	Elements Normalizer = iota
	// Rows: D = N.
	Rows
	// Positives: D = Σy over the given targets; a batch whose targets are
	// all 0 is an error.
	Positives
	// PositivesGuarded: D = max(1, Σy).
	PositivesGuarded
)

// CBNormalize says whether the CB weights are rescaled.
type CBNormalize int

const (
	// CBNone keeps w_c as defined.
	CBNone CBNormalize = iota
	// CBSum rescales to w_c·C/Σ_k w_k.
	CBSum
)

// CBApply says which CB weight an element gets.
type CBApply int

const (
	// CBClass: the element in column c gets w_c (multi-label use, as the
	// seed's VidHOI model).
	CBClass CBApply = iota
	// CBLabel: every element of a row gets w_k, k the row's single positive
	// label; every row must be one-hot (CB paper's single-label code).
	CBLabel
)

var (
	softNames       = []string{"linear", "geometric", "split", "expce"}
	scopeNames      = []string{"all", "ce"}
	reductionNames  = []string{"mean", "sum", "none"}
	normalizerNames = []string{"elements", "rows", "positives", "positives_guarded"}
	cbNormNames     = []string{"none", "sum"}
	cbApplyNames    = []string{"class", "label"}
)

func (s Soft) String() string        { return name(softNames, int(s)) }
func (s Scope) String() string       { return name(scopeNames, int(s)) }
func (r Reduction) String() string   { return name(reductionNames, int(r)) }
func (n Normalizer) String() string  { return name(normalizerNames, int(n)) }
func (n CBNormalize) String() string { return name(cbNormNames, int(n)) }
func (a CBApply) String() string     { return name(cbApplyNames, int(a)) }

// Names returns the accepted spellings of each enumeration, by the field
// name the eval protocol uses, in order of their values.
func Names() map[string][]string {
	return map[string][]string{
		"soft":            softNames,
		"smoothing_scope": scopeNames,
		"reduction":       reductionNames,
		"normalizer":      normalizerNames,
		"cb.normalize":    cbNormNames,
		"cb.apply":        cbApplyNames,
	}
}

// ParseSoft returns the Soft named s.
func ParseSoft(s string) (Soft, error) { return parse[Soft]("soft", s, softNames) }

// ParseScope returns the Scope named s.
func ParseScope(s string) (Scope, error) { return parse[Scope]("smoothing_scope", s, scopeNames) }

// ParseReduction returns the Reduction named s.
func ParseReduction(s string) (Reduction, error) {
	return parse[Reduction]("reduction", s, reductionNames)
}

// ParseNormalizer returns the Normalizer named s.
func ParseNormalizer(s string) (Normalizer, error) {
	return parse[Normalizer]("normalizer", s, normalizerNames)
}

// ParseCBNormalize returns the CBNormalize named s.
func ParseCBNormalize(s string) (CBNormalize, error) {
	return parse[CBNormalize]("cb.normalize", s, cbNormNames)
}

// ParseCBApply returns the CBApply named s.
func ParseCBApply(s string) (CBApply, error) { return parse[CBApply]("cb.apply", s, cbApplyNames) }

func name(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return fmt.Sprintf("invalid(%d)", i)
	}
	return names[i]
}

func parse[T ~int](field, s string, names []string) (T, error) {
	for i, n := range names {
		if n == s {
			return T(i), nil
		}
	}
	return 0, &InputError{Field: field, Index: -1, Msg: fmt.Sprintf("unknown value %q (want one of %q)", s, names)}
}
