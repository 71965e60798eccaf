# reformsync — the two commands of the quick start are `make demo` and `make test`.
SWIFT ?= swift
BIN := .build/debug/reformsync

.PHONY: deps build test test-deb deb demo demo-two-tier tour bench release fuzz clean screenshots

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product reformsync

# The whole test suite: unit, property, integration (real processes on 127.0.0.1) tests, and the
# office apps in headless Chromium (REFORMSYNC_REQUIRE_BROWSER: never skipped here).
# Four runs, one after the other, because the suites that block threads (child processes awaited,
# browsers driven through curl, the 100-node load test) starve the in-process servers of the
# others on a 2-core machine (Swift's cooperative pool has one thread per core): first the
# process suites, then the in-process servers (HubClientTests, ProtocolTests), then the browser
# suites, then the hub-under-load suite.
IN_PROCESS := HubClientTests|ProtocolTests
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip 'HubUnderLoadTests|$(IN_PROCESS)|BrowserTests'
	$(SWIFT) test --skip-build --filter '$(IN_PROCESS)'
	REFORMSYNC_REQUIRE_BROWSER=1 $(SWIFT) test --skip-build --filter BrowserTests
	$(SWIFT) test --skip-build --filter HubUnderLoadTests
	scripts/test-deb.sh

# The Debian package reformsync_VERSION_amd64.deb (release build, dpkg-deb; README "Installing").
deb: deps
	SWIFT=$(SWIFT) scripts/build-deb.sh

# Builds the package, lints it, installs it on this machine (root), checks it, purges it.
test-deb: deps
	SWIFT=$(SWIFT) scripts/test-deb.sh

# The main job on an embedded default: the hub and the seven district daemons of the Tuyên Quang
# seed scenario on 127.0.0.1, synced; prints the report and the dashboard's address; Ctrl-C stops.
demo: build
	$(BIN) demo

# The two tiers (README "Two tiers"): a national hub, two provincial hubs with uplinks and two
# district daemons each; prints the national ranking and the rank back at every tier; Ctrl-C stops.
demo-two-tier: build
	$(BIN) demo --two-tier

# A shorter walk-through of one replica pair exchanging files (no network).
tour: build
	@scripts/demo.sh $(BIN)

# The unit app's screenshots in docs/screenshots/ (1366×768 and phone width), by the browser test.
screenshots: deps
	$(SWIFT) build --build-tests
	REFORMSYNC_REQUIRE_BROWSER=1 REFORMSYNC_SCREENSHOTS=$(CURDIR)/docs/screenshots $(SWIFT) test --skip-build --filter UnitAppBrowserTests

release: deps
	$(SWIFT) build -c release --product reformsync

# Benchmarks print figures (last line: one JSON object); they are not tests.
bench: release
	.build/release/reformsync bench merge
	.build/release/reformsync bench sync
	.build/release/reformsync bench report
	.build/release/reformsync bench bootstrap
	.build/release/reformsync bench compact
	.build/release/reformsync bench daemon
	.build/release/reformsync bench files
	.build/release/reformsync bench hub

# libFuzzer targets (Fuzz/) for every decoder of outside input, each run FUZZ_RUNS times (default
# 1,000,000; also FUZZ_TIMEOUT, FUZZ_RSS_MB, FUZZ_SANITIZE): prints executions, coverage and crashes,
# fails if any target crashed. Not part of `make test`; builds into .build-fuzz/ (scripts/fuzz.sh).
fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf .build
