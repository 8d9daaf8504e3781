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
        with Vertical(id="dialog", classes="dense"):
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
                yield Label("word scores")
                yield Checkbox("colour each word", self.show_scores, id="scores", compact=True)
            yield Static("", id="error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return

        def number(name: str, kind: type[int] | type[float], label: str) -> int | float:
            text = self.query_one(f"#{name}", Input).value.strip()
            try:
                return kind(text)
            except ValueError:
                whole = "a whole number" if kind is int else "a number"
                raise ChatbotError(f"{label} must be {whole}, not {text!r}") from None

        try:
            seed = self.query_one("#seed", Input).value.strip()
            options = replace(
                self.options,
                strategy=self.query_one("#strategy", Select).value,
                temperature=number("temperature", float, "temperature"),
                top_k=number("top_k", int, "top-k"),
                beam=number("beam", int, "beam width"),
                max_length=number("max_length", int, "max length"),
                repetition_penalty=number("repetition_penalty", float, "repetition penalty"),
                seed=number("seed", int, "seed") if seed else None,
            )
        except ChatbotError as e:
            self.query_one("#error", Static).update(f"not saved: {e}")
            return
        cast = {}
        for field in ("speaker", "addressee") if len(self.names) > 1 else ():
            name = self.query_one(f"#{field}", Select).value
            cast[field] = None if name == ANYONE else str(name)
        self.dismiss(Settings(options, self.query_one("#scores", Checkbox).value, **cast))
