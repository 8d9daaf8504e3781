"""/info: what the loaded model is and how it scored."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown


def info_markdown(bot) -> str:
    card = bot.card
    m, test = card.model, card.test
    params = card.trainable_parameters
    lines = [
        f"# {bot.root}",
        f"- corpus: `{card.corpus or '?'}`",
        f"- vocabulary: {len(bot.table):,} words, {m.dim} dimensions",
        f"- model: {m.head} head, {m.loss} loss, hidden {m.hidden}",
        f"- trainable parameters: {params:,}" if params else "- trainable parameters: ?",
        f"- best epoch: {card.best_epoch or '?'}",
    ]
    shown = [
        ("top-1", "top1", ".1%"),
        ("top-5", "top5", ".1%"),
        ("degenerate", "degenerate", ".1%"),
    ]
    shown.append(("distinct-2", "distinct2", ".3f"))
    found = [f"{label} {test[key]:{fmt}}" for label, key, fmt in shown if key in test]
    if found:  # those the card has: one written by hand may lack some
        lines.append("- test split: " + ", ".join(found))
    if card.cast and len(bot.names) > 1:  # who /as can pick, with their training replies
        counts = bot.cast.lines
        cast = ", ".join(f"{n} ({c:,})" for n, c in zip(bot.names[1:], counts[1:]))
        lines.append(f"- characters: {cast}")
    return "\n".join(lines)


class InfoScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "close")]

    def __init__(self, bot) -> None:
        super().__init__()
        self.bot = bot

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Markdown(info_markdown(self.bot))
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()
