#!/usr/bin/env python
"""Training speed and memory, per kind of step, on a prepared corpus:

    .venv/bin/python scripts/bench_train.py [CORPUS_DIR] [--batches 30] [--rounds 2]

Cases: dialogue pairs with the vector head and with the softmax-head reference; the
book's running text (next-word windows) with the vector head scored against every row,
against sampled rows (``--negatives``), and with the softmax head. Each case runs in its
own process (so peak memory is its own) for a fixed number of batches after two warm-up
batches; rounds alternate the order of the cases, because this machine's speed drifts,
and the table shows the median. Every batch goes through ``chatbot.train.train_step``,
the very step ``chatbot train`` runs (the full objective with both unlikelihood terms
and the rollout on dialogue, gradient clipping and, on CUDA, autocast); seconds per
epoch are extrapolated without the validation pass.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from chatbot.cli.common import at_least, given_path, run_script
from chatbot.layout import is_prepared

DEFAULT = Path("corpus/hongloumeng")
CASES = {
    "dialogue, vector head": ("dialogue", {}),
    "dialogue, softmax head": ("dialogue", {"head": "softmax"}),
    "running text, vector head, every row": ("text", {}),
    "running text, vector head, sampled rows": ("text", {"negatives": 2048}),
    "running text, softmax head": ("text", {"head": "softmax"}),
}


def measure(corpus: str, case: str, n_batches: int, negatives: int) -> dict:
    import torch

    from chatbot.config import TrainConfig
    from chatbot.data import batches
    from chatbot.dataset import load_data
    from chatbot.layout import CorpusLayout
    from chatbot.model import count_trainable
    from chatbot.objective import frequency_weights
    from chatbot.train import Step, build_model, pick_device, train_step

    kind, overrides = CASES[case]
    if "negatives" in overrides:
        overrides = {**overrides, "negatives": negatives}
    cfg = TrainConfig.from_dict({"text_epochs": int(kind == "text"), **overrides}, strict=True)
    device = pick_device(cfg.device)
    data = load_data([CorpusLayout.at(corpus)], cfg)
    examples = data.text.train if kind == "text" else data.train
    model = build_model(cfg, data, device)
    model.train()
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr)
    weight = None if kind == "text" else frequency_weights(data.train, data.outputs, 0.15, device)
    it = batches(examples, cfg.batch_size, data.table.dim, torch.Generator().manual_seed(0))
    pairs = tokens = 0
    for k in range(n_batches + 2):
        if k == 2:
            start, pairs, tokens = time.perf_counter(), 0, 0
        b = next(it)
        train_step(Step(model), b, opt, cfg, weight, text=kind == "text")
        pairs += b.src.size(0)
        tokens += int((b.tgt_out != 0).sum())
    seconds = time.perf_counter() - start
    return {
        "parameters": count_trainable(model),
        "examples_per_s": pairs / seconds,
        "tokens_per_s": tokens / seconds,
        "s_per_epoch": seconds / pairs * len(examples),
        "batches_per_epoch": math.ceil(len(examples) / cfg.batch_size),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(DEFAULT), help="a prepared corpus")
    ap.add_argument("--batches", type=at_least(1), default=30, help="timed batches per case")
    ap.add_argument(
        "--rounds", type=at_least(1), default=2, help="rounds, the case order alternating"
    )
    ap.add_argument("--negatives", type=at_least(0), default=2048, help="sampled rows (text case)")
    ap.add_argument("--only", help="run only the cases whose name contains this")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.corpus, args.child, args.batches, args.negatives)))
        return 0
    if not given_path(args.corpus, str(DEFAULT), "prepared corpus", is_prepared):
        return 0
    from rich.console import Console
    from rich.table import Table

    cases = [c for c in CASES if not args.only or args.only in c]
    runs: dict[str, list[dict]] = {c: [] for c in cases}
    for r in range(args.rounds):
        for case in cases[:: 1 if r % 2 == 0 else -1]:
            cmd = [sys.executable, __file__, args.corpus, "--batches", str(args.batches)]
            cmd += ["--negatives", str(args.negatives), "--child", case]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs[case].append(json.loads(out.stdout.strip().splitlines()[-1]))
    table = Table(title=f"training speed on {args.corpus} ({args.batches} batches x {args.rounds})")
    for col in ("case", "params", "examples/s", "target tokens/s", "s/epoch", "peak RSS MB"):
        table.add_column(col, justify="right")
    for case, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        table.add_row(
            case,
            f"{med['parameters'] / 1e6:.2f} M",
            f"{med['examples_per_s']:.0f}",
            f"{med['tokens_per_s']:.0f}",
            f"{med['s_per_epoch']:.0f}",
            f"{med['peak_rss_mb']:.0f}",
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
