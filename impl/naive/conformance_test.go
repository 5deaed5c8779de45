package naive_test

import (
	"testing"

	"github.com/focalcheck/focalcheck/impl/naive"
	"github.com/focalcheck/focalcheck/props"
)

func TestConformance(t *testing.T) { props.Check(t, naive.Evaluator{}, naive.Contract) }
