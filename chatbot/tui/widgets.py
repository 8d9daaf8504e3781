"""The chat's own widgets: a message bubble that grows word by word, and the message
box with history. A bot bubble names the character it speaks as, and can show the book's
lines its reply leaned on (on hover always, under the reply with Ctrl+G)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Input, Static

from chatbot.ingest.sentences import HAN
from chatbot.ingest.textio import join_words, word_piece


def score_style(score: float) -> str:
    """Green for confident words, red for doubtful ones (cosine to the chosen word)."""
    if score >= 0.6:
        return "green"
    if score >= 0.4:
        return "yellow"
    return "red"


def speaker_label(name: str) -> str:
    """How a character is named before their words: 林黛玉： in Chinese, Elizabeth: else."""
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in name)
    return f"{name}：" if cjk else f"{name}: "


class Bubble(Static):
    """One message. A bot bubble can grow word by word and colour words by score."""

    def __init__(
        self,
        role: str,
        text: str = "",
        scores: list[float] | None = None,
        speaker: str | None = None,
        grounding: list[str] | None = None,
    ):
        super().__init__(classes=role)
        self.role = role
        self.words: list[str] = []
        self.scores: list[float] = list(scores or [])
        self.plain = text
        self.show_scores = False
        self.speaker = speaker
        self.grounding: list[str] = list(grounding or [])  # the book's lines leaned on
        self.show_lines = False

    def on_mount(self) -> None:
        self.refresh_text()

    def add_words(self, words: list[tuple[str, float]]) -> None:
        for w, s in words:
            self.words.append(w)
            self.scores.append(s)
        self.plain = join_words(self.words)
        self.refresh_text()

    def refresh_text(self) -> None:
        t = Text()
        if self.role == "bot" and self.speaker:
            t.append(speaker_label(self.speaker), style="bold")
        tips = []
        if self.role == "bot" and self.show_scores and self.words:
            written = ""
            for w, s in zip(self.words, self.scores):
                piece = word_piece(written[-16:], w)
                written += piece
                t.append(piece, style=score_style(s))
            tips.append(" ".join(f"{w}:{s:.2f}" for w, s in zip(self.words, self.scores)))
        else:
            t.append(self.plain or "…")
        if self.grounding:
            tips.append(
                "leaned on the book's lines:\n" + "\n".join(f"· {g}" for g in self.grounding)
            )
            if self.show_lines:
                for line in self.grounding:
                    t.append(f"\n↳ {line}", style="dim italic")
        self.update(t)
        self.tooltip = "\n\n".join(tips) or None


def join_lines(text: str) -> str:
    """Pasted lines as one line: Chinese ones (a hard-wrapped passage) run on directly,
    as the book would, decided by the nearest letters across the break (“你好。”|“我”
    too); a space between others (English, quotes and accents included)."""
    parts: list[str] = []
    last = ""  # the last letter or digit so far: kept, not searched for (linear in text)
    for line in (x.strip() for x in text.splitlines()):
        if line:
            cjk = _HAN_RE.match(last) or _HAN_RE.match(_nearest(line))
            parts.append(("" if not parts or cjk else " ") + line)
            last = _nearest(reversed(line)) or last
    return "".join(parts)


def _nearest(chars: Iterable[str]) -> str:
    """The first letter or digit among ``chars`` ("" when there is none)."""
    return next((c for c in chars if c.isalnum()), "")


_HAN_RE = re.compile(f"[{HAN}]")


class HistoryInput(Input):
    """The message box: ↑/↓ walk through earlier messages, and back down to what was
    being typed; a multi-line paste becomes one message (``join_lines``)."""

    BINDINGS = [Binding("up", "history(-1)", show=False), Binding("down", "history(1)", show=False)]

    def __init__(self, **kw):
        super().__init__(**kw)
        self.history: list[str] = []
        self.cursor_in_history = 0
        self.draft = ""  # what was in the box when ↑ left it

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self.cursor_in_history = len(self.history)
        self.draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self.cursor_in_history == len(self.history):
            self.draft = self.value
        self.cursor_in_history = max(0, min(len(self.history), self.cursor_in_history + step))
        self.value = (
            self.history[self.cursor_in_history]
            if self.cursor_in_history < len(self.history)
            else self.draft
        )
        self.cursor_position = len(self.value)

    def _on_paste(self, event) -> None:
        self.insert_text_at_cursor(join_lines(event.text))
        event.stop()
        event.prevent_default()
