package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Values are the outputs of one evaluation, widened to float64. For a
// float32 case every value is a float32.
type Values struct {
	// HasLoss is false for the None reduction, whose loss is absent.
	HasLoss      bool
	Loss         float64
	Losses, Grad []float64
}

// Case is one golden vector: a request and what the exact oracle gives for
// it, correctly rounded to the request's dtype.
type Case struct {
	ID       string
	Category string
	Request  Request
	Want     Values
	// Alternatives holds, for the cases where conventions disagree, the
	// expected values under each alternative convention, by axis ("soft",
	// "smoothing_scope", "alpha", "normalizer", "pos_weight") and value.
	// The value the request names is among them.
	Alternatives map[string]map[string]Values
}

// Elements returns the number of elements of c's batch.
func (c *Case) Elements() int { return len(c.Request.Logits) }

// MarshalJSON writes c as one line of a vector file: id, category, dtype,
// request, then loss (absent for reduction none), losses and grad as
// shortest round-trip decimals of the dtype, then "hex" with the same
// values as hexadecimal floats, then "alternatives".
func (c *Case) MarshalJSON() ([]byte, error) {
	req, err := json.Marshal(&c.Request)
	if err != nil {
		return nil, err
	}
	bits := 64
	if c.Request.Dtype == Float32 {
		bits = 32
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%q,"category":%q,"dtype":%q,"request":%s,`, c.ID, c.Category, c.Request.Dtype, req)
	appendValues(&b, c.Want, bits)
	if len(c.Alternatives) > 0 {
		b.WriteString(`,"alternatives":{`)
		for i, axis := range sortedKeys(c.Alternatives) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:{", axis)
			for j, name := range sortedKeys(c.Alternatives[axis]) {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%q:{", name)
				appendValues(&b, c.Alternatives[axis][name], bits)
				b.WriteByte('}')
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// appendValues writes the members "loss", "losses", "grad" and "hex".
func appendValues(b *bytes.Buffer, v Values, bits int) {
	list := func(xs []float64, f func(float64) string) {
		b.WriteByte('[')
		for i, x := range xs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f(x))
		}
		b.WriteByte(']')
	}
	dec := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, bits) }
	hex := func(x float64) string { return `"` + strconv.FormatFloat(x, 'x', -1, bits) + `"` }
	if v.HasLoss {
		b.WriteString(`"loss":` + dec(v.Loss) + ",")
	}
	b.WriteString(`"losses":`)
	list(v.Losses, dec)
	b.WriteString(`,"grad":`)
	list(v.Grad, dec)
	b.WriteString(`,"hex":{`)
	if v.HasLoss {
		b.WriteString(`"loss":` + hex(v.Loss) + ",")
	}
	b.WriteString(`"losses":`)
	list(v.Losses, hex)
	b.WriteString(`,"grad":`)
	list(v.Grad, hex)
	b.WriteString("}")
}

type valuesJSON struct {
	Loss   *float64  `json:"loss"`
	Losses []float64 `json:"losses"`
	Grad   []float64 `json:"grad"`
	Hex    struct {
		Loss   *string  `json:"loss"`
		Losses []string `json:"losses"`
		Grad   []string `json:"grad"`
	} `json:"hex"`
}

type caseJSON struct {
	ID           string                           `json:"id"`
	Category     string                           `json:"category"`
	Dtype        string                           `json:"dtype"`
	Request      Request                          `json:"request"`
	Alternatives map[string]map[string]valuesJSON `json:"alternatives"`
	valuesJSON
}

// UnmarshalJSON reads a line written by MarshalJSON. The exact values are
// taken from the hexadecimal floats, and the decimals must agree with them.
func (c *Case) UnmarshalJSON(data []byte) error {
	var j caseJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	if j.ID == "" {
		return fmt.Errorf("missing id")
	}
	if j.Dtype != j.Request.Dtype {
		return fmt.Errorf("case %s: dtype %q differs from the request's %q", j.ID, j.Dtype, j.Request.Dtype)
	}
	bits := 64
	if j.Dtype == Float32 {
		bits = 32
	}
	want, err := j.values(bits)
	if err != nil {
		return fmt.Errorf("case %s: %v", j.ID, err)
	}
	*c = Case{ID: j.ID, Category: j.Category, Request: j.Request, Want: want}
	for axis, m := range j.Alternatives {
		if c.Alternatives == nil {
			c.Alternatives = map[string]map[string]Values{}
		}
		c.Alternatives[axis] = map[string]Values{}
		for name, vj := range m {
			v, err := vj.values(bits)
			if err != nil {
				return fmt.Errorf("case %s: alternatives.%s.%s: %v", j.ID, axis, name, err)
			}
			c.Alternatives[axis][name] = v
		}
	}
	return nil
}

func (j *valuesJSON) values(bits int) (Values, error) {
	n := len(j.Losses)
	if len(j.Grad) != n || len(j.Hex.Losses) != n || len(j.Hex.Grad) != n {
		return Values{}, fmt.Errorf("losses, grad and their hex forms have lengths %d, %d, %d, %d",
			n, len(j.Grad), len(j.Hex.Losses), len(j.Hex.Grad))
	}
	if (j.Loss == nil) != (j.Hex.Loss == nil) {
		return Values{}, fmt.Errorf("loss and hex.loss: one is missing")
	}
	parse := func(what string, i int, h string, d float64) (float64, error) {
		x, err := strconv.ParseFloat(h, bits)
		if err != nil {
			return 0, fmt.Errorf("hex.%s[%d]: %v", what, i, err)
		}
		if bits == 32 {
			x = float64(float32(x))
			d = float64(float32(d))
		}
		if x != d || math.Signbit(x) != math.Signbit(d) {
			return 0, fmt.Errorf("%s[%d]: decimal %v differs from hex %s", what, i, d, h)
		}
		return x, nil
	}
	v := Values{HasLoss: j.Loss != nil, Losses: make([]float64, n), Grad: make([]float64, n)}
	var err error
	if v.HasLoss {
		if v.Loss, err = parse("loss", 0, *j.Hex.Loss, *j.Loss); err != nil {
			return Values{}, err
		}
	}
	for i := range n {
		if v.Losses[i], err = parse("losses", i, j.Hex.Losses[i], j.Losses[i]); err != nil {
			return Values{}, err
		}
		if v.Grad[i], err = parse("grad", i, j.Hex.Grad[i], j.Grad[i]); err != nil {
			return Values{}, err
		}
	}
	return v, nil
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
