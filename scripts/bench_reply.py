#!/usr/bin/env python
"""Reply latency and nearest-word lookup speed on CPU.

    .venv/bin/python scripts/bench_reply.py [MODEL_DIR] [--queries 50]

Prints the median and 95th-percentile time of a 20-word reply (greedy, forced to 20
words) and the microseconds of one nearest-word lookup: the model's matrix product
against the cached unit table, next to the classic pure-Python loop that computes the
cosine with every word in turn, over the same rows (the words a reply can use) and over
the whole table as the classic recipe did.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from chatbot.bot import Chatbot, DecodeOptions
from chatbot.dialogue import read_pairs
from chatbot.layout import CorpusLayout

DEFAULT = Path("corpus/hongloumeng/model")


def python_loop_nearest(vector: list[float], table: list[list[float]]) -> int:
    """The classic recipe's lookup: one cosine per word, in Python."""
    best, best_i = -2.0, -1
    vn = math.sqrt(sum(x * x for x in vector))
    for i, row in enumerate(table):
        dot = sum(a * b for a, b in zip(vector, row))
        cos = dot / (vn * math.sqrt(sum(b * b for b in row)) + 1e-12)
        if cos > best:
            best, best_i = cos, i
    return best_i


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", nargs="?", default=str(DEFAULT))
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (this machine: 2)")
    args = ap.parse_args()
    if not Path(args.model, "config.json").is_file():
        print(f"skip: no model at {args.model} (train one with `chatbot train`)")
        return 0
    torch.set_num_threads(args.threads)
    bot = Chatbot.load(args.model)
    corpus = CorpusLayout.at(bot.config["corpus"])
    pairs = read_pairs(corpus.pairs)[-args.queries :] if corpus.pairs.is_file() else []
    queries = [p.query for p in pairs] or ["你今天好吗？"] * args.queries
    opts = DecodeOptions(strategy="greedy", min_length=20, max_length=20, no_repeat_ngram=0)
    bot.reply(queries[0], opts)  # warm up
    times = []
    for q in queries:
        t = time.perf_counter()
        r = bot.reply(q, opts)
        times.append(time.perf_counter() - t)
        assert len(r.words) == 20
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]

    out = torch.randn(1, bot.table.dim)
    model = bot.model
    with torch.no_grad():
        model.scores(out)
        n = 1000
        t = time.perf_counter()
        for _ in range(n):
            model.scores(out).argmax()
        matrix_us = (time.perf_counter() - t) / n * 1e6
    outputs = model.config.outputs  # the rows a reply can use
    vec = out[0].tolist()

    def loop_us(rows: list[list[float]], reps: int = 3) -> float:
        t = time.perf_counter()
        for _ in range(reps):
            python_loop_nearest(vec, rows)
        return (time.perf_counter() - t) / reps * 1e6

    same_rows = loop_us(model.table.weight[:outputs].detach().tolist())
    all_rows = loop_us(model.table.weight.detach().tolist())

    table = Table(
        title=f"reply speed ({args.model}, {outputs:,} output words of {len(bot.table):,}, "
        f"{args.threads} threads)"
    )
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("20-word reply, median", f"{statistics.median(times) * 1000:.1f} ms")
    table.add_row("20-word reply, 95th percentile", f"{p95 * 1000:.1f} ms")
    table.add_row(f"nearest lookup, matrix product ({outputs:,} rows)", f"{matrix_us:.0f} µs")
    table.add_row(f"nearest lookup, Python loop ({outputs:,} rows)", f"{same_rows / 1000:.1f} ms")
    table.add_row("speed-up, same rows", f"{same_rows / matrix_us:,.0f}×")
    table.add_row(
        f"Python loop over the whole table ({len(bot.table):,} rows, the classic recipe)",
        f"{all_rows / 1000:.1f} ms",
    )
    table.add_row("speed-up over the classic recipe", f"{all_rows / matrix_us:,.0f}×")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
