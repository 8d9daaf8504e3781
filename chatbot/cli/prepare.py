"""``chatbot prepare``: a novel file -> a corpus directory."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from chatbot.cli.common import labelled, progress
from chatbot.cli.options import HelpFormatter, add_options, from_args

if TYPE_CHECKING:
    from chatbot.ingest.prepare import PrepareResult


def add(sub: argparse._SubParsersAction) -> None:
    from chatbot.ingest.prepare import PrepareConfig

    p = sub.add_parser(
        "prepare",
        help="turn a novel into sentences, tokens, dialogue pairs and word2vec vectors",
        description=(
            "Read NOVEL (any common encoding, any layout), normalise it, segment it with "
            "jieba, extract the dialogue (quoted, or after speech tags) as query->reply pairs "
            "and train word2vec. Writes text.txt, segmented.txt, pairs.tsv, vectors.bin and "
            "manifest.json into OUT_DIR, then says what it found and chose. Steps whose "
            "input and settings are unchanged are skipped on a re-run."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("novel", metavar="NOVEL", help="the novel, a .txt file")
    p.add_argument(
        "out_dir", metavar="OUT_DIR", nargs="?", help="output directory (default corpus/<stem>)"
    )
    p.add_argument("--force", action="store_true", help="redo every step")
    add_options(p, PrepareConfig)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.ingest.prepare import PrepareConfig, prepare

    config = from_args(PrepareConfig, args)
    config = replace(config, word2vec=replace(config.word2vec, workers=config.workers))
    with progress() as bar:

        def factory(name: str, total: int | None) -> Callable[[int], None]:
            task = bar.add_task(name, total=total)
            return lambda n: bar.advance(task, n)

        result = prepare(args.novel, args.out_dir, config, force=args.force, progress=factory)
    print_summary(result)
    return 0


def print_summary(result: PrepareResult) -> None:
    from chatbot.ingest.prepare import speakers_row, summary

    console = Console(markup=False)
    steps = Table(title=f"prepared {result.layout.root}")
    for col, justify in (
        ("step", "left"),
        ("file", "left"),
        ("size", "right"),
        ("seconds", "right"),
    ):
        steps.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in result.steps:
        size = r.output.stat().st_size
        seconds = f"{r.seconds:.1f}" + (" (cached)" if r.skipped else "")
        steps.add_row(r.name, r.output.name, f"{size / 1e6:.2f} MB", seconds)
    console.print(steps)
    rows, notes = summary(result.manifest)
    if speakers := speakers_row(result.layout.root):
        rows.append(speakers)
    found = Table(title="what it found and chose", show_header=False)
    found.add_column("what")
    found.add_column("value", justify="right")
    for what, value in rows:
        found.add_row(what, value)
    console.print(found)
    for note in notes:
        console.print(labelled("note:", "yellow", note), highlight=False)
