#!/usr/bin/env python3
"""The peer side of `make bench-peer-pretrain`: full-parameter training of a
small llama model from scratch with PyTorch, set up like `agentcoder
pretrain` with the same config file.

Same shape (layers, width, heads, kv heads, feed-forward, vocabulary, tied
head, RMS eps 1e-5, RoPE base 10000), f32 weights, batch_tokens / seq
sequences of seq tokens per step (every position trained), AdamW with the
config's lr and weight decay, gradient clipping at the config's clip. One
warm-up step, then N timed steps of forward + backward + clip + optimizer
step on random token ids. Prints one JSON object on stdout.

    python pretrain_torch.py --config tiny.toml --vocab 2048 --steps 5 --threads 2
"""

import argparse
import json
import os
import sys
import time
import tomllib

from train_peft import log, rss_bytes, torch_info, versions

DEFAULTS = {
    "n_layer": 4, "n_embd": 256, "n_head": 4, "n_head_kv": 4, "n_ff": 704, "context": 512,
    "seq": 256, "batch_tokens": 4096, "lr": 2e-3, "weight_decay": 0.1, "clip": 1.0,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="the flat TOML `agentcoder pretrain --config` reads")
    ap.add_argument("--vocab", type=int, required=True, help="vocabulary size (the trained tokenizer's)")
    ap.add_argument("--steps", type=int, default=5, help="timed steps after the warm-up step (default 5)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    a = ap.parse_args()
    with open(a.config, "rb") as f:
        cfg = {**DEFAULTS, **tomllib.load(f)}
    if a.steps < 1 or a.threads < 1 or a.vocab < 2:
        sys.exit("pretrain_torch: --steps and --threads must be >= 1, --vocab >= 2")

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=a.vocab,
        hidden_size=cfg["n_embd"],
        intermediate_size=cfg["n_ff"],
        num_hidden_layers=cfg["n_layer"],
        num_attention_heads=cfg["n_head"],
        num_key_value_heads=cfg["n_head_kv"],
        max_position_embeddings=cfg["context"],
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=True,
        attention_bias=False,
        mlp_bias=False,
    )
    model = LlamaForCausalLM(config).to(torch.float32)
    model.train()
    # No decay on norms, as ours.
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    rest = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
        lr=cfg["lr"],
    )
    seq = cfg["seq"]
    batch = max(1, cfg["batch_tokens"] // seq)
    gen = torch.Generator().manual_seed(1)

    def step():
        ids = torch.randint(0, a.vocab, (batch, seq), generator=gen)
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
        opt.step()
        return loss.item()

    log(f"warm-up step ({batch} x {seq} tokens, {a.threads} threads)")
    first = step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        last = step()
    step_s = (time.perf_counter() - t0) / a.steps
    print(json.dumps({
        "bench": "pretrain_torch",
        "threads": a.threads,
        "seq": seq,
        "sequences_per_step": batch,
        "steps": a.steps,
        "parameters": sum(p.numel() for p in model.parameters()),
        "tokens_per_second": batch * seq / step_s,
        "step_ms": step_s * 1e3,
        "peak_rss_bytes": rss_bytes()[1],
        "loss_warmup": first,
        "loss_last": last,
        "attn_implementation": getattr(model.config, "_attn_implementation", None),
        "versions": versions(),
        "torch": torch_info(torch),
    }, indent=2))


if __name__ == "__main__":
    main()
