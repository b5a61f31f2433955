#!/usr/bin/env bash
# Fetches the BFCL v4 data we evaluate on from PyPI (`bfcl-eval==2026.3.23`),
# checks the wheel's sha256 and every extracted file's sha256, and caches the
# files outside git. Idempotent: files already present and verified are kept.
#
#   scripts/fetch-bfcl.sh      -> $CACHE/bfcl/BFCL_v4_<category>.json
#                                 $CACHE/bfcl/possible_answer/BFCL_v4_<category>.json
set -euo pipefail

CACHE="${AGENTCODER_CACHE:-$HOME/.cache/agentcoder}"
PY="${PYTHON:-python3}"
DEST="$CACHE/bfcl"
SPEC="bfcl-eval==2026.3.23"
WHEEL_SHA=3bb6dfa5f0c68ad403c9ec50b00db2bb3b4cc9b38ab1ff33f48fe30d853d3a0a

# path under bfcl_eval/data/ (= path under $DEST) and its sha256
FILES="
BFCL_v4_simple_python.json 82dd63ba502eb2520c6b5d1d9a5c4b590e03ff261565175561f6228a367d1991
BFCL_v4_multiple.json aef168155ebd74b7ac2401198b201343bc7d16d7a3d7e0d4e6d8ee82c6969b2a
BFCL_v4_parallel.json 19f51a82eff42e5d62541aa500115a056eb78f437c2ba1f10415fd7c8e5dda84
BFCL_v4_parallel_multiple.json 8863ea8433239f55c5f016154cf0830853c89f693c6ea270396a2fa121960579
BFCL_v4_irrelevance.json 2b6ed4c2e992cdcf5f1678a701851f944bef7550ee026ed1ddb89efed5be01a6
possible_answer/BFCL_v4_simple_python.json 90cd5bc653690ee8e459b5b3f3fc9458606f7f3fcbf795bb51b7dc581f8c86dc
possible_answer/BFCL_v4_multiple.json 244e00ce9395df948bcafc7bee64e8f9c87ef70887587d83cae45b13699f3047
possible_answer/BFCL_v4_parallel.json 8a6aa19c1adddc6a5a2f7e40f9dbf30cc7e95815e7b830c90589ab318229e0f0
possible_answer/BFCL_v4_parallel_multiple.json 5ebf24f458c1f16300c05505d83d6f0a1b68b79be273a033febd0d4f840507e3
"

all_verified() {
  local rel sha
  while read -r rel sha; do
    [[ -z "$rel" ]] && continue
    [[ -f "$DEST/$rel" ]] || return 1
    echo "$sha  $DEST/$rel" | sha256sum -c --status || return 1
  done <<<"$FILES"
}

if all_verified; then
  echo "bfcl: cached at $DEST"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "bfcl: downloading $SPEC from PyPI ..."
"$PY" -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "$SPEC"
whl="$(ls "$tmp"/*.whl | head -1)"
got="$(sha256sum "$whl" | cut -d' ' -f1)"
if [[ "$got" != "$WHEEL_SHA" ]]; then
  echo "bfcl: wheel sha256 mismatch: expected $WHEEL_SHA, got $got" >&2
  exit 1
fi

mkdir -p "$tmp/out/possible_answer"
while read -r rel sha; do
  [[ -z "$rel" ]] && continue
  "$PY" - "$whl" "bfcl_eval/data/$rel" "$tmp/out/$rel" <<'PYEOF'
import sys, zipfile, shutil
whl, member, out = sys.argv[1:]
with zipfile.ZipFile(whl) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PYEOF
  if ! echo "$sha  $tmp/out/$rel" | sha256sum -c --status; then
    echo "bfcl: sha256 mismatch for $rel" >&2
    exit 1
  fi
done <<<"$FILES"

mkdir -p "$DEST/possible_answer"
while read -r rel sha; do
  [[ -z "$rel" ]] && continue
  mv "$tmp/out/$rel" "$DEST/$rel"
done <<<"$FILES"
echo "bfcl: verified and cached at $DEST"
