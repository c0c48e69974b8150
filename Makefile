# faultline — the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/faultline/faultline/cli.version=$(VERSION)

.PHONY: all setup build demo test test-short vet bench clean

all: build

# Installs what is missing (Debian packages, Go modules). Idempotent.
setup:
	@scripts/setup.sh

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/faultline ./cmd/faultline
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN)/faultline-node ./cmd/faultline-node

# One command: set up, bring up a 5-node local cluster, run a 60 s register
# test under partitions and crashes, print the verdict and the report path.
demo: setup build
	$(BIN)/faultline cluster up
	$(BIN)/faultline test --target register --workload register --nemesis partition,kill --time-limit 60s

vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt: the files above need gofmt -w"; exit 1; }
	$(GO) vet ./...

# The whole test suite, including end-to-end runs on a real namespace cluster.
test: setup build vet
	$(GO) test -count=1 -timeout 25m ./...

# Unit tests only (no namespaces, no sshd).
test-short:
	$(GO) test -short -count=1 ./...

# Benchmarks: prints figures and ratios, asserts nothing (see BENCHMARKS.md).
# BENCH=all (or cluster) adds the local-cluster figures; needs root.
bench:
	@scripts/bench.sh $(or $(BENCH),go)

clean:
	rm -rf $(BIN)
