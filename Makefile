# The two commands of the README:
#   make demo   set up, build the wasm package and the demo, serve it on http://127.0.0.1:$(PORT)
#   make test   set up, then run every suite (see scripts/test); ends with "N passed, N failed"
# For contributors:
#   make check  fmt, clippy and the native tests of core and tests: no setup, no network, no wasm
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080

.PHONY: setup wasm npm demo-build demo test check bench vectors fuzz simulate ctgrind clean

setup:
	@scripts/setup

wasm: setup
	@scripts/build-wasm

npm: wasm
	@scripts/build-npm

demo-build: npm
	@cd web-demo && vite build --logLevel warn

demo: demo-build
	@node scripts/serve.mjs web-demo/dist $(PORT)

test: setup
	@scripts/test

check:
	cargo fmt --all --check
	cargo clippy -q -p twofold-core -p twofold-wasm -p twofold-wasm-server -p twofold-wasm-client -p twofold-bench -p twofold-wasm-prims --all-targets -- -D warnings
	cargo clippy -q -p twofold-wasm-server -- -D warnings
	scripts/cargo-traced clippy -q -p twofold-core -p twofold-tests -p twofold-test-hooks --all-targets -- -D warnings
	cargo test -q -p twofold-core
	scripts/cargo-traced test -q -p twofold-tests

# Benchmarks: native (Rust) and wasm (Node, headless Chromium), side by side; see docs/BENCHMARKS.md.
bench: npm
	@scripts/bench

# Fuzzing (cargo-fuzz, libFuzzer; installs nightly and cargo-fuzz): every target for SECONDS
# each, then minimises the corpora into fuzz/corpus/ (replayed by `make test`).
SECONDS_PER_TARGET := $(if $(SECONDS),$(SECONDS),60)
fuzz:
	@scripts/fuzz $(SECONDS_PER_TARGET)

# The adversarial simulation at scale (tests/src/simulate.rs): 1,000 sessions, 10^6 messages;
# `make test` runs a small configuration. Figures in docs/BENCHMARKS.md.
simulate:
	@scripts/cargo-traced run -q --release -p twofold-tests --bin simulate

# The constant-time check under Valgrind Memcheck (secrets marked undefined; scripts/ctgrind):
# a table of every warning by operation and function. Findings in docs/design/hardening.md.
ctgrind:
	@scripts/ctgrind

# Regenerates vectors/ from fixed seeds (the tests fail if the committed files differ).
vectors:
	@scripts/cargo-traced run -q -p twofold-tests --bin gen-vectors

clean:
	rm -rf target npm/pkg npm/dist web-demo/dist screenshots test-results
