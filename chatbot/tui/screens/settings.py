"""Ctrl+S: the decoding settings as a form, and who speaks to whom when the model has
characters."""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from chatbot.cast import ANYONE
from chatbot.config import STRATEGIES, DecodeOptions
from chatbot.errors import ChatbotError


@dataclass(frozen=True)
class Settings:
    """What the dialog saves."""

    options: DecodeOptions
    show_scores: bool
    speaker: str | None = None  # the character the bot speaks as (None: anyone)
    addressee: str | None = None  # who the user is (None: nobody in particular)


class SettingsScreen(ModalScreen[Settings | None]):
    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(
        self,
        options: DecodeOptions,
        show_scores: bool,
        names: tuple[str, ...] = (),
        speaker: str | None = None,
        addressee: str | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.show_scores = show_scores
        self.names = names  # the model's cast, ANYONE first; empty without characters
        self.speaker, self.addressee = speaker, addressee

    def compose(self) -> ComposeResult:
        o = self.options
        with Vertical(id="dialog"):
            yield Label("Settings", id="title")
            with Horizontal(classes="row"):
                yield Label("strategy")
                yield Select(
                    [(s, s) for s in STRATEGIES],
                    value=o.strategy,
                    allow_blank=False,
                    id="strategy",
                    compact=True,
                )
            for field, label in [
                ("temperature", "temperature"),
                ("top_k", "top-k"),
                ("beam", "beam width"),
                ("max_length", "max length"),
                ("repetition_penalty", "repetition penalty"),
            ]:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(str(getattr(o, field)), id=field, compact=True)
            with Horizontal(classes="row"):
                yield Label("seed")
                yield Input(
                    "" if o.seed is None else str(o.seed),
                    placeholder="random",
                    id="seed",
                    compact=True,
                )
            if len(self.names) > 1:
                for field, label, value in [
                    ("speaker", "character", self.speaker),
                    ("addressee", "you are", self.addressee),
                ]:
                    with Horizontal(classes="row"):
                        yield Label(label)
                        yield Select(
                            [(n, n) for n in self.names],
                            value=value if value in self.names else ANYONE,
                            allow_blank=False,
                            id=field,
                            compact=True,
                        )
            with Horizontal(classes="row"):
                yield Label("colour words by score")
                yield Checkbox("", self.show_scores, id="scores", compact=True)
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        try:
            get = lambda name: self.query_one(f"#{name}", Input).value.strip()  # noqa: E731
            options = replace(
                self.options,
                strategy=self.query_one("#strategy", Select).value,
                temperature=float(get("temperature")),
                top_k=int(get("top_k")),
                beam=int(get("beam")),
                max_length=int(get("max_length")),
                repetition_penalty=float(get("repetition_penalty")),
                seed=int(get("seed")) if get("seed") else None,
            )
        except (ValueError, ChatbotError) as e:
            self.query_one("#error", Static).update(f"not saved: {e}")
            return
        cast = {}
        for field in ("speaker", "addressee") if len(self.names) > 1 else ():
            name = self.query_one(f"#{field}", Select).value
            cast[field] = None if name == ANYONE else str(name)
        self.dismiss(Settings(options, self.query_one("#scores", Checkbox).value, **cast))
