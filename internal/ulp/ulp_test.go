package ulp

import (
	"math"
	"testing"
)

func TestDist(t *testing.T) {
	tiny := math.SmallestNonzeroFloat64
	for i, c := range []struct {
		a, b, want float64
		reason     string
	}{
		{1, 1, 0, "equal"},
		{0, math.Copysign(0, -1), 0, "signed zeros are one value"},
		{1, math.Nextafter(1, 2), 1, "neighbours"},
		{1, math.Nextafter(1, 0), 1, "neighbour below, where the spacing halves"},
		{tiny, -tiny, 2, "across zero: -tiny, 0, tiny"},
		{math.MaxFloat64, math.Inf(1), 1, "Inf follows MaxFloat64"},
		{math.NaN(), 1, math.Inf(1), "NaN against a number"},
		{math.NaN(), math.NaN(), 0, "NaN against NaN"},
		{2, 1, 1 << 52, "one binade"},
	} {
		if got := Dist(c.a, c.b); got != c.want {
			t.Errorf("case %d (%s): Dist(%v, %v) = %v, want %v", i, c.reason, c.a, c.b, got, c.want)
		}
		if got := Dist(c.b, c.a); got != c.want {
			t.Errorf("case %d (%s): Dist is not symmetric: %v", i, c.reason, got)
		}
	}
}

func TestDist32(t *testing.T) {
	one := float32(1)
	if d := Dist32(one, math.Nextafter32(one, 2)); d != 1 {
		t.Errorf("neighbours: %v", d)
	}
	if d := Dist32(2, 1); d != 1<<23 {
		t.Errorf("one binade: %v, want %v", d, 1<<23)
	}
	if d := Dist32(float32(math.Copysign(0, -1)), 0); d != 0 {
		t.Errorf("signed zeros: %v", d)
	}
	if d := Dist32(float32(math.NaN()), 0); !math.IsInf(d, 1) {
		t.Errorf("NaN: %v", d)
	}
}

func TestAlike(t *testing.T) {
	negz := math.Copysign(0, -1)
	for i, c := range []struct {
		a, b float64
		want bool
	}{
		{math.NaN(), math.NaN(), true},
		{0, negz, false},
		{negz, negz, true},
		{1, 1, true},
		{1, math.NaN(), false},
	} {
		if got := Alike(c.a, c.b); got != c.want {
			t.Errorf("case %d: Alike(%v, %v) = %v", i, c.a, c.b, got)
		}
	}
}

func TestWithin(t *testing.T) {
	if !WithinAbsRel(1.1, 1, 0, 0.11) || WithinAbsRel(1.1, 1, 0, 0.09) {
		t.Error("rel")
	}
	if WithinAbsRel(math.NaN(), 1, 1, 1) {
		t.Error("NaN within")
	}
	if RelToWant(3, 2) != 0.5 || !math.IsInf(RelToWant(1, 0), 1) || RelToWant(0, 0) != 0 {
		t.Error("RelToWant")
	}
}
