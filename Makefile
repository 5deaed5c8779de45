# focalcheck: make test is what CI runs (.ci/run). Every target works from a
# fresh clone with only Go 1.26 installed; tools are pinned in tools/go.mod.

GO          ?= go
TOOL        := $(GO) tool -modfile=tools/go.mod
FUZZ_EXECS  ?= 500000
FUZZ_EXACT_EXECS ?= 50000
# --known leaves out the open bugs listed in fuzz/element_test.go (knownBugs),
# so that a campaign looks for new ones; FUZZ_FLAGS= holds every input.
FUZZ_FLAGS  ?= --known
RAPID_LONG  ?= 10000
BENCH_COUNT ?= 5

.PHONY: all test lint test-portable test-simd test-race report bench props-long \
	figures vectors crosscheck-torch bench-torch fuzz zoo mutants

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
	GOEXPERIMENT=simd $(GO) test ./impl/vectorized/
	GOEXPERIMENT=simd $(GO) test ./props/ ./fuzz/

test-race:
	$(GO) test -race -short ./impl/vectorized/ ./cmd/focalcheck/

## report: the main job, every implementation against the exact oracle.
report:
	$(GO) run ./cmd/focalcheck report

## bench: benchmarks in the form benchstat reads (go run golang.org/x/perf/cmd/benchstat@latest FILE).
bench:
	GOEXPERIMENT=simd $(GO) test -run='^$$' -bench=. -benchmem -count=$(BENCH_COUNT) ./impl/... | tee bench.txt

## bench-torch: PyTorch (Debian's python3-torch) on the inputs of
## BenchmarkEvaluate at N = 1e7 with 2 threads, to compare within one session.
bench-torch:
	@$(PYTHON) -c 'import torch, torchvision' 2>/dev/null || \
		{ apt-get update && apt-get install -y python3-torch python3-torchvision; }
	$(PYTHON) examples/python/bench_torch.py --n 10000000 --threads 2

props-long:
	$(GO) test ./props/ ./impl/... -run 'Conformance|Prop' -rapid.checks=$(RAPID_LONG) -timeout 2h

vectors:
	$(GO) run ./cmd/focalcheck vectors

## fuzz: a campaign, every target of fuzz/ in turn for FUZZ_EXECS executions
## (count-based -fuzztime); new failing inputs stay in fuzz/testdata/fuzz.
fuzz:
	$(GO) run ./cmd/focalcheck fuzz --execs $(FUZZ_EXECS) --budget FuzzExact=$(FUZZ_EXACT_EXECS) $(FUZZ_FLAGS)

## zoo: the property suite and the fuzz seeds against every faulty variant.
zoo:
	$(GO) run ./cmd/focalcheck zoo

figures:
	$(GO) run ./cmd/focalcheck plot all --out docs/figures

PYTHON         ?= /usr/bin/python3
CROSSCHECK_OUT ?= $(or $(TMPDIR),/tmp)/focalcheck-crosscheck
crosscheck-torch:
	@$(PYTHON) -c 'import torch, torchvision' 2>/dev/null || \
		{ apt-get update && apt-get install -y python3-torch python3-torchvision; }
	$(PYTHON) examples/python/crosscheck.py --vectors spec/vectors --out $(CROSSCHECK_OUT)
	$(GO) build -o $(CROSSCHECK_OUT)/focalcheck ./cmd/focalcheck
	@for c in torchvision:torchvision seed_module:seed-module; do \
		for d in "float64 --rtol 1e-10 --atol 1e-12" "float32 --rtol 1e-4 --atol 1e-6"; do \
			echo; echo "== $${c%%:*} --preset $${c##*:} --dtype $$d"; \
			$(CROSSCHECK_OUT)/focalcheck verify --candidate $(CROSSCHECK_OUT)/$${c%%:*}.jsonl \
				--preset $${c##*:} --dtype $$d || true; \
		done; \
	done

## mutants: mutation testing with gremlins (.gremlins.yaml: efficacy ≥ 90%,
## timeout coefficient 10, 2 workers) of impl/stable and impl/vectorized (SIMD
## build, -short, without TestWorkersDeterministic, whose run per mutant would
## take hours in all); fails on a timed-out mutant too. About 15 + 65 minutes
## on 2 cores. Results and the reviewed survivors: README, "Mutation testing".
MUTANTS_OUT ?= $(or $(TMPDIR),/tmp)/focalcheck-mutants
mutants:
	@mkdir -p $(MUTANTS_OUT)
	GOFLAGS=-count=1 $(TOOL) gremlins unleash -o $(MUTANTS_OUT)/stable.json ./impl/stable
	GOEXPERIMENT=simd GOFLAGS='-count=1 -short -skip=^TestWorkersDeterministic$$' \
		$(TOOL) gremlins unleash -o $(MUTANTS_OUT)/vectorized.json ./impl/vectorized
	@if grep -l '"status":"TIMED OUT"' $(MUTANTS_OUT)/*.json; then echo "timed-out mutants (see the files above)"; exit 1; fi
