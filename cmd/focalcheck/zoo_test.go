package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/zoo"
)

func TestZooKills(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"zoo", "--only", "C2,c3-alpha-swapped"}, nil, &out, &errb); err != nil {
		t.Fatalf("zoo: %v\n%s%s", err, out.String(), errb.String())
	}
	for _, want := range []string{"c2-gradient-sign", "c3-alpha-swapped", "2/2 variants killed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestZooUsage(t *testing.T) {
	var out, errb bytes.Buffer
	err := run([]string{"zoo", "--only", "nothing-by-this-name"}, nil, &out, &errb)
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("want a usage error, got %v", err)
	}
}

// TestZooSurvivorFails: a correct evaluator entered as a variant survives,
// and the command fails (exit status 1).
func TestZooSurvivorFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole property suite on a correct evaluator")
	}
	defer func(f func() []zoo.Entry) { zooEntries = f }(zooEntries)
	zooEntries = func() []zoo.Entry {
		return []zoo.Entry{{ID: "X", Name: "correct", Eval: zoo.Reference, Contract: zoo.Contract}}
	}
	var out, errb bytes.Buffer
	if err := run([]string{"zoo"}, nil, &out, &errb); !errors.Is(err, errSilent) {
		t.Fatalf("want the silent failure of exit status 1, got %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "SURVIVED") {
		t.Errorf("output lacks SURVIVED:\n%s", out.String())
	}
}
