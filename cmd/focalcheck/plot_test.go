package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/plot"
)

// TestPlotHelpListsFigures checks that `focalcheck plot --help` names every
// figure, on stdout, with a zero exit.
func TestPlotHelpListsFigures(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"plot", "--help"}, nil, &out, &errb); err != nil {
		t.Fatalf("plot --help: %v", err)
	}
	for _, n := range append(plot.Names(), "all") {
		if !strings.Contains(out.String(), "\n  "+n+" ") {
			t.Errorf("plot --help does not list %q:\n%s", n, out.String())
		}
	}
}

// TestPlotOne draws one figure with `focalcheck plot NAME --out DIR` and
// checks its three files.
func TestPlotOne(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if err := run([]string{"plot", "cbweights", "--out", dir, "--q"}, nil, &out, &errb); err != nil {
		t.Fatalf("plot cbweights: %v\n%s", err, errb.String())
	}
	for _, ext := range []string{".png", ".svg", ".csv"} {
		if st, err := os.Stat(filepath.Join(dir, "cbweights"+ext)); err != nil || st.Size() == 0 {
			t.Errorf("cbweights%s: %v", ext, err)
		}
	}
}

// TestPlotBadName checks that an unknown figure is a usage error (exit
// status 2) naming the figures.
func TestPlotBadName(t *testing.T) {
	var out, errb bytes.Buffer
	err := run([]string{"plot", "nosuch", "--out", t.TempDir()}, nil, &out, &errb)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "loss") {
		t.Errorf("plot nosuch: %v; want a usage error listing the figures", err)
	}
}
