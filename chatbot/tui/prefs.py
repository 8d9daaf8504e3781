"""The chat app's settings that outlive a session: decoding options, writing mode and
what the bubbles show. Pure logic (no screen), kept as JSON in the chat store so that
one file holds everything the app remembers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

from chatbot.config import MAX_STORY_WORDS, DecodeOptions
from chatbot.errors import ChatbotError

STORY_WORDS = 60  # words writing mode writes on, as `chatbot continue --words`


@dataclass(frozen=True)
class Prefs:
    """What the app restores on start."""

    options: DecodeOptions = field(default_factory=DecodeOptions)
    writing: bool = False  # writing mode: messages are passages the model writes on
    story_words: int = STORY_WORDS
    show_scores: bool = False  # word colours by cosine score
    show_lines: bool = False  # the book's lines each reply leaned on, under it

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> tuple[Prefs, str | None]:
        """The saved prefs and ``None``; or the defaults and why the saved ones were not
        read. Keys this version does not know are ignored (a newer app wrote them); a
        value of the wrong type or out of range drops that group, not the app."""
        if text is None:
            return cls(), None
        try:
            saved = json.loads(text)
        except (ValueError, RecursionError):
            return cls(), "saved settings unreadable (not JSON); using the defaults"
        if not isinstance(saved, dict):
            return cls(), "saved settings unreadable; using the defaults"
        prefs, problems = cls(), []
        options = saved.get("options", {})
        if not isinstance(options, dict):
            problems.append("decoding")
        else:
            known = {f.name for f in fields(DecodeOptions)}
            try:
                prefs = replace(
                    prefs, options=DecodeOptions(**{k: v for k, v in options.items() if k in known})
                )
            except (ChatbotError, TypeError) as e:
                problems.append(f"decoding ({e})")
        for name, kind in (("writing", bool), ("show_scores", bool), ("show_lines", bool)):
            if name in saved:
                if isinstance(saved[name], kind):
                    prefs = replace(prefs, **{name: saved[name]})
                else:
                    problems.append(name)
        words = saved.get("story_words", STORY_WORDS)
        if isinstance(words, int) and not isinstance(words, bool) and 1 <= words <= MAX_STORY_WORDS:
            prefs = replace(prefs, story_words=words)
        else:
            problems.append("story_words")
        if problems:
            return prefs, f"saved settings not used: {', '.join(problems)}; defaults instead"
        return prefs, None
