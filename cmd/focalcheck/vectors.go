package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/internal/vectors"
)

func init() {
	register(command{
		name:    "vectors",
		summary: "write the golden vector files (spec/vectors) from the exact oracle",
		run:     runVectors,
	})
}

// runVectors implements
//
//	focalcheck vectors [--dir spec/vectors] [--workers N] [--quiet] [--oracle exact]
//
// It evaluates every planned case (vectors.Plan) with the exact oracle
// (--oracle names another registered evaluator, to try the pipeline only;
// the manifest records which one wrote the files),
// with a progress bar on stderr, writes CATEGORY.jsonl and MANIFEST.json
// atomically, and prints the files with their case and element counts and
// the time taken.
func runVectors(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("vectors", "[--dir DIR] [--workers N] [--quiet] [--oracle exact]", stderr)
	dir := fs.String("dir", "spec/vectors", "directory the vector files and MANIFEST.json are written to")
	workers := fs.Int("workers", 0, "oracle goroutines (0: GOMAXPROCS)")
	quiet := fs.Bool("quiet", false, "no progress bar on stderr")
	oracleName := fs.String("oracle", "exact", "registered evaluator that computes the expected values")
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	var progress io.Writer
	if !*quiet {
		progress = stderr
	}
	start := time.Now()
	oracle, ok := impls.Lookup(*oracleName)
	if !ok {
		return fmt.Errorf("vectors: evaluator %q is not in the build (have %v)", *oracleName, impls.Names())
	}
	cases, err := vectors.Generate(oracle.Eval, vectors.Plan(), *workers, progress)
	if err != nil {
		return fmt.Errorf("vectors: %v", err)
	}
	m, err := vectors.Write(*dir, oracle.Name, cases)
	if err != nil {
		return fmt.Errorf("vectors: %v", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tcases\telements\tbytes\t")
	var c, e, b int
	for _, f := range m.Files {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", f.Name, f.Cases, f.Elements, f.Bytes)
		c, e, b = c+f.Cases, e+f.Elements, b+f.Bytes
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t\n", c, e, b)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s in %s\n", *dir, time.Since(start).Round(time.Millisecond))
	return err
}
