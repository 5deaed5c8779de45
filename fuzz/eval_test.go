package fuzz_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/focalcheck/focalcheck/internal/protocol"
)

// evalSeeds are request lines of `focalcheck eval`: the package doc's
// example, every field, float32, CB, the non-finite strings, and broken
// JSON of several kinds.
var evalSeeds = []string{
	`{"id":1,"impl":"exact","classes":2,"logits":[-3,40],"targets":[0,1],"gamma":2,"alpha":0.25,"reduction":"sum"}`,
	`{"id":"f32","dtype":"float32","logits":[0.1,-20,88.72],"targets":[1,0,1],"gamma":0.5,"reduction":"none"}`,
	`{"id":3,"impl":"vectorized","classes":3,"logits":[1,2,3,-1,-2,-3],"targets":[0.3,0,1,1,0.5,0],"alpha":[0.1,0.5,0.9],"normalizer":"rows"}`,
	`{"id":4,"logits":[1,-1],"targets":[1,0],"alpha":null,"weight":[2],"pos_weight":[3],"normalizer":"positives_guarded"}`,
	`{"id":5,"classes":2,"logits":[-1e308,709.79],"targets":[1,0],"soft":"geometric","label_smoothing":0.1,"smoothing_scope":"ce","cb":{"beta":0.9999,"counts":[1,1e9],"normalize":"sum","apply":"label"}}`,
	`{"id":6,"logits":[36.7,-745.2],"targets":[0.5,1],"soft":"expce","gamma":0.25,"normalizer":"positives"}`,
	`{"id":7,"impl":"naive","logits":[4],"targets":[1],"soft":"split","gamma":1000}`,
	`{"id":"nan","logits":[0,"NaN"],"targets":[0,1]}`,
	`{"id":"inf","logits":["-Inf"],"targets":["+Inf"]}`,
	`{"id":8,"logits":[1e999],"targets":[1]}`,
	`{"id":9,"logits":[],"targets":[],"reduction":"sum"}`,
	`{"id":null,"logits":[0],"targets":[0],"gama":2}`,
	`{"id":{"x":1},"logits":[0],"targets":[0]}`,
	`{"logits":[0],"targets":[0]} trailing`,
	`[1,2,3]`,
	`{"id":10,"logits":[0],"targets":[0],"dtype":"float16","impl":"torch"}`,
	`{"id":"\u2028","logits":[0`,
	"",
}

// FuzzEval: any byte string as an eval request line. Decoding and
// evaluating it never panics, and the answer is one line of JSON: either
// {"id","error"} with a message, or {"id","loss","losses","grad"} with one
// value per logit, no NaN, loss null exactly for the none reduction, and
// the request's id echoed.
func FuzzEval(f *testing.F) {
	for _, s := range evalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var ans protocol.Answer
		req, err := protocol.Decode(line)
		if err != nil {
			ans = protocol.Answer{ID: protocol.RawID(line), Error: "line 1: " + err.Error()}
		} else {
			ans = protocol.Evaluate(req)
		}
		out, err := ans.MarshalJSON()
		if err != nil {
			t.Fatalf("answer cannot be encoded: %v (%+v)", err, ans)
		}
		if bytes.ContainsAny(out, "\n\r") || !json.Valid(out) {
			t.Fatalf("answer is not one line of JSON: %q", out)
		}
		var got struct {
			ID     json.RawMessage   `json:"id"`
			Loss   json.RawMessage   `json:"loss"`
			Losses []json.RawMessage `json:"losses"`
			Grad   []json.RawMessage `json:"grad"`
			Error  *string           `json:"error"`
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("answer %q: %v", out, err)
		}
		if got.Error != nil {
			if *got.Error == "" || got.Loss != nil || got.Losses != nil || got.Grad != nil {
				t.Fatalf("error answer with values or no message: %q", out)
			}
			return
		}
		if req == nil {
			t.Fatalf("answer without error to an undecodable line: %q", out)
		}
		if req.ID != nil {
			var want bytes.Buffer
			if err := json.Compact(&want, req.ID); err != nil || !bytes.Equal(want.Bytes(), got.ID) {
				t.Fatalf("id %s answered as %s", req.ID, got.ID)
			}
		}
		if len(got.Losses) != len(req.Logits) || len(got.Grad) != len(req.Logits) {
			t.Fatalf("%d logits answered with %d losses and %d derivatives: %q", len(req.Logits), len(got.Losses), len(got.Grad), out)
		}
		none := req.Reduction == "none"
		if none != (string(got.Loss) == "null") {
			t.Fatalf("reduction %q answered with loss %s", req.Reduction, got.Loss)
		}
		vals := append(append([]json.RawMessage(nil), got.Losses...), got.Grad...)
		if !none {
			vals = append(vals, got.Loss)
		}
		for _, v := range vals {
			x, err := protocol.ParseFloat(v)
			if err != nil || math.IsNaN(x) {
				t.Fatalf("answer value %s (%v) in %q", v, err, out)
			}
		}
	})
}
