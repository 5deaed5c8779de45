// Package report holds every implementation to its accuracy promise
// (spec.Contract) against the exact oracle on a built-in set of hard cases
// (Cases), and formats the result as the table `focalcheck report` prints.
package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/spec"
)

// Row is one line of the report: one implementation, dtype and category.
type Row struct {
	Impl, Dtype, Category string
	Cases                 int
	Errors                Errors // the largest errors over the row's cases
	Contract              spec.Contract
	OK                    bool
	// Worst describes the case with the largest error relative to its
	// bound, for --v.
	Worst string
	// Failure is set when a case could not be evaluated at all.
	Failure string
}

// Options restrict and describe a run.
type Options struct {
	Dtypes []string // "float64", "float32"; both when empty
	// Progress, if not nil, receives a line as each category of oracle
	// cases and each implementation starts.
	Progress io.Writer
}

// Run evaluates each entry (those with a Contract) against oracle on the
// cases that cases returns for each dtype, and returns one Row per entry,
// dtype and category, in that order.
func Run(oracle spec.Evaluator, entries []impls.Entry, cases func(dtype string) []Case, opt Options) ([]Row, error) {
	dtypes := opt.Dtypes
	if len(dtypes) == 0 {
		dtypes = []string{"float64", "float32"}
	}
	var rows []Row
	for _, dt := range dtypes {
		cs := cases(dt)
		f32 := dt == "float32"
		wants := make([]spec.Result, len(cs))
		cbws := make([][]float64, len(cs))
		for i, c := range cs {
			if opt.Progress != nil && (i == 0 || c.Category != cs[i-1].Category) {
				fmt.Fprintf(opt.Progress, "report: %s exact oracle, case %d/%d (%s)\n", dt, i+1, len(cs), c.Category)
			}
			b := c.Batch
			if f32 {
				b = round32(b)
			}
			w, err := evaluate(oracle, c.Cfg, b, f32)
			if err != nil {
				return nil, fmt.Errorf("exact oracle on case %s (%s): %v", c.ID, dt, err)
			}
			wants[i] = w
			if c.Cfg.CB != nil {
				if cbws[i], err = oracle.CBWeights(c.Cfg.CB); err != nil {
					return nil, fmt.Errorf("exact oracle CB weights of case %s: %v", c.ID, err)
				}
				if f32 {
					for k, v := range cbws[i] {
						cbws[i][k] = float64(float32(v))
					}
				}
			}
		}
		for _, e := range entries {
			if e.Contract == nil {
				continue
			}
			if opt.Progress != nil {
				fmt.Fprintf(opt.Progress, "report: %s %s\n", dt, e.Name)
			}
			byCat := map[string]*Row{}
			var order []string
			for i, c := range cs {
				r := byCat[c.Category]
				if r == nil {
					r = &Row{Impl: e.Name, Dtype: dt, Category: c.Category, Contract: *e.Contract, OK: true}
					r.Errors.Worst = -2
					byCat[c.Category] = r
					order = append(order, c.Category)
				}
				r.Cases++
				b := c.Batch
				if f32 {
					b = round32(b)
				}
				got, err := evaluate(e.Eval, c.Cfg, b, f32)
				if err != nil {
					r.OK = false
					if r.Failure == "" {
						r.Failure = fmt.Sprintf("%s: %v", c.ID, err)
						r.Worst = r.Failure
					}
					continue
				}
				ce := Compare(*e.Contract, f32, c.Cfg, cbws[i], b, got, wants[i])
				merge(r, ce, c, b, got, wants[i])
			}
			for _, cat := range order {
				rows = append(rows, *byCat[cat])
			}
		}
	}
	return rows, nil
}

func merge(r *Row, ce Errors, c Case, b spec.Batch, got, want spec.Result) {
	e := &r.Errors
	e.LossUlp = math.Max(e.LossUlp, ce.LossUlp)
	e.GradUlp = math.Max(e.GradUlp, ce.GradUlp)
	e.ReducedUlp = math.Max(e.ReducedUlp, ce.ReducedUlp)
	e.SoftRatio = math.Max(e.SoftRatio, ce.SoftRatio)
	e.NaN += ce.NaN
	e.Compared += ce.Compared
	if !ce.OK() {
		r.OK = false
	}
	if ce.Worst != -2 && (ce.WorstRatio > e.WorstRatio || e.Worst == -2) {
		e.WorstRatio, e.Worst = ce.WorstRatio, ce.Worst
		r.Worst = describe(c, b, ce.Worst, got, want)
	}
}

func describe(c Case, b spec.Batch, i int, got, want spec.Result) string {
	if i < 0 {
		return fmt.Sprintf("%s reduced loss (%v/%v): got %v, exact %v", c.ID, c.Cfg.Reduction, c.Cfg.Normalizer, got.Loss, want.Loss)
	}
	return fmt.Sprintf("%s [%d] x=%v y=%v: loss got %v exact %v; grad got %v exact %v",
		c.ID, i, b.Logits[i], b.Targets[i], at(got.Losses, i), want.Losses[i], at(got.Grad, i), want.Grad[i])
}

func at(v []float64, i int) float64 {
	if i < len(v) {
		return v[i]
	}
	return math.NaN()
}

// evaluate runs e in float64, or in float32 with the results widened.
func evaluate(e spec.Evaluator, cfg *spec.Config, b spec.Batch, f32 bool) (spec.Result, error) {
	var r spec.Result
	if !f32 {
		err := e.Evaluate(cfg, b, &r)
		return r, err
	}
	b32 := spec.Batch32{Classes: b.Classes, Logits: to32(b.Logits), Targets: to32(b.Targets)}
	var r32 spec.Result32
	if err := e.Evaluate32(cfg, b32, &r32); err != nil {
		return r, err
	}
	return spec.Result{Loss: float64(r32.Loss), Losses: to64(r32.Losses), Grad: to64(r32.Grad)}, nil
}

func round32(b spec.Batch) spec.Batch {
	return spec.Batch{Classes: b.Classes, Logits: to64(to32(b.Logits)), Targets: to64(to32(b.Targets))}
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Broken returns the rows that are not OK.
func Broken(rows []Row) []Row {
	var out []Row
	for _, r := range rows {
		if !r.OK {
			out = append(out, r)
		}
	}
	return out
}

// Write prints rows as an aligned table; with verbose, it then lists the
// worst case of each row.
func Write(w io.Writer, rows []Row, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "impl\tdtype\tcategory\tcases\tloss ulp\tgrad ulp\treduced ulp\tsoft err/bound\tcontract\tverdict")
	for _, r := range rows {
		verdict := "ok"
		if !r.OK {
			verdict = "BROKEN"
			if r.Errors.NaN > 0 {
				verdict += fmt.Sprintf(" (%d NaN)", r.Errors.NaN)
			}
			if r.Failure != "" {
				verdict += " (error)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Impl, r.Dtype, r.Category, r.Cases,
			num(r.Errors.LossUlp), num(r.Errors.GradUlp), num(r.Errors.ReducedUlp), num(r.Errors.SoftRatio),
			contractString(r.Contract, r.Dtype == "float32"), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nulp columns: binary targets without smoothing, |x| within the contract's domain; soft err/bound: the largest")
	fmt.Fprintln(w, "|got-exact|/(SoftRel·(|exact|+S)) of soft targets, and of every element where the ulp bounds are +Inf")
	fmt.Fprintln(w, "(ok while ≤ 1); contract: loss/grad/reduced ulp, domain, SoftRel.")
	if !verbose {
		return nil
	}
	fmt.Fprintln(w, "\nworst case of each row (largest error relative to its bound):")
	for _, r := range rows {
		if r.Worst != "" {
			fmt.Fprintf(w, "%s %s %s: %s\n", r.Impl, r.Dtype, r.Category, r.Worst)
		}
	}
	return nil
}

func num(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%.3g", v)
}

// contractString is the contract of one dtype, e.g.
// "loss 2 grad 4 red 8 ulp |x|≤Inf soft 1e-13".
func contractString(c spec.Contract, f32 bool) string {
	if f32 {
		return fmt.Sprintf("%g/%g/%g ulp |x|≤%g soft %g", c.Loss32, c.Grad32, c.Reduced32, c.Domain32, c.SoftRel32)
	}
	return fmt.Sprintf("%g/%g/%g ulp |x|≤%g soft %g", c.Loss, c.Grad, c.Reduced, c.Domain, c.SoftRel)
}

// Categories returns the categories of cs, sorted.
func Categories(cs []Case) []string {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Category] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
