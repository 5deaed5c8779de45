package fuzz

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/focalcheck/focalcheck/spec"
)

// Input is one element-level fuzz input: a configuration and a batch of two
// elements, every float given by its raw bits, so that NaN, ±Inf, ±0,
// subnormals and every exponent are values like any other.
//
// The float64 path reads X and Y (math.Float64frombits), the float32 path
// X32 and Y32 (math.Float32frombits); the parameters are float64 bits on
// both paths (the float32 path rounds them, spec.Config.Round32). Mode
// selects the shape and the enumerations:
//
//	bit  0      C = 2 classes and N = 1 row (else C = 1, N = 2)
//	bit  1      an empty batch (N = 0)
//	bits 2-3    soft: linear, geometric, split, expce
//	bit  4      smoothing scope ce (else all)
//	bits 5-6    reduction: mean, sum, none, and 3 (invalid)
//	bits 7-8    normalizer: elements, rows, positives, positives_guarded
//	bits 9-10   α: off, scalar Alpha[0], per class Alpha[:C], C+1 values (invalid)
//	bit  11     weight Weight[:C]
//	bit  12     pos_weight PosWeight[:C]
//	bit  13     CB with Beta and Counts[:C]
//	bit  14     cb.normalize sum
//	bit  15     cb.apply label
//
// Invalid values are meant: the checks expect an *spec.InputError for
// every input that spec.Validate rejects.
type Input struct {
	Mode      uint32
	X, Y      [2]uint64
	X32, Y32  [2]uint32
	Gamma     uint64
	Alpha     [2]uint64
	Eps       uint64
	Weight    [2]uint64
	PosWeight [2]uint64
	Beta      uint64
	Counts    [2]uint64
}

// Mode bits of Input.
const (
	ModeTwoClasses  = 1 << 0
	ModeEmpty       = 1 << 1
	ModeSoftShift   = 2
	ModeScopeCE     = 1 << 4
	ModeRedShift    = 5
	ModeNormShift   = 7
	ModeAlphaShift  = 9
	ModeWeight      = 1 << 11
	ModePosWeight   = 1 << 12
	ModeCB          = 1 << 13
	ModeCBSum       = 1 << 14
	ModeCBLabel     = 1 << 15
	modeAlphaScalar = 1
	modeAlphaClass  = 2
	modeAlphaBad    = 3
)

// EncodedLen is the length of Input's encoding.
const EncodedLen = 4 + 8*(2+2+1+2+1+2+2+1+2) + 4*4

// Bytes encodes in as the fuzz targets read it: every field little-endian,
// in the order of the struct except that X32 and Y32 come last.
func (in Input) Bytes() []byte {
	b := binary.LittleEndian.AppendUint32(nil, in.Mode)
	for _, v := range in.words() {
		b = binary.LittleEndian.AppendUint64(b, *v)
	}
	for _, v := range []uint32{in.X32[0], in.X32[1], in.Y32[0], in.Y32[1]} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func (in *Input) words() []*uint64 {
	return []*uint64{&in.X[0], &in.X[1], &in.Y[0], &in.Y[1], &in.Gamma, &in.Alpha[0], &in.Alpha[1], &in.Eps,
		&in.Weight[0], &in.Weight[1], &in.PosWeight[0], &in.PosWeight[1], &in.Beta, &in.Counts[0], &in.Counts[1]}
}

// Decode reads an Input from the fuzzer's bytes (Bytes' layout). Missing
// bytes are zero and extra bytes are ignored, so that every byte string is
// an Input and the fuzzer's byte mutations (bit flips, interesting values,
// copied ranges) reach every bit of every float: the Go fuzzer only moves a
// float or integer argument by small steps (internal/fuzz/mutator.go:
// ±1..100, ×/÷ 1..10), so it would never leave the neighbourhood of the
// seeds' exponents.
func Decode(data []byte) Input {
	var buf [EncodedLen]byte
	copy(buf[:], data)
	b := buf[:]
	var in Input
	in.Mode = binary.LittleEndian.Uint32(b)
	b = b[4:]
	for _, v := range in.words() {
		*v = binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, v := range []*uint32{&in.X32[0], &in.X32[1], &in.Y32[0], &in.Y32[1]} {
		*v = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	return in
}

func f64(u uint64) float64 { return math.Float64frombits(u) }

// shape returns C and the number of elements.
func (in Input) shape() (classes, n int) {
	classes, n = 1, 2
	if in.Mode&ModeTwoClasses != 0 {
		classes = 2
	}
	if in.Mode&ModeEmpty != 0 {
		n = 0
	}
	return classes, n
}

// Config returns the configuration of in for a batch of C classes.
func (in Input) Config() *spec.Config {
	c, _ := in.shape()
	m := in.Mode
	cfg := &spec.Config{
		Gamma:          f64(in.Gamma),
		Soft:           spec.Soft(m >> ModeSoftShift & 3),
		LabelSmoothing: f64(in.Eps),
		Reduction:      spec.Reduction(m >> ModeRedShift & 3),
		Normalizer:     spec.Normalizer(m >> ModeNormShift & 3),
	}
	if m&ModeScopeCE != 0 {
		cfg.SmoothingScope = spec.SmoothingCE
	}
	perClass := func(v [2]uint64, k int) []float64 {
		out := make([]float64, k)
		for i := range out {
			out[i] = f64(v[i%2])
		}
		return out
	}
	switch m >> ModeAlphaShift & 3 {
	case modeAlphaScalar:
		cfg.Alpha = perClass(in.Alpha, 1)
	case modeAlphaClass:
		cfg.Alpha = perClass(in.Alpha, c)
	case modeAlphaBad:
		cfg.Alpha = perClass(in.Alpha, c+1)
	}
	if m&ModeWeight != 0 {
		cfg.Weight = perClass(in.Weight, c)
	}
	if m&ModePosWeight != 0 {
		cfg.PosWeight = perClass(in.PosWeight, c)
	}
	if m&ModeCB != 0 {
		cfg.CB = in.CB()
		if m&ModeCBLabel != 0 {
			cfg.CB.Apply = spec.CBLabel
		}
	}
	return cfg
}

// CB returns the class-balanced weights configuration of in: Beta, the
// first C counts, and the normalisation of Mode (apply class).
func (in Input) CB() *spec.CB {
	c, _ := in.shape()
	cb := &spec.CB{Beta: f64(in.Beta), Counts: make([]float64, c)}
	for i := range cb.Counts {
		cb.Counts[i] = f64(in.Counts[i])
	}
	if in.Mode&ModeCBSum != 0 {
		cb.Normalize = spec.CBSum
	}
	return cb
}

// Batch returns the float64 batch of in.
func (in Input) Batch() spec.Batch {
	c, n := in.shape()
	b := spec.Batch{Classes: c, Logits: make([]float64, n), Targets: make([]float64, n)}
	for i := range n {
		b.Logits[i], b.Targets[i] = f64(in.X[i]), f64(in.Y[i])
	}
	return b
}

// Batch32 returns the float32 batch of in.
func (in Input) Batch32() spec.Batch32 {
	c, n := in.shape()
	b := spec.Batch32{Classes: c, Logits: make([]float32, n), Targets: make([]float32, n)}
	for i := range n {
		b.Logits[i], b.Targets[i] = math.Float32frombits(in.X32[i]), math.Float32frombits(in.Y32[i])
	}
	return b
}

// String describes in by its decoded values, each float with its bits, so
// that a failing input can be read and rebuilt.
func (in Input) String() string {
	var s strings.Builder
	cfg := in.Config()
	b, b32 := in.Batch(), in.Batch32()
	fmt.Fprintf(&s, "mode=%#x C=%d logits=%s targets=%s logits32=%s targets32=%s gamma=%s",
		in.Mode, b.Classes, fl64s(b.Logits), fl64s(b.Targets), fl32s(b32.Logits), fl32s(b32.Targets), fl64(cfg.Gamma))
	fmt.Fprintf(&s, " soft=%v alpha=%s eps=%s/%v weight=%s pos_weight=%s", cfg.Soft, fl64s(cfg.Alpha),
		fl64(cfg.LabelSmoothing), cfg.SmoothingScope, fl64s(cfg.Weight), fl64s(cfg.PosWeight))
	if cfg.CB == nil {
		s.WriteString(" cb=none")
	} else {
		fmt.Fprintf(&s, " cb={beta=%s counts=%s %v %v}", fl64(cfg.CB.Beta), fl64s(cfg.CB.Counts), cfg.CB.Normalize, cfg.CB.Apply)
	}
	fmt.Fprintf(&s, " reduction=%v/%v", cfg.Reduction, cfg.Normalizer)
	return s.String()
}

func fl64(v float64) string { return fmt.Sprintf("%v(%#x)", v, math.Float64bits(v)) }

func fl64s(v []float64) string {
	if v == nil {
		return "nil"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fl64(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fl32s(v []float32) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%v(%#x)", x, math.Float32bits(x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
