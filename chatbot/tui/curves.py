"""Training curves from ``metrics.jsonl``: the numbers (pure) and one drawing of them,
shared by the training screen and ``chatbot info``.

Drawn with plotext, through textual-plotext's widget in the app: plotext draws line
plots in braille characters with a second y axis and returns them as text, so the same
function fills the widget and prints in a plain terminal; textual-plotext is
Textualize's own wrapper and follows the app's theme.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a metrics.jsonl, oldest first; none when the file is missing. A line
    cut short (a crash while writing it) is skipped, not an error."""
    path = Path(path)
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "epoch" in row:
            rows.append(row)
    return rows


@dataclass(frozen=True)
class Curves:
    """One point per finished epoch, in training order. ``labels`` name the epochs:
    "t1", "t2"... for running-text epochs, "1", "2"... for dialogue epochs."""

    labels: list[str] = field(default_factory=list)
    ppl: list[float | None] = field(default_factory=list)  # validation perplexity
    top5: list[float | None] = field(default_factory=list)  # validation top-5, in %

    def __len__(self) -> int:
        return len(self.labels)


def curves(rows: list[dict[str, Any]]) -> Curves:
    """The validation perplexity and top-5 accuracy of each epoch row."""
    c = Curves()
    for row in rows:
        prefix = "t" if row.get("phase") == "text" else ""
        c.labels.append(f"{prefix}{row['epoch']}")
        ppl, top5 = row.get("valid_ppl"), row.get("valid_top5")
        c.ppl.append(float(ppl) if isinstance(ppl, (int, float)) else None)
        c.top5.append(100 * float(top5) if isinstance(top5, (int, float)) else None)
    return c


def _points(values: list[float | None]) -> tuple[list[int], list[float]]:
    xs = [i + 1 for i, v in enumerate(values) if v is not None]
    return xs, [v for v in values if v is not None]


def draw(plt: Any, rows: list[dict[str, Any]], title: str = "") -> None:
    """Draw validation perplexity (left axis) and top-5 (right axis) per epoch on a
    plotext figure: the ``plotext`` module or a textual-plotext widget's ``plt``."""
    plt.clear_data()
    c = curves(rows)
    if title:
        plt.title(title)
    plt.xlabel("epoch")
    if not len(c):
        plt.text("no finished epoch yet", x=0.5, y=0.5, alignment="center")
        return
    marker = "braille" if len(c) > 1 else "dot"
    xs, ys = _points(c.ppl)
    if xs:
        plt.plot(xs, ys, label="valid perplexity", marker=marker, color="cyan")
    xs, ys = _points(c.top5)
    if xs:
        plt.plot(xs, ys, label="valid top-5 %", marker=marker, color="green", yside="right")
    plt.xticks(list(range(1, len(c) + 1)), c.labels)
    plt.xlim(0.8, len(c) + 0.2)


def render(rows: list[dict[str, Any]], width: int = 72, height: int = 16) -> str:
    """The curves as text with ANSI colours (for ``chatbot info``)."""
    import plotext

    plotext.clear_figure()
    plotext.plotsize(width, height)
    # The terminal's own background and text colour; only the lines are coloured.
    plotext.canvas_color("default")
    plotext.axes_color("default")
    plotext.ticks_color("default")
    draw(plotext, rows)
    return plotext.build()
