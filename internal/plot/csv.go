package plot

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// csvHeader is the first row of every figure's CSV.
var csvHeader = []string{"panel", "series", "x", "y"}

// WriteCSV writes the data of f, one row per point, with shortest
// round-trip decimals (strconv 'g', -1).
func WriteCSV(w io.Writer, f *Figure) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, p := range f.Panels {
		for _, s := range p.Series {
			for i := range s.X {
				row := []string{p.Label, s.Label, fmtFloat(s.X[i]), fmtFloat(s.Y[i])}
				if err := cw.Write(row); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Row is one point of a figure's CSV.
type Row struct {
	Panel, Series string
	X, Y          float64
}

// ReadCSV reads what WriteCSV wrote.
func ReadCSV(r io.Reader) ([]Row, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || fmt.Sprint(recs[0]) != fmt.Sprint(csvHeader) {
		return nil, fmt.Errorf("csv: header is not %v", csvHeader)
	}
	var out []Row
	for n, rec := range recs[1:] {
		x, err1 := strconv.ParseFloat(rec[2], 64)
		y, err2 := strconv.ParseFloat(rec[3], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("csv line %d: bad number in %v", n+2, rec)
		}
		out = append(out, Row{rec[0], rec[1], x, y})
	}
	return out, nil
}

// Rows flattens f into the rows WriteCSV writes.
func Rows(f *Figure) []Row {
	var out []Row
	for _, p := range f.Panels {
		for _, s := range p.Series {
			for i := range s.X {
				out = append(out, Row{p.Label, s.Label, s.X[i], s.Y[i]})
			}
		}
	}
	return out
}
