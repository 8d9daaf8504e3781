#!/usr/bin/env python
"""Training speed and memory: pairs/s, seconds per epoch and peak memory for the default
vector-output model and for the softmax-head reference, on a prepared corpus.

    .venv/bin/python scripts/bench_train.py [CORPUS_DIR] [--batches 40]

Each head runs in its own process (so peak memory is its own), for a fixed number of
training batches after two warm-up batches; seconds per epoch are extrapolated (without
the validation pass). Each batch goes through ``chatbot.train.train_step``, the very
step ``chatbot train`` runs: the full objective (both unlikelihood terms, the rollout
included), gradient clipping and, on CUDA, autocast.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

DEFAULT = Path("corpus/hongloumeng")


def measure(corpus: str, head: str, n_batches: int) -> dict:
    import torch

    from chatbot.config import ModelConfig, TrainConfig
    from chatbot.data import batches
    from chatbot.layout import CorpusLayout
    from chatbot.model import count_trainable
    from chatbot.objective import frequency_weights
    from chatbot.train import build_model, load_data, pick_device, train_step

    cfg = TrainConfig(ModelConfig(head=head))
    device = pick_device(cfg.device)
    data = load_data(CorpusLayout.at(corpus), cfg)
    model = build_model(cfg, data, device)
    model.train()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    weight = frequency_weights(data.train, data.outputs, cfg.freq_weight, device)
    gen = torch.Generator().manual_seed(0)
    it = batches(data.train, cfg.batch_size, data.table.dim, gen)
    pairs = 0
    for k in range(n_batches + 2):
        if k == 2:
            start, pairs = time.perf_counter(), 0
        b = next(it)
        train_step(model, b, opt, cfg, weight)  # exactly the step `chatbot train` runs
        pairs += b.src.size(0)
    seconds = time.perf_counter() - start
    per_epoch = seconds / pairs * len(data.train)
    return {
        "head": head,
        "parameters": count_trainable(model),
        "pairs_per_s": pairs / seconds,
        "s_per_epoch": per_epoch,
        "batches_per_epoch": math.ceil(len(data.train) / cfg.batch_size),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT))
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.corpus, args.child, args.batches)))
        return 0
    if not (Path(args.corpus) / "pairs.tsv").is_file():
        print(f"skip: no prepared corpus at {args.corpus} (run scripts/prepare_corpus.sh)")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"training speed on {args.corpus} ({args.batches} batches)")
    for col in ("head", "trainable params", "pairs/s", "s/epoch", "peak RSS MB"):
        table.add_column(col, justify="right")
    for head in ("vector", "softmax"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                args.corpus,
                "--batches",
                str(args.batches),
                "--child",
                head,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        table.add_row(
            head,
            f"{r['parameters']:,}",
            f"{r['pairs_per_s']:.0f}",
            f"{r['s_per_epoch']:.0f}",
            f"{r['peak_rss_mb']:.0f}",
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
