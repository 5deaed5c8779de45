package stable_test

import (
	"testing"

	"github.com/focalcheck/focalcheck/impl/stable"
	"github.com/focalcheck/focalcheck/props"
)

func TestConformance(t *testing.T) { props.Check(t, stable.Evaluator{}, stable.Contract) }
