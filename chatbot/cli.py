"""``chatbot`` command line: one subcommand per stage of the pipeline.

Every user-caused problem ends in one ``error: ...`` line and exit code 2; Ctrl-C exits
with 130. Tracebacks are kept for real bugs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from chatbot import __version__
from chatbot.errors import ChatbotError

if TYPE_CHECKING:
    from chatbot.ingest.prepare import PrepareResult

err_console = Console(stderr=True)


def _add_prepare(sub: argparse._SubParsersAction) -> None:
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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
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
    w.add_argument("--vector-size", type=int, default=d.vector_size)
    w.add_argument("--window", type=int, default=d.window)
    w.add_argument("--sg", type=int, choices=(0, 1), default=d.sg, help="0 CBOW, 1 skip-gram")
    w.add_argument("--negative", type=int, default=d.negative)
    w.add_argument("--hs", type=int, choices=(0, 1), default=d.hs)
    w.add_argument("--sample", type=float, default=d.sample)
    w.add_argument("--epochs", type=int, default=d.epochs)
    w.add_argument("--min-count", type=int, default=d.min_count)
    w.add_argument("--seed", type=int, default=d.seed)
    p.set_defaults(func=_run_prepare)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _run_prepare(args: argparse.Namespace) -> int:
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
    with _progress() as bar:

        def factory(name: str, total: int | None) -> Callable[[int], None]:
            task = bar.add_task(name, total=total)
            return lambda n: bar.advance(task, n)

        result = prepare(args.novel, args.out_dir, config, force=args.force, progress=factory)
    _print_prepare_summary(result)
    return 0


def _print_prepare_summary(result: PrepareResult) -> None:
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


def _add_train(sub: argparse._SubParsersAction) -> None:
    from chatbot.config import TrainConfig

    d = TrainConfig()
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
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("corpus", metavar="CORPUS_DIR", help="a directory made by `chatbot prepare`")
    p.add_argument("--out", metavar="MODEL_DIR", help="model directory (default CORPUS_DIR/model)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument(
        "--head",
        choices=("vector", "softmax"),
        default=d.head,
        help="vector: word-vector output + cosine-nearest lookup; softmax: reference",
    )
    p.add_argument(
        "--loss",
        choices=("cosine-softmax", "mse", "cosine"),
        default=d.loss,
        help="objective of the vector head (mse is the classic recipe)",
    )
    p.add_argument("--freeze-table", action="store_true", help="keep the word2vec table fixed")
    p.add_argument(
        "--prior",
        action=argparse.BooleanOptionalAction,
        default=d.prior,
        help="learn word frequency in a training-only bias, not in the vectors",
    )
    p.add_argument(
        "--copy",
        action=argparse.BooleanOptionalAction,
        default=d.copy,
        help="let the vector output point at query words",
    )
    p.add_argument(
        "--reply-vocab",
        action=argparse.BooleanOptionalAction,
        default=d.reply_vocab,
        help="replies use only words seen in training replies (smaller, faster lookup)",
    )
    for name in (
        "hidden",
        "encoder_layers",
        "decoder_layers",
        "batch_size",
        "max_epochs",
        "patience",
        "max_query",
        "max_reply",
        "sample",
        "seed",
    ):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(d, name))
    for name in (
        "dropout",
        "lr",
        "clip",
        "max_minutes",
        "valid_share",
        "test_share",
        "freq_weight",
        "contrast",
        "unlikelihood",
        "rollout",
    ):
        p.add_argument(
            f"--{name.replace('_', '-')}",
            type=float,
            default=getattr(d, name),
            help=_TRAIN_HELP.get(name),
        )
    p.add_argument("--device", default=d.device, help="auto, cpu, cuda, cuda:1, ...")
    p.set_defaults(func=_run_train)


_TRAIN_HELP = {
    "freq_weight": "weight target words by count**-x, so frequent words stop dominating",
    "contrast": "weight of the loss that makes a reply likelier after its own query",
    "unlikelihood": "weight of the penalty on words the reply already said",
    "rollout": "weight of the penalty on loops in the model's own greedy replies",
    "max_minutes": "wall-clock budget; no epoch starts that would overrun it",
}


def _run_train(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from chatbot.config import TrainConfig
    from chatbot.train import train

    values = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if hasattr(args, f.name)}
    values["train_table"] = not args.freeze_table
    config = TrainConfig(**values)
    console = Console()
    # No vertical rules: eleven columns fit an 80-column terminal.
    epochs = Table(
        title="epochs (validation pairs)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in (
        "epoch",
        "train loss",
        "valid loss",
        "top-1",
        "top-5",
        "degen.",
        "dist-2",
        "len",
        "Hits@1",
        "lr",
        "s",
    ):
        epochs.add_column(col, justify="right")
    with _progress() as bar:
        task = bar.add_task("epoch 1", total=None)

        def on_batch(done: int, total: int, loss: float) -> None:
            bar.update(task, completed=done, total=total)
            if done % 10 == 0:
                bar.update(task, description=f"epoch {epoch[0]} loss {loss:.3f}")

        epoch = [1]

        def on_epoch(row: dict) -> None:
            epoch[0] = row["epoch"] + 1
            bar.reset(task, description=f"epoch {epoch[0]}")
            bar.console.print(
                f"epoch {row['epoch']:3d}  train {row['train_loss']:.3f}  valid "
                f"{row['valid_loss']:.3f}  top-1 {row['valid_top1']:.1%}  top-5 "
                f"{row['valid_top5']:.1%}  degenerate {row['valid_degenerate']:.0%}  "
                f"distinct-2 {row['valid_distinct2']:.3f}  "
                f"Hits@1 {row.get('valid_hits1', float('nan')):.1%}  {row['seconds']:.0f} s"
            )
            epochs.add_row(
                str(row["epoch"]),
                f"{row['train_loss']:.3f}",
                f"{row['valid_loss']:.3f}",
                f"{row['valid_top1']:.1%}",
                f"{row['valid_top5']:.1%}",
                f"{row['valid_degenerate']:.0%}",
                f"{row['valid_distinct2']:.3f}",
                f"{row['valid_mean_length']:.1f}",
                f"{row.get('valid_hits1', float('nan')):.1%}",
                f"{row['lr']:.0e}",
                f"{row['seconds']:.0f}",
            )

        try:
            result = train(
                args.corpus,
                config,
                model_dir=args.out,
                resume=args.resume,
                on_batch=on_batch,
                on_epoch=on_epoch,
            )
        except KeyboardInterrupt:
            err_console.print(
                "interrupted: the last finished epoch is saved; continue with --resume"
            )
            return 130
    console.print(epochs)
    test = Table(title=f"test split ({result.model_dir})", show_header=False)
    test.add_column("metric")
    test.add_column("value", justify="right")
    t = result.test
    for name, value in [
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
    ]:
        test.add_row(name, value)
    console.print(test)
    return 0


def _add_decode_options(p: argparse.ArgumentParser) -> None:
    from chatbot.config import STRATEGIES, DecodeOptions

    d = DecodeOptions()
    g = p.add_argument_group("decoding")
    g.add_argument("--strategy", choices=STRATEGIES, default=d.strategy)
    g.add_argument("--temperature", type=float, default=d.temperature)
    g.add_argument(
        "--top-k", type=int, default=d.top_k, help="sample among this many nearest words"
    )
    g.add_argument("--beam", type=int, default=d.beam, help="beam width (strategy beam)")
    g.add_argument("--repetition-penalty", type=float, default=d.repetition_penalty)
    g.add_argument("--no-repeat-ngram", type=int, default=d.no_repeat_ngram)
    g.add_argument("--min-length", type=int, default=d.min_length)
    g.add_argument("--max-length", type=int, default=d.max_length)
    g.add_argument("--seed", type=int, default=d.seed, help="same seed, same reply")


def _decode_options(args: argparse.Namespace):
    from dataclasses import fields

    from chatbot.config import DecodeOptions

    return DecodeOptions(**{f.name: getattr(args, f.name) for f in fields(DecodeOptions)})


def _add_reply(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reply",
        help="answer one message, or one per line of standard input",
        description="Reply to TEXT with the model in MODEL_DIR. Without TEXT, reply to each "
        "line of standard input.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("text", nargs="?", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print words, scores and timings as JSON")
    _add_decode_options(p)
    p.set_defaults(func=_run_reply)


def _run_reply(args: argparse.Namespace) -> int:
    import json

    from chatbot.bot import Chatbot

    options = _decode_options(args)
    bot = Chatbot.load(args.model)
    lines = [args.text] if args.text is not None else (ln.rstrip("\n") for ln in sys.stdin)
    status = 0
    for line in lines:
        try:
            r = bot.reply(line, options)
        except ChatbotError as e:
            if args.text is not None:
                raise
            err_console.print(f"[bold red]error:[/] {e}", highlight=False)
            status = 2
            continue
        if args.json:
            print(
                json.dumps(
                    {
                        "query": line,
                        "reply": r.text,
                        "words": r.words,
                        "scores": [round(s, 4) for s in r.scores],
                        "stop": r.stop,
                        "log_prob": round(r.log_prob, 4),
                        "ms": round(r.seconds * 1000, 2),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(r.text, flush=True)
    return status


def _add_eval(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="score a model on its test split, next to retrieval and softmax references",
        description="Evaluate MODEL_DIR on the test split of its corpus: teacher-forced "
        "top-1/top-5, BLEU-2, distinct-1/2, degenerate rate, length, Hits@1 ranking and "
        "latency; the same for a retrieval baseline and, with --softmax, a softmax-head "
        "model. Prints a table and writes MODEL_DIR/eval.json.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL_DIR")
    p.add_argument("--corpus", help="corpus directory (default: the one the model was trained on)")
    p.add_argument("--softmax", metavar="DIR", help="a --head softmax model to compare")
    p.add_argument("--limit", type=int, help="evaluate only the first N test pairs")
    _add_decode_options(p)
    p.set_defaults(func=_run_eval)


def _run_eval(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from chatbot.evaluate import evaluate_model
    from chatbot.fsutil import atomic_path

    report = evaluate_model(
        args.model,
        corpus_dir=args.corpus,
        options=_decode_options(args),
        softmax_dir=args.softmax,
        limit=args.limit,
    )
    systems = [k for k in ("model", "softmax", "retrieval") if k in report]
    table = Table(title=f"test split: {report['test_pairs']} pairs ({report['corpus']})")
    table.add_column("metric")
    for name in systems:
        table.add_column(name, justify="right")
    rows = [
        ("teacher-forced top-1", "top1", "{:.1%}"),
        ("teacher-forced top-5", "top5", "{:.1%}"),
        ("BLEU-2", "bleu2", "{:.3f}"),
        ("distinct-1", "distinct1", "{:.3f}"),
        ("distinct-2", "distinct2", "{:.3f}"),
        ("degenerate", "degenerate", "{:.1%}"),
        ("mean length", "mean_length", "{:.1f}"),
        ("gold mean length", "gold_mean_length", "{:.1f}"),
        ("Hits@1 of 10 (retrieval: word overlap)", "hits_at_1", "{:.1%}"),
        ("median latency ms", "median_latency_ms", "{:.1f}"),
    ]
    for label, key, fmt in rows:
        table.add_row(
            label, *(fmt.format(report[s][key]) if key in report[s] else "-" for s in systems)
        )
    Console().print(table)
    with atomic_path(Path(args.model) / "eval.json") as tmp:
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


def _add_chat(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chat",
        help="open the chat app",
        description="Chat with a trained model in the terminal. Without MODEL_DIR, the most "
        "recent model under corpus/. Transcripts are kept in SQLite under the user data "
        "directory (--data-dir or $NOVEL_CHATBOT_DATA_DIR to change it).",
    )
    p.add_argument("model", nargs="?", metavar="MODEL_DIR")
    p.add_argument("--data-dir", help="where chats are stored")
    p.add_argument("--pace", type=float, default=30.0, help="milliseconds between streamed words")
    p.set_defaults(func=_run_chat)


def _run_chat(args: argparse.Namespace) -> int:
    from chatbot.tui.app import ChatApp

    app = ChatApp(args.model, data_dir=args.data_dir, pace_ms=args.pace)
    app.run()
    return app.return_code or 0


def _add_scratch(sub: argparse._SubParsersAction) -> None:
    from chatbot.scratch.__main__ import build_parser as scratch_parser
    from chatbot.scratch.__main__ import run

    p = sub.add_parser("scratch", help="the from-scratch NumPy LSTM/RNN demos (learning path)")
    scratch_parser(p)
    p.set_defaults(func=lambda args: run(args.demo, args.seed))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatbot",
        description="A terminal chatbot that learns to talk like the characters of a novel.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_prepare(sub)
    _add_train(sub)
    _add_reply(sub)
    _add_eval(sub)
    _add_chat(sub)
    _add_scratch(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ChatbotError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
