package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/focalcheck/focalcheck/internal/zoo"
)

func init() {
	register(command{
		name:    "zoo",
		summary: "run the property suite and the fuzz seeds on every faulty variant of the bug zoo; each must be killed",
		run:     runZoo,
	})
}

// zooEntries is the zoo the command runs; tests replace it.
var zooEntries = zoo.All

// runZoo runs the zoo (internal/zoo) and prints its table: for each entry,
// killed or survived, by which property or fuzz target, and the time to
// kill. The controls (stable and the zoo's reference) must survive. The
// exit status is 1 when a variant survives or a control is killed.
func runZoo(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("zoo", "[--only NAME[,NAME]] [--v]", stderr)
	only := fs.String("only", "", "comma-separated entries to run, by name or catalogue ID (default: all)")
	verbose := fs.Bool("v", false, "print the failure message of each kill")
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	entries := zooEntries()
	if *only != "" {
		want := strings.Split(*only, ",")
		var sel []zoo.Entry
		for _, e := range entries {
			if slices.Contains(want, e.Name) || slices.Contains(want, e.ID) {
				sel = append(sel, e)
			}
		}
		if len(sel) == 0 {
			return &usageError{fmt.Sprintf("zoo: --only %q matches no entry", *only)}
		}
		entries = sel
	}
	if !zoo.Table(stdout, zoo.Run(entries), *verbose) {
		fmt.Fprintln(stderr, "focalcheck zoo: a variant survived or a control was killed")
		return errSilent
	}
	return nil
}
