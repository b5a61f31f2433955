#!/usr/bin/env bash
# `make bench-peer-pretrain`: full-parameter training from scratch,
# `agentcoder pretrain` against PyTorch (bench/peer/pretrain_torch.py) on the
# same config file (shape, seq, batch_tokens, lr, weight decay, clip) and
# thread count, alternating ours, peer, ours, peer, ...
# Ours trains on windows of seq tokens of this repository's Rust sources
# with a tokenizer trained on them; the peer on random ids of the same
# vocabulary (the content does not change the work). Writes
# bench/results/peer-pretrain-YYYYMMDD-HHMMSS.json with every run, the
# medians, the ratio ours/peer and the machine.
#
# Settings (environment):
#   CONFIG       the pretrain config (default bench/peer/tiny.toml)
#   VOCAB        tokenizer size     (default 2048)
#   THREADS      threads per side   (default: all cores)
#   PEER_STEPS   timed steps per run, after one warm-up step (default 5)
#   PEER_ROUNDS  runs of each side  (default 2)
#   PEER_VENV    the Python venv    (default ~/.cache/agentcoder/peer-venv; created if missing)
#   BIN          our binary         (default target/release/agentcoder)
#   OUT_DIR      where the JSON goes (default bench/results)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${AGENTCODER_CACHE:-$HOME/.cache/agentcoder}
CONFIG=${CONFIG:-$here/tiny.toml}
VOCAB=${VOCAB:-2048}
THREADS=${THREADS:-$(nproc)}
PEER_STEPS=${PEER_STEPS:-5}
PEER_ROUNDS=${PEER_ROUNDS:-2}
PEER_VENV=${PEER_VENV:-$cache/peer-venv}
BIN=${BIN:-$root/target/release/agentcoder}
OUT_DIR=${OUT_DIR:-$root/bench/results}

die() { echo "bench-peer-pretrain: $*" >&2; exit 1; }

[ -f "$CONFIG" ] || die "$CONFIG: no such config"
[ -x "$BIN" ] || die "$BIN: no such binary (run \`make build\`)"
for v in VOCAB THREADS PEER_STEPS PEER_ROUNDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done

"$here/venv.sh" "$PEER_VENV"

runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false

data=$root/runtime/src
"$BIN" tokenizer train --vocab "$VOCAB" --out "$runs/tok.json" "$data" >/dev/null \
  || die "could not train the tokenizer"

load_before=$(cat /proc/loadavg)
echo "bench-peer-pretrain: $CONFIG, vocab $VOCAB, $THREADS threads, $PEER_STEPS timed steps, $PEER_ROUNDS rounds; load $load_before"
for i in $(seq -f %02g "$PEER_ROUNDS"); do
  echo "bench-peer-pretrain: round $i: ours"
  "$BIN" pretrain --config "$CONFIG" --data "$data" --tokenizer "$runs/tok.json" --threads "$THREADS" \
    --steps $((PEER_STEPS + 1)) --out "$runs/ours-$i" --json >"$runs/ours-$i.json" 2>"$runs/ours-$i.err" \
    || { cat "$runs/ours-$i.err" >&2; die "our run failed"; }
  echo "bench-peer-pretrain: round $i: peer (torch)"
  (cd "$here" && "$PEER_VENV/bin/python" pretrain_torch.py --config "$CONFIG" --vocab "$VOCAB" \
    --steps "$PEER_STEPS" --threads "$THREADS") >"$runs/peer-$i.json" 2>"$runs/peer-$i.err" \
    || { cat "$runs/peer-$i.err" >&2; die "the peer run failed"; }
done
load_after=$(cat /proc/loadavg)

cd "$here"
python3 - "$runs" "$CONFIG" "$load_before" "$load_after" \
  "$OUT_DIR/peer-pretrain-$(date +%Y%m%d-%H%M%S).json" <<'EOF'
import json, statistics, sys, time
from pathlib import Path
from combine import cpu_info, git, loadavg, memory_bytes

runs, config, before, after, out = Path(sys.argv[1]), sys.argv[2], *sys.argv[3:]
ours, peer = [], []
for p in sorted(runs.glob("ours-*.json")):
    summary = json.loads(p.read_text())
    steps = [json.loads(l) for l in (runs / p.stem / "metrics.jsonl").read_text().splitlines()]
    # Steps after the first (the warm-up), as the peer times them.
    tok_s = [s["tok_s"] for s in steps if s.get("step", 0) > 1 and "tok_s" in s]
    ours.append({"tokens_per_second": statistics.median(tok_s), "steps_tok_s": tok_s,
                 "peak_rss_bytes": summary["peak_rss_bytes"], "parameters": summary["n_params"]})
for p in sorted(runs.glob("peer-*.json")):
    peer.append(json.loads(p.read_text()))
med = lambda rs, k: statistics.median(r[k] for r in rs)
doc = {
    "bench": "peer-pretrain",
    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    "config": {"file": config, "text": Path(config).read_text(), "rounds": len(ours),
               "order": "ours, peer, ours, peer, ..."},
    "machine": {"cpu": cpu_info(), "memory_bytes": memory_bytes(), "load_before": loadavg(before),
                "load_after": loadavg(after), "git_commit": git("rev-parse", "HEAD"),
                "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no"))},
    "ratio_ours_over_peer": {
        "tokens_per_second": med(ours, "tokens_per_second") / med(peer, "tokens_per_second"),
        "peak_rss_bytes": med(ours, "peak_rss_bytes") / med(peer, "peak_rss_bytes"),
    },
    "ours": ours,
    "peer": peer,
}
Path(out).parent.mkdir(parents=True, exist_ok=True)
Path(out).write_text(json.dumps(doc, indent=2) + "\n")
r = doc["ratio_ours_over_peer"]
print(f"  ours (agentcoder)  {med(ours, 'tokens_per_second'):8.1f} tok/s  peak RSS {med(ours, 'peak_rss_bytes') / 1e6:7.1f} MB  ({ours[0]['parameters']} parameters)")
print(f"  peer (torch)       {med(peer, 'tokens_per_second'):8.1f} tok/s  peak RSS {med(peer, 'peak_rss_bytes') / 1e6:7.1f} MB  ({peer[0]['parameters']} parameters)")
print(f"  ours/peer          {r['tokens_per_second']:8.2f}x tok/s  {r['peak_rss_bytes']:.2f}x peak RSS -> {out}")
EOF
