"""A chat as Markdown (pure: messages in, text out)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from chatbot.fsutil import user_path
from chatbot.tui.store import Message

# Marks Markdown would read as formatting (a novel's ` or * is text).
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~])")


def to_markdown(title: str, messages: Iterable[Message]) -> str:
    """The chat under ``title``, each turn named by who said it: the character the user
    played then (/to), else "you"; the bot's character, else "bot"."""
    lines = [f"# {_escape(title)}\n"]
    for m in messages:
        who = m.speaker or ("you" if m.role == "user" else "bot")
        lines.append(f"**{_escape(who)}**: {_escape(m.text)}\n")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def export_path(chat_id: int, path: str | None, folder: Path) -> Path:
    """Where ``/export [FILE]`` writes: FILE (``~`` expanded; .md added to a name
    without a suffix), else the first of ``chat-ID.md``, ``chat-ID-2.md``... in
    ``folder`` (or in FILE, a folder) that does not exist yet, so an earlier export is
    never overwritten."""
    given = user_path(path) if path else None
    if given is not None and not given.is_dir():
        return given if given.suffix else given.with_name(given.name + ".md")
    folder = given or folder
    for k in range(1, 1000):
        name = f"chat-{chat_id}.md" if k == 1 else f"chat-{chat_id}-{k}.md"
        if not (folder / name).exists():
            return folder / name
    return folder / f"chat-{chat_id}.md"
