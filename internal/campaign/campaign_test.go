package campaign

import (
	"io"
	"strings"
	"testing"
)

// The two transcripts are go1.26.8's own output of `go test -fuzz`, copied
// from a run of a throwaway package.
const passing = `fuzz: elapsed: 0s, gathering baseline coverage: 0/1 completed
fuzz: elapsed: 0s, gathering baseline coverage: 1/1 completed, now fuzzing with 2 workers
fuzz: elapsed: 2s, execs: 200000 (97229/sec), new interesting: 3 (total: 4)
PASS
ok  	fz	2.062s
`

const failing = `fuzz: elapsed: 0s, gathering baseline coverage: 1/1 completed, now fuzzing with 2 workers
fuzz: elapsed: 1s, execs: 5120 (8000/sec), new interesting: 1 (total: 2)
--- FAIL: FuzzB (0.35s)
    --- FAIL: FuzzB (0.00s)
        a_test.go:3: boom

    Failing input written to testdata/fuzz/FuzzB/771e938e4458e983
    To re-run:
    go test -run=FuzzB/771e938e4458e983
FAIL
`

func TestParse(t *testing.T) {
	r := Parse("FuzzA", strings.NewReader(passing), io.Discard)
	if r.Execs != 200000 || r.PerSec != 97229 || r.NewCorpus != 3 || r.Failures != 0 {
		t.Errorf("passing run parsed as %+v", r)
	}
	r = Parse("FuzzB", strings.NewReader(failing), io.Discard)
	if r.Failures != 1 || len(r.FailingFile) != 1 || r.FailingFile[0] != "testdata/fuzz/FuzzB/771e938e4458e983" || r.Execs != 5120 {
		t.Errorf("failing run parsed as %+v", r)
	}
	var b strings.Builder
	if n := Table(&b, []Result{r}); n != 1 || !strings.Contains(b.String(), "771e938e4458e983") {
		t.Errorf("Table returned %d:\n%s", n, b.String())
	}
}
