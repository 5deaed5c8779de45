package protocol

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/focalcheck/focalcheck/internal/ulp"
	"github.com/focalcheck/focalcheck/spec"
)

func TestFloatRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		bits int
		text string
		why  string
	}{
		{0.1, 64, "0.1", "shortest decimal of the float64 nearest 0.1"},
		{float64(float32(0.1)), 32, "0.1", "shortest decimal that reads back to float32(0.1)"},
		{float64(float32(0.1)), 64, "0.10000000149011612", "the same value needs 17 digits as a float64"},
		{math.Copysign(0, -1), 64, "-0", "the sign of zero is kept"},
		{5e-324, 64, "5e-324", "smallest subnormal"},
		{math.MaxFloat64, 64, "1.7976931348623157e+308", "largest float64"},
		{math.NaN(), 64, `"NaN"`, "NaN as a string"},
		{math.Inf(1), 32, `"+Inf"`, "+Inf as a string"},
		{math.Inf(-1), 64, `"-Inf"`, "-Inf as a string"},
	} {
		if got := string(AppendFloat(nil, tc.v, tc.bits)); got != tc.text {
			t.Errorf("AppendFloat(%v, %d) = %s, want %s (%s)", tc.v, tc.bits, got, tc.text, tc.why)
		}
		var f Float
		if err := json.Unmarshal([]byte(tc.text), &f); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.text, err)
			continue
		}
		got := float64(f)
		if tc.bits == 32 {
			got = float64(float32(got)) // a float32 answer is read as its float32 value
		}
		if !ulp.Alike(got, tc.v) {
			t.Errorf("Unmarshal(%s) = %v, want %v (%s)", tc.text, got, tc.v, tc.why)
		}
	}
}

func TestDecodeDefaults(t *testing.T) {
	req, err := Decode([]byte(`{"logits":[1],"targets":[0]}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, b, err := req.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if req.ImplName() != "stable" || req.DtypeName() != "float64" || b.Classes != 1 || cfg.Gamma != 2 ||
		cfg.Alpha != nil || cfg.Soft != spec.Linear || cfg.Reduction != spec.Mean || cfg.Normalizer != spec.Elements || cfg.CB != nil {
		t.Errorf("defaults: impl %s dtype %s classes %d cfg %+v", req.ImplName(), req.DtypeName(), b.Classes, cfg)
	}
	req, err = Decode([]byte(`{"classes":2,"logits":[1,2],"targets":[0,1],"alpha":0.25,"gamma":0,"cb":{"beta":0.99,"counts":[1,1e9],"normalize":"sum","apply":"label"}}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err = req.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Alpha) != 1 || cfg.Alpha[0] != 0.25 || cfg.Gamma != 0 || cfg.CB.Beta != 0.99 || cfg.CB.Counts[1] != 1e9 ||
		cfg.CB.Normalize != spec.CBSum || cfg.CB.Apply != spec.CBLabel {
		t.Errorf("explicit fields: %+v %+v", cfg, cfg.CB)
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	loss := Float(1.5)
	for _, tc := range []struct {
		a    Answer
		text string
		why  string
	}{
		{Answer{ID: json.RawMessage(`"x"`), Loss: &loss, Losses: []Float{1, Float(math.Inf(1))}, Grad: []Float{-0.5, Float(math.NaN())}},
			`{"id":"x","loss":1.5,"losses":[1,"+Inf"],"grad":[-0.5,"NaN"]}`, "a full answer, non-finite values as strings"},
		{Answer{ID: json.RawMessage(`7`), Losses: []Float{}, Grad: []Float{}}, `{"id":7,"loss":null,"losses":[],"grad":[]}`, "reduction none: loss null"},
		{Answer{Error: "logits[0]: NaN is not finite"}, `{"id":null,"error":"logits[0]: NaN is not finite"}`, "an error has no loss, losses, grad"},
		{Answer{ID: json.RawMessage(`1`), Loss: &loss, Losses: []Float{Float(float32(0.1))}, Grad: []Float{0}, Bits: 32},
			`{"id":1,"loss":1.5,"losses":[0.1],"grad":[0]}`, "float32 answer in 32-bit shortest form"},
	} {
		b, err := json.Marshal(tc.a)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.text {
			t.Errorf("%s: got %s, want %s", tc.why, b, tc.text)
		}
		var back Answer
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("%s: reading back: %v", tc.why, err)
			continue
		}
		back.Bits = tc.a.Bits
		if b2, _ := json.Marshal(back); string(b2) != tc.text {
			t.Errorf("%s: read back as %s", tc.why, b2)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"logits":[1],"targets":[0],"gama":2}`, `unknown field "gama"`},
		{`{"logits":[1,"Inf"],"targets":[0,0]}`, `logits: "Inf" is not a number`},
		{`{"logits":[1],"targets":[0]} x`, `malformed JSON: data after`},
		{`{"id":true,"logits":[1],"targets":[0]}`, `id: must be a JSON string or number`},
		{`{"logits":[1]`, `malformed JSON`},
	} {
		_, err := Decode([]byte(tc.line))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%s) = %v, want an error containing %q", tc.line, err, tc.want)
		}
	}
}
