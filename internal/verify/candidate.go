package verify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/focalcheck/focalcheck/internal/vectors"
)

// Candidate is one line of a candidate file: another implementation's
// outputs for the vector case ID. A nil field was not computed.
type Candidate struct {
	Line         int
	ID           string
	Loss         *float64
	Losses, Grad []float64
}

// maxErrors bounds the number of line errors ReadCandidates reports.
const maxErrors = 20

// ReadCandidates reads a candidate file: JSON lines
// {"id", "loss", "losses", "grad"}, where each number may also be written as
// the string "NaN", "+Inf", "-Inf" (or "Inf", "Infinity", "-Infinity"), or as
// Python's bare NaN, Infinity and -Infinity tokens; blank lines are skipped.
// Every line must name a case of the vectors (index), once, with losses and
// grad as long as the case's batch. Errors name the file and line; up to
// 20 are reported together.
func ReadCandidates(r io.Reader, name string, index map[string]*vectors.Case) ([]Candidate, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	var out []Candidate
	var errs []error
	first := map[string]int{}
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	for line := 1; sc.Scan() && len(errs) < maxErrors; line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		c, err := parseLine(text)
		if err != nil {
			fail(line, "%v", err)
			continue
		}
		c.Line = line
		if c.ID == "" {
			fail(line, `missing "id"`)
			continue
		}
		want, ok := index[c.ID]
		if !ok {
			fail(line, "unknown id %q: no such case in the vectors", c.ID)
			continue
		}
		if l, dup := first[c.ID]; dup {
			fail(line, "duplicate id %q (first on line %d)", c.ID, l)
			continue
		}
		first[c.ID] = line
		n := want.Elements()
		if c.Losses != nil && len(c.Losses) != n {
			fail(line, "id %q: losses has length %d; want %d, the length of the case", c.ID, len(c.Losses), n)
			continue
		}
		if c.Grad != nil && len(c.Grad) != n {
			fail(line, "id %q: grad has length %d; want %d, the length of the case", c.ID, len(c.Grad), n)
			continue
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %v", name, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

type lineJSON struct {
	ID     *string         `json:"id"`
	Loss   json.RawMessage `json:"loss"`
	Losses json.RawMessage `json:"losses"`
	Grad   json.RawMessage `json:"grad"`
}

func parseLine(text []byte) (Candidate, error) {
	var j lineJSON
	dec := json.NewDecoder(bytes.NewReader(quoteBareTokens(text)))
	if err := dec.Decode(&j); err != nil {
		return Candidate{}, fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return Candidate{}, fmt.Errorf("malformed JSON: more than one value on the line")
	}
	var c Candidate
	if j.ID != nil {
		c.ID = *j.ID
	}
	if c.ID == "" && j.ID != nil {
		return c, fmt.Errorf(`"id" is empty`)
	}
	if !isNull(j.Loss) {
		v, err := number(j.Loss)
		if err != nil {
			return c, fmt.Errorf("id %q: loss: %v", c.ID, err)
		}
		c.Loss = &v
	}
	var err error
	if c.Losses, err = numbers(j.Losses); err != nil {
		return c, fmt.Errorf("id %q: losses%v", c.ID, err)
	}
	if c.Grad, err = numbers(j.Grad); err != nil {
		return c, fmt.Errorf("id %q: grad%v", c.ID, err)
	}
	return c, nil
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func numbers(raw json.RawMessage) ([]float64, error) {
	if isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf(": not an array of numbers: %s", abbrev(raw))
	}
	out := make([]float64, len(items))
	for i, it := range items {
		v, err := number(it)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %v", i, err)
		}
		out[i] = v
	}
	return out, nil
}

func number(raw json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch strings.ToLower(s) {
		case "nan":
			return math.NaN(), nil
		case "inf", "+inf", "infinity", "+infinity":
			return math.Inf(1), nil
		case "-inf", "-infinity":
			return math.Inf(-1), nil
		}
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v, nil
		}
	}
	return 0, fmt.Errorf("not a number: %s", abbrev(raw))
}

func abbrev(b []byte) string {
	if len(b) > 40 {
		return string(b[:37]) + "..."
	}
	return string(b)
}

// quoteBareTokens turns the bare NaN, Infinity and -Infinity that Python's
// json module writes into JSON strings, leaving string contents alone.
func quoteBareTokens(text []byte) []byte {
	if !bytes.Contains(text, []byte("NaN")) && !bytes.Contains(text, []byte("Infinity")) {
		return text
	}
	var b bytes.Buffer
	in, esc := false, false
	for i := 0; i < len(text); i++ {
		ch := text[i]
		if in {
			b.WriteByte(ch)
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				in = false
			}
			continue
		}
		if ch == '"' {
			in = true
			b.WriteByte(ch)
			continue
		}
		matched := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(text[i:], []byte(tok)) {
				b.WriteString(`"` + tok + `"`)
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(ch)
		}
	}
	return b.Bytes()
}
