"""A chat as Markdown (pure: messages in, text out)."""

from __future__ import annotations

from collections.abc import Iterable

from chatbot.tui.store import Message


def to_markdown(title: str, messages: Iterable[Message]) -> str:
    lines = [f"# {title}\n"]
    for m in messages:
        who = "**you**" if m.role == "user" else f"**{m.speaker or 'bot'}**"
        lines.append(f"{who}: {m.text}\n")
    return "\n".join(lines)
