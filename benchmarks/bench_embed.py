"""Embedding throughput: batched encoder vs the tutorial's one-at-a-time loop, and achieved GFLOP/s vs matmul.

Run: ``python benchmarks/bench_embed.py [--n 1000] [--encoder all-MiniLM-L6-v2] [--batch-size 32]``.
Uses the first N canonical tweets (needs ``$ALREPRO_SENTIMENT140``), else synthetic sentences (with a note).
Everything is measured in the same process with the same thread count, so the ratios are what matters.

FLOPs of one encoder forward over a sequence of L tokens (hidden H, intermediate I, N layers), counting a
multiply-add as 2: per layer 8*L*H^2 (Q, K, V, output projections) + 4*L^2*H (scores and weighted sum) +
4*L*H*I (feed-forward); embeddings, layer norms, softmax and GELU are ignored. "useful" counts the real token
lengths; "executed" counts padded batch widths (what the batched run actually computes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def synthetic_sentences(n: int, seed: int = 0) -> list[str]:
    words = (
        "the a i you it is was so not just good bad day today work love hate really going back home time "
        "night morning twitter new now got get can't don't miss want need fun sad happy tired sleep lol"
    ).split()
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(words, size=int(rng.integers(3, 28)))) for _ in range(n)]


def layer_flops(lengths: np.ndarray, h: int, i: int, n_layers: int) -> float:
    L = lengths.astype(np.float64)
    return float(n_layers * (8 * L * h * h + 4 * L * L * h + 4 * L * h * i).sum())


def matmul_gflops(torch, m: int, k: int, n: int, seconds: float = 1.0) -> float:
    a = torch.randn(m, k, generator=torch.Generator().manual_seed(0))
    b = torch.randn(k, n, generator=torch.Generator().manual_seed(1))
    for _ in range(3):
        a @ b
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    return 2.0 * m * k * n * reps / (time.perf_counter() - t0) / 1e9


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--encoder", default="all-MiniLM-L6-v2")
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()

    import torch

    from alrepro.data import load_canonical
    from alrepro.embed import _threads, encode_one_at_a_time, encode_texts, load_encoder
    from alrepro.errors import AlreproError

    try:
        data = load_canonical()
    except AlreproError as exc:
        print(f"note: cannot read the tweets ({exc}); using synthetic sentences")
        data = None
    if data is not None and data.texts is not None:
        texts, what = data.texts[: args.n], f"first {args.n} canonical tweets"
    else:
        texts, what = synthetic_sentences(args.n), f"{args.n} synthetic sentences"
        print("note: ALREPRO_SENTIMENT140 not set; benchmarking on synthetic sentences instead of tweets")

    enc = load_encoder(args.encoder)
    threads = _threads(None)
    torch.set_num_threads(threads)
    cfg = enc.model.config
    h = int(getattr(cfg, "hidden_size", None) or cfg.dim)
    inter = int(getattr(cfg, "intermediate_size", None) or cfg.hidden_dim)
    n_layers = int(getattr(cfg, "num_hidden_layers", None) or cfg.n_layers)
    lengths = np.array([len(x) for x in enc.tokenizer(list(texts))["input_ids"]])
    srt = np.sort(lengths)[::-1]
    widths = np.concatenate([np.full(len(srt[k:k + args.batch_size]), srt[k])
                             for k in range(0, len(srt), args.batch_size)])
    useful = layer_flops(lengths, h, inter, n_layers)
    executed = layer_flops(widths, h, inter, n_layers)

    # warm-up both paths
    encode_texts(enc, texts[:64], batch_size=args.batch_size, progress=False, num_threads=threads)
    encode_one_at_a_time(enc, texts[:16], num_threads=threads)

    t0 = time.perf_counter()
    batched = encode_texts(enc, texts, batch_size=args.batch_size, progress=False, num_threads=threads)
    t_batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = encode_one_at_a_time(enc, texts, num_threads=threads)
    t_single = time.perf_counter() - t0
    max_dev = float(np.abs(batched - single).max())

    mm_square = matmul_gflops(torch, 1024, 1024, 1024)
    mm_model = matmul_gflops(torch, args.batch_size * int(np.median(lengths)), h, inter)
    g_useful = useful / t_batched / 1e9
    g_exec = executed / t_batched / 1e9

    print(f"\nbench_embed: {enc.name}, {what}, batch size {args.batch_size}, torch {torch.__version__}, "
          f"{threads} threads, tokens/text median {int(np.median(lengths))} max {lengths.max()}")
    print(f"{'measure':<48}{'value':>14}")
    print(f"{'tutorial loop (one text per forward), texts/s':<48}{len(texts) / t_single:>14.1f}")
    print(f"{'batched, length-sorted, texts/s':<48}{len(texts) / t_batched:>14.1f}")
    print(f"{'max |batched - loop|':<48}{max_dev:>14.2e}")
    print(f"{'batched achieved GFLOP/s (useful tokens)':<48}{g_useful:>14.2f}")
    print(f"{'batched achieved GFLOP/s (incl. padding)':<48}{g_exec:>14.2f}")
    print(f"{'float32 matmul 1024^3 GFLOP/s':<48}{mm_square:>14.2f}")
    print(f"{'float32 matmul model-shaped GFLOP/s':<48}{mm_model:>14.2f}")
    print(f"\nratio batched / tutorial loop (throughput):        {t_single / t_batched:.2f}x")
    print(f"ratio achieved / matmul 1024^3 (GFLOP/s, useful):  {g_useful / mm_square:.2f}")
    print(f"padding overhead (executed / useful FLOPs):        {executed / useful:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
