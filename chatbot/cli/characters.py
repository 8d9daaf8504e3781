"""``chatbot characters``: who a model can speak as."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from chatbot.cli.common import add_model_option, chosen_model
from chatbot.cli.options import HelpFormatter


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "characters",
        help="list who a model can speak as (for reply --as and the chat's /as)",
        description="The characters a model trained with --characters has a persona for, "
        "with how many training replies each said. Everyone else speaks as 'anyone'.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model_dir", nargs="?", metavar="MODEL_DIR", help="same as --model")
    add_model_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.cast import Cast
    from chatbot.config import ModelCard
    from chatbot.errors import ChatbotError
    from chatbot.ingest.textio import in_novel_script

    model = chosen_model(args)
    card = ModelCard.read(model)
    cast = Cast.from_dict(card.cast)
    if len(cast) < 2:
        raise ChatbotError(f"{model} has no characters; train a model with --characters N")
    table = Table(title=f"characters of {model}")
    table.add_column("name")
    table.add_column("training replies", justify="right")
    for name, lines in zip(cast.names[1:], cast.lines[1:]):
        table.add_row(in_novel_script(name, card.script), f"{lines:,}")
    Console(markup=False).print(table)
    return 0
