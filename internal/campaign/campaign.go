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
	"os"
	"os/exec"
	"path/filepath"
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
	Interrupted bool     // the campaign was stopped during this run
	FailingFile []string // failing inputs written under testdata/fuzz
	Elapsed     time.Duration
}

// Config says what to fuzz and for how long.
type Config struct {
	Go    string // the go command; "go" when empty
	Pkg   string // the package pattern, e.g. "./fuzz/"
	Execs int64  // executions per target
	// TargetExecs overrides Execs for the targets it names (a slow target
	// gets fewer executions).
	TargetExecs map[string]int64
	Targets     []string
	// Timeout is passed to go test's -timeout; 0 chooses 1h.
	Timeout time.Duration
	// TestArgs are passed to the test binary after the package (flags of
	// the package's tests, e.g. -fuzz.known).
	TestArgs []string
}

var (
	// progressRE matches the engine's status line, "fuzz: elapsed: 1m3s,
	// execs: 123 (45/sec), new interesting: 6 (total: 7)"; the last part is
	// absent when the binary has no coverage instrumentation.
	progressRE = regexp.MustCompile(`^fuzz: elapsed: (\S+), execs: (\d+) \((\d+)/sec\)(?:, new interesting: (\d+))?`)
	// startRE matches the line at which fuzzing proper starts, after the
	// seed corpus and the cached corpus have been run.
	startRE   = regexp.MustCompile(`^fuzz: elapsed: (\S+), (?:gathering baseline coverage|testing seed corpus): \d+/\d+ completed, now fuzzing`)
	failingRE = regexp.MustCompile(`Failing input written to (\S+)`)
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
// to progress, and returns one Result per target. A failing target does not
// stop the campaign; a cancelled ctx does, and Run then returns the results
// so far (the last one partial) with ctx's error. Failing inputs are
// reported relative to the current directory when cfg.Pkg is a directory.
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
		execs := cfg.Execs
		if n, ok := cfg.TargetExecs[target]; ok {
			execs = n
		}
		fmt.Fprintf(progress, "[%d/%d] %s: %d execs\n", i+1, len(cfg.Targets), target, execs)
		args := append([]string{"test", "-run=^$", "-fuzz=^" + target + "$",
			"-fuzztime=" + strconv.FormatInt(execs, 10) + "x", "-timeout=" + timeout.String(), cfg.Pkg}, cfg.TestArgs...)
		cmd := exec.CommandContext(ctx, goCmd, args...)
		pr, pw := io.Pipe()
		cmd.Stdout, cmd.Stderr = pw, pw
		// On interrupt, ask go test to stop (at a terminal, Ctrl-C reaches
		// the test binary directly); kill it and stop reading 10 s later,
		// in case a test binary that go started holds the output open.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 10 * time.Second
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return results, err
		}
		parsed := make(chan Result)
		go func() {
			r := Parse(target, pr, progress)
			io.Copy(io.Discard, pr) // whatever Parse left, so that the writer never blocks
			parsed <- r
		}()
		runErr := cmd.Wait()
		pw.Close()
		r := <-parsed
		r.Elapsed = time.Since(start)
		r.Interrupted = ctx.Err() != nil
		if runErr != nil && r.Failures == 0 && !r.Interrupted {
			r.Failures = 1 // a build error, a timeout, a crash of go test itself
		}
		for j, f := range r.FailingFile {
			if !filepath.IsAbs(f) && (strings.HasPrefix(cfg.Pkg, ".") || filepath.IsAbs(cfg.Pkg)) {
				r.FailingFile[j] = filepath.Join(cfg.Pkg, f)
			}
		}
		results = append(results, r)
		if err := ctx.Err(); err != nil {
			return results, err // interrupted: the last result is partial
		}
	}
	return results, nil
}

// Parse reads the output of one `go test -fuzz` run, echoes it to progress,
// and extracts the last progress figures and any failing input.
//
// PerSec is the mean rate of the fuzzing proper: the executions of the last
// status line over the time since the engine started fuzzing (both read
// from the engine's "elapsed" figures, whole seconds), or the engine's own
// figure, the rate since its previous status line, when less than a second
// has passed.
func Parse(target string, out io.Reader, progress io.Writer) Result {
	r := Result{Target: target}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var start, last time.Duration
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintf(progress, "  %s\n", line)
		if m := startRE.FindStringSubmatch(line); m != nil {
			start, _ = time.ParseDuration(m[1])
		}
		if m := progressRE.FindStringSubmatch(line); m != nil {
			last, _ = time.ParseDuration(m[1])
			r.Execs, _ = strconv.ParseInt(m[2], 10, 64)
			r.PerSec, _ = strconv.ParseFloat(m[3], 64)
			r.NewCorpus, _ = strconv.Atoi(m[4])
			if d := last - start; d >= time.Second {
				r.PerSec = float64(r.Execs) / d.Seconds()
			}
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
		if r.Interrupted {
			fmt.Fprintf(w, "%s: interrupted after %d execs\n", r.Target, r.Execs)
		}
	}
	return failed
}
