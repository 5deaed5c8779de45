package vectorized_test

import (
	"testing"

	"github.com/focalcheck/focalcheck/impl/vectorized"
	"github.com/focalcheck/focalcheck/props"
)

func TestConformance(t *testing.T) { props.Check(t, vectorized.Evaluator{}, vectorized.Contract) }

func TestConformanceWorkers2(t *testing.T) {
	props.Check(t, vectorized.Evaluator{Workers: 2}, vectorized.Contract)
}
