#!/bin/sh
# Opens each HTML report in headless Chromium in a 1280x800 laptop window,
# writes a screenshot next to it (NAME.png), and fails when the page is
# wider than the window (the page records that itself: see
# runtime/src/eval/report.rs, `html`) or did not load.
# Usage: scripts/check-report.sh REPORT.html...
set -eu
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check-report: Chromium not found (Debian: apt-get install chromium)" >&2
  exit 2
fi
# The network is closed: no background connections, no first-run work.
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --window-size=1280,800"
status=0
for f in "$@"; do
  url="file://$(realpath "$f")"
  png="${f%.html}.png"
  profile=$(mktemp -d)
  "$browser" $flags --user-data-dir="$profile" --screenshot="$png" "$url" >/dev/null 2>&1
  dom=$("$browser" $flags --user-data-dir="$profile" --dump-dom "$url" 2>/dev/null)
  rm -rf "$profile"
  case "$dom" in
    *'data-overflow="false"'*) echo "check-report: $f fits a 1280 px window (screenshot $png)" ;;
    *'data-overflow="true"'*) echo "check-report: $f is wider than a 1280 px window (screenshot $png)"; status=1 ;;
    *) echo "check-report: $f did not load or did not report its width"; status=1 ;;
  esac
done
exit $status
