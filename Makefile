# imagegw — see README.md. Targets run as root on Debian (bookworm).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export IMAGEGW_CLOUD_DIR ?= /tmp/imagegw-cloud
GO ?= go
PY := /usr/bin/python3

.PHONY: all build run stop cloud seed cloud-down test vet deploy-check unit e2e fuzz soak bench abuse tools clean

all: build

# Go itself: the machine's toolchain, else Debian's golang-go (which fetches
# the go.mod toolchain from the Go module proxy).
tools:
	@command -v $(GO) >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go ca-certificates; }
	@command -v curl >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl; }
	@command -v gcc >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q gcc libc6-dev; }

# staticcheck, pinned (from the Go module proxy), for make vet
STATICCHECK := $(HOME)/go/bin/staticcheck
STATICCHECK_VERSION := v0.8.2
$(STATICCHECK):
	GOFLAGS=-mod=mod $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

build: tools
	$(GO) build -o bin/imagegw ./cmd/imagegw

# A local Keystone + Glance with demo images (installs the Debian packages if missing).
cloud: tools
	bash scripts/cloud/up.sh
	$(PY) scripts/cloud/seed.py

seed:
	$(PY) scripts/cloud/seed.py --reset

# REPLICAS=N (N > 1): N imagegw coordinated through Redis behind HAProxy
# on the same address (scripts/fleet.sh) instead of one imagegw.
REPLICAS ?= 1
run: build cloud
	@if [ "$(REPLICAS)" -gt 1 ]; then bash scripts/fleet.sh start $(REPLICAS); \
	else bash scripts/imagegw.sh start; fi

stop:
	bash scripts/imagegw.sh stop
	bash scripts/fleet.sh stop
	bash scripts/cloud/down.sh

vet: tools $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/...
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags e2e ./e2e/...

# deploy/: the systemd unit (systemd-analyze verify, ExecStart pointed at
# the built binary) and the HAProxy config (haproxy -c)
deploy-check: build
	@command -v systemd-analyze >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q systemd; }
	@command -v haproxy >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy; }
	@d=$$(mktemp -d) && sed "s|/usr/local/bin/imagegw|$(CURDIR)/bin/imagegw|" deploy/imagegw.service >$$d/imagegw.service \
	  && systemd-analyze verify $$d/imagegw.service; rc=$$?; rm -rf $$d; exit $$rc
	haproxy -c -f deploy/haproxy.cfg

# with the race detector (it needs cgo: gcc comes with make tools)
unit: tools
	CGO_ENABLED=1 $(GO) test -race -count=1 ./...

# End-to-end through the real services: start (or reuse) the cloud, with
# nova-api for the pass-through of issue 18, reset the seed.
e2e: export IMAGEGW_CLOUD_NOVA = 1
e2e: tools
	bash scripts/cloud/up.sh
	bash scripts/clients/install.sh
	bash scripts/install-chromium.sh
	$(PY) scripts/cloud/seed.py --reset
	$(GO) test -count=1 -tags e2e -timeout 30m ./e2e/...

test: vet deploy-check unit e2e

# Fuzzers (not part of make test; their seed corpora in */testdata/fuzz run with every go test).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./microversion/ -run '^$$' -fuzz '^FuzzNegotiate$$' -fuzztime $(FUZZTIME)
	$(GO) test ./translate/ -run '^$$' -fuzz '^FuzzParseList$$' -fuzztime $(FUZZTIME)
	$(GO) test ./translate/ -run '^$$' -fuzz '^FuzzValidateMetadataBody$$' -fuzztime $(FUZZTIME)
	$(GO) test ./proxy/ -run '^$$' -fuzz '^FuzzRouter$$' -fuzztime $(FUZZTIME)
	# differential: the hand-written version parsing and go-json against their references
	$(GO) test ./microversion/ -run '^$$' -fuzz '^FuzzParseMatchesNovaPattern$$' -fuzztime $(FUZZTIME)
	$(GO) test ./microversion/ -run '^$$' -fuzz '^FuzzRequestedMatchesDefinition$$' -fuzztime $(FUZZTIME)
	$(GO) test ./proxy/upstream/ -run '^$$' -fuzz '^FuzzPageDecodeMatchesEncodingJSON$$' -fuzztime $(FUZZTIME)

# Benchmarks (own cloud on other ports, with nova-api Zed unless BENCH_NOVA=0): bench/results/.
bench: tools
	IMAGEGW_CLOUD_DIR=$${BENCH_CLOUD_DIR:-/tmp/imagegw-bench-cloud} bash scripts/bench.sh

# Soak test, not part of make test: SOAK_MINUTES (5) or SOAK_SECONDS, SOAK_RATE (50 req/s);
# report in bench/results/soak.md. Use its own cloud so e2e resets cannot disturb it:
#   IMAGEGW_CLOUD_DIR=/tmp/imagegw-soak-cloud IMAGEGW_KEYSTONE_PORT=55000 IMAGEGW_GLANCE_PORT=59292 make soak
soak: tools
	bash scripts/cloud/up.sh
	$(PY) scripts/cloud/seed.py
	bash scripts/soak.sh

# Issue 14's abuse scenarios against the built binary (not part of make
# test; the cloud must be up and seeded): appends to bench/results/abuse.md.
abuse: build
	bash scripts/abuse.sh bin/imagegw "$$(git rev-parse --short HEAD)$$(git diff --quiet || echo +changes)"

clean:
	rm -rf bin
