package vectors

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/focalcheck/focalcheck/spec"
)

// ManifestName is the manifest's file name inside the vector directory.
const ManifestName = "MANIFEST.json"

// Manifest lists the vector files with their checksums.
type Manifest struct {
	Generator string `json:"generator"`
	Oracle    string `json:"oracle"`
	Seed      uint64 `json:"seed"`
	Files     []File `json:"files"`
}

// File is one vector file of the manifest.
type File struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	SHA256   string `json:"sha256"`
	Bytes    int    `json:"bytes"`
	Cases    int    `json:"cases"`
	Elements int    `json:"elements"`
}

// Generate computes every planned case with the oracle e on workers
// goroutines (GOMAXPROCS when workers ≤ 0), in plan order. When progress is
// not nil it draws a progress bar on it, weighted by the elements evaluated.
func Generate(e spec.Evaluator, plan []Planned, workers int, progress io.Writer) ([]Case, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	total := 0
	for _, p := range plan {
		total += cost(p)
	}
	cases := make([]Case, len(plan))
	errs := make([]error, len(plan))
	next := make(chan int)
	var mu sync.Mutex
	done, start := 0, time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				cases[i], errs[i] = Compute(e, plan[i])
				if progress != nil {
					mu.Lock()
					done += cost(plan[i])
					drawBar(progress, done, total, time.Since(start))
					mu.Unlock()
				}
			}
		})
	}
	for i := range plan {
		next <- i
	}
	close(next)
	wg.Wait()
	if progress != nil {
		fmt.Fprintln(progress)
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return cases, nil
}

// cost is the number of element evaluations a planned case takes.
func cost(p Planned) int {
	n := 1
	for _, a := range p.Axes {
		n += map[string]int{AxisSoft: 3, AxisScope: 1, AxisAlpha: 2, AxisNormalizer: 4, AxisPosWeight: 1}[a]
	}
	return n * len(p.Request.Logits)
}

func drawBar(w io.Writer, done, total int, elapsed time.Duration) {
	const width = 40
	f := float64(done) / float64(total)
	n := int(f * width)
	eta := ""
	if done > 0 && done < total {
		eta = fmt.Sprintf(" eta %s", (time.Duration(float64(elapsed)/f) - elapsed).Round(time.Second))
	}
	fmt.Fprintf(w, "\r[%s%s] %3.0f%% %d/%d element evaluations %s%s   ",
		strings.Repeat("#", n), strings.Repeat(" ", width-n), 100*f, done, total, elapsed.Round(time.Second), eta)
}

// Encode returns the vector files' contents by category, one case a line,
// in plan order.
func Encode(cases []Case) (map[string][]byte, error) {
	files := map[string]*bytes.Buffer{}
	for i := range cases {
		line, err := cases[i].MarshalJSON()
		if err != nil {
			return nil, err
		}
		b := files[cases[i].Category]
		if b == nil {
			b = new(bytes.Buffer)
			files[cases[i].Category] = b
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	out := map[string][]byte{}
	for k, b := range files {
		out[k] = b.Bytes()
	}
	return out, nil
}

// Write writes the cases to dir as CATEGORY.jsonl files plus the manifest.
// Each file is written to a temporary file in dir and renamed into place,
// the manifest last, so an interrupted run leaves either the old file or
// the new one, never a half-written one.
func Write(dir, oracle string, cases []Case) (*Manifest, error) {
	files, err := Encode(cases)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m := &Manifest{Generator: "focalcheck vectors", Oracle: oracle, Seed: Seed}
	for _, cat := range Categories {
		data, ok := files[cat]
		if !ok {
			continue
		}
		f := File{Name: cat + ".jsonl", Category: cat, SHA256: checksum(data), Bytes: len(data)}
		for i := range cases {
			if cases[i].Category == cat {
				f.Cases++
				f.Elements += cases[i].Elements()
			}
		}
		if err := writeAtomic(filepath.Join(dir, f.Name), data); err != nil {
			return nil, err
		}
		m.Files = append(m.Files, f)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, writeAtomic(filepath.Join(dir, ManifestName), append(data, '\n'))
}

func checksum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, err
	}
	m := new(Manifest)
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("%s: %v", ManifestName, err)
	}
	return m, nil
}

// Read reads every vector file the manifest of dir lists, checks each
// against its checksum and case count, and returns the cases in file order.
// Errors name the file and line.
func Read(dir string) ([]Case, *Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	var cases []Case
	seen := map[string]string{}
	for _, f := range m.Files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, nil, err
		}
		if sum := checksum(data); sum != f.SHA256 {
			return nil, nil, fmt.Errorf("%s: sha256 %s, the manifest says %s", f.Name, sum, f.SHA256)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 64<<20)
		n := 0
		for line := 1; sc.Scan(); line++ {
			var c Case
			if err := c.UnmarshalJSON(sc.Bytes()); err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %v", f.Name, line, err)
			}
			where := fmt.Sprintf("%s:%d", f.Name, line)
			if prev, ok := seen[c.ID]; ok {
				return nil, nil, fmt.Errorf("%s: duplicate id %q (first at %s)", where, c.ID, prev)
			}
			seen[c.ID] = where
			cases = append(cases, c)
			n++
		}
		if err := sc.Err(); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", f.Name, err)
		}
		if n != f.Cases {
			return nil, nil, fmt.Errorf("%s: %d cases, the manifest says %d", f.Name, n, f.Cases)
		}
	}
	return cases, m, nil
}

// Index returns the cases by id.
func Index(cases []Case) map[string]*Case {
	m := make(map[string]*Case, len(cases))
	for i := range cases {
		m[cases[i].ID] = &cases[i]
	}
	return m
}

// Stats returns the number of cases and elements of each category, in the
// order of Categories.
func Stats(cases []Case) (cats []string, ncases, nelems map[string]int) {
	ncases, nelems = map[string]int{}, map[string]int{}
	for i := range cases {
		ncases[cases[i].Category]++
		nelems[cases[i].Category] += cases[i].Elements()
	}
	for _, c := range Categories {
		if ncases[c] > 0 {
			cats = append(cats, c)
		}
	}
	for c := range ncases {
		if !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	return cats, ncases, nelems
}
