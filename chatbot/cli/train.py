"""``chatbot train``: a prepared corpus -> a trained model, with a table per epoch."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from chatbot.cli.common import err_console, labelled, progress
from chatbot.cli.options import HelpFormatter, add_options, from_args
from chatbot.config import TrainConfig
from chatbot.errors import ChatbotError
from chatbot.layout import CorpusLayout, shipped_base

if TYPE_CHECKING:
    from chatbot.train import TrainResult

# (column, metrics.jsonl key, format); no vertical rules: eleven columns fit 80.
EPOCH_COLUMNS = [
    ("read", "phase", "{}"),
    ("epoch", "epoch", "{:d}"),
    ("loss", "train_loss", "{:.2f}"),
    ("ppl", "valid_ppl", "{:.0f}"),
    ("top-1", "valid_top1", "{:.1%}"),
    ("top-5", "valid_top5", "{:.1%}"),
    ("deg.", "valid_degenerate", "{:.0%}"),
    ("dist-2", "valid_distinct2", "{:.3f}"),
    ("len", "valid_mean_length", "{:.1f}"),
    ("Hits", "valid_hits1", "{:.0%}"),
    ("lr", "lr", "{:.0e}"),
    ("s", "seconds", "{:.0f}"),
]


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train the seq2seq model on a prepared corpus",
        description=(
            "Train the seq2seq LSTM on CORPUS_DIR/pairs.tsv with the word table from "
            "CORPUS_DIR/vectors.bin; the decoder outputs a word vector per step, read out by "
            "cosine-nearest lookup. Writes CORPUS_DIR/model/ (or --out). Ends early when the "
            "validation score stops improving or the time budget is spent, then reports the "
            "test split. Ctrl-C keeps the last finished epoch; --resume continues from it."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("corpus", metavar="CORPUS_DIR", help="a directory made by `chatbot prepare`")
    p.add_argument("--out", metavar="MODEL_DIR", help="model directory (default CORPUS_DIR/model)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a model (or an unfinished run) already in MODEL_DIR; without it "
        "train refuses to start over there",
    )
    p.add_argument(
        "--from",
        dest="base",
        metavar="BASE_DIR",
        help="fine-tune a base model made by `chatbot pretrain` ('shipped': the base that "
        "comes with the package, which read a library of Chinese novels), or any trained "
        "model (its architecture wins over the model options; with --characters, a model "
        "without them gains them, starting from what it said). Default: none, train from "
        "scratch. The app fine-tunes with --text-epochs 0 (the base read running text "
        "already); an English novel trains from scratch (the shipped base read Chinese)",
    )
    add_options(p, TrainConfig, title="training")
    p.set_defaults(func=run)


SHIPPED = "shipped"  # --from's name for the base that comes with the package
_PHASES = {"text": "text", "dialogue": "pairs"}  # what an epoch read, in four letters


def epoch_row(row: dict) -> list[str]:
    row = {**row, "phase": _PHASES.get(row.get("phase", "dialogue"), "?")}
    return [fmt.format(row[key]) if key in row else "-" for _, key, fmt in EPOCH_COLUMNS]


def run(args: argparse.Namespace) -> int:
    from chatbot.train import planned_text_epochs, train

    config = from_args(TrainConfig, args)
    base = args.base
    if base == SHIPPED:
        base = shipped_base()
        if base is None:
            raise ChatbotError("this package ships no base model; pass a BASE_DIR to --from")

    def start(on_batch, on_epoch, _progress):
        return train(
            args.corpus,
            config,
            model_dir=args.out,
            resume=args.resume,
            force=args.force,
            given=args.typed,
            base=base,
            on_batch=on_batch,
            on_epoch=on_epoch,
        )

    out = CorpusLayout.at(args.corpus).model(args.out)
    text_epochs = planned_text_epochs(out, config, args.resume, args.typed)
    return report(start, text_epochs, resumed=args.resume)


def report(
    start: Callable[[Callable, Callable, Callable], TrainResult],
    text_epochs: int = 0,
    resumed: bool = False,
) -> int:
    """Run ``start(on_batch, on_epoch, progress)`` with a progress bar (ETA within each
    epoch; ``progress(name, total)`` adds a bar for other steps) and a line per epoch,
    then print the epoch table and the test split. Under torchrun only rank 0 speaks."""
    import os

    quiet = int(os.environ.get("RANK", "0")) != 0
    console = Console(quiet=quiet, markup=False)
    epochs = Table(
        title="epochs (validation)", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    for name, _, _ in EPOCH_COLUMNS:
        epochs.add_column(name, justify="right")
    with progress(disable=quiet) as bar:
        # a resumed run's phase and epoch are in its checkpoint; its first epoch names them
        first = (
            "resumed epoch" if resumed else "text epoch 1" if text_epochs else "dialogue epoch 1"
        )
        task = bar.add_task(first, total=None)
        epoch = [first]

        def on_batch(done: int, total: int, loss: float) -> None:
            bar.update(task, completed=done, total=total)
            if done % 10 == 0:
                bar.update(task, description=f"{epoch[0]} loss {loss:.3f}")

        def on_epoch(row: dict) -> None:
            phase, following = row.get("phase", "dialogue"), row["epoch"] + 1
            if phase == "text" and row["epoch"] >= text_epochs:  # the dialogue epochs begin
                phase, following = "dialogue", 1
            epoch[0] = f"{phase} epoch {following}"
            bar.reset(task, description=epoch[0])
            cells = epoch_row(row)
            bar.console.print("  ".join(f"{n} {c}" for (n, _, _), c in zip(EPOCH_COLUMNS, cells)))
            epochs.add_row(*cells)

        def steps(name: str, total: int | None) -> Callable[[int], None]:
            other = bar.add_task(name, total=total)
            return lambda n: bar.advance(other, n)

        try:
            result = start(on_batch, on_epoch, steps)
        except KeyboardInterrupt:
            err_console.print(
                "interrupted: the last finished epoch is saved; continue with --resume"
                if epochs.row_count or resumed
                else "interrupted before the first epoch ended: no epoch was saved"
            )
            return 130
    if epochs.row_count:
        console.print(epochs)
    elif resumed:  # the checkpoint's run had already stopped (early stopping or its last epoch)
        console.print("nothing left to train: the run had finished (a larger --max-epochs goes on)")
    test = Table(title=f"test split ({result.model_dir})", show_header=False)
    test.add_column("metric")
    test.add_column("value", justify="right")
    t = result.test
    rows = [
        ("teacher-forced top-1", f"{t['top1']:.1%}"),
        ("teacher-forced top-5", f"{t['top5']:.1%}"),
        ("greedy degenerate rate", f"{t['degenerate']:.1%}"),
        ("greedy distinct-2", f"{t['distinct2']:.3f}"),
        ("greedy mean length", f"{t['mean_length']:.1f}"),
        ("Hits@1 of 10 (chance 10%)", f"{t.get('hits1', float('nan')):.1%}"),
        ("trainable parameters", f"{result.trainable_parameters:,}"),
        ("epochs (best)", f"{result.epochs} ({result.best_epoch})"),
        ("stopped by", result.stopped),
        ("seconds", f"{result.seconds:.0f}"),
    ]
    if "text_ppl" in t:
        rows[2:2] = [
            ("running text: perplexity", f"{t['text_ppl']:.0f}"),
            (
                "running text: next-word top-1 / top-5",
                f"{t['text_top1']:.1%} / {t['text_top5']:.1%}",
            ),
        ]
    for name, value in rows:
        test.add_row(name, value)
    console.print(test)
    if result.stopped == "time_budget" and epochs.row_count:
        console.print(
            labelled(
                "note:",
                "yellow",
                "the --max-minutes cap (counted across resumes) ended training before early "
                "stopping; continue with --resume --max-minutes N (a larger cap) or --resume "
                "--max-minutes 0 (none)",
            )
        )
    return 0
