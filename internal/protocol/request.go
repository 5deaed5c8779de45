// Package protocol is the JSON-lines request and answer of `focalcheck
// eval`, shared by the eval command, the golden vector files and the verify
// command so that all three read and write the same bytes.
//
// Numbers are written as the shortest decimal that reads back to the same
// float64 (strconv 'g', -1, 64), or float32 for an answer of a float32
// request; the non-finite values are the strings "NaN", "+Inf" and "-Inf",
// accepted on input in every numeric field so that invalid input can be
// written down and rejected by spec.Validate with a message naming the field.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/focalcheck/focalcheck/spec"
)

// Defaults of a Request's absent fields.
const (
	DefaultImpl    = "stable"
	DefaultDtype   = Float64
	DefaultClasses = 1
	// DefaultGamma is γ = 2, the value Lin et al. (2017) use for RetinaNet.
	DefaultGamma = 2.0
)

// Dtype names.
const (
	Float64 = "float64"
	Float32 = "float32"
)

// Request is one line of `focalcheck eval` input. Absent fields take the
// defaults above and those of spec.Config (alpha off, soft "linear",
// label_smoothing 0, smoothing_scope "all", reduction "mean", normalizer
// "elements"; cb.normalize "none", cb.apply "class").
type Request struct {
	// ID is any JSON string or number, echoed in the Answer.
	ID             json.RawMessage `json:"id,omitempty"`
	Impl           string          `json:"impl,omitempty"`
	Dtype          string          `json:"dtype,omitempty"`
	Classes        *int            `json:"classes,omitempty"`
	Logits         []Float         `json:"logits"`
	Targets        []Float         `json:"targets"`
	Gamma          *Float          `json:"gamma,omitempty"`
	Alpha          Alpha           `json:"alpha,omitempty"`
	Soft           string          `json:"soft,omitempty"`
	LabelSmoothing Float           `json:"label_smoothing,omitempty"`
	SmoothingScope string          `json:"smoothing_scope,omitempty"`
	Weight         []Float         `json:"weight,omitempty"`
	PosWeight      []Float         `json:"pos_weight,omitempty"`
	CB             *CB             `json:"cb,omitempty"`
	Reduction      string          `json:"reduction,omitempty"`
	Normalizer     string          `json:"normalizer,omitempty"`
}

// CB is the "cb" object of a Request: spec.CB by its protocol names.
type CB struct {
	Beta      Float   `json:"beta"`
	Counts    []Float `json:"counts"`
	Normalize string  `json:"normalize,omitempty"`
	Apply     string  `json:"apply,omitempty"`
}

// Float is a float64 that reads and writes the protocol's numbers: the
// shortest round-tripping decimal, and "NaN", "+Inf", "-Inf" for the
// non-finite values.
type Float float64

// MarshalJSON writes f with 64-bit shortest formatting.
func (f Float) MarshalJSON() ([]byte, error) { return AppendFloat(nil, float64(f), 64), nil }

// UnmarshalJSON reads a JSON number or one of the strings "NaN", "+Inf",
// "-Inf".
func (f *Float) UnmarshalJSON(b []byte) error {
	v, err := ParseFloat(b)
	if err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// ParseFloat reads one protocol number from its JSON text. Its error is a
// *json.UnmarshalTypeError, so that encoding/json adds the field name.
func ParseFloat(b []byte) (float64, error) {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case `"NaN"`:
		return math.NaN(), nil
	case `"+Inf"`:
		return math.Inf(1), nil
	case `"-Inf"`:
		return math.Inf(-1), nil
	}
	bad := func(why string) error {
		return &json.UnmarshalTypeError{Value: fmt.Sprintf("%.40s %s", b, why), Type: floatType}
	}
	if len(b) == 0 || b[0] == '"' || string(b) == "null" || !json.Valid(b) {
		return 0, bad(`is not a number (want a JSON number, "NaN", "+Inf" or "-Inf")`)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, bad(`is out of the float64 range (write "+Inf" or "-Inf")`)
	}
	return v, nil
}

var floatType = reflect.TypeFor[Float]()

// AppendFloat appends v as a protocol number: strconv.AppendFloat(dst, v,
// 'g', -1, bitSize), or "NaN", "+Inf", "-Inf" in quotes. With bitSize 32, v
// must be a float32 value.
func AppendFloat(dst []byte, v float64, bitSize int) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(v, -1):
		return append(dst, `"-Inf"`...)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, bitSize)
}

// Alpha is the "alpha" field: null or absent (nil, α off), one number
// (a slice of length 1, the same α for every class) or an array of C.
type Alpha []Float

// UnmarshalJSON reads null, a number or an array of numbers.
func (a *Alpha) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*a = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var s []Float
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == nil {
			s = []Float{}
		}
		*a = s
		return nil
	}
	var f Float
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	*a = Alpha{f}
	return nil
}

// Decode reads one request line. It rejects unknown fields, trailing data
// and an id that is neither a string nor a number. On error the returned
// Request is nil; RawID recovers the id of a line that failed to decode.
func Decode(line []byte) (*Request, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var r Request
	if err := dec.Decode(&r); err != nil {
		return nil, decodeErr(err)
	}
	if len(bytes.TrimSpace(line[dec.InputOffset():])) > 0 {
		return nil, errors.New("malformed JSON: data after the request object")
	}
	if r.ID != nil && !validID(r.ID) {
		return nil, &spec.InputError{Field: "id", Index: -1, Msg: "must be a JSON string or number"}
	}
	return &r, nil
}

func decodeErr(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	msg := strings.TrimPrefix(err.Error(), "json: ")
	switch {
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("malformed JSON: %s", msg)
	case errors.As(err, &typ):
		field := typ.Field
		switch {
		case typ.Type == floatType && field != "":
			return fmt.Errorf("%s: %s", field, typ.Value)
		case typ.Type == floatType:
			return errors.New(typ.Value)
		case field == "":
			return fmt.Errorf("malformed JSON: a request is a JSON object, not %s", typ.Value)
		}
		return fmt.Errorf("%s: cannot hold a JSON %s", field, typ.Value)
	}
	return errors.New(msg)
}

// RawID returns the id of line when it is a JSON object with a valid "id"
// (a string or a number), and nil (written as null) otherwise.
func RawID(line []byte) json.RawMessage {
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(line, &probe) != nil || probe.ID == nil || !validID(probe.ID) {
		return nil
	}
	return probe.ID
}

func validID(id json.RawMessage) bool {
	var v any
	d := json.NewDecoder(bytes.NewReader(id))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return false
	}
	switch v.(type) {
	case string, json.Number:
		return true
	}
	return false
}

// ImplName returns r.Impl, or DefaultImpl when it is empty.
func (r *Request) ImplName() string {
	if r.Impl == "" {
		return DefaultImpl
	}
	return r.Impl
}

// DtypeName returns r.Dtype, or DefaultDtype when it is empty; Spec
// rejects any other value than Float64 and Float32.
func (r *Request) DtypeName() string {
	if r.Dtype == "" {
		return DefaultDtype
	}
	return r.Dtype
}

// Spec converts r into the configuration and the float64 batch it asks
// for, with the defaults filled in. It checks the enumerations and the
// dtype, and leaves every numeric check to spec.Validate (or Validate32),
// which the evaluators run; the values are not rounded to float32 here
// (Batch32 does that for the batch, Evaluate32 for the parameters).
func (r *Request) Spec() (*spec.Config, spec.Batch, error) {
	var b spec.Batch
	if d := r.DtypeName(); d != Float64 && d != Float32 {
		return nil, b, &spec.InputError{Field: "dtype", Index: -1,
			Msg: fmt.Sprintf("unknown value %q (want one of [%q %q])", d, Float64, Float32)}
	}
	cfg := &spec.Config{Gamma: DefaultGamma, LabelSmoothing: float64(r.LabelSmoothing)}
	if r.Gamma != nil {
		cfg.Gamma = float64(*r.Gamma)
	}
	cfg.Alpha = floats([]Float(r.Alpha))
	cfg.Weight = floats(r.Weight)
	cfg.PosWeight = floats(r.PosWeight)
	var err error
	if r.Soft != "" {
		if cfg.Soft, err = spec.ParseSoft(r.Soft); err != nil {
			return nil, b, err
		}
	}
	if r.SmoothingScope != "" {
		if cfg.SmoothingScope, err = spec.ParseScope(r.SmoothingScope); err != nil {
			return nil, b, err
		}
	}
	if r.Reduction != "" {
		if cfg.Reduction, err = spec.ParseReduction(r.Reduction); err != nil {
			return nil, b, err
		}
	}
	if r.Normalizer != "" {
		if cfg.Normalizer, err = spec.ParseNormalizer(r.Normalizer); err != nil {
			return nil, b, err
		}
	}
	if r.CB != nil {
		cb := &spec.CB{Beta: float64(r.CB.Beta), Counts: floats(r.CB.Counts)}
		if cb.Counts == nil {
			cb.Counts = []float64{}
		}
		if r.CB.Normalize != "" {
			if cb.Normalize, err = spec.ParseCBNormalize(r.CB.Normalize); err != nil {
				return nil, b, err
			}
		}
		if r.CB.Apply != "" {
			if cb.Apply, err = spec.ParseCBApply(r.CB.Apply); err != nil {
				return nil, b, err
			}
		}
		cfg.CB = cb
	}
	b.Classes = DefaultClasses
	if r.Classes != nil {
		b.Classes = *r.Classes
	}
	b.Logits = floats(r.Logits)
	b.Targets = floats(r.Targets)
	if b.Logits == nil {
		b.Logits = []float64{}
	}
	if b.Targets == nil {
		b.Targets = []float64{}
	}
	return cfg, b, nil
}

// Batch32 returns b with its logits and targets rounded to float32, the
// batch a float32 request evaluates (spec §6).
func Batch32(b spec.Batch) spec.Batch32 {
	return spec.Batch32{Classes: b.Classes, Logits: to32(b.Logits), Targets: to32(b.Targets)}
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func floats(v []Float) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Floats converts float64 values to protocol numbers.
func Floats(v []float64) []Float {
	if v == nil {
		return nil
	}
	out := make([]Float, len(v))
	for i, x := range v {
		out[i] = Float(x)
	}
	return out
}
