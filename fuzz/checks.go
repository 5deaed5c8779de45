package fuzz

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
	"github.com/focalcheck/focalcheck/spec/exact"
)

// Subject is an evaluator under test with its accuracy promise.
type Subject struct {
	Eval     spec.Evaluator
	Contract spec.Contract
	// Covers, when not nil, narrows the configurations where Contract's
	// accuracy promise holds, beyond its Domain, for an implementation
	// whose documentation excludes a class of configurations. Inputs
	// outside are held to everything but accuracy: the right errors, no
	// panic, no NaN, monotone CB weights.
	Covers func(*spec.Config) bool
}

// Oracle is the exact oracle as a Subject: its values are the correctly
// rounded exact ones, a zero contract over every finite logit.
var Oracle = Subject{Eval: exact.Evaluator{}, Contract: spec.Contract{Domain: math.Inf(1), Domain32: math.Inf(1)}}

func (s Subject) name() string { return s.Eval.Name() }

func (s Subject) covers(cfg *spec.Config) bool { return s.Covers == nil || s.Covers(cfg) }

// exactRef reports whether s is a perfect reference (a zero contract):
// its soft-target values carry no rounding of their own to allow for.
func (s Subject) exactRef() bool { return s.Contract.Loss == 0 && s.Contract.SoftRel == 0 }

// Failure is a failed check: which check, which implementation, on which
// input, and why.
type Failure struct {
	Check string // "element", "element32", "float32", "cb"
	Impl  string
	Input Input
	Msg   string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("%s check, %s: %s\ninput: %v", f.Check, f.Impl, f.Msg, f.Input)
}

// Checks lists the implementation-level checks by the names Failure and
// RunSeeds use.
var Checks = []string{"element", "element32", "float32", "cb"}

// RunSeeds runs every implementation-level check (Element, Element32,
// Float32, CB) on every input of Seeds against e under contract c, with
// the exact oracle as the reference, and returns the name of the first
// check that fails and its error (a *Failure; nil if all pass).
func RunSeeds(e spec.Evaluator, c spec.Contract) (check string, err error) {
	s := Subject{Eval: e, Contract: c}
	for _, in := range Seeds() {
		for _, ch := range []struct {
			name string
			run  func() error
		}{
			{"element", func() error { return Element(in, Oracle, s) }},
			{"element32", func() error { return Element32(in, Oracle, s) }},
			{"float32", func() error { return Float32(in, s) }},
			{"cb", func() error { return CB(in, Oracle, s) }},
		} {
			if err := ch.run(); err != nil {
				return ch.name, err
			}
		}
	}
	return "", nil
}

// seedMemo returns compute(), remembered for the exact oracle on the seed
// inputs: the oracle is a pure function and costs milliseconds an element,
// and RunSeeds asks it the same questions for every evaluator it checks.
func seedMemo(s Subject, check string, in Input, compute func() (res, error)) (res, error) {
	if s.Eval != Oracle.Eval || !isSeed(in) {
		return compute()
	}
	key := memoKey{check, in}
	if v, ok := memo.Load(key); ok {
		m := v.(memoVal)
		return m.r, m.err
	}
	r, err := compute()
	memo.Store(key, memoVal{r, err})
	return r, err
}

type memoKey struct {
	check string
	in    Input
}

type memoVal struct {
	r   res
	err error
}

var (
	memo     sync.Map // memoKey → memoVal
	seedSet  map[Input]bool
	seedOnce sync.Once
)

func isSeed(in Input) bool {
	seedOnce.Do(func() {
		seedSet = map[Input]bool{}
		for _, s := range Seeds() {
			seedSet[s] = true
		}
	})
	return seedSet[in]
}

// res is a result of either path, as float64 values (CB weights in losses).
type res struct {
	loss         float64
	losses, grad []float64
}

// panicked is the error of an evaluator call that panicked.
type panicked struct{ v any }

func (p panicked) Error() string { return fmt.Sprintf("panic: %v", p.v) }

func call(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{p}
		}
	}()
	return f()
}

func eval64(e spec.Evaluator, cfg *spec.Config, b spec.Batch) (res, error) {
	var r spec.Result
	err := call(func() error { return e.Evaluate(cfg, b, &r) })
	return res{r.Loss, r.Losses, r.Grad}, err
}

func eval32(e spec.Evaluator, cfg *spec.Config, b spec.Batch32) (res, error) {
	var r spec.Result32
	err := call(func() error { return e.Evaluate32(cfg, b, &r) })
	return res{float64(r.Loss), up(r.Losses), up(r.Grad)}, err
}

func up(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// path is the float64 or float32 path: its ulp, range and contract fields.
type path struct {
	bits int
	max  float64
}

var (
	path64 = path{64, math.MaxFloat64}
	path32 = path{32, math.MaxFloat32}
)

func (p path) dist(a, b float64) float64 {
	if p.bits == 32 {
		return ulp.Dist32(float32(a), float32(b))
	}
	return ulp.Dist(a, b)
}

// bounds returns the ulp bounds (element loss, gradient, reduced loss),
// the soft-target SoftRel and the Domain of c on the path.
func (p path) bounds(c spec.Contract) (loss, grad, red, rel, dom float64) {
	if p.bits == 32 {
		return c.Loss32, c.Grad32, c.Reduced32, c.SoftRel32, c.Domain32
	}
	return c.Loss, c.Grad, c.Reduced, c.SoftRel, c.Domain
}

// errorCheck holds e's answer to an input to the expectation of
// spec.Validate: an invalid input (want != nil) must give an
// *spec.InputError with Validate's message (the spec's Evaluator
// validates with Validate), never a panic; a valid one no error. It
// returns done when there is nothing more to check.
func errorCheck(got, want error) (msg string, done bool) {
	var p panicked
	if errors.As(got, &p) {
		return got.Error(), true
	}
	if want != nil {
		var ie *spec.InputError
		switch {
		case got == nil:
			return fmt.Sprintf("accepted an invalid input (spec.Validate: %v)", want), true
		case !errors.As(got, &ie):
			return fmt.Sprintf("rejected an invalid input with %T %q, not a *spec.InputError (spec.Validate: %v)", got, got, want), true
		case got.Error() != want.Error():
			return fmt.Sprintf("rejected an invalid input with %q; spec.Validate says %q", got, want), true
		}
		return "", true
	}
	if got != nil {
		return fmt.Sprintf("rejected a valid input: %v", got), true
	}
	return "", false
}

// sane checks one valid result: an element loss and derivative for each
// logit; no NaN; and, for the logits within dom (the subject's Domain on
// the path), ±Inf only where the true value may exceed the path's range,
// that is where the term scale of the element loss (sc[i]·D, see scales),
// of its derivative (sc[i], which carries the mean's 1/D) or, when every
// logit is within dom, of the reduced loss (Σ sc[i]) reaches half the
// largest float. Beyond Domain a contract promises no NaN and nothing
// else (props reads it so too).
func sane(p path, r res, logits []float64, sc []float64, d, dom float64) string {
	n := len(logits)
	if len(r.losses) != n || len(r.grad) != n {
		return fmt.Sprintf("%d losses and %d derivatives for %d elements", len(r.losses), len(r.grad), n)
	}
	sum, allIn := 0.0, true
	for i, x := range logits {
		sum += sc[i]
		in := math.Abs(x) <= dom
		allIn = allIn && in
		for _, v := range []struct {
			what     string
			v, scale float64
		}{{"loss", r.losses[i], sc[i] * d}, {"grad", r.grad[i], sc[i]}} {
			if math.IsNaN(v.v) || (in && math.IsInf(v.v, 0) && v.scale < p.max/2) {
				return fmt.Sprintf("element %d: %s is %v (term scale %v)", i, v.what, v.v, v.scale)
			}
		}
	}
	if math.IsNaN(r.loss) || (allIn && math.IsInf(r.loss, 0) && sum < p.max/2) {
		return fmt.Sprintf("reduced loss is %v (term scale %v)", r.loss, sum)
	}
	return ""
}

// domain returns s's Domain on the path.
func (s Subject) domain(p path) float64 {
	_, _, _, _, dom := p.bounds(s.Contract)
	return dom
}

// agree compares got (subject s) with want (reference ref) on the path.
//
// Each is within its contract of the same correctly rounded exact value
// X̂, and the ulp distance is a metric on the floats, so for a binary
// element (y ∈ {0,1}, ε = 0) inside both Domains the two are at most
// Loss_s + Loss_ref ulp apart (Grad and Reduced likewise). For soft
// targets |got − X̂| ≤ R_s·(|X̂| + S) and |want − X̂| ≤ R_ref·(|X̂| + S)
// give |got − want| ≤ (R_s + R_ref)·(|X̂| + S) with
// |X̂| ≤ (|want| + R_ref·S)/(1 − R_ref); values one ulp apart per rounding
// side always pass (where S underflows, R·S cannot hold a rounding). An
// ulp bound of +Inf (a contract with no ulp promise, impl/naive) holds
// binary elements to the soft-target bound, as props reads a contract.
func agree(p path, s, ref Subject, cfg *spec.Config, b64 spec.Batch, got, want res, sc []float64, d float64) string {
	if !s.covers(cfg) || !ref.covers(cfg) {
		return ""
	}
	ls, gs, rs, relS, domS := p.bounds(s.Contract)
	lr, gr, rr, relR, domR := p.bounds(ref.Contract)
	dom := math.Min(domS, domR)
	slack := 2.0
	if ref.exactRef() {
		slack = 1
	}
	soft := func(a, w, scale float64) bool {
		if p.dist(a, w) <= slack {
			return true
		}
		return math.Abs(a-w) <= (relS+relR)*(refBound(w, relR, scale)+scale)
	}
	ok := func(a, w, u, scale float64, bin bool) bool {
		if ulp.Alike(a, w) {
			return true
		}
		if bin && !math.IsInf(u, 1) {
			return p.dist(a, w) <= u
		}
		return soft(a, w, scale)
	}
	return each(p, cfg, b64, got, want, sc, d, dom, [3]float64{ls + lr, gs + gr, rs + rr}, ok, "", ref.name())
}

// each holds got to want with ok(a, w, u, scale, binary) on every element
// whose logit lies within dom (loss with ulp bound u[0] and term scale
// sc[i]·d, derivative with u[1] and sc[i]) and, when every logit does, on
// the reduced loss (u[2], Σ sc[i]; binary when every element is). It
// returns what failed, naming got's values with the prefix gotWhat and
// want's with wantWhat.
func each(p path, cfg *spec.Config, b64 spec.Batch, got, want res, sc []float64, d, dom float64, u [3]float64, ok func(a, w, u, scale float64, bin bool) bool, gotWhat, wantWhat string) string {
	msg := func(what string, a, w, u, scale float64, bin bool) string {
		return fmt.Sprintf("%s%s %v, %s %v (%v ulp of float%d; ulp bound %v, binary %v, term scale %v)", gotWhat, what, a, wantWhat, w, p.dist(a, w), p.bits, u, bin, scale)
	}
	allIn, allBin, sum := true, cfg.LabelSmoothing == 0, 0.0
	for i, x := range b64.Logits {
		bin := isBinary(cfg, b64.Targets[i])
		allBin = allBin && bin
		sum += sc[i]
		if math.Abs(x) > dom {
			allIn = false
			continue
		}
		if !ok(got.losses[i], want.losses[i], u[0], sc[i]*d, bin) {
			return fmt.Sprintf("element %d: ", i) + msg("loss", got.losses[i], want.losses[i], u[0], sc[i]*d, bin)
		}
		if !ok(got.grad[i], want.grad[i], u[1], sc[i], bin) {
			return fmt.Sprintf("element %d: ", i) + msg("grad", got.grad[i], want.grad[i], u[1], sc[i], bin)
		}
	}
	if allIn && !ok(got.loss, want.loss, u[2], sum, allBin) {
		return msg("reduced loss", got.loss, want.loss, u[2], sum, allBin)
	}
	return ""
}

// refBound bounds |X̂| by (|w| + rel·scale)/(1 − rel) for a value w within
// rel·(|X̂| + scale) of X̂; a perfect reference (rel = 0) is |w| itself,
// even where the scale overflows to +Inf (0·Inf would be NaN).
func refBound(w, rel, scale float64) float64 {
	if rel == 0 {
		return math.Abs(w)
	}
	return (math.Abs(w) + rel*scale) / (1 - rel)
}

func isBinary(cfg *spec.Config, y float64) bool {
	return cfg.LabelSmoothing == 0 && (y == 0 || y == 1)
}

// Element checks the float64 path of ref and of each subject on in:
// invalid input gives spec.Validate's *spec.InputError and never a panic;
// valid input gives no NaN (±Inf only where the value may exceed the
// range) and every subject agrees with ref within the two contracts (see
// agree), for the logits inside both Domains.
func Element(in Input, ref Subject, subs ...Subject) error {
	cfg, b := in.Config(), in.Batch()
	want := spec.Validate(cfg, b)
	return compare(path64, in, "element", cfg, b, want, ref, subs, func(e spec.Evaluator) (res, error) { return eval64(e, cfg, b) })
}

// Element32 is Element on the float32 path (X32, Y32 and the parameters
// rounded by Round32), against ref's float32 results, with the float32
// bounds of the contracts and spec.Validate32's errors.
func Element32(in Input, ref Subject, subs ...Subject) error {
	cfg, b := in.Config(), in.Batch32()
	want := spec.Validate32(cfg, b)
	return compare(path32, in, "element32", cfg.Round32(), widen(b), want, ref, subs, func(e spec.Evaluator) (res, error) { return eval32(e, cfg, b) })
}

func widen(b spec.Batch32) spec.Batch {
	return spec.Batch{Classes: b.Classes, Logits: up(b.Logits), Targets: up(b.Targets)}
}

// compare runs ref and subs through run and checks each result. cfg and
// b64 are the configuration and batch the values are exact for (rounded
// to float32 on the float32 path).
func compare(p path, in Input, check string, cfg *spec.Config, b64 spec.Batch, want error, ref Subject, subs []Subject, run func(spec.Evaluator) (res, error)) error {
	fail := func(s Subject, msg string) error { return &Failure{Check: check, Impl: s.name(), Input: in, Msg: msg} }
	var sc []float64
	d := 1.0
	if want == nil {
		w, err := seedMemo(ref, check+" weights", in, func() (res, error) {
			w, err := cbWeights(ref.Eval, cfg)
			return res{losses: w}, err
		})
		if err != nil {
			return fail(ref, err.Error())
		}
		sc, d = scales(cfg, b64, w.losses)
	}
	rr, err := seedMemo(ref, check, in, func() (res, error) { return run(ref.Eval) })
	if msg, done := errorCheck(err, want); done {
		if msg != "" {
			return fail(ref, msg)
		}
		for _, s := range subs {
			_, err := run(s.Eval)
			if msg, _ := errorCheck(err, want); msg != "" {
				return fail(s, msg)
			}
		}
		return nil
	}
	if msg := sane(p, rr, b64.Logits, sc, d, ref.domain(p)); msg != "" {
		return fail(ref, msg)
	}
	for _, s := range subs {
		r, err := run(s.Eval)
		if msg, done := errorCheck(err, want); done {
			return fail(s, msg)
		}
		if msg := sane(p, r, b64.Logits, sc, d, s.domain(p)); msg != "" {
			return fail(s, msg)
		}
		if msg := agree(p, s, ref, cfg, b64, r, rr, sc, d); msg != "" {
			return fail(s, msg)
		}
	}
	return nil
}

// Float32 checks each subject's float32 path against its own float64 path
// on the same numbers: the float32 batch widened, the parameters rounded
// (Round32), and the CB weights of the subject's CBWeights rounded to
// float32 and folded into the weight (weight_c·w_c of two float32 values
// is exact in float64), which is what spec §6 says the float32 path
// computes.
//
// Tolerance, binary elements within min(Domain, Domain32): the float64
// value is within Loss ulp of float64 of the exact X, far below half an
// ulp of float32 (Loss ≤ 2^20 would still be), so its rounding to float32
// is within 1 ulp of float32(X), and the float32 value within Loss32 of
// float32(X): Loss32 + 1 ulp of float32 (Grad32, Reduced32 likewise).
// Soft targets: |r32 − r64| ≤ R32·(|X| + S) + R64·(|X| + S) + the two
// roundings of X (2⁻²⁴ and 2⁻⁵³ relative), bounded with 2⁻²³ and
// |X| ≤ (|r64| + R64·S)/(1 − R64)·(1 + 2⁻²³); two ulps of float32 always
// pass. As in agree, an ulp bound of +Inf means the soft-target bound.
func Float32(in Input, subs ...Subject) error {
	cfg, b := in.Config(), in.Batch32()
	want := spec.Validate32(cfg, b)
	b64 := widen(b)
	for _, s := range subs {
		fail := func(msg string) error { return &Failure{Check: "float32", Impl: s.name(), Input: in, Msg: msg} }
		r32, err := eval32(s.Eval, cfg, b)
		if msg, done := errorCheck(err, want); done {
			if msg != "" {
				return fail(msg)
			}
			continue
		}
		c64, err := fold32(s.Eval, cfg, b64)
		if err != nil {
			return fail(err.Error())
		}
		sc, d := scales(c64, b64, nil) // c64 has its CB weights folded in
		if msg := sane(path32, r32, b64.Logits, sc, d, s.domain(path32)); msg != "" {
			return fail(msg)
		}
		r64, err := eval64(s.Eval, c64, b64)
		if msg, _ := errorCheck(err, nil); msg != "" {
			return fail("float64 twin: " + msg)
		}
		if msg := sane(path64, r64, b64.Logits, sc, d, s.domain(path64)); msg != "" {
			return fail("float64 twin: " + msg)
		}
		if !s.covers(cfg) {
			continue
		}
		c := s.Contract
		dom := math.Min(c.Domain, c.Domain32)
		ok := func(a, w, u, scale float64, bin bool) bool {
			w32 := float64(float32(w))
			dist := path32.dist(a, w32)
			if ulp.Alike(a, w32) || dist <= 1 {
				return true
			}
			if bin && !math.IsInf(u, 1) {
				return dist <= u
			}
			if dist <= 2 {
				return true
			}
			x := refBound(w, c.SoftRel, scale) * (1 + 0x1p-23)
			return math.Abs(a-w) <= (c.SoftRel32+c.SoftRel+0x1p-23)*(x+scale)
		}
		if msg := each(path32, c64, b64, r32, r64, sc, d, dom, [3]float64{c.Loss32 + 1, c.Grad32 + 1, c.Reduced32 + 1}, ok, "float32 ", "float64"); msg != "" {
			return fail(msg)
		}
	}
	return nil
}

// fold32 returns the float64 configuration whose exact value is that of
// the float32 path on cfg (spec §6): Round32, and without CB, the CB
// weight w_k (e's CBWeights rounded to float32) multiplied into each
// column's float32 weight. With cb.apply = label the weight of a column
// is that of its row's label, the same for every row only when the batch
// has one row or one class, which is every batch of an Input.
func fold32(e spec.Evaluator, cfg *spec.Config, b spec.Batch) (*spec.Config, error) {
	c := cfg.Round32()
	if c.CB == nil {
		return c, nil
	}
	w, err := cbWeights(e, c)
	if err != nil {
		return nil, err
	}
	rows := len(b.Logits) / b.Classes
	if c.CB.Apply == spec.CBLabel && rows > 1 && b.Classes > 1 {
		return nil, fmt.Errorf("cannot fold apply = label over %d rows of %d classes", rows, b.Classes)
	}
	weight := make([]float64, b.Classes)
	for k := range weight {
		weight[k] = 1
		if c.Weight != nil {
			weight[k] = c.Weight[k]
		}
		cbw := w[k]
		if c.CB.Apply == spec.CBLabel && b.Classes > 1 && rows == 1 {
			for j, y := range b.Targets {
				if y == 1 {
					cbw = w[j]
				}
			}
		}
		weight[k] *= float64(float32(cbw)) // exact: two float32 significands
	}
	c.Weight, c.CB = weight, nil
	return c, nil
}

// CB checks the class-balanced weights of in.CB() (Beta, the first C
// counts, the normalisation of Mode) from ref and each subject: a CB that
// spec.ValidateCB rejects gives its *spec.InputError, never a panic; a
// valid one gives C finite positive weights, w = 1 at β = 0 exactly (spec
// §4; the normalisation keeps it, C·1/C), non-increasing in n (the exact
// weights are, and every step of the usual computation
// −expm1(n·log1p(β−1)) is monotone). Where the subject covers the
// configuration: the raw weights (cb.normalize none) lie in [1/n, 1] (since
// n(1−β) ≥ 1−β^n ≥ 1−β) up to Loss ulp (the contract's element bound holds
// for elements whose weight is w, so it bounds w's own error); the
// sum-normalised ones sum to C within C·Loss + 1 ulp (each weight ≤ C
// within Loss ulp, one rounding of the sum); and each weight agrees with
// ref's within Loss_s + Loss_ref ulp.
func CB(in Input, ref Subject, subs ...Subject) error {
	cb := in.CB()
	want := spec.ValidateCB(cb, len(cb.Counts))
	cfg := in.Config()
	cfg.CB = cb
	var wr []float64
	for j, s := range append([]Subject{ref}, subs...) {
		fail := func(msg string) error { return &Failure{Check: "cb", Impl: s.name(), Input: in, Msg: msg} }
		r, err := seedMemo(s, "cb", in, func() (res, error) {
			var r res
			err := call(func() (err error) { r.losses, err = s.Eval.CBWeights(cb); return err })
			return r, err
		})
		w := r.losses
		if msg, done := errorCheck(err, want); done {
			if msg != "" {
				return fail(msg)
			}
			continue
		}
		if msg := cbSane(s.Contract, s.covers(cfg), cb, w); msg != "" {
			return fail(msg)
		}
		if j == 0 {
			wr = w
			continue
		}
		if !s.covers(cfg) || !ref.covers(cfg) {
			continue
		}
		for k := range w {
			if !cbClose(w[k], wr[k], s.Contract.Loss+ref.Contract.Loss, s.Contract.SoftRel+ref.Contract.SoftRel) {
				return fail(fmt.Sprintf("w[%d] = %v, %s %v (%v ulp; contracts %+v, %+v)", k, w[k], ref.name(), wr[k], ulp.Dist(w[k], wr[k]), s.Contract, ref.Contract))
			}
		}
	}
	return nil
}

// cbSane holds w to the properties of CB that do not compare with a
// reference; those that allow Loss ulp (u) only where the subject covers
// the configuration.
func cbSane(c spec.Contract, covered bool, cb *spec.CB, w []float64) string {
	u := c.Loss
	if len(w) != len(cb.Counts) {
		return fmt.Sprintf("%d weights for %d counts", len(w), len(cb.Counts))
	}
	for k, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			return fmt.Sprintf("w[%d] = %v", k, v)
		}
	}
	C := float64(len(w))
	if !covered {
		// Only the exact properties below.
	} else if cb.Normalize == spec.CBSum {
		sum := 0.0
		for _, v := range w {
			sum += v
		}
		if !cbClose(sum, C, C*u+1, c.SoftRel+0x1p-54) { // the rounding of the sum: ≤ 2⁻⁵³·C = 4·2⁻⁵⁴·C
			d := ulp.Dist(sum, C)
			return fmt.Sprintf("normalised weights %v sum to %v, %v ulp from %v", w, sum, d, C)
		}
	} else {
		for k, v := range w {
			n := cb.Counts[k]
			if v > 1 && !cbClose(v, 1, u, c.SoftRel) {
				return fmt.Sprintf("w[%d] = %v > 1 by %v ulp (n = %v)", k, v, ulp.Dist(v, 1), n)
			}
			if lo := 1 / n; v < lo && !cbClose(v, lo, u, c.SoftRel) {
				return fmt.Sprintf("w[%d] = %v < 1/n = %v by %v ulp (n = %v)", k, v, lo, ulp.Dist(v, lo), n)
			}
		}
	}
	for k, v := range w {
		if cb.Beta == 0 && v != 1 {
			return fmt.Sprintf("β = 0: w[%d] = %v, want 1", k, v)
		}
	}
	if len(w) == 2 {
		lo, hi := 0, 1
		if cb.Counts[1] < cb.Counts[0] {
			lo, hi = 1, 0
		}
		if w[hi] > w[lo] {
			return fmt.Sprintf("not monotone: w(n=%v) = %v < w(n=%v) = %v", cb.Counts[lo], w[lo], cb.Counts[hi], w[hi])
		}
	}
	return ""
}

// cbClose reports whether the CB weight a is within u ulp of b, or, when
// u is +Inf (no ulp promise), within 4·rel relative of b. The element
// bound implies the weight's: at x = 0, γ = 0, y = 1, pw = 1 and D = 1
// the element is f = w·log 2 and its term scale S = 2w, so
// SoftRel·(|f| + S) allows a relative error of SoftRel·(log 2 + 2)/log 2
// < 4·SoftRel in w.
func cbClose(a, b, u, rel float64) bool {
	if math.IsInf(u, 1) {
		return math.Abs(a-b) <= 4*rel*math.Abs(b)
	}
	return ulp.Dist(a, b) <= u
}

// cbWeights returns e's CB weights of cfg.CB (nil without CB), one for
// each of cfg.CB's counts; cfg must be valid.
func cbWeights(e spec.Evaluator, cfg *spec.Config) ([]float64, error) {
	if cfg.CB == nil {
		return nil, nil
	}
	var w []float64
	err := call(func() (err error) { w, err = e.CBWeights(cfg.CB); return err })
	if err != nil {
		return nil, fmt.Errorf("CBWeights of a valid CB: %v", err)
	}
	if len(w) != len(cfg.CB.Counts) {
		return nil, fmt.Errorf("CBWeights returned %d weights for %d counts", len(w), len(cfg.CB.Counts))
	}
	return w, nil
}

// scales returns the term scale S_i = ulp.SoftScale(W_i, pw_i, γ, x_i, D)
// of every element's derivative (W·f′/D) and the mean's normaliser D (1 for
// sum and none); S_i·D is the scale of the element loss. The CB weights w
// (nil without CB) enter W; the reference's, within a few ulp of the exact
// ones, which a scale does not need better.
func scales(cfg *spec.Config, b spec.Batch, w []float64) ([]float64, float64) {
	d := ulp.Denominator(cfg, b)
	out := make([]float64, len(b.Logits))
	for i, x := range b.Logits {
		W, pw := ulp.ElementWeight(cfg, b, w, i)
		out[i] = ulp.SoftScale(W, pw, cfg.Gamma, x, d)
	}
	return out, d
}
