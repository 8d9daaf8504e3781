"""The quotation marks around speech in the story the model writes on.

Segmentation drops quotation marks (a reply is the inside of one), so the model writes
宝玉道：妹妹，你来了。 where the book has 宝玉道：“妹妹，你来了。”. ``requote`` puts the
book's own marks back as the words stream out: a quotation opens after a colon in the
narration and closes after the last sentence before the next colon (the next speech
tag: 黛玉笑道：) or at the end of the text. A sentence inside a quotation is held back
until it shows which it is, so words arrive at most a sentence late. Speech without a
tag before it (…说着，便走了。) stays inside the quotation; the rule is the book's
layout, not a parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json
from chatbot.layout import CorpusLayout

_SENTENCE_END = frozenset("。！？!?…")
_COLON = frozenset("：:")
_OPENERS = '“「『"'
_CLOSERS = '”」』"'
_TAG_END = re.compile(r"[：:]\s*$")
MARK_SCORE = 1.0  # a mark the rule adds, not a word the model chose


def book_quotes(corpus_dir: str | Path) -> str:
    """The corpus's quotation marks around speech as ``prepare`` found them (“…”, 「…」),
    or "" when its speech is not quoted or the manifest cannot tell."""
    try:
        manifest = read_json(CorpusLayout.at(corpus_dir).manifest, "corpus manifest")
    except ChatbotError:
        return ""
    marks = str(manifest.get("dialogue", {}).get("quotes", ""))
    return marks if len(marks) == 3 and marks[1] == "…" else ""


def requote(
    words: Iterable[tuple[str, float]], marks: str, passage: str = ""
) -> Iterator[tuple[str, float]]:
    """``words`` (word, score) with the book's quotation ``marks`` (“…”) put back; the
    ``passage`` written on tells whether the text starts inside a quotation (it ends
    with 道： or an open quotation mark). Without marks the words pass unchanged."""
    if not marks:
        yield from words
        return
    opening, closing = (marks[0], MARK_SCORE), (marks[2], MARK_SCORE)
    tail = passage.rstrip()
    inside = max(map(tail.rfind, _OPENERS)) > max(map(tail.rfind, _CLOSERS))
    if not inside and _TAG_END.search(tail):
        yield opening
        inside = True
    held: list[tuple[str, float]] | None = None  # a sentence in a quotation, undecided
    for item in words:
        word = item[0]
        if held is not None:
            held.append(item)
            if word in _COLON:  # it was narration before the next speech
                yield closing
                yield from held
                yield opening
                held = None
            elif word in _SENTENCE_END:  # it was speech
                yield from held
                held = []
            continue
        yield item
        if not inside and word in _COLON:
            yield opening
            inside = True
        elif inside and word in _SENTENCE_END:
            held = []
    if inside:
        yield from held or []
        yield closing
