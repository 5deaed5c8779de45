package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/focalcheck/focalcheck/internal/plot"
)

// plot draws the figures of docs/figures:
//
//	focalcheck plot NAME|all [--out DIR]
//
// Each figure is written as NAME.png, NAME.svg and NAME.csv (the plotted
// data) in DIR. `make figures` regenerates the committed ones.
func init() {
	register(command{
		name:    "plot",
		summary: "draw the README figures (or one) as PNG, SVG and CSV data",
		run:     runPlot,
	})
}

func runPlot(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("plot", "NAME|all [--out DIR] [--q]", stderr)
	out := fs.String("out", ".", "directory to write NAME.png, NAME.svg and NAME.csv into")
	quiet := fs.Bool("q", false, "no progress on stderr")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(fs.Output(), "\nfigures:")
		for _, n := range plot.Names() {
			fmt.Fprintf(fs.Output(), "  %-10s %s\n", n, plot.Summary(n))
		}
		fmt.Fprintf(fs.Output(), "  %-10s %s\n", "all", "every figure above")
	}
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	if name == "" {
		fs.Usage()
		return &usageError{"plot: no figure named (give NAME or all)"}
	}
	names := []string{name}
	if name == "all" {
		names = plot.Names()
	} else if plot.Summary(name) == "" {
		return &usageError{fmt.Sprintf("plot: unknown figure %q (figures: %s, all)", name, strings.Join(plot.Names(), ", "))}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, n := range names {
		start := time.Now()
		f, err := plot.Build(n)
		if err != nil {
			return fmt.Errorf("plot %s: %w", n, err)
		}
		if err := plot.WriteFiles(f, *out); err != nil {
			return fmt.Errorf("plot %s: %w", n, err)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "plot: %s written to %s (%.1fs)\n", n, *out, time.Since(start).Seconds())
		}
	}
	return nil
}
