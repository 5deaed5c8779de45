package plot

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
)

// committed is the directory of the figures shown in the README.
const committed = "../../docs/figures"

// accuracyStride is the subsample of the figure "accuracy" that the
// staleness test recomputes with the oracle: every 8th logit of the 401.
const accuracyStride = 8

var fullAccuracy = flag.Bool("plot.full", false, "recompute every point of the figure accuracy, not a subsample")

type key struct {
	panel, series string
	x             float64
}

func index(rows []Row) map[key]float64 {
	m := make(map[key]float64, len(rows))
	for _, r := range rows {
		m[key{r.Panel, r.Series, r.X}] = r.Y
	}
	return m
}

func readCommitted(t *testing.T, name string) []Row {
	t.Helper()
	fh, err := os.Open(filepath.Join(committed, name+".csv"))
	if err != nil {
		t.Fatalf("%v (run make figures)", err)
	}
	defer fh.Close()
	rows, err := ReadCSV(fh)
	if err != nil {
		t.Fatalf("%s.csv: %v", name, err)
	}
	return rows
}

// TestCommittedFiguresAreFresh recomputes the data of every figure and
// compares it, value for value, with the CSV committed beside its PNG and
// SVG under docs/figures: a difference means the images are stale (run
// make figures). The figure "accuracy" is recomputed at every
// accuracyStride-th logit (all of them with -plot.full), the whole grid
// still going through the implementations in one batch as when drawn.
func TestCommittedFiguresAreFresh(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			want := readCommitted(t, name)
			var f *Figure
			var err error
			subsample := name == "accuracy" && !*fullAccuracy
			if subsample {
				var idx []int
				for i := 0; i < len(AccuracyLogits()); i += accuracyStride {
					idx = append(idx, i)
				}
				f, err = AccuracyAt(idx)
			} else {
				f, err = Build(name)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := Rows(f)
			if !subsample && len(got) != len(want) {
				t.Errorf("%d points computed, %d committed", len(got), len(want))
			}
			if subsample && len(got)*accuracyStride < len(want) {
				t.Errorf("%d points computed at stride %d, %d committed", len(got), accuracyStride, len(want))
			}
			committedAt := index(want)
			bad := 0
			for _, r := range got {
				y, ok := committedAt[key{r.Panel, r.Series, r.X}]
				if !ok {
					t.Errorf("%s / %s at x = %v: not in the committed CSV", r.Panel, r.Series, r.X)
				} else if !ulp.Alike(y, r.Y) {
					t.Errorf("%s / %s at x = %v: computed %v, committed %v", r.Panel, r.Series, r.X, r.Y, y)
				} else {
					continue
				}
				if bad++; bad == 10 {
					t.Fatal("too many differences: the committed figure is stale, run make figures")
				}
			}
		})
	}
}

// TestWriteFiles draws every figure into a temporary directory and checks
// that the PNG and SVG are written and that the CSV reads back to the
// figure's data exactly.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			var f *Figure
			var err error
			if name == "accuracy" && testing.Short() {
				f, err = AccuracyAt([]int{0, 100, 170, 200, 230, 300, 400})
			} else {
				f, err = Build(name)
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != name || f.Title == "" || len(f.Panels) == 0 {
				t.Fatalf("figure %q: name %q, title %q, %d panels", name, f.Name, f.Title, len(f.Panels))
			}
			for _, p := range f.Panels {
				if p.XLabel == "" || p.YLabel == "" || len(p.Series) == 0 {
					t.Errorf("panel %q: x label %q, y label %q, %d series", p.Label, p.XLabel, p.YLabel, len(p.Series))
				}
			}
			if err := WriteFiles(f, dir); err != nil {
				t.Fatal(err)
			}
			for _, ext := range []string{".png", ".svg"} {
				st, err := os.Stat(filepath.Join(dir, name+ext))
				if err != nil {
					t.Fatal(err)
				}
				if st.Size() < 1000 {
					t.Errorf("%s%s: only %d bytes", name, ext, st.Size())
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, name+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := ReadCSV(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want := Rows(f)
			if len(rows) != len(want) {
				t.Fatalf("CSV has %d rows, figure %d points", len(rows), len(want))
			}
			for i := range rows {
				if rows[i].Panel != want[i].Panel || rows[i].Series != want[i].Series ||
					!ulp.Alike(rows[i].X, want[i].X) || !ulp.Alike(rows[i].Y, want[i].Y) {
					t.Fatalf("CSV row %d reads %+v, figure has %+v", i+2, rows[i], want[i])
				}
			}
		})
	}
}

func TestBuildUnknown(t *testing.T) {
	if _, err := Build("nosuch"); err == nil {
		t.Error("Build(\"nosuch\") returned no error")
	}
}

// TestSeedModulator64 checks the seed's faulty form on both sides of its
// overflow. The true modulator of a positive, σ(-x)^γ = (1+e^{x})^{-γ}, is
// 1 to the last bit of float64 at every x here.
func TestSeedModulator64(t *testing.T) {
	for _, c := range []struct {
		x, tol, want float64
		reason       string
	}{
		{-709, 1e-12, 1, "BACKGROUND.md §2: 1.0 at x = -709; the two terms near 1418 each round by at most 1.2e-13 (half an ulp of 1418), so exp of their difference is within 1e-12 of 1"},
		{-709.78, 1e-12, 1, "exp(709.78) < MaxFloat64 (ln MaxFloat64 = 709.78271, Go math.MaxFloat64): still finite"},
		{-709.79, 0, 0, "exp(709.79) overflows (ln MaxFloat64 = 709.78271), log1p(+Inf) = +Inf, exp(-Inf) = 0"},
		{-710, 0, 0, "BACKGROUND.md §2: 0.0 at x = -710, true value 1"},
		{-1e4, 0, 0, "deep in the overflow region"},
	} {
		got := SeedModulator64(c.x, 1, 2)
		if d := got - c.want; d > c.tol || d < -c.tol {
			t.Errorf("SeedModulator64(%v, 1, 2) = %v, want %v ± %v (%s)", c.x, got, c.want, c.tol, c.reason)
		}
	}
	if got := SeedModulator64(-1e4, 1, 0); got != 1 {
		t.Errorf("SeedModulator64(-1e4, 1, 0) = %v, want 1 (the seed returns 1.0 for γ = 0)", got)
	}
}

// TestSeedModulator32 is TestSeedModulator64 in float32, whose exp
// overflows at x < -88.72 instead of -709.78.
func TestSeedModulator32(t *testing.T) {
	for _, c := range []struct {
		x      float32
		tol    float64
		want   float32
		reason string
	}{
		{-88, 2.5e-4, 1, "the two float32 terms near 176 each round by at most 7.7e-6 (half an ulp of 176); exp of their difference is within 2^-12 of 1"},
		{-88.72, 2.5e-4, 1, "exp(88.72) = 3.40e38 < MaxFloat32 (ln MaxFloat32 = 88.72284): still finite"},
		{-88.73, 0, 0, "exp(88.73) overflows float32 (ln MaxFloat32 = 88.72284), the modulator falls to 0"},
		{-100, 0, 0, "deep in the float32 overflow region, where float64 is still fine"},
	} {
		got := SeedModulator32(c.x, 1, 2)
		if d := float64(got) - float64(c.want); d > c.tol || d < -c.tol {
			t.Errorf("SeedModulator32(%v, 1, 2) = %v, want %v ± %v (%s)", c.x, got, c.want, c.tol, c.reason)
		}
	}
}

func TestNamesHaveSummaries(t *testing.T) {
	for _, n := range Names() {
		if Summary(n) == "" {
			t.Errorf("figure %q has no summary", n)
		}
	}
	if fmt.Sprint(Names()) != "[loss gradient cbweights overflow accuracy soft]" {
		t.Errorf("Names() = %v", Names())
	}
}

// TestLibmExp checks the overflow threshold of the seed's float64 exp:
// ln(MaxFloat64) = 709.782712893384 (Go math constant, and libm's
// threshold per the C library's exp).
func TestLibmExp(t *testing.T) {
	for _, c := range []struct {
		x      float64
		inf    bool
		reason string
	}{
		{709.5, false, "above Go's amd64 math.Exp cut (709.4361) but below ln(MaxFloat64)"},
		{709.78, false, "just below ln(MaxFloat64) = 709.78271"},
		{709.7828, true, "just above ln(MaxFloat64) = 709.78271"},
		{1e4, true, "far above"},
	} {
		if got := libmExp(c.x); math.IsInf(got, 1) != c.inf {
			t.Errorf("libmExp(%v) = %v, overflow %v wanted (%s)", c.x, got, c.inf, c.reason)
		}
	}
}

// TestREADMEShowsEveryFigure checks that the README shows every figure
// (its PNG) under a caption heading that names it.
func TestREADMEShowsEveryFigure(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		if !bytes.Contains(readme, []byte("(docs/figures/"+name+".png)")) || !bytes.Contains(readme, []byte("(`"+name+"`)")) {
			t.Errorf("README.md does not show figure %q with its caption heading", name)
		}
	}
}
