package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/internal/presets"
	"github.com/focalcheck/focalcheck/internal/vectors"
	"github.com/focalcheck/focalcheck/internal/verify"
)

func init() {
	register(command{
		name:    "verify",
		summary: "compare another implementation's outputs (a candidate file) with the golden vectors",
		run:     runVerify,
	})
}

// runVerify implements
//
//	focalcheck verify --candidate FILE [--vectors DIR] [--dtype float32|float64]
//	                  [--ulps N | --rtol R --atol A] [--preset NAME]
//
// The candidate file holds JSON lines {"id", "loss", "losses", "grad"}. It
// prints a table per category and the conventions the candidate matches
// (package verify), and fails (exit status 1) when a case fails or the
// candidate file is bad; errors name the line.
func runVerify(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("verify", "--candidate FILE [--vectors DIR] [--dtype float32|float64] [--ulps N | --rtol R --atol A] [--preset NAME]", stderr)
	cand := fs.String("candidate", "", `candidate file: JSON lines {"id", "loss", "losses", "grad"} (required)`)
	dir := fs.String("vectors", "spec/vectors", "vector directory")
	dtype := fs.String("dtype", "", "compare only the cases of this dtype, float64 or float32 (default both)")
	ulps := fs.Float64("ulps", 4, "largest ulp distance (in the case's dtype) that passes")
	rtol := fs.Float64("rtol", 0, "relative tolerance; with --atol it replaces --ulps: |got-want| ≤ atol + rtol·|want|")
	atol := fs.Float64("atol", 0, "absolute tolerance (see --rtol)")
	preset := fs.String("preset", "", "hold the candidate to a framework's conventions: "+strings.Join(presets.Names(), ", "))
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *cand == "":
		return &usageError{"verify: --candidate FILE is required"}
	case set["ulps"] && (set["rtol"] || set["atol"]):
		return &usageError{"verify: give --ulps or --rtol/--atol, not both"}
	case *dtype != "" && *dtype != vectors.Float64 && *dtype != vectors.Float32:
		return &usageError{fmt.Sprintf("verify: --dtype %q: want float64 or float32", *dtype)}
	case *ulps < 0 || *rtol < 0 || *atol < 0:
		return &usageError{"verify: tolerances must be ≥ 0"}
	}
	o := verify.Options{Dtype: *dtype, ULPs: *ulps, Rtol: *rtol, Atol: *atol}
	if e, ok := impls.Lookup("exact"); ok {
		o.Oracle = e.Eval // recomputes the cases a preset changes in more than one axis
	}
	if *preset != "" {
		p, err := presets.Lookup(*preset)
		if err != nil {
			return &usageError{"verify: " + err.Error()}
		}
		o.Preset = p
	}
	cases, _, err := vectors.Read(*dir)
	if err != nil {
		return fmt.Errorf("verify: vectors: %v", err)
	}
	f, err := os.Open(*cand)
	if err != nil {
		return fmt.Errorf("verify: %v", err)
	}
	defer f.Close()
	cands, err := verify.ReadCandidates(f, *cand, vectors.Index(cases))
	if err != nil {
		return fmt.Errorf("verify: bad candidate file:\n%v", err)
	}
	rep, err := verify.Run(cases, cands, o)
	if err != nil {
		return fmt.Errorf("verify: %v", err)
	}
	if err := rep.Write(stdout); err != nil {
		return err
	}
	if rep.Failed() {
		return fmt.Errorf("verify: %d of %d cases failed", rep.Failures, rep.Compared)
	}
	return nil
}
