#!/usr/bin/env bash
# Create (or bring up to date) the Python venv of the PyTorch + PEFT side of
# `make bench-peer`, outside git:
#   bench/peer/venv.sh [DIR]      (default: $PEER_VENV or ~/.cache/agentcoder/peer-venv)
# Installs bench/peer/requirements.txt with --no-deps (see the note there on
# why the nvidia-* libraries are needed), then checks that torch multiplies two
# matrices on the CPU. Does nothing when DIR already holds this requirements.txt.
# Takes about 2 minutes and 4.5 GB the first time.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
req=$here/requirements.txt
venv=${1:-${PEER_VENV:-${AGENTCODER_CACHE:-$HOME/.cache/agentcoder}/peer-venv}}
stamp=$venv/agentcoder-requirements.txt
python=${PYTHON:-python3}

die() { echo "bench-peer: $*" >&2; exit 1; }

if [ -x "$venv/bin/python" ] && cmp -s "$req" "$stamp"; then
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "bench-peer: creating the venv $venv"
  command -v "$python" >/dev/null || die "$python not found: install Python 3.10+ with pip and venv"
  "$python" -m venv "$venv" \
    || die "could not create the venv $venv with '$python -m venv' (on Debian/Ubuntu: apt-get install python3-venv)"
fi

echo "bench-peer: installing bench/peer/requirements.txt into $venv (about 4.5 GB; torch and its CUDA libraries)"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
  --no-deps --only-binary=:all: -r "$req" \
  || die "pip could not install $req into $venv (is PyPI reachable?)"

"$venv/bin/python" - <<'EOF' || die "the venv $venv is broken: torch/transformers/peft/gguf do not import (see above)"
import torch, transformers, peft, gguf  # noqa: F401
x = torch.randn(2, 2) @ torch.randn(2, 2)
assert x.shape == (2, 2)
print(f"bench-peer: torch {torch.__version__} works on the CPU ({torch.backends.cpu.get_cpu_capability()})")
EOF
cp "$req" "$stamp"
