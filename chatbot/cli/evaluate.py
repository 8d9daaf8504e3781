"""``chatbot eval``: a model's test-split report, next to retrieval (and softmax)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chatbot.cli.common import add_model_option, chosen_model, err_console, note_ignored
from chatbot.cli.options import HelpFormatter, add_options, from_args
from chatbot.config import DecodeOptions
from chatbot.errors import ChatbotError

ROWS = [
    ("teacher-forced top-1", "top1", "{:.1%}"),
    ("teacher-forced top-5", "top5", "{:.1%}"),
    ("BLEU-2", "bleu2", "{:.3f}"),
    ("distinct-1", "distinct1", "{:.3f}"),
    ("distinct-2", "distinct2", "{:.3f}"),
    ("degenerate", "degenerate", "{:.1%}"),
    ("same reply as another message", "repeated", "{:.1%}"),
    ("a reply said before in its 10-message chat", "chat_repeats", "{:.1%}"),
    ("mean length", "mean_length", "{:.1f}"),
    ("gold mean length", "gold_mean_length", "{:.1f}"),
    ("Hits@1 of 10 (retrieval: word overlap)", "hits_at_1", "{:.1%}"),
    ("Hits@1 of 10, PMI + word overlap", "hits_at_1_combined", "{:.1%}"),
    ("median latency ms", "median_latency_ms", "{:.1f}"),
]


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score a model on its test split, next to retrieval and softmax references",
        description="Evaluate a model (by default the shipped one) on the test split of its "
        "corpus: teacher-forced top-1/top-5, BLEU-2, distinct-1/2, degenerate rate, length, "
        "Hits@1 ranking and latency; the same for a retrieval baseline and, with --softmax, "
        "a softmax-head model. Prints a table and writes eval.json into the model directory.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model_dir", nargs="?", metavar="MODEL_DIR", help="same as --model")
    add_model_option(p)
    p.add_argument("--corpus", help="corpus directory (default: the one the model was trained on)")
    p.add_argument("--softmax", metavar="DIR", help="a --head softmax model to compare")
    p.add_argument("--limit", type=int, metavar="N", help="evaluate only the first N test pairs")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to write the report (default MODEL_DIR/eval.json; for the shipped "
        "model, nowhere: its eval.json is written by scripts/export_default_model.py)",
    )
    add_options(p, DecodeOptions, title="decoding")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.config import ModelCard
    from chatbot.evaluate import evaluate_model
    from chatbot.fsutil import sha256_file, write_json
    from chatbot.layout import SHIPPED_MODEL, CorpusLayout, ModelLayout, trained_on

    if args.limit is not None and args.limit < 1:
        raise ChatbotError("--limit must be at least 1")
    if args.out and Path(args.out).is_dir():  # say so before the minutes of evaluating
        raise ChatbotError(f"--out {args.out} is a folder: give a file name")
    if args.out and not Path(args.out).parent.is_dir():
        raise ChatbotError(f"--out {args.out}: no folder {Path(args.out).parent} to write it in")
    model = chosen_model(args)
    options = from_args(DecodeOptions, args)
    note_ignored(options.strategy, args.typed)
    report = evaluate_model(
        model,
        corpus_dir=args.corpus,
        options=options,
        softmax_dir=args.softmax,
        limit=args.limit,
    )
    systems = [k for k in ("model", "softmax", "retrieval") if k in report]
    table = Table(title=f"test split: {report['test_pairs']} pairs ({report['corpus']})")
    table.add_column("metric")
    for name in systems:
        table.add_column(name, justify="right")
    for label, key, fmt in ROWS:
        table.add_row(
            label, *(fmt.format(report[s][key]) if key in report[s] else "-" for s in systems)
        )
    Console(markup=False).print(table)
    if "running_text" in report:
        t = report["running_text"]
        Console(markup=False).print(
            f"held-out running text: perplexity {t['ppl']:.0f}, next-word top-1 "
            f"{t['top1']:.1%}, top-5 {t['top5']:.1%}"
        )
    for line in character_lines(report):
        Console(markup=False).print(line)
    shipped = model.resolve() == SHIPPED_MODEL.resolve()
    out = args.out or (None if shipped else ModelLayout.at(model).eval_report)
    # eval.json is what `chatbot info` shows as the model's scores: only a whole
    # evaluation on its own corpus replaces it.
    partial = "--limit" if args.limit is not None else ""
    if not partial and args.corpus:  # the card's corpus only matters beside --corpus
        card = ModelCard.read(model)
        own = trained_on(card.corpus, model).root
        named = CorpusLayout.at(args.corpus)
        # The same corpus moved or copied still has the vectors the model was trained on.
        same = Path(args.corpus).resolve() == own.resolve() or (
            bool(card.vectors_sha256)
            and named.vectors.is_file()
            and sha256_file(named.vectors) == card.vectors_sha256
        )
        partial = "" if same else "--corpus of another book"
    if out is not None and partial and not args.out:
        err_console.print(
            f"note: with {partial} the report is not written to {out} (it holds the "
            "model's own scores); --out FILE keeps it",
            highlight=False,
            soft_wrap=True,
        )
    elif out is not None:
        write_json(out, report)
    return 0


def character_lines(report: dict) -> list[str]:
    """The characters and context measures of a model trained with them, as sentences."""
    lines = []
    sens = report.get("characters", {}).get("sensitivity")
    if sens:
        lines.append(
            f"speaker sensitivity: top-5 {sens['top5_true_speaker']:.1%} with the true speaker, "
            f"{sens['top5_other_speaker']:.1%} with another (gain {100 * sens['gain']:+.2f} "
            f"points [{100 * sens['gain_low']:+.2f}, {100 * sens['gain_high']:+.2f}])"
        )
    ident = report.get("characters", {}).get("identification")
    if ident:
        lines.append(
            f"speaker identification among {ident['speakers']}: model {ident['model']:.1%}, "
            f"word frequency {ident['word_frequency']:.1%}, chance {1 / ident['speakers']:.1%}"
        )
    ctx = report.get("context")
    if ctx:
        with_, without = (
            f"{ctx[f'hits1_{name}_context']:.1%} ({ctx[f'hits1_combined_{name}_context']:.1%})"
            for name in ("with", "without")
        )
        lines.append(
            f"context: top-5 {ctx['top5_with_context']:.1%} with, "
            f"{ctx['top5_without_context']:.1%} without; Hits@1 {with_} with, {without} "
            "without (in brackets: PMI + word overlap)"
        )
    return lines
