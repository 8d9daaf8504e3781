"""Modal screens: settings, help, model info, model picker, and the error screen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    Markdown,
    OptionList,
    Select,
    Static,
)

from chatbot.config import STRATEGIES, DecodeOptions
from chatbot.errors import ChatbotError

HELP = """\
# novel chatbot

Type a message and press **Enter**; the reply streams in word by word.

| key | does |
| --- | --- |
| Enter | send |
| ↑ / ↓ | earlier messages |
| Esc | stop the reply being written |
| Ctrl+N | new chat |
| Ctrl+R | regenerate the last reply |
| Ctrl+S | settings |
| Ctrl+E | export the chat to Markdown |
| Ctrl+P | command palette |
| F1 | this help |
| Ctrl+Q | quit |

| command | does |
| --- | --- |
| /new, /clear, /regen | new chat, clear this chat, answer again |
| /chats | reopen an earlier chat |
| /export [FILE] | write the chat as Markdown |
| /model | switch to another trained model |
| /info | the model's novel, vocabulary and training metrics |
| /settings | the settings dialog |
| /temp 0.7, /topk 8, /beam 4, /max 30, /penalty 1.5 | decoding settings |
| /strategy sample\\|greedy\\|beam, /seed 3 (or off) | decoding strategy, reproducible replies |
| /scores on\\|off | colour each bot word by its cosine score |
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Markdown(HELP)
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()


class InfoScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "close")]

    def __init__(self, bot) -> None:
        super().__init__()
        self.bot = bot

    def compose(self) -> ComposeResult:
        c = self.bot.config
        m, test = c.get("model", {}), c.get("test", {})
        lines = [
            f"# {self.bot.root}",
            f"- corpus: `{c.get('corpus', '?')}`",
            f"- vocabulary: {len(self.bot.table):,} words, {m.get('dim')} dimensions",
            f"- model: {m.get('head')} head, {m.get('loss')} loss, hidden {m.get('hidden')}",
            f"- trainable parameters: {c.get('trainable_parameters', '?'):,}"
            if isinstance(c.get("trainable_parameters"), int)
            else "- trainable parameters: ?",
            f"- best epoch: {c.get('best_epoch', '?')}",
        ]
        if test:
            lines.append(
                f"- test split: top-1 {test['top1']:.1%}, top-5 {test['top5']:.1%}, "
                f"degenerate {test['degenerate']:.1%}, distinct-2 {test['distinct2']:.3f}"
            )
        with Vertical(id="dialog"):
            yield Markdown("\n".join(lines))
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()


class SettingsScreen(ModalScreen[tuple[DecodeOptions, bool] | None]):
    BINDINGS = [Binding("escape", "dismiss", "cancel")]

    def __init__(self, options: DecodeOptions, show_scores: bool) -> None:
        super().__init__()
        self.options = options
        self.show_scores = show_scores

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
        self.dismiss((options, self.query_one("#scores", Checkbox).value))


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
        import time

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


class ErrorScreen(Screen[None]):
    """What went wrong and the command that fixes it; never a traceback."""

    BINDINGS = [Binding("q,escape,ctrl+q", "app.quit", "quit")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Label("The chatbot cannot start", id="title")
            yield Static(self.message, id="message")
            yield Markdown(
                "To make a model from a novel:\n\n"
                "```\nscripts/prepare_corpus.sh NOVEL.txt\n"
                ".venv/bin/chatbot train corpus/NOVEL\n"
                ".venv/bin/chatbot chat corpus/NOVEL/model\n```"
            )
            yield Button("Quit", id="quit", variant="error")

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.app.exit(return_code=2)
