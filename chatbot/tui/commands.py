"""Slash commands typed in the chat box: a pure parser (no screen needed to test it)
and the table the help screen shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chatbot.config import MAX_STORY_WORDS

# name -> (usage, what it does), in the order the help screen lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "new": ("/new", "start a new chat"),
    "clear": ("/clear", "delete this chat's messages"),
    "regen": ("/regen", "answer the last message again"),
    "chats": ("/chats", "reopen an earlier chat"),
    "export": ("/export [FILE]", "write the chat as Markdown"),
    "model": ("/model [DIR]", "switch to another bot (a list: novel, date, size, scores)"),
    "newbot": ("/newbot [NOVEL.txt or FOLDER]", "make a bot from your own novel"),
    "train": ("/train", "watch the training in progress (or the last one)"),
    "as": ("/as NAME", "talk to this character (/as alone: a list; /as anyone: nobody)"),
    "to": ("/to NAME", "who you are to the character (/to alone: a list)"),
    "line": ("/line", "the book's lines the last reply leaned on"),
    "info": ("/info", "the model's novel, vocabulary and training metrics"),
    "settings": ("/settings", "the settings dialog"),
    "continue": ("/continue", "writing mode: type a passage, the model writes the story on"),
    "chat": ("/chat", "back to chatting"),
    "words": ("/words 60", "how many words writing mode writes on"),
    "temp": ("/temp 0.7", "sampling temperature"),
    "topk": ("/topk 8", "sample among this many nearest words"),
    "beam": ("/beam 4", "beam width"),
    "max": ("/max 30", "longest reply in words"),
    "penalty": ("/penalty 1.5", "repetition penalty"),
    "strategy": ("/strategy sample|greedy|beam", "decoding strategy"),
    "seed": ("/seed 3 (or off)", "reproducible replies"),
    "scores": ("/scores on|off", "colour each bot word by its cosine score"),
    "help": ("/help", "keys and commands"),
}
# Commands that set one decoding option: name -> (DecodeOptions field, type).
_SETTINGS: dict[str, tuple[str, type]] = {
    "temp": ("temperature", float),
    "topk": ("top_k", int),
    "beam": ("beam", int),
    "max": ("max_length", int),
    "penalty": ("repetition_penalty", float),
}


class CommandError(ValueError):
    """A line that is not a valid command; the message fits the status bar."""


@dataclass(frozen=True)
class Command:
    """A parsed command: ``name`` is a COMMANDS key, or "set" with the decoding
    ``options`` to change; ``arg`` is the free argument (/export's file)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    arg: str | None = None


def parse(line: str) -> Command:
    """Parse a line that starts with "/"; raises CommandError on anything else."""
    name, _, arg = line.strip().removeprefix("/").partition(" ")
    arg = arg.strip()
    name = name.lower() if name.lower() in COMMANDS else name  # /HELP as /help (caps lock)
    if name not in COMMANDS:
        raise CommandError(f"unknown command /{name}; /help lists them")
    if name in _SETTINGS:
        option, kind = _SETTINGS[name]
        try:
            return Command("set", {option: kind(arg)})
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise CommandError(f"/{name} needs {what}, e.g. {COMMANDS[name][0]}") from None
    if name == "seed":
        if arg in ("", "off"):
            return Command("set", {"seed": None})
        try:
            return Command("set", {"seed": int(arg)})
        except ValueError:
            raise CommandError("/seed needs a whole number, or off") from None
    if name == "words":
        try:
            n = int(arg)
        except ValueError:
            n = 0
        if not 1 <= n <= MAX_STORY_WORDS:
            raise CommandError(f"/words needs a whole number from 1 to {MAX_STORY_WORDS}")
        return Command("words", arg=str(n))
    if name == "strategy":
        return Command("set", {"strategy": arg})
    if name == "scores":
        if arg not in ("", "on", "off"):
            raise CommandError("/scores takes on or off")
        return Command("scores", arg=arg or "on")
    return Command(name, arg=arg or None)
