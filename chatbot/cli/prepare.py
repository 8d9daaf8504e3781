"""``chatbot prepare``: a novel file -> a corpus directory."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from chatbot.cli.common import progress
from chatbot.cli.options import HelpFormatter

if TYPE_CHECKING:
    from chatbot.ingest.prepare import PrepareResult


def add(sub: argparse._SubParsersAction) -> None:
    from chatbot.ingest.vectors import Word2VecConfig

    d = Word2VecConfig()
    p = sub.add_parser(
        "prepare",
        help="turn a novel into sentences, tokens, dialogue pairs and word2vec vectors",
        description=(
            "Read NOVEL (any common encoding), normalise it, segment it with jieba, extract "
            "the quoted dialogue as query->reply pairs and train word2vec. Writes text.txt, "
            "segmented.txt, pairs.tsv, vectors.bin and manifest.json into OUT_DIR. Steps "
            "whose input and settings are unchanged are skipped on a re-run."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("novel", metavar="NOVEL", help="the novel, a .txt file")
    p.add_argument(
        "out_dir", metavar="OUT_DIR", nargs="?", help="output directory (default corpus/<stem>)"
    )
    p.add_argument("--force", action="store_true", help="redo every step")
    p.add_argument("--encoding", help="source encoding (default: detect)")
    p.add_argument(
        "--t2s",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="convert Traditional to Simplified Chinese (default: when mostly Traditional)",
    )
    p.add_argument("--userdict", help="jieba user dictionary (default OUT_DIR/userdict.txt)")
    p.add_argument("--workers", type=int, default=0, help="processes; 0 = all cores")
    p.add_argument(
        "--min-pairs",
        type=int,
        default=50,
        help="with fewer dialogue pairs, pair consecutive sentences instead",
    )
    w = p.add_argument_group("word2vec")
    w.add_argument("--vector-size", type=int, default=d.vector_size, help="vector dimensions")
    w.add_argument("--window", type=int, default=d.window, help="context words on each side")
    w.add_argument("--sg", type=int, choices=(0, 1), default=d.sg, help="0 CBOW, 1 skip-gram")
    w.add_argument("--negative", type=int, default=d.negative, help="negative samples")
    w.add_argument("--hs", type=int, choices=(0, 1), default=d.hs, help="hierarchical softmax")
    w.add_argument("--sample", type=float, default=d.sample, help="down-sampling threshold")
    w.add_argument("--epochs", type=int, default=d.epochs, help="passes over the text")
    w.add_argument("--min-count", type=int, default=d.min_count, help="rarer words are dropped")
    w.add_argument("--seed", type=int, default=d.seed, help="random seed")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.errors import ChatbotError
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig

    for name in ("vector_size", "window", "epochs", "min_count"):
        if getattr(args, name) < 1:
            raise ChatbotError(f"--{name.replace('_', '-')} must be at least 1")
    w2v = Word2VecConfig(
        vector_size=args.vector_size,
        window=args.window,
        sg=args.sg,
        negative=args.negative,
        hs=args.hs,
        sample=args.sample,
        epochs=args.epochs,
        min_count=args.min_count,
        seed=args.seed,
        workers=args.workers,
    )
    config = PrepareConfig(
        encoding=args.encoding,
        t2s=args.t2s,
        userdict=args.userdict,
        workers=args.workers,
        min_pairs=args.min_pairs,
        word2vec=w2v,
    )
    with progress() as bar:

        def factory(name: str, total: int | None) -> Callable[[int], None]:
            task = bar.add_task(name, total=total)
            return lambda n: bar.advance(task, n)

        result = prepare(args.novel, args.out_dir, config, force=args.force, progress=factory)
    print_summary(result)
    return 0


def print_summary(result: PrepareResult) -> None:
    console = Console()
    m = result.manifest
    steps = Table(title=f"prepared {result.layout.root}")
    steps.add_column("step")
    steps.add_column("file")
    steps.add_column("size", justify="right")
    steps.add_column("seconds", justify="right")
    for r in result.steps:
        size = r.output.stat().st_size
        seconds = f"{r.seconds:.1f}" + (" (cached)" if r.skipped else "")
        steps.add_row(r.name, r.output.name, f"{size / 1e6:.2f} MB", seconds)
    console.print(steps)
    counts = Table(title="counts", show_header=False)
    counts.add_column("what")
    counts.add_column("value", justify="right")
    src = m["source"]
    counts.add_row("encoding", str(src.get("encoding")))
    counts.add_row("traditional -> simplified", "yes" if src.get("converted_t2s") else "no")
    for key, value in m["counts"].items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        counts.add_row(
            key.replace("_", " "), f"{value:,}" if isinstance(value, int) else str(value)
        )
    console.print(counts)
    if m["counts"].get("pairs_from_sentences"):
        console.print(
            "[yellow]note:[/] the text has almost no quoted dialogue; pairs.tsv pairs "
            "consecutive sentences instead."
        )
