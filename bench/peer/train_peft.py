#!/usr/bin/env python3
"""The peer side of `make bench-peer`: one LoRA training step on the CPU with
PyTorch + PEFT, set up like `agentcoder bench train`.

Same GGUF model (transformers dequantizes it to f32), same sequence length,
LoRA rank r with alpha 2r on all seven projections, AdamW lr 1e-4 (PyTorch
defaults otherwise, as ours), every position trained (labels = ids; the model
shifts them), one warm-up step, then N timed steps of forward + backward +
optimizer step. Prints one JSON object on stdout; progress goes to stderr.

Run it with the venv that bench/peer/run.sh creates:
    python train_peft.py --model M.gguf --seq 256 --rank 16 --steps 3 --threads 2
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
import warnings
from importlib import metadata

# The same filler text `agentcoder bench train` repeats to make its sequence.
FILLER = (
    "The quick brown fox jumps over the lazy dog while the tired engineer "
    "measures tokens per second on a small laptop. "
)
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
PACKAGES = ["torch", "transformers", "peft", "gguf", "accelerate", "safetensors", "tokenizers", "numpy"]


def log(msg):
    print(f"train_peft: {msg}", file=sys.stderr, flush=True)


def rss_bytes():
    """(current, peak) resident set size of this process, as ours reads it."""
    cur = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) * 1024
    # ru_maxrss is in KiB on Linux.
    return cur, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def versions():
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def torch_info(torch):
    """What decides PyTorch's CPU speed: ISA level, MKL, oneDNN, threads."""
    config = torch.__config__.show()

    def line_with(text):
        return next((l.strip(" -") for l in config.splitlines() if text in l), None)

    return {
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "mkl": line_with("Math Kernel Library"),
        "onednn": line_with("MKL-DNN"),
        "mkl_available": torch.backends.mkl.is_available(),
        "mkldnn_available": torch.backends.mkldnn.is_available(),
        "openmp_available": torch.backends.openmp.is_available(),
        "num_threads": torch.get_num_threads(),
        "num_interop_threads": torch.get_num_interop_threads(),
        "config": config,
        "parallel_info": torch.__config__.parallel_info(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="the GGUF file")
    ap.add_argument("--seq", type=int, default=256, help="tokens in the training sequence (default 256)")
    ap.add_argument("--rank", type=int, default=16, help="LoRA rank; alpha is 2*rank (default 16)")
    ap.add_argument("--steps", type=int, default=3, help="timed steps after the warm-up step (default 3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    ap.add_argument("--lr", type=float, default=1e-4, help="AdamW learning rate (default 1e-4)")
    a = ap.parse_args()
    if not os.path.isfile(a.model):
        sys.exit(f"train_peft: {a.model}: no such file")
    if a.seq < 2 or a.steps < 1 or a.rank < 1 or a.threads < 1:
        sys.exit("train_peft: --seq must be >= 2 and --steps, --rank, --threads >= 1")

    import torch
    import transformers
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.utils.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning)

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    model_dir, gguf_file = os.path.split(os.path.abspath(a.model))
    t0 = time.perf_counter()
    log(f"loading {a.model} (dequantized to f32)")
    tok = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf_file, dtype=torch.float32)
    load_s = time.perf_counter() - t0

    model = get_peft_model(
        model,
        LoraConfig(
            r=a.rank,
            lora_alpha=2 * a.rank,
            target_modules=TARGETS,
            lora_dropout=0.0,
            bias="none",
            task_type="CAUSAL_LM",
        ),
    )
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=a.lr)

    one = tok(FILLER, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([(one * (a.seq // len(one) + 1))[: a.seq]], dtype=torch.long)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        return loss.item()

    log(f"warm-up step (seq {a.seq}, rank {a.rank}, {a.threads} threads)")
    rss_loaded = rss_bytes()[0]
    first_loss = step()
    log(f"{a.steps} timed steps")
    losses = []
    t0 = time.perf_counter()
    for _ in range(a.steps):
        losses.append(step())
    step_s = (time.perf_counter() - t0) / a.steps
    rss_now, rss_peak = rss_bytes()

    print(
        json.dumps(
            {
                "bench": "train_peft",
                "threads": a.threads,
                "seq": a.seq,
                "rank": a.rank,
                "lora_alpha": 2 * a.rank,
                "targets": TARGETS,
                "steps": a.steps,
                "lr": a.lr,
                "tokens_per_second": a.seq / step_s,
                "step_ms": step_s * 1e3,
                "peak_rss_bytes": rss_peak,
                "rss_after_load_bytes": rss_loaded,
                "rss_end_bytes": rss_now,
                "load_seconds": load_s,
                "trainable_parameters": sum(p.numel() for p in trainable),
                "total_parameters": sum(p.numel() for p in model.parameters()),
                "dtype": str(next(model.parameters()).dtype),
                "attn_implementation": getattr(model.config, "_attn_implementation", None),
                "loss_warmup": first_loss,
                "loss_last": losses[-1],
                "versions": versions(),
                "torch": torch_info(torch),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
