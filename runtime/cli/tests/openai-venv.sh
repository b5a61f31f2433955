#!/usr/bin/env bash
# The venv with the official `openai` Python client for the `serve` tests:
#   runtime/cli/tests/openai-venv.sh DIR   (make test: ~/.cache/agentcoder/openai-venv)
# Does nothing when DIR already holds this pinned version.
set -euo pipefail
venv=$1
want="openai==3.51.0"
stamp=$venv/agentcoder-openai.txt
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "!!! python3 is absent: the openai client check of the serve tests will be SKIPPED !!!" >&2
  exit 0
fi
python3 -m venv "$venv" \
  || { echo "could not create $venv with 'python3 -m venv' (Debian: apt-get install python3-venv)" >&2; exit 1; }
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$want"
echo "$want" > "$stamp"
