// Command focalcheck checks implementations of the sigmoid focal loss
// against an exact oracle.
//
// Usage:
//
//	focalcheck COMMAND [flags]
//	focalcheck help [COMMAND]
//	focalcheck COMMAND --help
//
// The commands are:
//
//	report   evaluate every implementation against the exact oracle on a
//	         built-in set of hard cases and print a table with a verdict
//	         per row; the first thing to run: go run ./cmd/focalcheck report
//	eval     answer JSON-lines evaluation requests read from stdin
//	vectors  write the golden vector files of spec/vectors from the oracle
//	verify   compare another implementation's outputs with the vectors and
//	         say which conventions they match
//	plot     draw the README figures
//	fuzz     a fuzzing campaign: every target of ./fuzz/ for --execs
//	         executions, then a table (make fuzz)
//	zoo      run the property suite and the fuzz seeds on every faulty
//	         variant of the bug zoo (internal/zoo) and print which check
//	         kills each; exit status 1 if one survives: focalcheck zoo [--v]
//
// `focalcheck COMMAND --help` gives each command's flags.
//
// # report
//
//	focalcheck report [--impl stable,naive] [--dtype float64|float32] [--v] [--q]
//
// For each implementation (all but exact, or those of --impl), each dtype
// and each category of cases (extreme logits around the thresholds of
// BACKGROUND.md §3 up to ±1e308, γ in {0, 0.5, 1, 2, 5}, the four soft
// semantics with soft targets and label smoothing, α off, scalar and per
// class, weight and pos_weight, class-balanced weights with β in {0, 0.9,
// 0.99, 0.999, 0.9999} and counts 1 to 1e9, the reductions and
// normalisers), it prints the number of cases, the largest ulp distance of
// the element losses and gradients and of the reduced loss to the exact
// oracle's, the largest soft-target error as a fraction of its bound, the
// implementation's spec.Contract and the verdict ok or BROKEN. --v adds the
// worst case of each row. Progress goes to stderr (--q silences it). The
// exit status is 1 when any row is BROKEN.
//
// # eval
//
//	focalcheck eval < requests.jsonl > answers.jsonl
//
// Each input line is one JSON request; each output line is its answer, in
// the same order and with the same id. Blank lines are skipped. Example:
//
//	echo '{"id":1,"impl":"exact","classes":2,"logits":[-3,40],"targets":[0,1],"gamma":2,"alpha":0.25,"reduction":"sum"}' | focalcheck eval
//
// Request fields (absent fields take the defaults):
//
//	id               any JSON string or number, echoed back (null if unreadable)
//	impl             "exact", "stable" (default), "naive", "vectorized"
//	dtype            "float64" (default) or "float32": logits, targets and
//	                 parameters are rounded to float32 (spec §6)
//	classes          C, default 1
//	logits, targets  arrays of N·C numbers, row-major
//	gamma            γ, default 2 (the value of Lin et al. 2017)
//	alpha            null/absent (off), a number, or an array of C
//	soft             "linear" (default), "geometric", "split", "expce"
//	label_smoothing  ε, default 0
//	smoothing_scope  "all" (default) or "ce"
//	weight           array of C
//	pos_weight       array of C
//	cb               {"beta": β, "counts": [n_1..n_C], "normalize": "none"
//	                 (default) or "sum", "apply": "class" (default) or "label"}
//	reduction        "mean" (default), "sum", "none"
//	normalizer       "elements" (default), "rows", "positives",
//	                 "positives_guarded"
//
// Answer fields: id; loss, the reduced loss (null for reduction none);
// losses, the element losses; grad, the gradient with respect to each logit;
// or, when the request failed, only error, a message naming the field and
// index, e.g. `logits[3]: NaN is not finite`, `unknown field "gama"` or
// `line 7: malformed JSON: ...`.
//
// Numbers are written as the shortest decimal that reads back to the same
// value: strconv.FormatFloat(v, 'g', -1, 64), or with bit size 32 for a
// float32 answer. NaN and ±Inf are written as the strings "NaN", "+Inf",
// "-Inf", and these strings are accepted on input in every numeric field
// (inside arrays too), so that invalid input can be sent and is rejected
// with a clear message.
//
// A line longer than 64 MiB is answered with an error (id null) and its
// remainder skipped; memory stays bounded by that length whatever the
// stream's length. A bad line does not stop the stream.
//
// # Exit status
//
//	0  success
//	1  an error: a failed eval line (after the whole stream is answered), a
//	   report row BROKEN, or an I/O error
//	2  a usage error: unknown command or bad flag
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. Each registers itself from the init function
// of its own file.
type command struct {
	name    string
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("focalcheck: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError is an error of the command line, exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintln(os.Stderr, "focalcheck:", err)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}

// errSilent is returned once the failure has been reported on stdout or
// stderr already; it still makes the exit status 1.
var errSilent = errors.New("failed")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return &usageError{"no command given"}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"}, stdin, stdout, stderr)
			}
			return &usageError{fmt.Sprintf("unknown command %q", args[1])}
		}
		usage(stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		usage(stderr)
		return &usageError{fmt.Sprintf("unknown command %q", name)}
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: focalcheck COMMAND [flags]   (focalcheck COMMAND --help for its flags)")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
}

// newFlags returns the flag set of a subcommand, writing its usage to
// stderr (to stdout for an explicit --help, see parseFlags).
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: focalcheck %s %s\n\n%s\n", name, synopsis, commands[name].summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; errHelp (nil to the caller, with done) when
// --help was asked, a usageError for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (done bool, err error) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fs.SetOutput(stdout)
			fs.Usage()
			return true, nil
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(args); err != nil {
		return true, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return true, &usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return false, nil
}
