"""``chatbot info``: what a model is (novel, settings, epochs, time), its training
curves as a terminal plot, and its evaluation table."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from chatbot.cli.common import add_model_option, chosen_model
from chatbot.cli.options import HelpFormatter
from chatbot.errors import ChatbotError, corrupt_weights

# Test-split numbers a model card keeps when there is no eval.json: (label, key, format).
CARD_ROWS = [
    ("teacher-forced top-1", "top1", "{:.1%}"),
    ("teacher-forced top-5", "top5", "{:.1%}"),
    ("greedy degenerate", "degenerate", "{:.1%}"),
    ("greedy distinct-2", "distinct2", "{:.3f}"),
    ("greedy mean length", "mean_length", "{:.1f}"),
    ("Hits@1 of 10 (chance 10%)", "hits1", "{:.1%}"),
]

MIN_WIDTH = 30  # the curves' axis labels and a few columns of plot


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="what a model is: novel, settings, training curves and scores",
        description="Describe a trained model (by default the shipped one): the novel it "
        "learned, its architecture and non-default training settings, its epochs and "
        "training time, the validation curves of metrics.jsonl as a terminal plot, and its "
        "test-split evaluation (eval.json, else the numbers recorded at training time), "
        "with judged scores when a judged set names it.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model_dir", nargs="?", metavar="MODEL_DIR", help="same as --model")
    add_model_option(p)
    p.add_argument(
        "--width",
        type=int,
        help="plot width in columns, at least 30 (default: the terminal's, up to 100)",
    )
    p.set_defaults(func=run)


def _fmt(fmt: str, value: Any) -> str:
    return fmt.format(value) if isinstance(value, (int, float)) else "-"


def what_table(entry: Any, card: Any, rows: list[dict[str, Any]]) -> Table:
    """Novel, files, architecture, characters, epochs and time, one row each."""
    import time

    from chatbot.cast import Cast

    m = card.model
    t = Table(title=f"model {entry.path}", show_header=False)
    t.add_column("what", style="bold")
    t.add_column("value")
    if card.books:  # a base model: the library it read (books_table has each one)
        t.add_row(
            "books", f"{len(card.books)}: " + ", ".join(str(b.get("book", "?")) for b in card.books)
        )
    else:
        t.add_row("novel", entry.novel + (" (shipped with the package)" if entry.shipped else ""))
        t.add_row("corpus", card.corpus or "?")
    if card.base:
        t.add_row("fine-tuned from", card.base)
    t.add_row("saved", time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.date)))
    t.add_row("size", f"{entry.size / 1e6:.1f} MB ({card.weights_dtype} weights)")
    n = card.trainable_parameters  # None while the first run is unfinished
    params = f", {n:,} trainable parameters" if n else ""
    t.add_row(
        "model",
        f"{m.head} head, {m.loss} loss, hidden {m.hidden}, {m.encoder_layers}+"
        f"{m.decoder_layers} layers" + params,
    )
    t.add_row("words", f"{m.vocab_size:,} in the table, {m.dim} dimensions")
    cast = Cast.from_dict(card.cast)
    if len(cast) > 1:
        from chatbot.ingest.textio import in_novel_script

        names = [in_novel_script(n, card.script) for n in cast.names[1:7]]
        more = ", …" if len(cast) > 7 else ""
        t.add_row("characters", f"{len(cast) - 1}: " + ", ".join(names) + more)
    train = card.train
    if train.context or train.ground:
        t.add_row("reads", f"{train.context} earlier turns, {train.ground} lines of the book")
    dialogue = [r for r in rows if r.get("phase", "dialogue") == "dialogue"]
    text = len(rows) - len(dialogue)
    epochs = f"{len(dialogue)} dialogue" + (f" + {text} running-text" if text else "")
    best = f", best {card.best_epoch}" if card.best_epoch else ""
    t.add_row("epochs", (epochs + best) if rows else f"? (no metrics.jsonl){best}")
    if rows:
        seconds = sum(float(r.get("seconds", 0)) for r in rows)
        t.add_row("training time", f"{seconds / 60:.1f} min")
    if not card.test:
        t.add_row("state", "unfinished: `chatbot train --resume` continues it")
    return t


def books_table(books: list[dict[str, Any]]) -> Table:
    """What each book of a base model's library gave it: running-text tokens and
    dialogue pairs (a book with few pairs taught the replies little)."""
    t = Table(title="the library")
    t.add_column("book")
    t.add_column("running-text tokens", justify="right")
    t.add_column("dialogue pairs", justify="right")
    for b in books:
        t.add_row(str(b.get("book", "?")), _count(b.get("tokens")), _count(b.get("pairs")))
    if len(books) > 1:  # a total only where every book has its count
        total = [
            sum(b[k] for b in books) if all(isinstance(b.get(k), int) for b in books) else None
            for k in ("tokens", "pairs")
        ]
        t.add_row("all", *map(_count, total), style="bold")
    return t


def _count(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else "-"


def settings_table(card: Any) -> Table | None:
    """The training settings that differ from the defaults (None when none do)."""
    from chatbot.config import TrainConfig

    default = TrainConfig()
    skip = {"model", "device"}
    t = Table(title="training settings that are not the defaults", show_header=False, min_width=50)
    t.add_column("setting", style="bold")
    t.add_column("value")
    for f in dataclasses.fields(TrainConfig):
        value = getattr(card.train, f.name)
        if f.name not in skip and value != getattr(default, f.name):
            t.add_row(f.name.replace("_", "-"), str(value))
    return t if t.row_count else None


def epochs_table(rows: list[dict[str, Any]]) -> Table:
    from chatbot.cli.train import EPOCH_COLUMNS, epoch_row

    t = Table(title="epochs (validation)", pad_edge=False, collapse_padding=True)
    for name, _, _ in EPOCH_COLUMNS:
        t.add_column(name, justify="right")
    for row in rows:
        t.add_row(*epoch_row(row))
    return t


def evaluation_table(model: Any, card: Any) -> Table:
    """eval.json's systems side by side, else the card's test numbers."""
    from chatbot.cli.evaluate import ROWS
    from chatbot.fsutil import read_json
    from chatbot.layout import ModelLayout

    path = ModelLayout.at(model).eval_report
    if path.is_file():
        report = read_json(path, "evaluation report")
        systems = [s for s in ("model", "softmax", "retrieval") if s in report]
        t = Table(title=f"test split: {report.get('test_pairs', '?')} pairs (chatbot eval)")
        t.add_column("metric")
        for s in systems:
            t.add_column(s, justify="right")
        for label, key, fmt in ROWS:
            t.add_row(label, *(_fmt(fmt, report[s].get(key)) for s in systems))
        return t
    t = Table(title="test split (recorded at training time; `chatbot eval` adds more)")
    t.add_column("metric")
    t.add_column("model", justify="right")
    for label, key, fmt in CARD_ROWS:
        t.add_row(label, _fmt(fmt, card.test.get(key)))
    return t


def judged_table(judged: dict[str, Any]) -> Table:
    title = f"judged blind (n={judged.get('items')}): mean and 95% interval"
    t = Table(title=title, min_width=len(title))
    t.add_column("criterion")
    t.add_column("model", justify="right")
    for name, v in judged.items():
        if not (isinstance(v, dict) and "mean" in v):
            continue
        if name in _SHARES:  # a share of the items, not a 1-5 rating
            t.add_row(_SHARES[name], f"{v['mean']:.0%} ({v['low']:.0%}–{v['high']:.0%})")
        else:
            t.add_row(name, f"{v['mean']:.2f} ({v['low']:.2f}–{v['high']:.2f})")
    return t


_SHARES = {"relevance_4plus": "relevance 4 or 5", "best": "picked best"}


def _check_weights(path: Path) -> None:
    """The weights file's header and tensor names, without reading the tensors (nor
    importing torch): a damaged file is said here, not first when the chat loads it."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise ChatbotError(f"no model weights at {path}")
    try:
        with safe_open(str(path), framework="numpy") as f:
            f.keys()
    except (SafetensorError, OSError, ValueError) as e:
        raise corrupt_weights(path, e) from None


def run(args: argparse.Namespace) -> int:
    from chatbot.config import ModelCard
    from chatbot.layout import ModelLayout
    from chatbot.tui.catalog import describe
    from chatbot.tui.curves import read_metrics, render

    if args.width is not None and args.width < MIN_WIDTH:
        raise ChatbotError(f"--width must be at least {MIN_WIDTH} columns, not {args.width}")
    model = chosen_model(args)
    card = ModelCard.read(model)
    _check_weights(ModelLayout.at(model).weights)
    entry = describe(model)
    rows = read_metrics(ModelLayout.at(model).metrics)
    console = Console(markup=False)
    console.print(what_table(entry, card, rows))
    if card.books:
        console.print(books_table(card.books))
    settings = settings_table(card)
    if settings is not None:
        console.print(settings)
    if rows:
        width = args.width or min(console.width, 100)
        console.print(Text("validation per epoch", style="bold"), justify="center")
        console.print(Text.from_ansi(render(rows, width, 16)))
        console.print(epochs_table(rows))
    else:
        console.print(f"no training curves: {ModelLayout.at(model).metrics} is not there")
    console.print(evaluation_table(model, card))
    if entry.judged:
        console.print(judged_table(entry.judged))
    return 0
