package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/focalcheck/focalcheck/internal/impls"
	"github.com/focalcheck/focalcheck/internal/presets"
	"github.com/focalcheck/focalcheck/internal/protocol"
)

// maxLine is the longest request line eval reads, in bytes.
const maxLine = 64 << 20

func init() {
	register(command{
		name:    "eval",
		summary: "answer JSON-lines focal-loss requests from stdin (see the package doc for the fields)",
		run:     runEval,
	})
}

func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "[--preset NAME] < requests.jsonl > answers.jsonl", stderr)
	preset := fs.String("preset", "", "fill each request's absent fields with a framework's defaults: "+strings.Join(presets.Names(), ", "))
	if done, err := parseFlags(fs, args, stdout); done {
		return err
	}
	if *preset != "" {
		p, err := presets.Lookup(*preset)
		if err != nil {
			return &usageError{"eval: " + err.Error()}
		}
		evalFill = p.FillLine
	}
	failed, err := evalStream(stdin, stdout, maxLine)
	if err != nil {
		return err
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "focalcheck eval: %d line(s) failed\n", failed)
		return errSilent
	}
	return nil
}

// evalStream answers every request line of in on out, and returns the
// number of answers with an error. Lines longer than max bytes are answered
// with an error and skipped.
func evalStream(in io.Reader, out io.Writer, max int) (failed int, err error) {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(out)
	for lineNo := 1; ; lineNo++ {
		line, tooLong, rerr := readLine(r, max)
		if rerr != nil && rerr != io.EOF {
			w.Flush()
			return failed, rerr
		}
		if tooLong {
			failed++
			writeAnswer(w, protocol.Answer{Error: fmt.Sprintf("line %d: longer than %d bytes; skipped", lineNo, max)})
		} else if len(bytes.TrimSpace(line)) > 0 {
			ans := answer(line, lineNo)
			if ans.Error != "" {
				failed++
			}
			writeAnswer(w, ans)
		}
		// Flush whenever the input has nothing more buffered, so that a
		// caller that writes one request and waits gets its answer.
		if r.Buffered() == 0 || rerr == io.EOF {
			if err := w.Flush(); err != nil {
				return failed, err
			}
		}
		if rerr == io.EOF {
			return failed, nil
		}
	}
}

func answer(line []byte, lineNo int) protocol.Answer {
	req, err := protocol.Decode(evalFill(line))
	if err != nil {
		return protocol.Answer{ID: protocol.RawID(line), Error: fmt.Sprintf("line %d: %v", lineNo, err)}
	}
	return protocol.EvaluateWith(req, evalLookup)
}

// evalFill applies the --preset defaults to a request line (presets.Preset.FillLine).
var evalFill = func(line []byte) []byte { return line }

// evalLookup finds the evaluator of a request; tests add stand-ins.
var evalLookup = impls.Lookup

func writeAnswer(w *bufio.Writer, a protocol.Answer) {
	b, err := a.MarshalJSON()
	if err != nil {
		b, _ = protocol.Answer{Error: "cannot encode answer: " + err.Error()}.MarshalJSON()
	}
	w.Write(b)
	w.WriteByte('\n')
}

// readLine returns the next line of r without its newline. When the line
// is longer than max bytes it reads and drops the rest of it and reports
// tooLong. err is io.EOF with the last line.
func readLine(r *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > max+1 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r")), tooLong, nil
		default:
			if err == io.EOF && len(buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
			return bytes.TrimSuffix(buf, []byte("\r")), tooLong, err
		}
	}
}
