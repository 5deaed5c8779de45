package ulp

import (
	"math"
	"testing"
)

func TestSoftScale(t *testing.T) {
	for i, c := range []struct {
		reason         string
		w, pw, g, x, d float64
		want           float64
	}{
		{"all unit, x = 0: (1+1)(1+0)(1+0)/1", 1, 1, 0, 0, 1, 2},
		{"by hand: 2·(1+3)·(1+2)·(1+4)/5 = 24", 2, 3, 2, -4, 5, 24},
		{"zero weight", 0, 1, 2, 100, 1, 0},
		{"infinite logit", 1, 1, 0, math.Inf(-1), 1, math.Inf(1)},
	} {
		if got := SoftScale(c.w, c.pw, c.g, c.x, c.d); got != c.want {
			t.Errorf("case %d (%s): got %v, want %v", i, c.reason, got, c.want)
		}
	}
	for i, c := range []struct {
		reason                string
		got, want, rel, scale float64
		ok                    bool
	}{
		{"inside: |1.5-1| ≤ 0.1·(1+4)", 1.5, 1, 0.1, 4, true},
		{"outside: |2-1| > 0.1·(1+4)", 2, 1, 0.1, 4, false},
		{"a zero want uses the scale", 1e-17, 0, 1e-16, 1, true},
		{"NaN is never within", math.NaN(), 1, 1, 1, false},
	} {
		if ok := WithinSoftRel(c.got, c.want, c.rel, c.scale); ok != c.ok {
			t.Errorf("case %d (%s): got %v", i, c.reason, ok)
		}
	}
}
