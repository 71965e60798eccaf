# reformsync — the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
BIN := .build/debug/reformsync

.PHONY: deps build test demo bench release clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product reformsync

# The whole test suite: unit, property, integration (real processes on 127.0.0.1) tests.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Runs the main job on an embedded default: see scripts/demo.sh.
demo: build
	@scripts/demo.sh $(BIN)

release: deps
	$(SWIFT) build -c release --product reformsync

# Benchmarks print figures (last line: one JSON object); they are not tests.
bench: release
	.build/release/reformsync bench merge

clean:
	rm -rf .build
