package zoo

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/focalcheck/focalcheck/fuzz"
	"github.com/focalcheck/focalcheck/props"
	"pgregory.net/rapid"
)

// Row is the outcome of one entry of the zoo.
type Row struct {
	Entry
	// Killed reports whether a property or a fuzz seed failed on the entry.
	Killed bool
	// By names the first check that failed, the properties first:
	// "prop:NAME", or "fuzz:CHECK" when only the fuzz seeds failed.
	By string
	// Kill is the time from the start of the entry's run to the first
	// failing draw (before rapid shrinks it); Total is the whole run.
	Kill, Total time.Duration
	// Msg is the failure as rapid reports it after shrinking (or the fuzz
	// check's error).
	Msg string
	// Seeds is the fuzz check that failed on the seed corpus (run on every
	// entry, killed by a property or not), "" when every seed passed.
	Seeds string
	// SeedsMsg is that check's error.
	SeedsMsg string
}

// OK reports whether the row is as it should be: a variant killed, a
// control alive.
func (r Row) OK() bool { return r.Killed != r.Control }

// order is the order in which the properties run: cheapest first, as
// measured on stable (go test ./impl/stable/ -run Conformance -v), so that
// a variant is killed by the cheapest property that can. Properties not
// named here run after these, in props.Properties order.
var order = []string{
	"Repeatable", "Symmetry", "NonNegative", "GradSign", "FocalBelowCE",
	"MonotoneInGamma", "NoNaN32", "Gamma0IsBCE", "GradMatchesFD",
	"WeightScaling", "SmoothingZeroIdentity", "ReductionConsistency",
	"RowPermutation", "SumAdditive", "ReductionConsistency32",
	"Float32MatchesFloat64", "CBMonotone",
	"NoNaN", "OracleAgreement", "OracleAgreement32",
}

// Properties returns props.Properties in the zoo's order.
func Properties() []props.Property {
	ps := slices.Clone(props.Properties)
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(ps, func(a, b props.Property) int { return rank(a.Name) - rank(b.Name) })
	return ps
}

var setup sync.Once

// configure sets rapid's options for the zoo: no fail files (the zoo's
// failures are expected and must not litter the tree) and a short shrink
// (the kill time is measured before shrinking; the shrunk case is only for
// the message). rapid's flags are registered on flag.CommandLine, and
// rapid calls testing.Short, which needs testing.Init and a parsed
// command line outside tests (the command's own flags are parsed apart).
func configure() {
	setup.Do(func() {
		testing.Init()
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
		for k, v := range map[string]string{"rapid.nofailfile": "true", "rapid.shrinktime": "300ms"} {
			if err := flag.Set(k, v); err != nil {
				panic("zoo: " + err.Error())
			}
		}
	})
}

// Run judges every entry with the properties (rapid's default budget of
// -rapid.checks draws each) and then the fuzz seeds, running entries in
// parallel on GOMAXPROCS workers, and returns the rows in the order of
// entries. A variant stops at its first failure; a control runs everything.
func Run(entries []Entry) []Row {
	configure()
	rows := make([]Row, len(entries))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				rows[i] = judge(entries[i])
			}
		})
	}
	for i := range entries {
		next <- i
	}
	close(next)
	wg.Wait()
	return rows
}

// judge runs one entry: the properties in order until one fails (all of
// them for a control), then the fuzz seeds (fuzz.RunSeeds).
func judge(en Entry) (row Row) {
	row.Entry = en
	start := time.Now()
	defer func() { row.Total = time.Since(start) }()
	for _, p := range Properties() {
		if row.Killed && !en.Control {
			break
		}
		var first time.Time
		prop := p.Prop(en.Eval, en.Contract)
		wrapped := func(t *rapid.T) {
			defer func() {
				r := recover()
				if (t.Failed() || (r != nil && !isSkip(r))) && first.IsZero() {
					first = time.Now()
				}
				if r != nil {
					panic(r)
				}
			}()
			prop(t)
		}
		tb := &recTB{name: "zoo/" + en.Name + "/" + p.Name}
		tb.run(func() { rapid.Check(tb, wrapped) })
		if tb.failed && !row.Killed {
			row.Killed, row.By, row.Msg = true, "prop:"+p.Name, tb.message()
			if first.IsZero() {
				first = time.Now()
			}
			row.Kill = first.Sub(start)
		}
	}
	check, err := fuzz.RunSeeds(en.Eval, en.Contract)
	if err != nil {
		row.Seeds, row.SeedsMsg = check, err.Error()
		if !row.Killed {
			row.Killed, row.By, row.Msg = true, "fuzz:"+check, err.Error()
			row.Kill = time.Since(start)
		}
	}
	return row
}

// isSkip reports whether a panic value is rapid's rejection of a draw
// (t.Skip), which is not a failure.
func isSkip(r any) bool { return fmt.Sprintf("%T", r) == "rapid.invalidData" }

// recTB is a rapid.TB that records a failure instead of failing a test:
// FailNow and Fatal stop the check by a panic that run recovers.
type recTB struct {
	name   string
	failed bool
	logs   []string
}

type stopCheck struct{}

func (t *recTB) run(f func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopCheck); !ok {
				panic(r)
			}
		}
	}()
	f()
}

func (t *recTB) Helper()      {}
func (t *recTB) Name() string { return t.name }
func (t *recTB) Logf(format string, args ...any) {
	t.logs = append(t.logs, fmt.Sprintf(format, args...))
}
func (t *recTB) Log(args ...any) { t.logs = append(t.logs, fmt.Sprint(args...)) }
func (t *recTB) Skipf(format string, args ...any) {
	t.Logf(format, args...)
	t.SkipNow()
}
func (t *recTB) Skip(args ...any) {
	t.Log(args...)
	t.SkipNow()
}
func (t *recTB) SkipNow() { panic(stopCheck{}) }
func (t *recTB) Errorf(format string, args ...any) {
	t.Logf(format, args...)
	t.failed = true
}
func (t *recTB) Error(args ...any) {
	t.Log(args...)
	t.failed = true
}
func (t *recTB) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	t.FailNow()
}
func (t *recTB) Fatal(args ...any) {
	t.Error(args...)
	t.FailNow()
}
func (t *recTB) FailNow() {
	t.failed = true
	panic(stopCheck{})
}
func (t *recTB) Fail()        { t.failed = true }
func (t *recTB) Failed() bool { return t.failed }

// message returns the failure: rapid's "failed after n tests: MSG" line,
// which carries the property's message on the shrunk case.
func (t *recTB) message() string {
	for _, l := range t.logs {
		if i := strings.Index(l, "[rapid] failed after "); i >= 0 {
			l = l[i:]
			if j := strings.Index(l, ": "); j >= 0 {
				l = l[j+2:]
			}
			if j := strings.Index(l, "\nTo reproduce"); j >= 0 {
				l = l[:j]
			}
			return l
		}
		if strings.Contains(l, "[rapid] panic after") {
			return firstLine(l)
		}
	}
	if len(t.logs) > 0 {
		return firstLine(t.logs[len(t.logs)-1])
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Table writes the rows as a table (entry, verdict, the check that killed
// it, time to kill, the fuzz seeds' verdict, total time) and a summary
// line (variants killed, median time to kill); with verbose, the failure
// messages follow. It returns whether every
// row is OK: every variant killed and every control alive.
func Table(w io.Writer, rows []Row, verbose bool) bool {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tvariant\tverdict\tkilled by\ttime to kill\tfuzz seeds\ttotal\t")
	ok := true
	var kills []time.Duration
	killed, variants := 0, 0
	for _, r := range rows {
		verdict := "killed"
		switch {
		case r.Control && !r.Killed:
			verdict = "control ok"
		case r.Control:
			verdict = "CONTROL KILLED"
		case !r.Killed:
			verdict = "SURVIVED"
		}
		ok = ok && r.OK()
		by, kill := r.By, "-"
		if by == "" {
			by = "-"
		}
		if r.Killed {
			kill = fmtDur(r.Kill)
		}
		if !r.Control {
			variants++
			if r.Killed {
				killed++
				kills = append(kills, r.Kill)
			}
		}
		seeds := "pass"
		if r.Seeds != "" {
			seeds = "fail:" + r.Seeds
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.Name, verdict, by, kill, seeds, fmtDur(r.Total))
	}
	tw.Flush()
	if verbose {
		fmt.Fprintln(w)
		for _, r := range rows {
			if r.Msg != "" {
				fmt.Fprintf(w, "%s %s, %s: %s\n", r.ID, r.Name, r.By, truncate(r.Msg, 400))
			}
			if r.Seeds != "" && r.By != "fuzz:"+r.Seeds {
				fmt.Fprintf(w, "%s %s, fuzz:%s: %s\n", r.ID, r.Name, r.Seeds, truncate(firstLine(r.SeedsMsg), 400))
			}
		}
		fmt.Fprintln(w)
	}
	med := "-"
	if len(kills) > 0 {
		slices.Sort(kills)
		m := kills[len(kills)/2]
		if len(kills)%2 == 0 {
			m = (kills[len(kills)/2-1] + kills[len(kills)/2]) / 2
		}
		med = fmtDur(m)
	}
	fmt.Fprintf(w, "%d/%d variants killed, median time to kill %s\n", killed, variants, med)
	return ok
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
