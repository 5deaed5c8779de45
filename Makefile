# focalcheck: make test is what CI runs (.ci/run). Every target works from a
# fresh clone with only Go 1.26 installed; tools are pinned in tools/go.mod.

GO          ?= go
TOOL        := $(GO) tool -modfile=tools/go.mod
FUZZ_EXECS  ?= 500000
RAPID_LONG  ?= 10000
BENCH_COUNT ?= 5

.PHONY: all test lint test-portable test-simd test-race report bench props-long \
	fuzz zoo mutants figures vectors crosscheck-torch clean-fuzzcache

all: test

## test: formatting, vet, staticcheck, then the whole suite on the portable
## path and on the SIMD path (GOEXPERIMENT=simd), and -race where goroutines are.
test: lint test-portable test-simd test-race

lint:
	@out=$$(gofmt -s -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt -s would rewrite:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

test-portable:
	$(GO) test ./...

test-simd:
	GOEXPERIMENT=simd $(GO) vet ./impl/vectorized/
	GOEXPERIMENT=simd $(GO) test ./impl/vectorized/ ./props/

test-race:
	$(GO) test -race -short ./impl/vectorized/ ./cmd/focalcheck/

## report: the main job, every implementation against the exact oracle.
report:
	$(GO) run ./cmd/focalcheck report

## bench: benchmarks in the form benchstat reads (go run golang.org/x/perf/cmd/benchstat@latest FILE).
bench:
	GOEXPERIMENT=simd $(GO) test -run='^$$' -bench=. -benchmem -count=$(BENCH_COUNT) ./impl/... | tee bench.txt

props-long:
	$(GO) test ./props/ ./impl/... -run 'Conformance|Prop' -rapid.checks=$(RAPID_LONG) -timeout 2h
