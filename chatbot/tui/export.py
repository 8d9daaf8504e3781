"""A chat as Markdown (pure: messages in, text out)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from chatbot.tui.store import Message


def to_markdown(title: str, messages: Iterable[Message]) -> str:
    lines = [f"# {title}\n"]
    for m in messages:
        who = "**you**" if m.role == "user" else f"**{m.speaker or 'bot'}**"
        lines.append(f"{who}: {m.text}\n")
    return "\n".join(lines)


def export_path(chat_id: int, path: str | None, folder: Path) -> Path:
    """Where ``/export [FILE]`` writes: FILE (``~`` expanded), else the first of
    ``chat-ID.md``, ``chat-ID-2.md``... in ``folder`` that does not exist yet, so an
    earlier export is never overwritten."""
    if path:
        return Path(path).expanduser()
    for k in range(1, 1000):
        name = f"chat-{chat_id}.md" if k == 1 else f"chat-{chat_id}-{k}.md"
        if not (folder / name).exists():
            return folder / name
    return folder / f"chat-{chat_id}.md"
