// Package plot draws focalcheck's figures: the focal loss and its gradient
// against the logit, the class-balanced weights, the accuracy of each
// implementation against the exact oracle, the overflow of the seed
// module's modulator, and the four soft-label semantics.
//
// Every value drawn comes from a spec.Evaluator (an implementation or the
// exact oracle) called on a batch, except in the figure "overflow", whose
// subject is the seed module's own faulty modulator (see SeedModulator64).
// Each figure is written as NAME.png, NAME.svg and NAME.csv; the CSV holds
// the plotted data with shortest round-trip decimals, so that a test can
// recompute the data and tell whether the committed files are stale.
package plot

import (
	"fmt"
	"sort"
)

// Figure is the data of one figure: one or more panels side by side.
type Figure struct {
	// Name is the file name stem and the command-line name.
	Name string
	// Title is drawn above the panels.
	Title string
	// Panels are drawn left to right, in rows of Cols (all in one row
	// when Cols is 0).
	Panels []Panel
	Cols   int
}

// Panel is one set of axes.
type Panel struct {
	// Label names the panel in the CSV and is its title in the image.
	Label string
	// XLabel and YLabel name the axes with their units.
	XLabel, YLabel string
	// LogX and LogY select logarithmic axes.
	LogX, LogY bool
	// YMin and YMax, when YMax > YMin, fix the vertical range.
	YMin, YMax float64
	// LegendLeft puts the legend in the top left corner instead of the
	// top right; LegendBottom puts it at the bottom.
	LegendLeft, LegendBottom bool
	// NoLegend leaves the legend out, when another panel's legend names
	// the same series.
	NoLegend bool
	Series   []Series
}

// Series is one curve of a panel.
type Series struct {
	Label string
	X, Y  []float64
	// Points draws markers instead of a line.
	Points bool
}

// spec describes a figure: how to compute its data and what it shows.
type figSpec struct {
	name    string
	summary string
	build   func() (*Figure, error)
}

var figures = []figSpec{
	{"loss", "focal loss against p_t for γ in {0, 0.5, 1, 2, 5} (CE is γ = 0)", Loss},
	{"gradient", "dFL/dx_t against x_t for the same γ", Gradient},
	{"cbweights", "class-balanced weight against n for β in {0, 0.9, 0.99, 0.999, 0.9999}, raw and normalised", CBWeights},
	{"overflow", "the seed module's overflowing modulator against the stable form near x = -88.7 (float32) and -709.8 (float64)", Overflow},
	{"accuracy", "ulp error against the exact oracle of each implementation and dtype over logits -800..800, y = 0 and 1", Accuracy},
	{"soft", "loss against x for y = 0.5 and 0.9 under the linear, geometric, split and expce semantics", Soft},
}

// Names returns the names of the figures in drawing order.
func Names() []string {
	out := make([]string, len(figures))
	for i, f := range figures {
		out[i] = f.name
	}
	return out
}

// Summary returns the one-line description of the figure name.
func Summary(name string) string {
	for _, f := range figures {
		if f.name == name {
			return f.summary
		}
	}
	return ""
}

// Build computes the data of the figure name.
func Build(name string) (*Figure, error) {
	for _, f := range figures {
		if f.name == name {
			return f.build()
		}
	}
	names := Names()
	sort.Strings(names)
	return nil, fmt.Errorf("unknown figure %q (figures: %v)", name, names)
}
