package fuzz_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/fuzz"
)

// TestKnownBugsStillShow replays each input under testdata/known/<Target>/,
// where the campaigns' failing inputs of the open bugs in knownBugs are
// kept: a known bug must match the input, and the target's checks, with
// every implementation included, must still fail on it, naming that
// bug's implementation. When a fix makes an input pass, the test fails and
// says so: move the file to testdata/fuzz/<Target>/, where it becomes a
// regression, and delete the knownBugs entry.
func TestKnownBugsStillShow(t *testing.T) {
	checks := map[string]func(fuzz.Input) error{
		"FuzzElement": func(in fuzz.Input) error { return fuzz.Element(in, stableS, vec1, vec2, naiveS) },
		"FuzzFloat32": func(in fuzz.Input) error {
			if err := fuzz.Element32(in, stableS, vec1, vec2, naiveS); err != nil {
				return err
			}
			return fuzz.Float32(in, stableS, vec1, vec2, naiveS)
		},
	}
	files, err := filepath.Glob("testdata/known/*/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < len(knownBugs) {
		t.Errorf("%d known bugs but %d reproducers under testdata/known", len(knownBugs), len(files))
	}
	for _, f := range files {
		target := filepath.Base(filepath.Dir(f))
		check, ok := checks[target]
		if !ok {
			t.Errorf("%s: no check for target %s", f, target)
			continue
		}
		data, err := readCorpusFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		in := fuzz.Decode(data)
		err = check(in)
		if err == nil {
			t.Errorf("%s passes now: move it to testdata/fuzz/%s and remove its knownBugs entry", f, target)
			continue
		}
		shown := false
		for _, b := range knownBugs {
			if b.matches(in) && strings.Contains(err.Error(), ", "+b.impl+":") {
				shown = true
				t.Logf("%s: %s still shows (%s)", f, b.impl, b.what)
			}
		}
		if !shown {
			t.Errorf("%s fails, but not as a known bug that matches it: %v", f, err)
		}
	}
}

// readCorpusFile returns the value of a Go fuzz corpus file holding one
// []byte argument: the line "go test fuzz v1", then []byte("...") with a
// Go string literal.
func readCorpusFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head, val, ok := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if !ok || head != "go test fuzz v1" {
		return nil, fmt.Errorf("not a corpus file (first line %q)", head)
	}
	lit, ok1 := strings.CutPrefix(strings.TrimSpace(val), "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if !ok1 || !ok2 || strings.Contains(val, "\n") {
		return nil, fmt.Errorf("not one []byte value: %q", val)
	}
	s, err := strconv.Unquote(lit)
	return []byte(s), err
}
