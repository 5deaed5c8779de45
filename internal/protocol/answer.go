package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/spec"
)

// Answer is one line of `focalcheck eval` output. A successful answer has
// loss (null for the none reduction), losses and grad; a failed one has only
// id and error.
type Answer struct {
	// ID is the request's id, or null when it could not be read.
	ID     json.RawMessage `json:"id"`
	Loss   *Float          `json:"loss"`
	Losses []Float         `json:"losses"`
	Grad   []Float         `json:"grad"`
	Error  string          `json:"error,omitempty"`
	// Bits is 32 when the numbers are float32 values, written with 32-bit
	// shortest formatting; 64 (or 0) otherwise. It is not part of the JSON.
	Bits int `json:"-"`
}

// MarshalJSON writes a in the protocol's field order: {"id","loss",
// "losses","grad"} or {"id","error"}.
func (a Answer) MarshalJSON() ([]byte, error) {
	bits := 64
	if a.Bits == 32 {
		bits = 32
	}
	var b bytes.Buffer
	b.WriteString(`{"id":`)
	if len(a.ID) == 0 {
		b.WriteString("null")
	} else if err := json.Compact(&b, a.ID); err != nil {
		return nil, err
	}
	if a.Error != "" {
		msg, err := json.Marshal(a.Error)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"error":`)
		b.Write(msg)
		b.WriteByte('}')
		return b.Bytes(), nil
	}
	b.WriteString(`,"loss":`)
	if a.Loss == nil {
		b.WriteString("null")
	} else {
		b.Write(AppendFloat(nil, float64(*a.Loss), bits))
	}
	for _, f := range []struct {
		name string
		v    []Float
	}{{"losses", a.Losses}, {"grad", a.Grad}} {
		fmt.Fprintf(&b, `,%q:[`, f.name)
		buf := b.AvailableBuffer()
		for i, x := range f.v {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = AppendFloat(buf, float64(x), bits)
		}
		b.Write(buf)
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Failed returns the answer reporting err for the request with the given id.
func Failed(id json.RawMessage, err error) Answer { return Answer{ID: id, Error: err.Error()} }

// Evaluate runs req with the evaluator it names in the registry.
func Evaluate(req *Request) Answer { return EvaluateWith(req, impls.Lookup) }

// EvaluateWith runs req with the evaluator that lookup returns for its
// impl, in float64 or float32 as its dtype says. Every failure, from an
// unknown impl to an input that spec.Validate rejects, is an Answer with
// Error set.
func EvaluateWith(req *Request, lookup func(string) (impls.Entry, bool)) Answer {
	cfg, b, err := req.Spec()
	if err != nil {
		return Failed(req.ID, err)
	}
	f32 := req.DtypeName() == Float32
	// Validate here too, so that the message for bad input does not
	// depend on which evaluators are registered.
	if f32 {
		err = spec.Validate32(cfg, Batch32(b))
	} else {
		err = spec.Validate(cfg, b)
	}
	if err != nil {
		return Failed(req.ID, err)
	}
	name := req.ImplName()
	e, ok := lookup(name)
	if !ok {
		msg := fmt.Sprintf("unknown value %q (want one of %q)", name, impls.Order)
		if slices.Contains(impls.Order, name) {
			msg = fmt.Sprintf("%q is not registered in this build (internal/impls)", name)
		}
		return Failed(req.ID, &spec.InputError{Field: "impl", Index: -1, Msg: msg})
	}
	ans := Answer{ID: req.ID}
	none := cfg.Reduction == spec.None
	if f32 {
		var r spec.Result32
		if err := e.Eval.Evaluate32(cfg, Batch32(b), &r); err != nil {
			return Failed(req.ID, err)
		}
		ans.Bits = 32
		if !none {
			l := Float(r.Loss)
			ans.Loss = &l
		}
		ans.Losses, ans.Grad = floats32(r.Losses), floats32(r.Grad)
		return ans
	}
	var r spec.Result
	if err := e.Eval.Evaluate(cfg, b, &r); err != nil {
		return Failed(req.ID, err)
	}
	ans.Bits = 64
	if !none {
		l := Float(r.Loss)
		ans.Loss = &l
	}
	ans.Losses, ans.Grad = Floats(r.Losses), Floats(r.Grad)
	if ans.Losses == nil {
		ans.Losses, ans.Grad = []Float{}, []Float{}
	}
	return ans
}

func floats32(v []float32) []Float {
	out := make([]Float, len(v))
	for i, x := range v {
		out[i] = Float(x)
	}
	return out
}
