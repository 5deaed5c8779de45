// Package vectorized is the fast batched implementation of the focal-loss
// spec (spec/SPEC.md): one fused pass per element computes the loss and its
// closed-form derivative, sharing one exp and one log1p, over fixed-size
// chunks spread across goroutines.
//
// For an element with logit x, a = |x|, e = e^{-a} and l = log1p(e):
//
//	sp(x) = max(x,0) + l,  sp(-x) = max(-x,0) + l
//	σ(x)  = 1/(1+e) or e/(1+e) by the sign of x
//	q^γ   = exp(γ·log q), log q = -sp(±x)
//
// l is computed as a double-word with an absolute error below 2^-58.5
// (expLog1p: e^{-a} and log1p as double-words; below e = 2^-32 as the
// series e - e²/2, so that l keeps the relative accuracy of the double-word
// e^{-a} when γ·l is large however small l is), and γ·log q is carried as a
// double-word (FMA), so that the modulator's relative error stays near
// γ·2^-58.5 + 1 ulp instead of γ·2^-53 (11 ulp at γ = 50 with a plain
// float64 l). float64 data is computed in float64. float32 data is
// computed in float32 arithmetic, as a framework's float32 kernel computes
// it (kernel32.go: e^{-a} and log1p(e^{-a}) as double-floats within
// 2^-29, γ·log q as a double-float, q^γ = 2^n·e^r with the rounding errors
// of α_t, α_t/D and 1/(1+e) folded into one FMA, a subnormal result
// rounded once), for the common configs (linear semantics, scalar or no α,
// no ε, weight, pos_weight or CB, no mean over D < 1) with γ ≤ 50 and
// α_t, α_t/D zero or normal float32 numbers, for every element with a
// binary target and |x| ≤ 80; the other float32 elements (soft targets,
// |x| > 80) and configs are computed in float64 and rounded once to
// float32. Built with GOEXPERIMENT=simd on amd64 with AVX2 and FMA, the
// common configs take the archsimd kernels (4×float64 lanes for float64
// data, 8×float32 lanes for float32 data) for every element with a binary
// target, whatever its position, so that permuting rows permutes the
// results exactly; without SIMD the float32 element runs as pure Go
// (portable32, its FMA emulated by rounding to odd) with the same bits.
// Soft targets and the other configs take
// the portable loop. Smoothed targets follow SPEC.md §1 with their
// complements computed as 1-y' = (1-y)(1-ε) + ε/2.
//
// Reductions sum per-chunk partial sums (in float64, compensated) in chunk
// order, so results are bit-identical for any number of workers; if the
// sum overflows, it is recomputed with the weights scaled by 2^-64, so a
// finite mean of overflowing element losses stays finite.
//
// Accuracy (Contract), against the exact oracle spec/exact: for binary
// targets without smoothing, every config, γ as props draws it (up to 50)
// and every finite logit,
//
//	float64: loss ≤ 5 ulp, gradient ≤ 5 ulp, reduced loss ≤ 4 ulp
//	         (measured maxima 4, 4 and 3: see below; the contract adds
//	         1 ulp to each for inputs not sampled. The reduced loss sums
//	         terms ≥ 0, so its relative error is about the largest
//	         element's, shared CB weight errors included)
//	float32: loss ≤ 4 ulp, gradient ≤ 4 ulp, reduced loss ≤ 4 ulp of
//	         float32 (the float32 element, kernel32.go: its error
//	         analysis bounds the loss near 3u and the gradient near 4u,
//	         u = 2^-24; measured maxima 2, 2 and 1 on both paths. The
//	         reduced loss adds the float32 element losses in float64,
//	         compensated, so its relative error is about the largest
//	         element's plus the final rounding. Elements and configs
//	         computed in float64 stay within 1 ulp)
//
// and for soft targets and label smoothing |got - exact| ≤ SoftRel·(|exact|
// + S) (spec.Contract): SoftRel = 2.5e-16 (measured maximum 7.9e-17 on the
// random sample; 1.9e-16 found by props at pw = 0, where S is small next to
// the error of y' and 1-y', up to 1.5 ulp each, and of the CB weights, a
// few ulp) and SoftRel32 = 6e-8 = 2^-24 (the rounding to float32;
// measured 2.8e-10). Where γ·l > 16 (only for γ > 16/ln 2 ≈ 23), γ times
// the 2^-58.5 error of l would pass 1 ulp of the modulator (it was 8 ulp
// at x = −3.03, y = 1, γ = 12896): such elements, on every path, take the
// precise modulator of precise.go (l to 2^-91 relative, the modulator
// within 0.5 ulp plus 2^-11), measured at most 2 ulp (loss) and 3
// (gradient) over γ ∈ {64, …, 1e5} (TestPreciseElements).
// Measured on both paths,
// binary and soft batches, every config kind, 3000 seeded elements per
// path, kind and dtype (16 minutes on a loaded 2-core machine):
//
//	GOEXPERIMENT=simd go test ./impl/vectorized/ -run TestMeasure -vectorized.measure=3000 -v -timeout 60m
//
// (spec/exact evaluates about 300-1000 elements a second, so the ordinary
// tests use samples of 240.)
//
// Special cases are:
//
//	every finite logit, ±MaxFloat64 and subnormals included: NaN-free output
//	±Inf only where the exact loss exceeds the largest float
//	exp arguments are clamped before the polynomial; underflow gives 0
//	a zero weight, α_t or modulator gives a zero loss and gradient
//	extreme factors (|x| > 700, weight products outside [2^-960, 2^1000],
//	a modulator that makes them subnormal, an infinite result) take a
//	careful element path (elemWide) with the exponents carried apart, so
//	that a normal result never passes through a subnormal or an overflow
//	float32 data: |x| > 80, soft targets, γ > 50, a mean over D < 1 and
//	an α_t or α_t/D below the float32 normal range take the float64
//	element, rounded once
//	a mean over D = Σy < 1 takes that path for every element, the factor
//	1/D applied before the one rounding of the gradient and, as 2^k with
//	D = m·2^-k, before that of each chunk sum (divided by m at the end)
//	soft targets strictly between 0 and 1 on the careful path keep the
//	float64 modulator of elem (it may be subnormal: not widened)
package vectorized

import (
	"math"
	"runtime"
	"sync"

	"github.com/focalcheck/focalcheck/spec"
)

// Contract is the accuracy promise of Evaluator against the exact oracle
// spec/exact (see the package comment for the derivation, the measured
// maxima and the command that measures them).
var Contract = spec.Contract{
	Loss: 5, Grad: 5,
	Loss32: 4, Grad32: 4,
	Reduced: 4, Reduced32: 4,
	Domain: math.Inf(1), Domain32: math.Inf(1),
	SoftRel: 2.5e-16, SoftRel32: 6e-8,
}

// chunk is the number of elements one goroutine processes at a time; the
// reductions add the per-chunk partial sums in chunk order.
const chunk = 16384

// Evaluator is the vectorized spec.Evaluator. Workers is the number of
// goroutines; 0 means GOMAXPROCS. The results do not depend on Workers.
type Evaluator struct{ Workers int }

// Name returns "vectorized".
func (Evaluator) Name() string { return "vectorized" }

func (e Evaluator) workers() int {
	if e.Workers > 0 {
		return e.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// CBWeights returns w_c = (1-β)/(1-β^{n_c}), with 1-β^n computed as
// -expm1(n·log1p(β-1)), normalised to sum to C for CBSum (see cbWeights
// for the error).
//
// Special cases are:
//
//	β = 0: every w_c = 1
func (Evaluator) CBWeights(cb *spec.CB) ([]float64, error) {
	if cb == nil {
		return nil, &spec.InputError{Field: "cb", Index: -1, Msg: "missing"}
	}
	if err := spec.ValidateCB(cb, -1); err != nil {
		return nil, err
	}
	return cbWeights(cb), nil
}

// cbWeights computes the CB weights in float64: log β = log1p(β-1) (β-1
// exact for β ≥ ½; log β itself below ½), the product u = n·log β carried as a double-word
// (FMA), 1-β^n = -expm1(u_hi) - e^{u_hi}·u_lo, and the normalising sum
// compensated. Each raw weight is within about 3 ulp (log1p and expm1 1
// ulp each, the quotient ½, 1-β ½ for β < ½); the normalisation adds two
// roundings.
func cbWeights(cb *spec.CB) []float64 {
	w := make([]float64, len(cb.Counts))
	lb := math.Log(cb.Beta)
	if cb.Beta >= 0.5 {
		lb = math.Log1p(cb.Beta - 1) // log β, exact argument
	}
	var sum, comp float64
	for i, n := range cb.Counts {
		switch uh := n * lb; {
		case cb.Beta == 0 || n == 1:
			w[i] = 1
		case uh < -800: // β^n < 2^-1154: 1-β^n = 1
			w[i] = 1 - cb.Beta
		default:
			ul := math.FMA(n, lb, -uh)
			em := math.Expm1(uh)
			w[i] = (1 - cb.Beta) / -(em + (1+em)*ul)
		}
		sum, comp = add2(sum, comp, w[i])
	}
	sum += comp
	if cb.Normalize == spec.CBSum {
		c := float64(len(w))
		for i := range w {
			w[i] = w[i] * c / sum
		}
	}
	return w
}

// Evaluate validates cfg and b and writes losses and gradients into r.
func (e Evaluator) Evaluate(cfg *spec.Config, b spec.Batch, r *spec.Result) error {
	sumY, err := validate(e.workers(), cfg, b.Classes, b.Logits, b.Targets, func() error { return spec.Validate(cfg, b) })
	if err != nil {
		return err
	}
	r.Resize(len(b.Logits))
	p := newParams(cfg, b.Classes, len(b.Targets), sumY, false)
	p.t64 = b.Targets
	r.Loss = run(e.workers(), p, b.Logits, b.Targets, r.Losses, r.Grad)
	return nil
}

// Evaluate32 is Evaluate on float32 data: the parameters of cfg.Round32()
// and the CB weights rounded to float32 (SPEC.md §6), the elements the
// float32 element covers computed in float32 (kernel32.go), the others in
// float64 and rounded once to float32.
func (e Evaluator) Evaluate32(cfg *spec.Config, b spec.Batch32, r *spec.Result32) error {
	sumY, err := validate(e.workers(), cfg, b.Classes, b.Logits, b.Targets, func() error { return spec.Validate32(cfg, b) })
	if err != nil {
		return err
	}
	r.Resize(len(b.Logits))
	p := newParams(cfg.Round32(), b.Classes, len(b.Targets), sumY, true)
	p.t32 = b.Targets
	r.Loss = float32(run(e.workers(), p, b.Logits, b.Targets, r.Losses, r.Grad))
	return nil
}

// params holds a config resolved to per-class arrays, in float64 for both
// dtypes (the float32 path holds float32 values).
type params struct {
	classes   int
	gamma     float64
	soft      spec.Soft
	eps       float64 // ε
	smoothAll bool
	ap, an    []float64 // α₊, α₋ per class
	pw        []float64 // pos_weight per class (1 when absent)
	w         []float64 // weight_c, times cb_c for CBClass
	cbLabel   []float64 // CB weight by label for CBLabel, else nil
	t64       []float64 // the whole batch's targets, for CBLabel (one of
	t32       []float32 // t64, t32 is set)
	reduction spec.Reduction
	d         float64 // mean's normaliser (1 otherwise)
	dExp      int     // for a mean over 0 < D < 1, D = dm·2^-dExp (else 0)
	dm        float64
	simple    bool // a config the SIMD kernels cover
}

// newParams resolves cfg for a batch of n elements in rows of classes;
// with round32 the CB weights are rounded to float32 (cfg is then
// already Round32's).
func newParams(cfg *spec.Config, classes, n int, sumY float64, round32 bool) *params {
	p := &params{
		classes:   classes,
		gamma:     cfg.Gamma,
		soft:      cfg.Soft,
		eps:       cfg.LabelSmoothing,
		smoothAll: cfg.SmoothingScope == spec.SmoothingAll,
		reduction: cfg.Reduction,
		d:         1,
	}
	buf := make([]float64, 4*classes) // one allocation for the four arrays
	p.ap, p.an, p.pw, p.w = buf[:classes:classes], buf[classes:2*classes:2*classes], buf[2*classes:3*classes:3*classes], buf[3*classes:]
	for c := range classes {
		p.ap[c], p.an[c], p.pw[c], p.w[c] = 1, 1, 1, 1
		if cfg.Alpha != nil {
			a := cfg.Alpha[0]
			if len(cfg.Alpha) > 1 {
				a = cfg.Alpha[c]
			}
			p.ap[c], p.an[c] = a, 1-a
		}
		if cfg.PosWeight != nil {
			p.pw[c] = cfg.PosWeight[c]
		}
		if cfg.Weight != nil {
			p.w[c] = cfg.Weight[c]
		}
	}
	if cfg.CB != nil {
		cb := cbWeights(cfg.CB)
		if round32 {
			for c := range cb {
				cb[c] = float64(float32(cb[c]))
			}
		}
		if cfg.CB.Apply == spec.CBClass {
			for c := range classes {
				p.w[c] *= cb[c] // exact on the float32 path
			}
		} else {
			p.cbLabel = cb
		}
	}
	if cfg.Reduction == spec.Mean {
		switch cfg.Normalizer {
		case spec.Elements:
			p.d = float64(n)
		case spec.Rows:
			p.d = float64(n / classes)
		default:
			p.d = sumY
			if cfg.Normalizer == spec.PositivesGuarded {
				p.d = max(1, p.d)
			}
		}
	}
	if p.d > 0 && p.d < 1 {
		fr, ex := math.Frexp(p.d)
		p.dm, p.dExp = fr, -ex
		if p.dExp == 0 { // D in [½, 1): scale by 2 all the same
			p.dm, p.dExp = 2*fr, 1
		}
	}
	// The SIMD kernels form α_t·q^γ unscaled: an α below 2^-900 (where
	// that product may be subnormal while the loss is not) takes elem.
	p.simple = cfg.Soft == spec.Linear && cfg.LabelSmoothing == 0 &&
		(cfg.Alpha == nil || (len(cfg.Alpha) == 1 && (cfg.Alpha[0] == 0 || cfg.Alpha[0] >= 0x1p-900))) &&
		cfg.Weight == nil && cfg.PosWeight == nil && cfg.CB == nil && classes >= 1 && p.dExp == 0
	return p
}

// add2 adds v to the compensated sum (s, c). An overflow to ±Inf drops the
// compensation, which keeps the sum from becoming Inf - Inf.
func add2(s, c, v float64) (float64, float64) {
	t := s + v
	if math.IsInf(t, 0) {
		return t, 0
	}
	if math.Abs(s) >= math.Abs(v) {
		c += (s - t) + v
	} else {
		c += (v - t) + s
	}
	return t, c
}

// run processes the batch in chunks on the given number of goroutines and
// returns the reduced loss (0 for None).
func run[F float32 | float64](workers int, p *params, x, y, loss, grad []F) float64 {
	n := len(x)
	nc := (n + chunk - 1) / chunk
	if nc == 0 {
		return 0
	}
	var partial []float64
	var stack [64]float64
	if nc <= len(stack) {
		partial = stack[:nc]
	} else {
		partial = make([]float64, nc)
	}
	do := func(k int) {
		lo := k * chunk
		hi := min(lo+chunk, n)
		partial[k] = kernel(p, lo, x[lo:hi], y[lo:hi], loss[lo:hi], grad[lo:hi])
	}
	workers = min(workers, nc)
	if workers <= 1 {
		for k := range nc {
			do(k)
		}
	} else {
		var wg sync.WaitGroup
		var mu sync.Mutex
		next := 0
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					k := next
					next++
					mu.Unlock()
					if k >= nc {
						return
					}
					do(k)
				}
			}()
		}
		wg.Wait()
	}
	if p.reduction == spec.None {
		return 0
	}
	var s, c float64
	for _, v := range partial {
		s, c = add2(s, c, v)
	}
	s += c
	if p.dExp != 0 {
		// The chunk sums are 2^dExp·Σl; an overflow there is one of the
		// mean Σl/D ≥ 2^dExp·Σl as well.
		return s / p.dm
	}
	if math.IsInf(s, 0) {
		// Some element losses, or their sum, overflowed; the mean may
		// still be finite. Sum again with every weight scaled by 2^-64.
		s = rescaledSum(p, x, y)
		if p.reduction == spec.Mean {
			s /= p.d
		}
		return s * 0x1p64
	}
	if p.reduction == spec.Mean {
		s /= p.d
	}
	return s
}

// rescaledSum is 2^-64·Σ l_i, computed with every weight scaled by 2^-64
// (exact, a power of two) and summed in index order; it runs only when the
// plain sum overflowed.
func rescaledSum[F float32 | float64](p *params, x, y []F) float64 {
	var s, c float64
	C := p.classes
	cbw := 1.0
	for i := range x {
		k := i % C
		if p.cbLabel != nil && k == 0 {
			cbw = labelWeight(p, i)
		}
		l, _ := elem(p, k, p.w[k]*cbw*0x1p-64, float64(x[i]), float64(y[i]))
		s, c = add2(s, c, l)
	}
	return s + c
}
