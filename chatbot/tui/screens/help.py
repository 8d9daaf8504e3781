"""F1: every key and slash command."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown

from chatbot.tui.commands import COMMANDS

KEYS = [
    ("Enter", "send"),
    ("↑ / ↓", "earlier messages"),
    ("Esc / Ctrl+C", "stop the reply being written (Ctrl+C copies a selection)"),
    ("Ctrl+N", "new chat"),
    ("Ctrl+R", "another reply to the last message (each retry says something new)"),
    ("Ctrl+S", "settings"),
    ("Ctrl+O", "export the chat to Markdown"),
    ("Ctrl+G", "show the book's lines each reply leaned on (also on hover)"),
    ("Ctrl+P", "command palette"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit"),
]


def help_markdown() -> str:
    """Keys and commands as lists: a table's row rules would make the help three
    screens long."""

    def items(rows: list[tuple[str, str]]) -> str:
        return "\n".join(f"- **{a}**: {b}" for a, b in rows) + "\n"

    return (
        "# novel chatbot\n\nType a message and press **Enter**; the reply streams in word "
        "by word. Chats and settings are kept for the next start.\n\n## Keys\n\n"
        + items(KEYS)
        + "\n## Commands\n\n"
        + items(list(COMMANDS.values()))
    )


class HelpScreen(ModalScreen[None]):
    """Opens at the top, with the text focused so that the arrows, Page Up/Down and
    Home/End scroll it."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="tall"):
            with VerticalScroll(id="help-body"):
                yield Markdown(help_markdown())
            yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#help-body", VerticalScroll).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()
