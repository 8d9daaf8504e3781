"""``chatbot pretrain``: a base model from a library of novels (torchrun-ready)."""

from __future__ import annotations

import argparse
import os

from rich.console import Console

from chatbot.cli.options import HelpFormatter, add_options, from_args
from chatbot.config import TrainConfig
from chatbot.layout import ModelLayout

# A library is big: two running-text epochs do most of the work; two dialogue epochs, with
# less running text mixed in, follow. Without the unlikelihood and rollout terms those
# sample output rows as running text does (0.34 s a batch of 25,000 words here, ~6 s
# exact); the fine-tuning on one novel adds the terms back.
PRETRAIN_DEFAULTS = {
    "text_epochs": 2,
    "text_mix": 0.3,
    "max_epochs": 2,
    "unlikelihood": 0.0,
    "rollout": 0.0,
}


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pretrain",
        help="pre-train a base model on a library of novels (fine-tune it with train --from)",
        description="Prepare every book (the same pipeline as `chatbot prepare`, cached per "
        "book under --cache), train one word2vec over all of them, then the model: next-word "
        "prediction on their running text, then their dialogue pairs. Writes a base model "
        "(weights, config with the books read and their hashes, vocabulary) to --out. Runs "
        "across processes with `torchrun --nproc-per-node N -m chatbot pretrain ...` "
        "(DistributedDataParallel: gloo on CPU, NCCL on CUDA). Ctrl-C keeps the last "
        "finished epoch; --resume continues.",
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "books",
        nargs="+",
        metavar="BOOK_OR_FOLDER",
        help=".txt novels, corpus folders that `chatbot prepare` wrote (used as they are), "
        "or folders of either",
    )
    p.add_argument("--out", required=True, metavar="BASE_DIR", help="where the base model goes")
    p.add_argument(
        "--cache",
        default="corpus",
        metavar="DIR",
        help="where each book is prepared (one folder each)",
    )
    p.add_argument(
        "--max-vocab", type=int, default=25_000, metavar="N", help="words in the base's table"
    )
    p.add_argument(
        "--workers", type=int, default=0, metavar="N", help="processes for preparing; 0 = all cores"
    )
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("--force", action="store_true", help="replace a base model already in BASE_DIR")
    add_options(p, TrainConfig, title="training")
    p.set_defaults(**PRETRAIN_DEFAULTS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.cli.info import books_table
    from chatbot.cli.train import report
    from chatbot.config import ModelCard
    from chatbot.pretrain import pretrain
    from chatbot.train import planned_text_epochs

    config = from_args(TrainConfig, args)

    def start(on_batch, on_epoch, steps):
        return pretrain(
            args.books,
            args.out,
            config,
            cache=args.cache,
            max_vocab=args.max_vocab,
            workers=args.workers,
            resume=args.resume,
            force=args.force,
            given=args.typed,
            progress=steps,
            on_batch=on_batch,
            on_epoch=on_epoch,
        )

    text_epochs = planned_text_epochs(ModelLayout.at(args.out), config, args.resume, args.typed)
    status = report(start, text_epochs, resumed=args.resume)
    if status == 0 and int(os.environ.get("RANK", "0")) == 0:
        Console(markup=False).print(books_table(ModelCard.read(args.out).books))
    return status
