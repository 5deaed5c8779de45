package campaign

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The transcripts are go1.26.8's own output of `go test -fuzz`, copied
// from runs of a throwaway package (the last one with the status lines of
// a longer run).
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

const long = `fuzz: elapsed: 0s, gathering baseline coverage: 0/150 completed
fuzz: elapsed: 3s, gathering baseline coverage: 150/150 completed, now fuzzing with 2 workers
fuzz: elapsed: 6s, execs: 30000 (10000/sec), new interesting: 2 (total: 152)
fuzz: elapsed: 1m3s, execs: 600000 (5000/sec), new interesting: 7 (total: 157)
PASS
`

// seedFail is a run whose seed corpus fails before any fuzzing.
const seedFail = `failure while testing seed corpus entry: FuzzC/seed#3
fuzz: elapsed: 0s, gathering baseline coverage: 3/60 completed
--- FAIL: FuzzC (0.02s)
    --- FAIL: FuzzC (0.00s)
        c_test.go:9: bad
FAIL
`

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, out   string
		execs       int64
		perSec      float64
		newCorpus   int
		failures    int
		failingFile string
	}{
		// The execs of the last status line over the seconds since
		// fuzzing started.
		{"passing", passing, 200000, 200000.0 / 2, 3, 0, ""},
		{"failing", failing, 5120, 5120, 1, 1, "testdata/fuzz/FuzzB/771e938e4458e983"},
		// 600000 execs in the 60 s from 3s to 1m3s.
		{"long", long, 600000, 10000, 7, 0, ""},
		// Under a second of fuzzing: the engine's own rate.
		{"short", "fuzz: elapsed: 0s, gathering baseline coverage: 1/1 completed, now fuzzing with 2 workers\nfuzz: elapsed: 0s, execs: 10 (50/sec), new interesting: 0 (total: 1)\n", 10, 50, 0, 0, ""},
		{"seedFail", seedFail, 0, 0, 0, 1, ""},
		{"noCoverage", "fuzz: elapsed: 0s, testing seed corpus: 1/1 completed, now fuzzing with 2 workers\nfuzz: elapsed: 4s, execs: 400 (90/sec)\n", 400, 100, 0, 0, ""},
	} {
		r := Parse(c.name, strings.NewReader(c.out), io.Discard)
		ff := ""
		if len(r.FailingFile) > 0 {
			ff = r.FailingFile[0]
		}
		if r.Execs != c.execs || r.PerSec != c.perSec || r.NewCorpus != c.newCorpus || r.Failures != c.failures || ff != c.failingFile {
			t.Errorf("%s: parsed as %+v", c.name, r)
		}
	}
}

func TestTable(t *testing.T) {
	rs := []Result{
		{Target: "FuzzA", Execs: 200000, PerSec: 97229, NewCorpus: 3, Elapsed: 2 * time.Second},
		{Target: "FuzzB", Execs: 5120, PerSec: 8000, NewCorpus: 1, Failures: 1, FailingFile: []string{"fuzz/testdata/fuzz/FuzzB/771e"}},
	}
	var b strings.Builder
	if n := Table(&b, rs); n != 1 {
		t.Errorf("Table returned %d failures, want 1", n)
	}
	want := `  target   execs  execs/s  new corpus  failures  time
   FuzzA  200000    97229           3         0    2s
   FuzzB    5120     8000           1         1    0s
FuzzB: failing input kept as a regression seed: fuzz/testdata/fuzz/FuzzB/771e
`
	if got := b.String(); got != want {
		t.Errorf("Table wrote\n%s\nwant\n%s", got, want)
	}
}

// fakeGoEnv makes the test binary act as the go command (see TestMain):
// `test -list` prints two targets, `test -fuzz=^FuzzB$` fails, any other
// fuzz run passes.
const fakeGoEnv = "CAMPAIGN_FAKE_GO"

func TestMain(m *testing.M) {
	if os.Getenv(fakeGoEnv) != "" {
		os.Exit(fakeGo(os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeGo(args []string) int {
	all := strings.Join(args, " ")
	switch {
	case strings.Contains(all, "-list"):
		fmt.Println("FuzzA\nFuzzB\nok  \tfz\t0.01s")
		return 0
	case strings.Contains(all, "-fuzz=^FuzzSlow$"):
		fmt.Println("fuzz: elapsed: 0s, gathering baseline coverage: 1/1 completed, now fuzzing with 2 workers")
		time.Sleep(time.Minute)
		return 0
	case strings.Contains(all, "-fuzz=^FuzzB$"):
		fmt.Print(failing)
		return 1
	case strings.Contains(all, "-fuzztime=200000x") && strings.Contains(all, "-timeout=1h0m0s"):
		fmt.Print(passing)
		return 0
	}
	fmt.Println("unexpected arguments:", all)
	return 2
}

func TestListAndRun(t *testing.T) {
	t.Setenv(fakeGoEnv, "1")
	ctx := context.Background()
	targets, err := List(ctx, os.Args[0], "./fz/")
	if err != nil || strings.Join(targets, ",") != "FuzzA,FuzzB" {
		t.Fatalf("List: %v, %v", targets, err)
	}
	var progress strings.Builder
	rs, err := Run(ctx, Config{Go: os.Args[0], Pkg: "./fz/", Execs: 200000, Targets: targets}, &progress)
	if err != nil || len(rs) != 2 {
		t.Fatalf("Run: %v, %+v", err, rs)
	}
	if rs[0].Failures != 0 || rs[0].Execs != 200000 || rs[1].Failures != 1 ||
		len(rs[1].FailingFile) != 1 || rs[1].FailingFile[0] != filepath.Join("fz", "testdata/fuzz/FuzzB/771e938e4458e983") {
		t.Errorf("Run results %+v", rs)
	}
	if p := progress.String(); !strings.Contains(p, "[1/2] FuzzA: 200000 execs") || !strings.Contains(p, "  --- FAIL: FuzzB") {
		t.Errorf("progress:\n%s", p)
	}
}

// TestRunInterrupted: a cancelled campaign stops, and its last run counts
// as interrupted, not failed.
func TestRunInterrupted(t *testing.T) {
	t.Setenv(fakeGoEnv, "1")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rs, err := Run(ctx, Config{Go: os.Args[0], Pkg: "./fz/", Execs: 200000, Targets: []string{"FuzzSlow", "FuzzA"}}, io.Discard)
	if err == nil || len(rs) != 1 || !rs[0].Interrupted || rs[0].Failures != 0 {
		t.Fatalf("Run of a cancelled campaign: %v, %+v", err, rs)
	}
	var b strings.Builder
	if Table(&b, rs) != 0 || !strings.Contains(b.String(), "FuzzSlow: interrupted after 0 execs") {
		t.Errorf("Table:\n%s", b.String())
	}
}
