package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Panel size: a one-panel figure is 16×10 cm; each further column adds
// 10 cm and each further row 8 cm.
const (
	baseW  = 16 * vg.Centimeter
	baseH  = 10 * vg.Centimeter
	addW   = 10 * vg.Centimeter
	addH   = 8 * vg.Centimeter
	titleH = 0.8 * vg.Centimeter
)

func (f *Figure) grid() (rows, cols int) {
	cols = f.Cols
	if cols <= 0 || cols > len(f.Panels) {
		cols = len(f.Panels)
	}
	rows = (len(f.Panels) + cols - 1) / cols
	return rows, cols
}

func (f *Figure) size() (w, h vg.Length) {
	rows, cols := f.grid()
	return baseW + vg.Length(cols-1)*addW, baseH + vg.Length(rows-1)*addH
}

// palette is a colour-blind-safe set (Okabe and Ito), then plotutil's.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
}

func seriesColor(i int) color.Color {
	if i < len(palette) {
		return palette[i]
	}
	return plotutil.Color(i)
}

func (p *Panel) plot() (*gplot.Plot, error) {
	pl := gplot.New()
	pl.Title.Text = p.Label
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Add(plotter.NewGrid())
	if p.LogX {
		pl.X.Scale = gplot.LogScale{}
		pl.X.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	if p.LogY {
		// Drawn as log10(y) on a linear axis with ticks at the powers of
		// ten: gonum's LogScale reserves empty space above the axis.
		pl.Y.Tick.Marker = decadeTicks{}
	}
	for i, s := range p.Series {
		xy := make(plotter.XYs, 0, len(s.X))
		for k := range s.X {
			x, y := s.X[k], s.Y[k]
			if math.IsNaN(y) || math.IsInf(y, 0) || (p.LogY && y <= 0) {
				continue
			}
			if p.YMax > p.YMin {
				y = math.Max(p.YMin, math.Min(p.YMax, y))
			}
			if p.LogY {
				y = math.Log10(y)
			}
			xy = append(xy, plotter.XY{X: x, Y: y})
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", p.Label, s.Label, err)
		}
		l.Color = seriesColor(i)
		l.Width = vg.Points(1.4)
		l.Dashes = plotutil.Dashes(i % 4)
		pl.Add(l)
		if !p.NoLegend {
			pl.Legend.Add(s.Label, l)
		}
	}
	if p.YMax > p.YMin {
		pl.Y.Min, pl.Y.Max = p.YMin, p.YMax
		if p.LogY {
			pl.Y.Min, pl.Y.Max = math.Log10(p.YMin), math.Log10(p.YMax)
		}
	}
	pl.Legend.Top = !p.LegendBottom
	pl.Legend.Left = p.LegendLeft
	pl.Legend.XOffs, pl.Legend.YOffs = -vg.Millimeter, -vg.Millimeter
	if p.LegendLeft {
		pl.Legend.XOffs = vg.Millimeter
	}
	if p.LegendBottom {
		pl.Legend.YOffs = vg.Millimeter
	}
	pl.Legend.ThumbnailWidth = vg.Centimeter
	pl.Legend.Padding = vg.Points(1)
	return pl, nil
}

// Draw draws f on dc: the title across the top, the panels below.
func (f *Figure) Draw(dc draw.Canvas) error {
	rows, cols := f.grid()
	plots := make([][]*gplot.Plot, rows)
	for i := range plots {
		plots[i] = make([]*gplot.Plot, cols)
	}
	var titleStyle = gplot.New().Title.TextStyle
	for i := range f.Panels {
		pl, err := f.Panels[i].plot()
		if err != nil {
			return err
		}
		plots[i/cols][i%cols] = pl
	}
	titleStyle.XAlign = draw.XCenter
	titleStyle.YAlign = draw.YTop
	dc.FillText(titleStyle, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Millimeter}, f.Title)
	body := draw.Crop(dc, 0, 0, 0, -titleH)
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Centimeter / 2, PadY: vg.Centimeter / 3,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter * 3}
	canv := gplot.Align(plots, tiles, body)
	for r := range plots {
		for c := range plots[r] {
			if plots[r][c] != nil {
				plots[r][c].Draw(canv[r][c])
			}
		}
	}
	return nil
}

// WriteFiles writes f as NAME.png, NAME.svg and NAME.csv in dir.
func WriteFiles(f *Figure, dir string) error {
	w, h := f.size()
	png := vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	if err := f.Draw(draw.New(png)); err != nil {
		return err
	}
	svg := vgsvg.New(w, h)
	if err := f.Draw(draw.New(svg)); err != nil {
		return err
	}
	for _, out := range []struct {
		ext   string
		write func(io.Writer) error
	}{
		{".png", func(w io.Writer) error { _, err := png.WriteTo(w); return err }},
		{".svg", func(w io.Writer) error { _, err := svg.WriteTo(w); return err }},
		{".csv", func(w io.Writer) error { return WriteCSV(w, f) }},
	} {
		if err := writeFile(filepath.Join(dir, f.Name+out.ext), out.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return fh.Close()
}

// decadeTicks marks the integers of a log10 axis with the powers of ten
// they stand for.
type decadeTicks struct{}

func (decadeTicks) Ticks(min, max float64) []gplot.Tick {
	var out []gplot.Tick
	for k := math.Ceil(min); k <= max; k++ {
		out = append(out, gplot.Tick{Value: k, Label: strconv.FormatFloat(math.Pow(10, k), 'g', -1, 64)})
	}
	return out
}
