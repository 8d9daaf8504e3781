"""``chatbot scratch``: the from-scratch NumPy LSTM/RNN demos (the learning path)."""

from __future__ import annotations

import argparse

from chatbot.cli.options import HelpFormatter


def add(sub: argparse._SubParsersAction) -> None:
    from chatbot.scratch.__main__ import build_parser, run

    p = sub.add_parser(
        "scratch",
        help="the from-scratch NumPy LSTM/RNN demos (learning path)",
        formatter_class=HelpFormatter,
    )
    build_parser(p)
    p.set_defaults(func=lambda args: run(args.demo, args.seed))
