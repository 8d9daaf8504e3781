"""``chatbot reply``: answer one message, or one per line of standard input."""

from __future__ import annotations

import argparse
import json
import sys

from chatbot.cli.common import add_model_option, err_console, resolve_model
from chatbot.cli.options import HelpFormatter, add_options, from_args
from chatbot.config import DecodeOptions
from chatbot.errors import ChatbotError
from chatbot.layout import ModelLayout


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reply",
        help="answer one message, or one per line of standard input",
        description="Reply to TEXT with a trained model (by default the shipped one). "
        "Without TEXT, reply to each line of standard input.",
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the message (the older form MODEL_DIR TEXT still works)",
    )
    add_model_option(p)
    p.add_argument("--json", action="store_true", help="print words, scores and timings as JSON")
    add_options(p, DecodeOptions, title="decoding")
    p.set_defaults(func=run)


def _model_and_text(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(model, text) from ``--model`` and the positionals, which may be TEXT, or the
    older MODEL_DIR [TEXT]."""
    words = list(args.text)
    model = args.model
    if words and model is None and ModelLayout.at(words[0]).exists():
        model = words.pop(0)
    if len(words) > 1:
        raise ChatbotError('give the message as one argument: chatbot reply "TEXT" [--model DIR]')
    return model, (words[0] if words else None)


def run(args: argparse.Namespace) -> int:
    from chatbot.bot import Chatbot

    options = from_args(DecodeOptions, args)
    model, text = _model_and_text(args)
    bot = Chatbot.load(resolve_model(model))
    lines = [text] if text is not None else (ln.rstrip("\n") for ln in sys.stdin)
    status = 0
    for line in lines:
        try:
            r = bot.reply(line, options)
        except ChatbotError as e:
            if text is not None:
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
