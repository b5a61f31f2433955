#!/usr/bin/env bash
# The training data of the recipe adapter (`make train-agent`): code-agent
# conversations (a quarter of the tool calls fail first and are fixed in the
# next turn) and function-calling samples drawn from our own schema library
# (runtime/dataset/data/fc), each split 80/10/10 with equal questions kept in
# one part. BFCL is the exam: nothing here reads it (a CLI test checks that
# no BFCL question or function description appears in train.jsonl).
#
#   scripts/agent-data.sh BIN OUT_DIR    -> OUT_DIR/{train,val}.jsonl,
#                                           OUT_DIR/code/test.jsonl (held out)
# CODE_N and FC_N set the sample counts (the recipe's mix: see configs/agent.toml).
set -euo pipefail
BIN="$1"
OUT="$2"
CODE_N="${CODE_N:-1000}"
FC_N="${FC_N:-1800}"
mkdir -p "$OUT"
"$BIN" data synth --kind code --n "$CODE_N" --seed 42 --out "$OUT/code.jsonl"
"$BIN" data split "$OUT/code.jsonl" --out-dir "$OUT/code"
"$BIN" data synth --kind function-calling --n "$FC_N" --seed 43 --out "$OUT/fc.jsonl"
"$BIN" data split "$OUT/fc.jsonl" --out-dir "$OUT/fc"
cat "$OUT/code/train.jsonl" "$OUT/fc/train.jsonl" > "$OUT/train.jsonl"
cat "$OUT/code/val.jsonl" "$OUT/fc/val.jsonl" > "$OUT/val.jsonl"
echo "agent-data: $(wc -l < "$OUT/train.jsonl") training and $(wc -l < "$OUT/val.jsonl") validation conversations in $OUT"
