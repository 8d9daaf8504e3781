"""``chatbot continue``: write the story on from a passage, word by word."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict

from chatbot.cli.common import (
    add_encoding_option,
    add_model_option,
    check_encoding,
    decode_input,
    note_ignored,
    resolve_model,
)
from chatbot.cli.options import HelpFormatter, add_options, from_args
from chatbot.config import MAX_STORY_WORDS, DecodeOptions


def add(sub: argparse._SubParsersAction) -> None:
    from chatbot.config import CONTINUE_OPTIONS

    p = sub.add_parser(
        "continue",
        help="write the story on from a passage, in the book's style",
        description="Continue PASSAGE (or standard input) word by word with a trained model "
        "(by default the shipped one): the model predicts the next words of the book's "
        "running text. Stops after --words words or where a chapter ends.",
        formatter_class=HelpFormatter,
    )
    p.add_argument("passage", nargs="?", metavar="PASSAGE", help="the text to continue")
    add_model_option(p)
    add_encoding_option(p)
    p.add_argument(
        "--words",
        type=int,
        default=60,
        metavar="N",
        help=f"how many words to write (1 to {MAX_STORY_WORDS})",
    )
    add_options(p, DecodeOptions, title="decoding", skip=frozenset({"min_length", "max_length"}))
    defaults = asdict(CONTINUE_OPTIONS)
    p.set_defaults(**{k: v for k, v in defaults.items() if k not in ("min_length", "max_length")})
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.bot import Chatbot
    from chatbot.config import CONTINUE_OPTIONS
    from chatbot.errors import ChatbotError

    if not 1 <= args.words <= MAX_STORY_WORDS:
        raise ChatbotError(f"--words must be from 1 to {MAX_STORY_WORDS}, not {args.words}")
    check_encoding(args.encoding)
    options = from_args(
        DecodeOptions,
        args,
        min_length=CONTINUE_OPTIONS.min_length,
        max_length=CONTINUE_OPTIONS.max_length,
    )
    note_ignored(options.strategy, args.typed)
    if args.passage is not None:  # typed: the terminal's own encoding
        passage = decode_input(args.passage, "the passage")
    else:
        passage = decode_input(sys.stdin.buffer.read(), "the passage", args.encoding)
    bot = Chatbot.load(resolve_model(args.model))
    from chatbot.ingest.textio import word_piece

    tail = passage.rstrip()[-16:]  # the last characters written, all word_piece needs
    for word, _ in bot.write_on(passage, args.words, options):
        piece = word_piece(tail, bot.shown(word))
        print(piece, end="", flush=True)
        tail = (tail + piece)[-16:]
    print()
    return 0
