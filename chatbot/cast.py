"""Who the model can be: the frequent speakers of the training pairs, each with a row of
its own in the persona embeddings; everyone else shares the "anyone" row (0). And a
conversation: who speaks to whom, after what.

Names come from the speech tags ``chatbot prepare`` read; a model keeps its cast in
config.json, so it can say who it can talk as without its corpus.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatbot.errors import ChatbotError

ANYONE = "anyone"


@dataclass(frozen=True)
class Cast:
    """Names in row order (row 0 is ``ANYONE``) and how many training replies each said."""

    names: tuple[str, ...] = (ANYONE,)
    lines: tuple[int, ...] = (0,)

    @classmethod
    def from_speakers(cls, speakers: Iterable[str | None], size: int, min_lines: int) -> Cast:
        """The ``size - 1`` most frequent speakers with at least ``min_lines`` lines."""
        counts = Counter(s for s in speakers if s)
        top = [(n, c) for n, c in counts.most_common(max(0, size - 1)) if c >= min_lines]
        return cls((ANYONE, *(n for n, _ in top)), (0, *(c for _, c in top)))

    def __len__(self) -> int:
        return len(self.names)

    def row(self, name: str | None) -> int:
        """A speaker's row; 0 for anyone the cast does not name."""
        if not name:
            return 0
        try:
            return self.names.index(name)
        except ValueError:
            return 0

    def find(self, name: str, shown: Callable[[str], str] = str) -> int:
        """The row of a name a user typed; an unknown one is a one-line error naming the
        closest names the model knows (as ``shown`` writes them: in the novel's script)."""
        if name in self.names:
            return self.names.index(name)
        folded = [n.casefold() for n in self.names]
        if name.casefold() in folded[1:]:  # mary is Mary
            return folded.index(name.casefold(), 1)
        # A fuller name than the book's tags use (林黛玉 for 黛玉): the one known name in it.
        inside = [n for n in self.names[1:] if len(n) >= 2 and n in name]
        if len(inside) == 1:
            return self.names.index(inside[0])
        close = difflib.get_close_matches(name, self.names[1:], n=3, cutoff=0.3)
        close += [n for n in self.names[1:] if (name in n or n in name) and n not in close]
        hint = f"; did you mean {', '.join(map(shown, close[:3]))}?" if close else ""
        more = ", ..." if len(self.names) > 6 else ""
        named = ", ".join(map(shown, self.names[1:6]))
        known = "" if close else f" (it knows {named}{more})" if named else " (it knows no one)"
        raise ChatbotError(f"the model does not know {name!r}{hint}{known}")

    def to_dict(self) -> dict:
        return {"names": list(self.names), "lines": list(self.lines)}

    @classmethod
    def from_dict(cls, d: dict | None) -> Cast:
        if not d:
            return cls()
        return cls(tuple(d["names"]), tuple(d["lines"]))


@dataclass(frozen=True)
class Conversation:
    """What a reply answers besides the message: what was said before it (oldest first),
    who the bot speaks as, and to whom (names of the cast); and the replies to this
    message the user asked to have again (``retried``), which the new one must not be."""

    history: tuple[str, ...] = ()
    speaker: str | None = None
    addressee: str | None = None
    retried: tuple[str, ...] = ()


HISTORY = 16  # earlier messages a chat hands the model; it reads its own ``context`` of them
FIRST_MESSAGE = Conversation()  # nothing said before, nobody in particular
