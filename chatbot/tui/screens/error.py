"""Shown instead of the chat when no model can be loaded."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Label, Markdown, Static


class ErrorScreen(Screen[None]):
    """What went wrong and the command that fixes it; never a traceback."""

    BINDINGS = [Binding("q,escape,ctrl+q", "app.quit", "quit")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label("The chatbot cannot start", id="title")
            yield Static(self.message, id="message", markup=False)
            yield Markdown(
                "Make a bot from a novel here (**New bot**), or on the command line:\n\n"
                "```\nchatbot prepare NOVEL.txt\n"
                "chatbot train corpus/NOVEL\n"
                "chatbot chat corpus/NOVEL/model\n```"
            )
            with Horizontal(id="buttons"):
                yield Button("New bot", id="newbot", variant="primary", compact=True)
                yield Button("Quit", id="quit", variant="error", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "newbot":
            self.app.action_new_bot()  # type: ignore[attr-defined]
        else:
            self.app.exit(return_code=2)
