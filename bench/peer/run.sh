#!/usr/bin/env bash
# `make bench-peer`: our LoRA training step (`agentcoder bench train`) against
# PyTorch + PEFT (bench/peer/train_peft.py) on the same model, sequence length,
# LoRA rank/targets and thread count, alternating ours, peer, ours, peer, ...
# Writes bench/results/peer-train-YYYYMMDD-HHMMSS.json with every run, the
# medians, the ratios ours/peer and the machine.
#
# Settings (environment):
#   MODEL        GGUF model       (default ~/.cache/agentcoder/models/SmolLM2-135M-Instruct.Q4_1.gguf)
#   SEQ          sequence length  (default 256)
#   RANK         LoRA rank        (default 16; alpha is 2*rank on both sides)
#   THREADS      threads per side (default: all cores)
#   PEER_STEPS   timed steps per run, after one warm-up step (default 3)
#   PEER_ROUNDS  runs of each side (default 2)
#   PEER_VENV    the Python venv  (default ~/.cache/agentcoder/peer-venv; created if missing)
#   BIN          our binary       (default target/release/agentcoder)
#   OURS_ARGS    extra options for `agentcoder bench train`, e.g. "--compute int8"
#   OUT_DIR      where the JSON goes (default bench/results)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${AGENTCODER_CACHE:-$HOME/.cache/agentcoder}
MODEL=${MODEL:-$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf}
SEQ=${SEQ:-256}
RANK=${RANK:-16}
THREADS=${THREADS:-$(nproc)}
PEER_STEPS=${PEER_STEPS:-3}
PEER_ROUNDS=${PEER_ROUNDS:-2}
PEER_VENV=${PEER_VENV:-$cache/peer-venv}
BIN=${BIN:-$root/target/release/agentcoder}
OUT_DIR=${OUT_DIR:-$root/bench/results}

die() { echo "bench-peer: $*" >&2; exit 1; }

[ -f "$MODEL" ] || die "$MODEL: no such model (run \`make model\`)"
[ -x "$BIN" ] || die "$BIN: no such binary (run \`make build\`)"
for v in SEQ RANK THREADS PEER_STEPS PEER_ROUNDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done

"$here/venv.sh" "$PEER_VENV"

runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT

# The same thread count for every library either side may use; no hub access.
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false

# Runs one side; on failure shows its stderr and stops.
run_side() {
  local name=$1 out=$2
  shift 2
  if ! "$@" >"$out" 2>"$out.err"; then
    cat "$out.err" >&2
    die "the $name run failed: $*"
  fi
}

load_before=$(cat /proc/loadavg)
echo "bench-peer: seq $SEQ, rank $RANK, $THREADS threads, $PEER_STEPS timed steps, $PEER_ROUNDS rounds; load $load_before"
for i in $(seq -f %02g "$PEER_ROUNDS"); do
  echo "bench-peer: round $i: ours"
  # shellcheck disable=SC2086 # OURS_ARGS is a list of options
  run_side ours "$runs/ours-$i.json" \
    "$BIN" bench train --json --model "$MODEL" --seq "$SEQ" --rank "$RANK" --threads "$THREADS" --steps "$PEER_STEPS" \
    ${OURS_ARGS:-}
  echo "bench-peer: round $i: peer (torch + peft)"
  run_side peer "$runs/peer-$i.json" \
    "$PEER_VENV/bin/python" "$here/train_peft.py" --model "$MODEL" --seq "$SEQ" --rank "$RANK" --threads "$THREADS" --steps "$PEER_STEPS"
done
load_after=$(cat /proc/loadavg)

cd "$root"
python3 "$here/combine.py" --runs "$runs" --model "$MODEL" --ours-args "${OURS_ARGS:-}" \
  --load-before "$load_before" --load-after "$load_after" \
  --out "$OUT_DIR/peer-train-$(date +%Y%m%d-%H%M%S).json"
