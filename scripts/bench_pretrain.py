#!/usr/bin/env python
"""Pre-training throughput with one process and with several (torchrun, DDP):

    .venv/bin/python scripts/bench_pretrain.py BOOK_OR_FOLDER... [--processes 1 2]

Runs ``chatbot pretrain`` on the books (prepared once into a cache) for one next-word
epoch over their running text (sampled rows) and one dialogue epoch, once per process
count, the order alternating over ``--rounds``; reports running-text windows and target
words per second from the text epoch's own timing (metrics.jsonl). Pick a few books for
a run of minutes. On a GPU machine pass --device cuda: torchrun then uses NCCL.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chatbot.cli.common import at_least, run_script


def run(books: list[str], out: Path, cache: Path, processes: int, extra: list[str]) -> dict:
    launcher = [sys.executable, "-m", "chatbot"]
    if processes > 1:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        launcher += ["--nproc-per-node", str(processes), "-m", "chatbot"]
    cmd = [*launcher, "pretrain", *books, "--out", str(out), "--cache", str(cache), *extra]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    text = next(r for r in rows if r["phase"] == "text")
    return {"text_seconds": text["seconds"], "wall": wall}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("books", nargs="+", help=".txt novels, or folders of them")
    ap.add_argument(
        "--processes", type=at_least(1), nargs="+", default=[1, 2], help="process counts"
    )
    ap.add_argument("--rounds", type=at_least(1), default=1, help="rounds, the order alternating")
    ap.add_argument("--cache", default="corpus", help="where the books are prepared")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    args = ap.parse_args()

    from rich.console import Console
    from rich.table import Table

    from chatbot.config import TrainConfig
    from chatbot.dataset import load_data
    from chatbot.layout import CorpusLayout, ModelLayout
    from chatbot.pretrain import find_books, prepare_library

    books = find_books(args.books)
    base = Path(tempfile.mkdtemp(prefix="bench-pretrain-"))
    vectors = prepare_library(books, Path(args.cache), ModelLayout.at(base / "vectors"))
    config = TrainConfig(text_epochs=1)
    data = load_data([CorpusLayout.at(Path(args.cache) / b.stem) for b in books], config, vectors)
    windows = len(data.text.train) if data.text else 0
    words = windows * config.text_target
    extra = "--text-epochs 1 --max-epochs 1 --negatives 2048 --text-mix 0 --sample 50".split()
    extra += ["--device", args.device]
    timings: dict[int, list[dict]] = {n: [] for n in args.processes}
    for r in range(args.rounds):
        for n in args.processes[:: 1 if r % 2 == 0 else -1]:
            timings[n].append(run(args.books, base / f"p{n}-{r}", Path(args.cache), n, extra))
    table = Table(title=f"pre-training on {len(books)} books: {windows:,} running-text windows")
    for col in ("processes", "text epoch s", "windows/s", "target words/s", "wall s (whole run)"):
        table.add_column(col, justify="right")
    for n, runs in timings.items():
        seconds = statistics.median(t["text_seconds"] for t in runs)
        table.add_row(
            str(n),
            f"{seconds:.0f}",
            f"{windows / seconds:.0f}",
            f"{words / seconds:,.0f}",
            f"{statistics.median(t['wall'] for t in runs):.0f}",
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
