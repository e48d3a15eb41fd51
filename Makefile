# The two commands of the README:
#   make demo   set up, build the wasm package and the demo, serve it on http://127.0.0.1:$(PORT)
#   make test   set up, then run every suite (see scripts/test); ends with "N passed, N failed"
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080

.PHONY: setup wasm npm demo-build demo test bench vectors clean

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

# Benchmarks: native (Rust) and wasm (Node, headless Chromium), side by side; see docs/BENCHMARKS.md.
bench: npm
	@scripts/bench

# Regenerates vectors/ from fixed seeds (the tests fail if the committed files differ).
vectors:
	@cargo run -q -p twofold-tests --bin gen-vectors

clean:
	rm -rf target npm/pkg npm/dist web-demo/dist screenshots test-results
