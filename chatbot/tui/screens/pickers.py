"""/model, /chats and /as: choose a bot, reopen a chat, pick a character."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList


class ModelPicker(ModalScreen[Path | None]):
    """Each bot as one line: novel, date, size, scores (``catalog.ModelEntry.label``)."""

    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, models: list[tuple[Path, str]]) -> None:
        super().__init__()
        self.models = models

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Label(
                "Choose a bot" if self.models else "No bots yet: /newbot makes one", id="title"
            )
            yield OptionList(*[Content(label) for _, label in self.models], id="models")
            yield Button("Cancel", id="cancel", compact=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.models[event.option_index][0])

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)


class ChatPicker(ModalScreen[int | None]):
    """Reopen an earlier conversation."""

    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, chats: list, bots: list[str] | None = None) -> None:
        super().__init__()
        self.chats = chats
        self.bots = bots or [""] * len(chats)  # the novel each chat's bot was made from

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Open a chat" if self.chats else "No chats yet", id="title")
            yield OptionList(
                *[  # plain text: a title is what the user typed ("[/]" is no markup)
                    Content(
                        f"{time.strftime('%m-%d %H:%M', time.localtime(c.updated))}  "
                        + (f"{bot} · " if bot else "")
                        + c.title
                    )
                    for c, bot in zip(self.chats, self.bots)
                ],
                id="chats",
            )
            yield Button("Cancel", id="cancel", compact=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.chats[event.option_index].id)

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)


class CharacterPicker(ModalScreen[str | None]):
    """Who the bot speaks as: the model's cast, the most frequent speakers first."""

    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, names: tuple[str, ...], lines: tuple[int, ...], title: str) -> None:
        super().__init__()
        self.names, self.lines, self.title_text = names, lines, title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title")
            yield OptionList(
                *[
                    Content(f"{n}  ({c:,} replies learned)" if k else f"{n} (nobody in particular)")
                    for k, (n, c) in enumerate(zip(self.names, self.lines))
                ],
                id="characters",
            )
            yield Button("Cancel", id="cancel", compact=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)
