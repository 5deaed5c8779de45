package vectorized

import (
	"math"
	"sync"

	"github.com/focalcheck/focalcheck/spec"
)

// scan is what one parallel pass over the data learns: whether every logit
// is finite and every target in [0,1], whether every row is one-hot (when
// asked), and Σy.
type scan struct {
	ok     bool
	sumY   float64
	anyPos bool
}

// validate returns exactly the error spec.Validate (or spec.Validate32)
// returns for cfg and the batch, checking the data in parallel chunks: when
// the data pass finds nothing wrong, the remaining checks (parameters,
// enumerations, the mean's) are those spec.Validate makes on a one-row
// surrogate batch whose data are valid, one-hot and positive; when it finds
// anything, spec.Validate runs on the whole batch and names the first
// error. It also returns Σy for the positives normalisers.
func validate[F float32 | float64](workers int, cfg *spec.Config, classes int, x, y []F, full func() error) (float64, error) {
	if cfg == nil || classes < 1 || len(x) != len(y) || len(x)%classes != 0 || len(x) == 0 {
		return 0, full()
	}
	oneHot := cfg.CB != nil && cfg.CB.Apply == spec.CBLabel
	sc := scanData(workers, classes, x, y, oneHot)
	if !sc.ok || (cfg.Reduction == spec.Mean && cfg.Normalizer == spec.Positives && !sc.anyPos) {
		return 0, full()
	}
	sx := make([]F, classes)
	sy := make([]F, classes)
	sy[0] = 1
	var err error
	switch any(x).(type) {
	case []float64:
		err = spec.Validate(cfg, spec.Batch{Classes: classes, Logits: any(sx).([]float64), Targets: any(sy).([]float64)})
	default:
		err = spec.Validate32(cfg, spec.Batch32{Classes: classes, Logits: any(sx).([]float32), Targets: any(sy).([]float32)})
	}
	return sc.sumY, err
}

// scanData checks the data in chunks on the given number of goroutines and
// adds the per-chunk Σy in chunk order (deterministic for any workers).
func scanData[F float32 | float64](workers, classes int, x, y []F, oneHot bool) scan {
	n := len(x)
	step := chunk - chunk%classes // whole rows per chunk
	if step == 0 {
		step = classes
	}
	nc := (n + step - 1) / step
	// Per chunk: Σy, whether the data are bad and whether Σy > 0.
	type part struct {
		sum      float64
		bad, pos bool
	}
	parts := make([]part, nc)
	do := func(k int) {
		lo := k * step
		hi := min(lo+step, n)
		s, okY := scanChunk(x[lo:hi], y[lo:hi])
		if oneHot {
			for r := lo; r < hi; r += classes {
				ones := 0
				for _, v := range y[r : r+classes] {
					if v == 1 {
						ones++
					} else if v != 0 {
						ones = 2
					}
				}
				okY = okY && ones == 1
			}
		}
		parts[k] = part{s, !okY, s > 0}
	}
	workers = min(max(workers, 1), nc)
	if workers == 1 {
		for k := range nc {
			do(k)
		}
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := w; k < nc; k += workers {
					do(k)
				}
			}()
		}
		wg.Wait()
	}
	sc := scan{ok: true}
	var s, c float64
	for _, pt := range parts {
		sc.ok = sc.ok && !pt.bad
		sc.anyPos = sc.anyPos || pt.pos
		s, c = add2(s, c, pt.sum)
	}
	sc.sumY = s + c
	if math.IsNaN(sc.sumY) {
		sc.ok = false
	}
	return sc
}

// scanPortable returns Σy (exact for binary targets) and whether every x is
// finite and every y in [0,1].
func scanPortable[F float32 | float64](x, y []F) (float64, bool) {
	// Four independent accumulators; x-x is NaN for NaN or ±Inf, and a NaN
	// target fails both comparisons.
	var s0, s1, s2, s3 float64
	var a0, a1, a2, a3 F
	ylo, yhi := F(0), F(1)
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v0, v1, v2, v3 := y[i], y[i+1], y[i+2], y[i+3]
		a0 += x[i] - x[i] + (v0 - v0)
		a1 += x[i+1] - x[i+1] + (v1 - v1)
		a2 += x[i+2] - x[i+2] + (v2 - v2)
		a3 += x[i+3] - x[i+3] + (v3 - v3)
		s0 += float64(v0)
		s1 += float64(v1)
		s2 += float64(v2)
		s3 += float64(v3)
		if v0 < ylo || v1 < ylo || v2 < ylo || v3 < ylo || v0 > yhi || v1 > yhi || v2 > yhi || v3 > yhi {
			return 0, false
		}
	}
	for ; i < len(x); i++ {
		v := y[i]
		a0 += x[i] - x[i] + (v - v)
		s0 += float64(v)
		if v < ylo || v > yhi {
			return 0, false
		}
	}
	return (s0 + s1) + (s2 + s3), (a0+a1)+(a2+a3) == 0
}
