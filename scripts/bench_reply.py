#!/usr/bin/env python
"""Reply latency, nearest-word lookup and retrieval speed on CPU.

    .venv/bin/python scripts/bench_reply.py [MODEL_DIR] [--queries 50]

Prints the median and 95th-percentile time of a 20-word reply (greedy, forced to 20
words), the time to build the retrieval index over the corpus's pairs and to look up
the best 1 and 50 training queries for a message (what ``--ground`` and
``Chatbot.quote`` do per message; target ≤ 5 ms), and the microseconds of one
nearest-word lookup, on the decoder's own output vectors from those replies:

- the model's lookup (``Seq2Seq.top``: int8 first pass, exact float32 cosines for the
  rows that can win; the same word as the float32 product, checked here on every vector);
- one float32 matrix product against the whole unit table, then argmax (what the
  lookup was before, and what a full score vector still costs);
- the classic pure-Python loop that computes the cosine with every word in turn, over
  the same rows (the words a reply can use) and over the whole table as the classic
  recipe did.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.progress import track
from rich.table import Table

from chatbot.bot import Chatbot, DecodeOptions
from chatbot.cli.common import at_least, given_path, run_script
from chatbot.decode import run
from chatbot.ingest.dialogue import Pair, read_pairs
from chatbot.layout import CorpusLayout, ModelLayout
from chatbot.lookup import WordIndex
from chatbot.retrieve import Retriever

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


def retrieval_rows(pairs: list[Pair], timed: int, rounds: int) -> list[tuple[str, str]]:
    """Table rows for retrieval: the index over all but the last ``timed`` pairs, built
    as a grounded model's load builds it, then the best 1 and 50 training queries for
    each of those, every lookup timed alone, over ``rounds`` rounds."""
    if not timed:
        return []
    t = time.perf_counter()
    retriever = Retriever(pairs[:-timed])
    rows = [
        (
            f"retrieval index over {len(pairs) - timed:,} pairs, build",
            f"{(time.perf_counter() - t) * 1000:.0f} ms",
        )
    ]
    for k in (1, 50):
        times = []
        for _ in range(rounds):
            for p in pairs[-timed:]:
                t = time.perf_counter()
                retriever.search(p.query_tokens, k)
                times.append(time.perf_counter() - t)
        times.sort()
        rows.append(
            (
                f"retrieval lookup, best {k}, median / 95th percentile",
                f"{statistics.median(times) * 1000:.2f} / "
                f"{times[int(0.95 * (len(times) - 1))] * 1000:.2f} ms",
            )
        )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "model", nargs="?", default=str(DEFAULT), help="the model whose replies are timed"
    )
    ap.add_argument("--queries", type=at_least(1), default=50, help="test messages replied to")
    ap.add_argument("--rounds", type=at_least(1), default=7, help="interleaved timing rounds")
    ap.add_argument(
        "--threads", type=at_least(1), default=2, help="torch threads (this machine: 2)"
    )
    args = ap.parse_args()
    if not given_path(args.model, str(DEFAULT), "model", lambda p: ModelLayout.at(p).exists()):
        return 0
    torch.set_num_threads(args.threads)
    bot = Chatbot.load(args.model)
    corpus = CorpusLayout.at(bot.card.corpus)
    every_pair = read_pairs(corpus.pairs) if corpus.pairs.is_file() else []
    pairs = every_pair[-args.queries :]
    queries = [p.query for p in pairs] or ["你今天好吗？"] * args.queries
    opts = DecodeOptions(strategy="greedy", min_length=20, max_length=20, no_repeat_ngram=0)
    model, head = bot.model, bot.model.head
    int8_index = head.index()
    fp32_index = WordIndex(int8_index.unit, head.never_idx, int8=False)
    real_top = model.top
    in_top: list[float] = []

    def timed_top(*a, **kw):
        t = time.perf_counter()
        result = real_top(*a, **kw)
        in_top.append(time.perf_counter() - t)
        return result

    model.top = timed_top  # type: ignore[method-assign]
    # Each query is answered with the int8 index (the product) and with a float32-only
    # one, back to back, so both see the same machine; the lookup is also timed inside
    # decoding, where the decoder step between lookups evicts the table from cache.
    runs: dict[str, dict[str, list[float]]] = {
        name: {"reply": [], "top": []} for name in ("int8", "fp32")
    }
    bot.reply(queries[0], opts)  # warm up
    for i, q in enumerate(track(queries, description="replies")):
        order = [("int8", int8_index), ("fp32", fp32_index)]
        for name, index in order[:: 1 if i % 2 else -1]:  # the second run of a query is
            # faster (warm caches): alternate which goes first
            head.index = lambda index=index: index  # type: ignore[method-assign]
            in_top.clear()
            t = time.perf_counter()
            r = bot.reply(q, opts)
            runs[name]["reply"].append(time.perf_counter() - t)
            runs[name]["top"].extend(in_top)
            assert len(r.words) == 20
    del model.top, head.index  # back to the class's methods
    times = sorted(runs["int8"]["reply"])
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]

    # The decoder's own outputs: how peaked they are decides how many rows the exact
    # check reads, so random vectors would flatter or wrong the lookup.
    with torch.no_grad():
        starts = [bot._start(bot.tokenize(q))(1) for q in queries]
        outs = [step.out for m, s in starts for step in run(model, m, s, opts.max_length, opts)]
    with torch.no_grad():
        for out in outs:  # the lookup must give the float32 product's word, every time
            assert int(model.top(out)[1]) == int(model.scores(out).argmax()), "lookup not exact"

    outputs = model.config.outputs  # the rows a reply can use
    same = model.table.weight[:outputs].detach().tolist()
    whole = model.table.weight.detach().tolist()

    def per_lookup_us(fn) -> float:
        t = time.perf_counter()
        for out in outs:
            fn(out)
        return (time.perf_counter() - t) / len(outs) * 1e6

    def loop_us(vec: list[float], rows: list[list[float]]) -> float:
        t = time.perf_counter()
        python_loop_nearest(vec, rows)
        return (time.perf_counter() - t) * 1e6

    # This machine's speed drifts by up to 2x from minute to minute (shared memory
    # bandwidth): the four timings are interleaved, round by round, and each reported
    # number is the median over the rounds, so a ratio compares like with like.
    rounds: dict[str, list[float]] = {"top": [], "matrix": [], "same": [], "whole": []}
    with torch.no_grad():
        per_lookup_us(model.top), per_lookup_us(model.scores)  # warm up
        for r in track(range(args.rounds), description="lookup rounds"):
            vec = outs[(r * 37) % len(outs)][0].tolist()
            rounds["top"].append(per_lookup_us(model.top))
            rounds["matrix"].append(per_lookup_us(lambda o: model.scores(o).argmax()))
            rounds["same"].append(loop_us(vec, same))
            rounds["whole"].append(loop_us(vec, whole))
    lookup_us, matrix_us, same_rows, all_rows = (statistics.median(v) for v in rounds.values())

    table = Table(
        title=f"reply speed ({args.model}, {outputs:,} output words of {len(bot.table):,}, "
        f"{args.threads} threads)"
    )
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("20-word reply, median", f"{statistics.median(times) * 1000:.1f} ms")
    table.add_row("20-word reply, 95th percentile", f"{p95 * 1000:.1f} ms")
    for row in retrieval_rows(every_pair, len(pairs), args.rounds):
        table.add_row(*row)
    table.add_row(
        "20-word reply, median, float32-only index",
        f"{statistics.median(runs['fp32']['reply']) * 1000:.1f} ms",
    )
    for name, what in (("int8", "Seq2Seq.top"), ("fp32", "float32-only index")):
        us = statistics.median(runs[name]["top"]) * 1e6
        table.add_row(f"lookup inside decoding, {what}, median per word", f"{us:.0f} µs")
    table.add_row(
        f"nearest lookup, Seq2Seq.top ({outputs:,} rows, {len(outs)} decoder outputs)",
        f"{lookup_us:.0f} µs",
    )
    table.add_row("nearest lookup, float32 product + argmax", f"{matrix_us:.0f} µs")
    table.add_row(f"nearest lookup, Python loop ({outputs:,} rows)", f"{same_rows / 1000:.1f} ms")
    table.add_row("speed-up, same rows", f"{same_rows / lookup_us:,.0f}×")
    table.add_row(
        f"Python loop over the whole table ({len(bot.table):,} rows, the classic recipe)",
        f"{all_rows / 1000:.1f} ms",
    )
    table.add_row("speed-up over the classic recipe", f"{all_rows / lookup_us:,.0f}×")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
