"""/model and /chats: choose a trained model, reopen a chat."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList


class ModelPicker(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, models: list[Path]) -> None:
        super().__init__()
        self.models = models

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Choose a model" if self.models else "No models found under corpus/")
            yield OptionList(*[str(m) for m in self.models], id="models")
            yield Button("Cancel", id="cancel")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.models[event.option_index])

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)


class ChatPicker(ModalScreen[int | None]):
    """Reopen an earlier conversation."""

    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, chats: list) -> None:
        super().__init__()
        self.chats = chats

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Open a chat" if self.chats else "No chats yet", id="title")
            yield OptionList(
                *[
                    f"{time.strftime('%m-%d %H:%M', time.localtime(c.updated))}  {c.title}"
                    for c in self.chats
                ],
                id="chats",
            )
            yield Button("Cancel", id="cancel", compact=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.chats[event.option_index].id)

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)
