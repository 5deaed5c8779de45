package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/focalcheck/focalcheck/internal/campaign"
)

func init() {
	register(command{
		name:    "fuzz",
		summary: "run a fuzzing campaign: every fuzz target in turn for a budget of executions, then a table",
		run:     runFuzz,
	})
}

// runFuzz implements
//
//	focalcheck fuzz [--execs N] [--budget A=N,...] [--pkg ./fuzz/] [--targets A,B=N] [--timeout D] [--known] [--go go]
//
// It lists the fuzz targets of --pkg (`go test -list '^Fuzz'`), keeps those
// of --targets (all by default), gives each --execs executions except
// those that --budget or a NAME=N of --targets give their own,
// and runs each in turn with `go test -run='^$' -fuzz='^NAME$'
// -fuzztime=Nx` (count-based: the duration form can fail spuriously on Go
// 1.26, golang/go#75804), echoing the engine's progress to stderr. The
// engine keeps its generated corpus in $(go env GOCACHE)/fuzz and writes
// every failing input to the package's testdata/fuzz/NAME/, where it stays
// as a regression seed that plain `go test` replays. The table of target,
// execs, execs/s, new corpus entries, failures and time goes to stdout,
// with the failing inputs; the exit status is 1 when any target failed.
// An interrupt stops the campaign and prints the table so far.
func runFuzz(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("fuzz", "[--execs N] [--budget A=N,...] [--pkg ./fuzz/] [--targets A,B=N] [--timeout D] [--known] [--go go]", stderr)
	execs := fs.Int64("execs", 500000, "executions per target (-fuzztime=Nx)")
	budget := fs.String("budget", "", "comma-separated NAME=EXECS: a target's own budget (a slow target gets fewer)")
	pkg := fs.String("pkg", "./fuzz/", "package whose fuzz targets run")
	targetList := fs.String("targets", "", "comma-separated targets, each NAME or NAME=EXECS (default: every target of --pkg)")
	timeout := fs.Duration("timeout", time.Hour, "go test -timeout of each target (above its expected run time)")
	known := fs.Bool("known", false, "pass -fuzz.known: the targets of ./fuzz/ leave out the known bugs they list")
	goCmd := fs.String("go", "go", "the go command")
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	if *execs < 1 {
		return &usageError{fmt.Sprintf("fuzz: --execs must be at least 1, got %d", *execs)}
	}
	if *timeout <= 0 {
		return &usageError{fmt.Sprintf("fuzz: --timeout must be positive, got %v", *timeout)}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	all, err := campaign.List(ctx, *goCmd, *pkg)
	if err != nil {
		return fmt.Errorf("fuzz: %v", err)
	}
	if len(all) == 0 {
		return fmt.Errorf("fuzz: %s has no fuzz targets", *pkg)
	}
	cfg := campaign.Config{Go: *goCmd, Pkg: *pkg, Execs: *execs, Timeout: *timeout, Targets: all, TargetExecs: map[string]int64{}}
	// parse reads a list of NAME or NAME=EXECS, recording the budgets.
	parse := func(flag, list string, needN bool) ([]string, error) {
		var names []string
		for _, t := range strings.Split(list, ",") {
			name, n, hasN := strings.Cut(strings.TrimSpace(t), "=")
			if !slices.Contains(all, name) {
				return nil, &usageError{fmt.Sprintf("fuzz: --%s: %s has no target %q (have %s)", flag, *pkg, name, strings.Join(all, ", "))}
			}
			if hasN || needN {
				v, err := strconv.ParseInt(n, 10, 64)
				if err != nil || v < 1 {
					return nil, &usageError{fmt.Sprintf("fuzz: --%s %s: want NAME=EXECS with EXECS ≥ 1", flag, t)}
				}
				cfg.TargetExecs[name] = v
			}
			names = append(names, name)
		}
		return names, nil
	}
	if *budget != "" {
		if _, err := parse("budget", *budget, true); err != nil {
			return err
		}
	}
	if *targetList != "" {
		if cfg.Targets, err = parse("targets", *targetList, false); err != nil {
			return err
		}
	}
	if *known {
		cfg.TestArgs = []string{"-fuzz.known"}
	}
	results, runErr := campaign.Run(ctx, cfg, stderr)
	failed := campaign.Table(stdout, results)
	if runErr != nil {
		return fmt.Errorf("fuzz: %v", runErr)
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "focalcheck fuzz: %d target(s) failed\n", failed)
		return errSilent
	}
	return nil
}
