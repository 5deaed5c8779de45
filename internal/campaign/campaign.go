// Package campaign runs the native Go fuzz targets of a package one after
// another for a budget of executions each, shows their progress, and sums
// them up in a table: target, execs, execs/s, new corpus entries, failures.
//
// It drives `go test -fuzz` as a subprocess, with the count-based
// -fuzztime=Nx (the duration form can end with a spurious "context deadline
// exceeded" failure on Go 1.26, golang/go#75804) and a -timeout above the
// expected run time. The fuzzing engine itself keeps the generated corpus in
// $(go env GOCACHE)/fuzz and writes every failing input to the package's
// testdata/fuzz/FuzzX/ directory, where it is committed as a regression seed
// that plain `go test` replays.
package campaign

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Result is the outcome of one target's run.
type Result struct {
	Target      string
	Execs       int64
	PerSec      float64
	NewCorpus   int      // "new interesting" inputs added to the cached corpus
	Failures    int      // 1 when the run failed
	FailingFile []string // failing inputs written under testdata/fuzz
	Elapsed     time.Duration
}

// Config says what to fuzz and for how long.
type Config struct {
	Go      string // the go command; "go" when empty
	Pkg     string // the package pattern, e.g. "./fuzz/"
	Execs   int64  // executions per target
	Targets []string
	// Timeout is passed to go test's -timeout; 0 chooses 1h.
	Timeout time.Duration
}

var (
	progressRE = regexp.MustCompile(`execs: (\d+) \((\d+)/sec\), new interesting: (\d+)`)
	failingRE  = regexp.MustCompile(`Failing input written to (\S+)`)
)

// List returns the fuzz targets of pkg, as `go test -list '^Fuzz'` prints them.
func List(ctx context.Context, goCmd, pkg string) ([]string, error) {
	out, err := exec.CommandContext(ctx, goCmd, "test", "-list", "^Fuzz", pkg).Output()
	if err != nil {
		return nil, fmt.Errorf("listing fuzz targets of %s: %w", pkg, err)
	}
	var targets []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Fuzz") {
			targets = append(targets, strings.TrimSpace(line))
		}
	}
	return targets, nil
}

// Run fuzzes each target of cfg in turn, copying the engine's progress lines
// to progress, and returns one Result per target.
func Run(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	goCmd := cfg.Go
	if goCmd == "" {
		goCmd = "go"
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = time.Hour
	}
	var results []Result
	for i, target := range cfg.Targets {
		fmt.Fprintf(progress, "[%d/%d] %s: %d execs\n", i+1, len(cfg.Targets), target, cfg.Execs)
		cmd := exec.CommandContext(ctx, goCmd, "test", "-run=^$", "-fuzz=^"+target+"$",
			"-fuzztime="+strconv.FormatInt(cfg.Execs, 10)+"x", "-timeout="+timeout.String(), cfg.Pkg)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return results, err
		}
		cmd.Stderr = cmd.Stdout
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return results, err
		}
		r := Parse(target, out, progress)
		runErr := cmd.Wait()
		r.Elapsed = time.Since(start)
		if runErr != nil && r.Failures == 0 {
			r.Failures = 1
		}
		results = append(results, r)
	}
	return results, nil
}

// Parse reads the output of one `go test -fuzz` run, echoes it to progress,
// and extracts the last progress figures and any failing input.
func Parse(target string, out io.Reader, progress io.Writer) Result {
	r := Result{Target: target}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintf(progress, "  %s\n", line)
		if m := progressRE.FindStringSubmatch(line); m != nil {
			r.Execs, _ = strconv.ParseInt(m[1], 10, 64)
			r.PerSec, _ = strconv.ParseFloat(m[2], 64)
			r.NewCorpus, _ = strconv.Atoi(m[3])
		}
		if m := failingRE.FindStringSubmatch(line); m != nil {
			r.Failures = 1
			r.FailingFile = append(r.FailingFile, m[1])
		}
		if strings.HasPrefix(line, "--- FAIL") {
			r.Failures = 1
		}
	}
	return r
}

// Table writes the results as an aligned table and returns the number of
// targets that failed.
func Table(w io.Writer, results []Result) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\texecs\texecs/s\tnew corpus\tfailures\ttime\t")
	failed := 0
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%s\t\n", r.Target, r.Execs, r.PerSec, r.NewCorpus, r.Failures, r.Elapsed.Round(time.Second))
		failed += r.Failures
	}
	tw.Flush()
	for _, r := range results {
		for _, f := range r.FailingFile {
			fmt.Fprintf(w, "%s: failing input kept as a regression seed: %s\n", r.Target, f)
		}
	}
	return failed
}
