package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/internal/report"
)

func init() {
	register(command{
		name:    "report",
		summary: "hold every implementation to its contract against the exact oracle on built-in hard cases",
		run:     runReport,
	})
}

// reportCases is the case set of the report command; tests replace it.
var reportCases = report.Cases

// lookupImpl and allImpls are the registry the report reads; tests replace
// them to add a deliberately wrong evaluator.
var (
	lookupImpl = impls.Lookup
	allImpls   = impls.All
)

func runReport(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("report", "[--impl NAME[,NAME]] [--dtype float64|float32] [--v]", stderr)
	implFlag := fs.String("impl", "", "comma-separated implementations to check (default: all but exact)")
	dtypeFlag := fs.String("dtype", "", "float64 or float32 (default: both)")
	verbose := fs.Bool("v", false, "print the worst case (id and inputs) of each row")
	quiet := fs.Bool("q", false, "no progress on stderr")
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	var dtypes []string
	switch *dtypeFlag {
	case "":
	case "float64", "float32":
		dtypes = []string{*dtypeFlag}
	default:
		return &usageError{fmt.Sprintf("report: --dtype %q: want float64 or float32", *dtypeFlag)}
	}
	oracle, ok := lookupImpl("exact")
	if !ok {
		return errors.New("report: the exact oracle is not registered in internal/impls")
	}
	var entries []impls.Entry
	if *implFlag == "" {
		for _, e := range allImpls() {
			if e.Contract != nil {
				entries = append(entries, e)
			}
		}
	} else {
		for _, n := range strings.Split(*implFlag, ",") {
			e, ok := lookupImpl(strings.TrimSpace(n))
			if !ok || e.Contract == nil {
				return &usageError{fmt.Sprintf("report: --impl %q is not a registered implementation with a contract", n)}
			}
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 {
		return errors.New("report: no implementation is registered in internal/impls")
	}
	opt := report.Options{Dtypes: dtypes, Progress: stderr}
	if *quiet {
		opt.Progress = nil
	}
	rows, err := report.Run(oracle.Eval, entries, reportCases, opt)
	if err != nil {
		return err
	}
	if err := report.Write(stdout, rows, *verbose); err != nil {
		return err
	}
	if b := report.Broken(rows); len(b) > 0 {
		fmt.Fprintf(stderr, "focalcheck report: %d row(s) BROKEN\n", len(b))
		return errSilent
	}
	return nil
}
