"""What the subcommands share: the error console, progress bars, and which model a
command means when none is named."""

from __future__ import annotations

import argparse
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

from chatbot.errors import ChatbotError

err_console = Console(stderr=True)


def progress(disable: bool = False) -> Progress:
    """A transient progress display on stderr: bar, count, elapsed time and ETA."""
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
        disable=disable,
    )


def add_model_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        metavar="MODEL_DIR",
        help="a trained model directory (default: the model shipped with the package, "
        "else the newest under corpus/)",
    )


def resolve_model(name: str | Path | None) -> Path:
    """The model directory a command means: ``name``, else the default model."""
    from chatbot.layout import default_model

    if name:
        return Path(name)
    found = default_model()
    if found is None:
        raise ChatbotError(
            "no model given and none shipped or under corpus/; train one with `chatbot train`"
        )
    return found
