package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeGo writes a shell script that stands in for the go command: `test
// -list` prints the targets FuzzA and FuzzB, a fuzz run of FuzzB fails
// with a failing input, any other fuzz run passes; every call's arguments
// are appended to the returned log file.
func fakeGo(t *testing.T) (goCmd, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls")
	script := `#!/bin/sh
echo "$*" >> ` + log + `
case "$*" in
*-list*) printf 'FuzzA\nFuzzB\nok  \tfz\t0.01s\n' ;;
*-fuzz=^FuzzB\$*) printf 'fuzz: elapsed: 0s, gathering baseline coverage: 1/1 completed, now fuzzing with 2 workers\n--- FAIL: FuzzB (0.35s)\n    Failing input written to testdata/fuzz/FuzzB/771e938e4458e983\nFAIL\n'; exit 1 ;;
*) printf 'fuzz: elapsed: 0s, gathering baseline coverage: 1/1 completed, now fuzzing with 2 workers\nfuzz: elapsed: 2s, execs: 1000 (500/sec), new interesting: 3 (total: 4)\nPASS\n' ;;
esac
`
	goCmd = filepath.Join(dir, "go")
	if err := os.WriteFile(goCmd, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return goCmd, log
}

func TestFuzzCommand(t *testing.T) {
	goCmd, log := fakeGo(t)
	for _, tc := range []struct {
		args      []string
		wantErr   error // nil, errSilent, or a *usageError (any message)
		stdout    []string
		callsWith string
	}{
		{[]string{"--targets", "FuzzA=1000", "--known"}, nil,
			[]string{"FuzzA   1000      500           3         0"}, "-fuzz=^FuzzA$ -fuzztime=1000x -timeout=1h0m0s ./fuzz/ -fuzz.known"},
		{[]string{"--execs", "7", "--timeout", "2m"}, errSilent,
			[]string{"FuzzA", "FuzzB", "failing input kept as a regression seed: fuzz/testdata/fuzz/FuzzB/771e938e4458e983"}, "-fuzz=^FuzzB$ -fuzztime=7x -timeout=2m0s ./fuzz/"},
		{[]string{"--budget", "FuzzB=5", "--execs", "9"}, errSilent,
			[]string{"FuzzA"}, "-fuzz=^FuzzA$ -fuzztime=9x -timeout=1h0m0s ./fuzz/\ntest -run=^$ -fuzz=^FuzzB$ -fuzztime=5x"},
		{[]string{"--targets", "FuzzC"}, &usageError{}, nil, ""},
		{[]string{"--budget", "FuzzA"}, &usageError{}, nil, ""},
		{[]string{"--targets", "FuzzA=0"}, &usageError{}, nil, ""},
		{[]string{"--execs", "0"}, &usageError{}, nil, ""},
	} {
		os.Remove(log)
		var out, errOut strings.Builder
		err := run(append([]string{"fuzz", "--go", goCmd}, tc.args...), nil, &out, &errOut)
		var ue *usageError
		switch {
		case tc.wantErr == nil && err != nil, tc.wantErr == errSilent && err != errSilent,
			tc.wantErr != nil && tc.wantErr != errSilent && !errors.As(err, &ue):
			t.Errorf("%v: err = %v, want %T %v", tc.args, err, tc.wantErr, tc.wantErr)
			continue
		}
		for _, s := range tc.stdout {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%v: stdout lacks %q:\n%s", tc.args, s, out.String())
			}
		}
		calls, _ := os.ReadFile(log)
		if !strings.Contains(string(calls), tc.callsWith) {
			t.Errorf("%v: go was called with\n%s\nwant a call with %q", tc.args, calls, tc.callsWith)
		}
	}
}
