#!/usr/bin/env bash
# Build the Python guest interpreter (sandbox-wasm/guest) to wasm32 with
# Debian's rustc 1.63 (apt: rustc libstd-rust-dev-wasm32), reproducibly, into
# the committed sandbox-wasm/guest.wasm.
#   build-guest.sh          rebuild guest.wasm
#   build-guest.sh --check  rebuild to a temp file; exit 1 if guest.wasm is stale
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
RUSTC="${GUEST_RUSTC:-/usr/bin/rustc}"
if [ ! -x "$RUSTC" ]; then
    echo "error: $RUSTC not found. Install Debian's toolchain: apt-get install rustc libstd-rust-dev-wasm32" >&2
    exit 2
fi
sysroot="$("$RUSTC" --print sysroot)"
if [ ! -d "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib" ]; then
    echo "error: the wasm32-unknown-unknown std for $RUSTC is missing. Install it: apt-get install libstd-rust-dev-wasm32" >&2
    exit 2
fi
mode="${1:-build}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Fixed flags, no varying paths: remap the source dir, no debuginfo, strip,
# one codegen unit. 16 MiB wasm stack for deep (bounded) Python recursion.
"$RUSTC" --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib -O \
    --crate-name pyguest \
    -C codegen-units=1 -C debuginfo=0 -C strip=symbols -C panic=abort \
    -C link-arg=-zstack-size=16777216 -C link-arg=--strip-all \
    --remap-path-prefix="$here=/sandbox-wasm" \
    --remap-path-prefix="$sysroot=/rustc-sysroot" \
    --remap-path-prefix="${HOME:-/root}=/home" \
    -o "$tmp/guest.wasm" "$here/guest/src/lib.rs"
if [ "$mode" = "--check" ]; then
    if cmp -s "$tmp/guest.wasm" "$here/guest.wasm"; then
        echo "guest.wasm is up to date"
    else
        echo "error: sandbox-wasm/guest.wasm is stale; run sandbox-wasm/build-guest.sh and commit it" >&2
        exit 1
    fi
else
    cp "$tmp/guest.wasm" "$here/guest.wasm"
    echo "built $here/guest.wasm ($(wc -c < "$here/guest.wasm") bytes)"
fi
