#!/usr/bin/env python3
"""Combine the runs of `make bench-peer` into one JSON document.

    combine.py --runs DIR --load-before "$(cat /proc/loadavg)" \
               --load-after "$(cat /proc/loadavg)" --out FILE

DIR holds ours-N.json (`agentcoder bench train --json`) and peer-N.json
(train_peft.py) for N = 1..rounds. Records each side's runs and medians, the
ratios ours/peer, and the machine (CPU, SIMD flags, cores, load, git commit).
Standard library only: runs with the system python3.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# CPU flags that decide which SIMD kernels either side can use.
SIMD_FLAGS = [
    "sse4_2", "avx", "f16c", "fma", "avx2", "avx_vnni",
    "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
    "amx_tile", "amx_int8", "amx_bf16", "amx_fp16",
]


def cpu_info():
    model, flags = platform.processor() or None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not flags:
                    model = value.strip()
                elif key == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    amx = sorted(f for f in flags if f.startswith("amx"))
    return {
        "model": model,
        "logical_cpus": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)),
        "simd_flags": {f: f in flags for f in SIMD_FLAGS},
        "amx_flags": amx,
    }


def memory_bytes():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def loadavg(text):
    return [float(x) for x in text.split()[:3]]


def side(runs, extra):
    """Per-run figures and their medians for one side."""
    def figures(key):
        values = [r[key] for r in runs]
        return {"median": statistics.median(values), "runs": values}
    return {
        "tokens_per_second": figures("tokens_per_second"),
        "step_ms": figures("step_ms"),
        "peak_rss_bytes": figures("peak_rss_bytes"),
        **extra,
        "runs": runs,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", required=True, type=Path)
    ap.add_argument("--load-before", required=True)
    ap.add_argument("--load-after", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--ours-args", default="", help="extra options given to `agentcoder bench train`")
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()

    ours_docs = [json.loads(p.read_text()) for p in sorted(a.runs.glob("ours-*.json"))]
    peer = [json.loads(p.read_text()) for p in sorted(a.runs.glob("peer-*.json"))]
    if not ours_docs or len(ours_docs) != len(peer):
        sys.exit(f"bench-peer: expected as many ours-N.json as peer-N.json in {a.runs}")
    ours = [d["result"] for d in ours_docs]

    first = ours[0]
    for p in peer:
        for key, want in (("seq", first["seq"]), ("rank", first["rank"]), ("threads", first["threads"]), ("steps", first["steps"])):
            if p[key] != want:
                sys.exit(f"bench-peer: the sides ran with different {key}: ours {want}, peer {p[key]}")

    ours_side = side(ours, {"machine": ours_docs[0].get("machine")})
    peer_side = side(peer, {"versions": peer[0]["versions"], "torch": peer[0]["torch"]})
    for r in peer:  # kept once above
        r.pop("versions", None)
        r.pop("torch", None)

    model = Path(a.model)
    doc = {
        "bench": "peer-train",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            "model": str(model),
            "model_bytes": model.stat().st_size if model.exists() else None,
            "seq": first["seq"],
            "rank": first["rank"],
            "lora_alpha": 2 * first["rank"],
            "targets": first["targets"],
            "lr": 1e-4,
            "threads": first["threads"],
            "timed_steps": first["steps"],
            "warmup_steps": 1,
            "rounds": len(ours),
            "order": "ours, peer, ours, peer, ...",
            "ours_extra_args": a.ours_args,
        },
        "machine": {
            "cpu": cpu_info(),
            "memory_bytes": memory_bytes(),
            "kernel": platform.release(),
            "load_before": loadavg(a.load_before),
            "load_after": loadavg(a.load_after),
            "git_commit": git("rev-parse", "HEAD"),
            "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        },
        "ratio_ours_over_peer": {
            "tokens_per_second": ours_side["tokens_per_second"]["median"] / peer_side["tokens_per_second"]["median"],
            "peak_rss_bytes": ours_side["peak_rss_bytes"]["median"] / peer_side["peak_rss_bytes"]["median"],
        },
        "ours": ours_side,
        "peer": peer_side,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=2) + "\n")

    mb = 1e6
    r = doc["ratio_ours_over_peer"]
    print(f"seq {first['seq']}, rank {first['rank']}, {first['threads']} threads, {first['steps']} timed steps, {len(ours)} rounds (medians)")
    print(f"  ours (agentcoder)   {ours_side['tokens_per_second']['median']:8.1f} tok/s  peak RSS {ours_side['peak_rss_bytes']['median'] / mb:7.1f} MB")
    print(f"  peer (torch+peft)   {peer_side['tokens_per_second']['median']:8.1f} tok/s  peak RSS {peer_side['peak_rss_bytes']['median'] / mb:7.1f} MB")
    print(f"  ours/peer           {r['tokens_per_second']:8.2f}x tok/s  {r['peak_rss_bytes']:.2f}x peak RSS")
    print(f"  load {a.load_before.split()[0]} before, {a.load_after.split()[0]} after -> {a.out}")


if __name__ == "__main__":
    main()
