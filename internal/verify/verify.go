// Package verify compares another implementation's outputs (a candidate
// file) with focalcheck's golden vectors, case by case, in ulps of the
// case's dtype, and tells which convention the candidate implements where
// conventions disagree.
//
// A compared value passes when its distance to the expected value is at
// most Options.ULPs ulp (ulp.Dist, or ulp.Dist32 for a float32 case), or,
// when Options.Rtol or Options.Atol is set, when |got − want| ≤ Atol +
// Rtol·|want|. A NaN or ±Inf where the vectors hold a finite value always
// fails and is counted apart. The expected values are the exact oracle's,
// correctly rounded, so a distance of d ulp is an error of at most d + 0.5
// ulp.
//
// Convention detection uses the alternatives stored in the vector files
// (vectors.Case.Alternatives): for every axis of convention (soft
// semantics, smoothing scope, α form, normaliser, pos_weight scope) it
// measures the candidate against each alternative and reports the one it
// matches. With a preset, the expected values of a case are those of the
// request under the preset's conventions (presets.Preset.Conform), taken
// from the stored alternatives when one axis changes and recomputed with
// the oracle otherwise.
package verify

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/focalcheck/focalcheck/internal/presets"
	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/internal/vectors"
	"github.com/focalcheck/focalcheck/spec"
)

// Options say what to compare and how strictly.
type Options struct {
	// Dtype, when not empty, restricts the comparison to the cases of that
	// dtype ("float64" or "float32").
	Dtype string
	// ULPs is the largest distance that passes, when Rtol and Atol are 0.
	ULPs float64
	// Rtol and Atol replace the ulp test with |got−want| ≤ Atol + Rtol·|want|.
	Rtol, Atol float64
	// Preset, when not nil, sets the conventions the candidate is held to.
	Preset *presets.Preset
	// Oracle recomputes the expected values of a case that Preset changes
	// in more than one axis (exact.Evaluator{}).
	Oracle spec.Evaluator
}

// Row is the result of one category.
type Row struct {
	Category               string
	Cases, Passed          int
	NonFinite              int // values that are NaN or ±Inf where a finite value is expected
	MaxULPLoss, MaxULPGrad float64
	Worst                  string // id of the case with the largest error
	WorstInputs            string
	worstErr               float64
	worstRank              int
}

// Match is how close the candidate is to one convention of an axis.
type Match struct {
	Value string
	// Cases is the number of cases compared, Matched the number of them
	// within MatchNormULPs of this convention.
	Cases, Matched int
	// MaxULP is the largest elementwise ulp distance and MaxNormULP the
	// largest normwise one (max|got−alt| over each of loss, losses and grad,
	// in ulps of the largest |alt| of that vector: underflow and
	// cancellation in tiny elements do not inflate it), over the matched
	// cases. MaxRel is the largest normwise relative difference
	// max|got−alt|/max|alt| over all cases.
	MaxULP, MaxNormULP, MaxRel float64
}

// MatchNormULPs is the normwise distance, in ulps of the largest value,
// within which a case is said to match a convention: far above the
// rounding error of a float32 sum of thousands of terms (tens of ulps), far
// below the differences between conventions (10^-3 relative and more, that
// is 8000 float32 ulps).
const MatchNormULPs = 1024

// Axis is the convention detection of one axis.
type Axis struct {
	Name    string
	Matches []Match // sorted, closest first
}

// Report is the outcome of a comparison.
type Report struct {
	Rows        []Row
	Axes        []Axis
	Compared    int
	SkippedType int // candidate cases of another dtype than Options.Dtype
	Absent      int // vector cases (of the dtype) the candidate has no line for
	Failures    int
	Tolerance   string
	Preset      string
	Recomputed  int // cases whose expected values the preset changed
	NoOracle    int // cases skipped: the preset changes them and Options.Oracle is nil
}

// Failed reports whether any case failed.
func (r *Report) Failed() bool { return r.Failures > 0 }

// Run compares the candidates with the cases.
func Run(cases []vectors.Case, cands []Candidate, o Options) (*Report, error) {
	idx := vectors.Index(cases)
	rep := &Report{Tolerance: fmt.Sprintf("≤ %g ulp", o.ULPs)}
	if o.Rtol != 0 || o.Atol != 0 {
		rep.Tolerance = fmt.Sprintf("|got−want| ≤ %g + %g·|want|", o.Atol, o.Rtol)
	}
	if o.Preset != nil {
		rep.Preset = o.Preset.Name
	}
	rows := map[string]*Row{}
	axes := map[string]map[string]*Match{}
	have := map[string]bool{}
	for _, cand := range cands {
		c := idx[cand.ID]
		if o.Dtype != "" && c.Request.Dtype != o.Dtype {
			rep.SkippedType++
			continue
		}
		have[c.ID] = true
		want, changed, err := expected(c, o)
		if errors.Is(err, errNoOracle) {
			rep.NoOracle++
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: id %q: %v", cand.Line, cand.ID, err)
		}
		if changed {
			rep.Recomputed++
		}
		row := rows[c.Category]
		if row == nil {
			row = &Row{Category: c.Category}
			rows[c.Category] = row
		}
		row.Cases++
		rep.Compared++
		res := compare(c, want, cand, o)
		if res.pass {
			row.Passed++
		} else {
			rep.Failures++
		}
		row.NonFinite += res.nonFinite
		row.MaxULPLoss = math.Max(row.MaxULPLoss, res.ulpLoss)
		row.MaxULPGrad = math.Max(row.MaxULPGrad, res.ulpGrad)
		// The worst case is the first with a NaN or Inf, else the first
		// failing one, else the one with the largest ulp error.
		rank := 0
		switch {
		case res.nonFinite > 0:
			rank = 2
		case !res.pass:
			rank = 1
		}
		worst := math.Max(res.ulpLoss, res.ulpGrad)
		if row.Worst == "" || rank > row.worstRank || rank == row.worstRank && rank == 0 && worst > row.worstErr {
			row.worstRank, row.worstErr, row.Worst = rank, worst, c.ID
			row.WorstInputs = describe(c, want, res.worstAt, res.worstWhat, cand)
		}
		for axis, alts := range c.Alternatives {
			if axes[axis] == nil {
				axes[axis] = map[string]*Match{}
			}
			for name, alt := range alts {
				m := axes[axis][name]
				if m == nil {
					m = &Match{Value: name}
					axes[axis][name] = m
				}
				u, rel := distance(c.Request.Dtype, alt, cand)
				eps := 0x1p-52
				if c.Request.Dtype == vectors.Float32 {
					eps = 0x1p-23
				}
				m.Cases++
				m.MaxRel = math.Max(m.MaxRel, rel)
				if rel/eps <= MatchNormULPs {
					m.Matched++
					m.MaxULP = math.Max(m.MaxULP, u)
					m.MaxNormULP = math.Max(m.MaxNormULP, rel/eps)
				}
			}
		}
	}
	for _, c := range cases {
		if (o.Dtype == "" || c.Request.Dtype == o.Dtype) && !have[c.ID] {
			rep.Absent++
		}
	}
	order := vectors.Categories
	for _, cat := range order {
		if r := rows[cat]; r != nil {
			rep.Rows = append(rep.Rows, *r)
			delete(rows, cat)
		}
	}
	for _, cat := range sortedKeys(rows) {
		rep.Rows = append(rep.Rows, *rows[cat])
	}
	for _, name := range sortedKeys(axes) {
		a := Axis{Name: name}
		for _, m := range axes[name] {
			a.Matches = append(a.Matches, *m)
		}
		sort.Slice(a.Matches, func(i, j int) bool {
			if a.Matches[i].Matched != a.Matches[j].Matched {
				return a.Matches[i].Matched > a.Matches[j].Matched
			}
			if a.Matches[i].MaxRel != a.Matches[j].MaxRel {
				return a.Matches[i].MaxRel < a.Matches[j].MaxRel
			}
			return a.Matches[i].Value < a.Matches[j].Value
		})
		rep.Axes = append(rep.Axes, a)
	}
	return rep, nil
}

// errNoOracle says that a case needs the oracle, which Options lacks.
var errNoOracle = errors.New("the preset changes more than one convention and no oracle is given")

// expected returns the values c is held to: the vectors' own, or, with a
// preset that changes the conventions of the request, those of the
// conformed request.
func expected(c *vectors.Case, o Options) (vectors.Values, bool, error) {
	if o.Preset == nil {
		return c.Want, false, nil
	}
	cfg, err := c.Request.Config()
	if err != nil {
		return vectors.Values{}, false, err
	}
	conf := o.Preset.Conform(cfg)
	// Conventions that cannot change the values are kept: the scope without
	// smoothing, and the soft semantics on binary targets without it
	// (SPEC.md §2: the four are one function there).
	if cfg.LabelSmoothing == 0 {
		conf.SmoothingScope = cfg.SmoothingScope
		if binary(c.Request.Targets) {
			conf.Soft = cfg.Soft
		}
	}
	if sameConventions(cfg, conf) {
		return c.Want, false, nil
	}
	// One changed axis whose alternative is stored: no oracle needed.
	if conf.SmoothingScope == cfg.SmoothingScope && conf.Normalizer == cfg.Normalizer && sameCB(cfg.CB, conf.CB) {
		if v, ok := c.Alternatives[vectors.AxisSoft][conf.Soft.String()]; ok {
			return v, true, nil
		}
	}
	if conf.Soft == cfg.Soft && conf.SmoothingScope == cfg.SmoothingScope && sameCB(cfg.CB, conf.CB) {
		if v, ok := c.Alternatives[vectors.AxisNormalizer][conf.Normalizer.String()]; ok {
			return v, true, nil
		}
	}
	if o.Oracle == nil {
		return vectors.Values{}, false, errNoOracle
	}
	v, err := c.Request.Evaluate(o.Oracle, conf)
	return v, true, err
}

func binary(y []float64) bool {
	for _, v := range y {
		if v != 0 && v != 1 {
			return false
		}
	}
	return true
}

func sameConventions(a, b *spec.Config) bool {
	return a.Soft == b.Soft && a.SmoothingScope == b.SmoothingScope && a.Normalizer == b.Normalizer && sameCB(a.CB, b.CB)
}

func sameCB(a, b *spec.CB) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Normalize == b.Normalize && a.Apply == b.Apply
}

type result struct {
	pass             bool
	nonFinite        int
	ulpLoss, ulpGrad float64
	worstAt          int    // element index of the worst value, -1 for the reduced loss
	worstWhat        string // "loss", "losses" or "grad"
}

// compare checks every value the candidate gives against want.
func compare(c *vectors.Case, want vectors.Values, cand Candidate, o Options) result {
	res := result{pass: true, worstAt: -1}
	worst, worstRank := -1.0, 0
	check := func(what string, i int, got, exp float64) {
		d := dist(c.Request.Dtype, got, exp)
		bad := false
		if isFinite(exp) && !isFinite(got) {
			res.nonFinite++
			bad = true
		} else if o.Rtol != 0 || o.Atol != 0 {
			bad = !ulp.WithinAbsRel(got, exp, o.Atol, o.Rtol)
		} else {
			bad = d > o.ULPs
		}
		if bad {
			res.pass = false
		}
		if what == "grad" {
			res.ulpGrad = math.Max(res.ulpGrad, d)
		} else {
			res.ulpLoss = math.Max(res.ulpLoss, d)
		}
		rank := 0
		switch {
		case !isFinite(got) && isFinite(exp):
			rank = 2
		case bad:
			rank = 1
		}
		if rank > worstRank || rank == worstRank && d > worst {
			worstRank, worst, res.worstAt, res.worstWhat = rank, d, i, what
		}
	}
	if cand.Loss != nil && want.HasLoss {
		check("loss", -1, *cand.Loss, want.Loss)
	}
	for i, g := range cand.Losses {
		check("losses", i, g, want.Losses[i])
	}
	for i, g := range cand.Grad {
		check("grad", i, g, want.Grad[i])
	}
	return res
}

// dist is the ulp distance in the case's dtype; a non-finite got counts as
// +Inf.
func dist(dtype string, got, want float64) float64 {
	if !isFinite(got) && isFinite(want) {
		return math.Inf(1)
	}
	if dtype == vectors.Float32 {
		return ulp.Dist32(float32(got), float32(want))
	}
	return ulp.Dist(got, want)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// distance returns the largest ulp distance and the largest normwise
// relative difference between the candidate's finite values and alt.
func distance(dtype string, alt vectors.Values, cand Candidate) (maxULP, maxRel float64) {
	group := func(got, want []float64) {
		scale, diff := 0.0, 0.0
		for i, g := range got {
			if !isFinite(g) {
				continue
			}
			maxULP = math.Max(maxULP, dist(dtype, g, want[i]))
			scale = math.Max(scale, math.Abs(want[i]))
			diff = math.Max(diff, math.Abs(g-want[i]))
		}
		if diff > 0 {
			maxRel = math.Max(maxRel, diff/scale)
		}
	}
	if cand.Loss != nil && alt.HasLoss {
		group([]float64{*cand.Loss}, []float64{alt.Loss})
	}
	group(cand.Losses, alt.Losses)
	group(cand.Grad, alt.Grad)
	return maxULP, maxRel
}

// describe names the worst value of a case with its inputs.
func describe(c *vectors.Case, want vectors.Values, at int, what string, cand Candidate) string {
	r := &c.Request
	var b strings.Builder
	fmt.Fprintf(&b, "%s C=%d N·C=%d γ=%g soft=%s", r.Dtype, r.Classes, len(r.Logits), r.Gamma, r.Soft)
	if r.Alpha != nil {
		fmt.Fprintf(&b, " α=%v", fmtList(r.Alpha))
	}
	if r.LabelSmoothing != 0 {
		fmt.Fprintf(&b, " ε=%g/%s", r.LabelSmoothing, r.SmoothingScope)
	}
	if r.Weight != nil {
		fmt.Fprintf(&b, " weight=%s", fmtList(r.Weight))
	}
	if r.PosWeight != nil {
		fmt.Fprintf(&b, " pos_weight=%s", fmtList(r.PosWeight))
	}
	if r.CB != nil {
		fmt.Fprintf(&b, " cb=β%g/%s/%s", r.CB.Beta, r.CB.Normalize, r.CB.Apply)
	}
	fmt.Fprintf(&b, " %s", r.Reduction)
	if r.Reduction == "mean" {
		fmt.Fprintf(&b, "/%s", r.Normalizer)
	}
	switch {
	case what == "loss":
		fmt.Fprintf(&b, "; loss got %g want %g", *cand.Loss, want.Loss)
	case what != "" && at >= 0:
		got, exp := cand.Losses, want.Losses
		if what == "grad" {
			got, exp = cand.Grad, want.Grad
		}
		fmt.Fprintf(&b, "; %s[%d] at x=%g y=%g got %g want %g", what, at, r.Logits[at], r.Targets[at], got[at], exp[at])
	}
	return b.String()
}

func fmtList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	if len(s) > 6 {
		s = append(s[:5], "…")
	}
	return "[" + strings.Join(s, " ") + "]"
}

// Write prints the report: a table per category, then the convention
// detection, then the summary line.
func (r *Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "category\tcases\tpassed\tNaN/Inf\tmax ulp loss\tmax ulp grad\tworst case\tits inputs")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", row.Category, row.Cases, row.Passed, row.NonFinite,
			fmtULP(row.MaxULPLoss), fmtULP(row.MaxULPGrad), row.Worst, row.WorstInputs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Axes) > 0 {
		fmt.Fprintln(w, "\nconventions (where they disagree):")
		for _, a := range r.Axes {
			fmt.Fprintf(w, "  %s: %s\n", a.Name, a.Summary())
		}
	}
	preset := ""
	if r.Preset != "" {
		preset = fmt.Sprintf(", preset %s (%d cases held to its conventions)", r.Preset, r.Recomputed)
	}
	if r.NoOracle > 0 {
		fmt.Fprintf(w, "\n%d cases skipped: the preset changes their conventions and the exact oracle is not in the build\n", r.NoOracle)
	}
	_, err := fmt.Fprintf(w, "\n%d cases compared (%s%s), %d failed; %d of another dtype skipped; %d vector cases not in the candidate\n",
		r.Compared, r.Tolerance, preset, r.Failures, r.SkippedType, r.Absent)
	return err
}

// Summary says which convention the candidate matches on the cases of the
// axis, with the distances, and how far it is from the others.
func (a *Axis) Summary() string {
	if len(a.Matches) == 0 {
		return "no cases"
	}
	best := a.Matches[0]
	var s string
	switch {
	case best.Matched == 0:
		s = fmt.Sprintf("%d cases; matches none (closest %s, differs by up to %.1e)", best.Cases, best.Value, best.MaxRel)
	case best.Matched == best.Cases && best.MaxULP <= math.Ceil(best.MaxNormULP):
		s = fmt.Sprintf("%d cases; matches %s within %s ulp", best.Cases, best.Value, fmtULP(best.MaxULP))
	case best.Matched == best.Cases:
		s = fmt.Sprintf("%d cases; matches %s within %s ulp of the largest value (elementwise up to %s ulp)",
			best.Cases, best.Value, fmtULP(math.Ceil(best.MaxNormULP)), fmtULP(best.MaxULP))
	default:
		s = fmt.Sprintf("%d cases; matches %s on %d (within %s ulp of the largest value), %d match it not (up to %.1e)",
			best.Cases, best.Value, best.Matched, fmtULP(math.Ceil(best.MaxNormULP)), best.Cases-best.Matched, best.MaxRel)
	}
	var differ []string
	for _, m := range a.Matches[1:] {
		d := fmt.Sprintf("%s by up to %.1e", m.Value, m.MaxRel)
		if m.Matched > 0 {
			d += fmt.Sprintf(" (equal on %d)", m.Matched)
		}
		differ = append(differ, d)
	}
	if len(differ) > 0 {
		s += "; differs from " + strings.Join(differ, ", ")
	}
	return s
}

func fmtULP(u float64) string {
	switch {
	case math.IsInf(u, 1):
		return "inf"
	case u >= 1e6:
		return fmt.Sprintf("%.1e", u)
	}
	return fmt.Sprintf("%.0f", u)
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}
