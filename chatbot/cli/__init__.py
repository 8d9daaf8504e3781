"""``chatbot`` command line: one subcommand per stage of the pipeline, one module each.

Every option of every subcommand explains itself in ``--help`` (most are made from the
config dataclasses, ``options``). Every user-caused problem ends in one ``error: ...``
line and exit code 2; Ctrl-C exits with 130. Tracebacks are kept for real bugs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from chatbot import __version__
from chatbot.cli import (
    characters,
    chat,
    evaluate,
    info,
    judge,
    prepare,
    pretrain,
    reply,
    scratch,
    train,
    write_on,
)
from chatbot.cli.common import err_console, labelled, run_script
from chatbot.cli.options import typed_options

SUBCOMMANDS = (
    prepare,
    train,
    pretrain,
    reply,
    write_on,
    characters,
    evaluate,
    judge,
    info,
    chat,
    scratch,
)


class Parser(argparse.ArgumentParser):
    """Usage mistakes as one line, like every other error (argparse prints the whole
    usage first, which buries the line that says what was wrong)."""

    def error(self, message: str) -> NoReturn:
        err_console.print(
            labelled("error:", "bold red", f"{message} (see {self.prog} --help)"),
            soft_wrap=True,
        )
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="chatbot",
        description="A terminal chatbot that learns to talk like the characters of a novel.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in SUBCOMMANDS:
        command.add(sub)
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The command line, options allowed between positionals (prepare NOVEL --epochs 3
    OUT, reply --seed 2 how are you): argparse fills optional and list positionals only
    up to the first option, so what follows it is read again by the command's own
    parser, intermixed. A command with subcommands of its own (judge) cannot be."""
    args, extra = parser.parse_known_args(argv)
    if not extra:
        return args
    command = _commands(parser).choices[args.command]
    if any(isinstance(a, argparse._SubParsersAction) for a in command._actions):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    rest = argv[argv.index(args.command) + 1 :]
    return command.parse_intermixed_args(rest, argparse.Namespace(command=args.command))


def _commands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(parser, argv)
    args.typed = typed_options(_commands(parser).choices[args.command], argv)
    return run_script(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
