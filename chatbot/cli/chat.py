"""``chatbot chat``: the terminal chat app."""

from __future__ import annotations

import argparse

from chatbot.cli.common import add_model_option, model_arg
from chatbot.cli.options import HelpFormatter


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chat",
        help="open the chat app",
        description="Chat with a trained model in the terminal (by default the shipped one). "
        "Transcripts are kept in SQLite under the user data directory (--data-dir or "
        "$NOVEL_CHATBOT_DATA_DIR to change it).",
        formatter_class=HelpFormatter,
    )
    p.add_argument("model_dir", nargs="?", metavar="MODEL_DIR", help="same as --model")
    add_model_option(p)
    p.add_argument("--data-dir", help="where chats are stored (default: the user data directory)")
    p.add_argument(
        "--pace", type=float, default=30.0, metavar="MS", help="milliseconds between streamed words"
    )
    p.add_argument(
        "--novel",
        metavar="PATH",
        help="make a bot from this novel (.txt) first: the app prepares it, shows what it "
        "found and trains it, while the chat goes on with the current bot",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chatbot.errors import ChatbotError
    from chatbot.tui.app import ChatApp

    if not 0 <= args.pace < 60_000:  # NaN fails this too
        raise ChatbotError("--pace must be 0 or more milliseconds (under a minute)")
    app = ChatApp(model_arg(args), data_dir=args.data_dir, pace_ms=args.pace, novel=args.novel)
    app.run()
    return app.return_code or 0
