"""What the subcommands share: the error console, progress bars, and which model a
command means when none is named."""

from __future__ import annotations

import argparse
import codecs
import io
import os
import sys
import time
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

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
from rich.text import Text

from chatbot.errors import ChatbotError, NotText

# No markup: messages hold paths and the user's text ("a[/]b" is a file name, not a tag).
err_console = Console(stderr=True, markup=False)


def labelled(label: str, style: str, message: str) -> Text:
    """A one-line message ("error: ...", "note: ..."): the label styled, the message
    as it is."""
    return Text.assemble((label, style), " ", message)


class LoggedProgress(Progress):
    """A progress display that, when stderr is not a terminal (a job in the background
    with its output in a log file), prints its rows as plain lines every ``every``
    seconds, so the log shows how far a long job is and its ETA."""

    def __init__(self, *columns, every: float = 30.0, log: bool = False, **kwargs) -> None:
        super().__init__(*columns, **kwargs)
        self.every = every
        self.log = log  # print plain lines (the live display is off: not a terminal)
        self._logged = time.monotonic()

    def update(self, task_id, **kwargs) -> None:
        super().update(task_id, **kwargs)
        self._log()

    def advance(self, task_id, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log()

    def _log(self) -> None:
        console = self.live.console
        if not self.log or not self.tasks:
            return
        if time.monotonic() - self._logged >= self.every:
            self._logged = time.monotonic()
            console.print(self.make_tasks_table(self.tasks), crop=False, soft_wrap=True)


def progress(disable: bool = False, every: float = 30.0) -> Progress:
    """A transient progress display on stderr: bar, count, elapsed time and ETA (a plain
    line every ``every`` seconds when stderr is a file, and no live display there: its
    last frame would be a stray line before an error)."""
    live = not disable and err_console.is_terminal
    return LoggedProgress(
        SpinnerColumn(),
        TextColumn("{task.description}", style="progress.description", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not live,
        log=not disable and not live,
        every=every,
    )


def run_script(main: Callable[[], int]) -> int:
    """``main`` (a subcommand's, or a script's) with the CLI's manners: a ChatbotError
    is one ``error:`` line and exit code 2, Ctrl-C exits with 130."""
    try:
        return main()
    except ChatbotError as e:
        err_console.print(labelled("error:", "bold red", str(e)), soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except BrokenPipeError:  # `chatbot ... | head` stopped reading: nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
        return 141  # as a shell reports SIGPIPE


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def given_path(path: str, default: str, what: str, exists: Callable[[Path], bool]) -> bool:
    """Whether a benchmark has its input: a missing default is skipped (the shared
    corpus may be absent: False), a missing path the user gave is an error."""
    if exists(Path(path)):
        return True
    if path != default:
        raise ChatbotError(f"no {what} at {path}")
    print(f"skip: no {what} at {path}", file=sys.stderr)
    return False


def add_model_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        metavar="MODEL_DIR",
        help="a trained model directory, such as CORPUS_DIR/model after `chatbot train` "
        "(default: the model shipped with the package; in a checkout without one, the "
        "newest under corpus/)",
    )


def resolve_model(name: str | Path | None) -> Path:
    """The model directory a command means: ``name``, else the default model."""
    from chatbot.layout import default_model

    if name is not None and not str(name).strip():
        raise ChatbotError("the model directory is empty: give one, or none for the shipped model")
    if name:
        return Path(name)
    found = default_model()
    if found is None:
        raise ChatbotError(
            "no model given and none shipped or under corpus/; train one with `chatbot train`"
        )
    return found


def model_arg(args: argparse.Namespace) -> str | None:
    """What a command with ``--model`` and a MODEL_DIR positional was told, if anything."""
    if args.model is not None and args.model_dir is not None and args.model != args.model_dir:
        raise ChatbotError(
            f"two models given ({args.model_dir} and --model {args.model}); give one"
        )
    return args.model if args.model is not None else args.model_dir


def chosen_model(args: argparse.Namespace) -> Path:
    """The model a command with ``--model`` and a MODEL_DIR positional means."""
    return resolve_model(model_arg(args))


DETECT_MIN_BYTES = 256  # below this, guessing an encoding picks mojibake too often
# Control bytes that no typed text holds (tab, line and page breaks and ESC aside): in
# a line of piped input, a sign of a binary file even where it has no NUL.
_TEXT_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")


def add_encoding_option(p: argparse.ArgumentParser, read: str = "standard input") -> None:
    p.add_argument(
        "--encoding",
        metavar="CODEC",
        help=f"encoding of {read} when not UTF-8, e.g. gbk or big5 "
        f"(default: UTF-8; another is detected in a text, or a line of standard input, "
        f"of {DETECT_MIN_BYTES} bytes or more)",
    )


def decode_input(data: bytes | str, name: str, encoding: str | None = None) -> str:
    """Text a user types or pipes in: in ``encoding`` when given, else UTF-8 as a rule,
    else detected as a novel's is when long enough to tell. A str is an argument the
    shell passed with bytes that are not UTF-8 (Python keeps them as surrogates)."""
    from chatbot.ingest.textio import decode_bytes

    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if encoding is None and b"\0" in data:  # no text typed or piped holds a NUL
        raise NotText(f"{name} holds NUL bytes: a binary file, or UTF-16 (--encoding utf-16)")
    if encoding is not None:
        return decode_bytes(data, encoding=encoding, name=name)[0] if data.strip() else ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if len(data.translate(None, _TEXT_CONTROLS)) < 0.95 * len(data):
            raise NotText(f"{name} is not text (control bytes): a binary file") from None
        if len(data) < DETECT_MIN_BYTES:
            raise ChatbotError(
                f"{name} is not UTF-8; say its encoding with --encoding (e.g. gbk, big5)"
            ) from None
    return decode_bytes(data, name=name)[0]


def stdin_lines(encoding: str | None) -> Iterator[bytes | str]:
    """Standard input a line at a time, as it comes: bytes, each line decoded on its own,
    or with ``encoding`` (checked by the caller: ``check_encoding``) text in it (UTF-16
    cannot be cut into lines as bytes)."""
    if encoding is None:
        yield from sys.stdin.buffer
        return
    try:
        yield from io.TextIOWrapper(sys.stdin.buffer, encoding=encoding)
    except UnicodeDecodeError as e:
        raise ChatbotError(f"standard input is not {encoding}: {e.reason}") from None


def check_encoding(encoding: str | None) -> None:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ChatbotError(f"unknown encoding {encoding!r}") from None


def note_ignored(strategy: str, typed: Collection[str]) -> None:
    """Say on standard error which typed decoding options ``strategy`` does not read
    (beam search is the default, so --temperature alone would change nothing)."""
    from chatbot.config import unread_settings

    unread = unread_settings(strategy, sorted(typed))
    if unread:
        said = "; ".join(
            f"--{name.replace('_', '-')} works with --strategy {by} only"
            for name, by in unread.items()
        )
        err_console.print(f"note: {said} (this is {strategy})", highlight=False, soft_wrap=True)
