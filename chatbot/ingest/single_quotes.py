"""Speech quoted with straight single quotes, as British books typed in ASCII are
('Where are you going?' said Tom.), curled into ‘…’ on reading.

The same mark is the apostrophe (don't, goin' home, the Joneses' boy, 'em), so it is
read as a quotation mark only in a book that quotes its speech with it (decided once
for the whole book: ``quotes_speech``), and only where it can open or close one. Books
quoted with double quotes keep their apostrophes and nested 'words' untouched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.ingest.speech import EN_VERB

_OPEN, _CLOSE = "‘", "’"
# What may stand before an opening quote.
_BEFORE_OPENING = frozenset('"“‘([{—–-:')
# Elisions open nothing: the old ones ('tis, 'twas) and dialect ones ('em, 'ow), all
# lower-case, since a speech may start with a capital word ('Tis late,' or 'Er, yes').
_ELISION_RE = re.compile(
    r"(?:tis|twas|twere|twill|twould|em|n|un|cause|cos|til|bout|fore|im|er|ere|ow|e|alf|"
    r"ave|ad|ud|ee|bus|phone|spect|spose|appy|ole|prentice|\d)\b"
)
# A tag after a speech closed with no comma ('Come here' he said).
_TAG_AFTER_RE = re.compile(rf"\s+(?:(?:he|she|they|we|I|you|it)\s+)?{EN_VERB}\b")
_CLOSER_RE = re.compile(r"[,.?!;:]'(?=\s|$)")  # a speech's closing mark
_DOUBLE_CLOSER_RE = re.compile(r"[,.?!;:][\"”](?=\s|$)")
_MIN_CLOSERS = 20  # closing marks before a book counts as quoted with straight singles


def quotes_speech(paragraphs: Sequence[str]) -> bool:
    """Whether the book quotes its speech with straight single quotes: its speeches end
    in ,' .' ?' far more often than in ," ." ?"."""
    text = "\n".join(paragraphs)
    singles = len(_CLOSER_RE.findall(text))
    return singles >= _MIN_CLOSERS and singles > 2 * len(_DOUBLE_CLOSER_RE.findall(text))


def curl(paragraph: str) -> str:
    """The paragraph with its straight single speech marks as ‘ and ’ (same length, so
    offsets still hold). Inside double quotes a ' is left alone; a ' opens after a
    space, the paragraph start, a bracket, dash or colon, before no space and no
    elision; a second opener restarts the quotation only after the end of a sentence
    (else it is an apostrophe: the 'bus); one that no closer follows opens only at the
    paragraph start or after ", " (a speech going on in the next paragraph)."""
    if "'" not in paragraph:
        return paragraph
    chars = list(paragraph)
    last = _last_closer(paragraph)
    opened: int | None = None
    double = False
    for i, ch in enumerate(paragraph):
        if ch in '"“”':
            double = ch == "“" or (ch == '"' and not double)
            continue
        if ch != "'" or double:
            continue
        if opened is not None and _can_close(paragraph, i):
            chars[opened], chars[i], opened = _OPEN, _CLOSE, None
        elif _can_open(paragraph, i, last, restart=opened is not None):
            opened = i
    if opened is not None and _runs_on(paragraph, opened):
        chars[opened] = _OPEN
    return "".join(chars)


def _can_open(text: str, i: int, last_closer: int, restart: bool) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if not (before.isspace() or before in _BEFORE_OPENING) or after.isspace():
        return False
    if _ELISION_RE.match(text, i + 1):
        return False
    if restart and text[:i].rstrip()[-1:] not in (".", "?", "!"):
        return False
    return i < last_closer or _runs_on(text, i)


def _runs_on(text: str, i: int) -> bool:
    """An opener with no closer that still opens a speech: first in its paragraph, or
    after a comma (…,' said Tom, 'and we had no light.)."""
    return not text[:i].strip() or text[:i].rstrip().endswith(",")


def _can_close(text: str, i: int) -> bool:
    """After anything but a space, before anything but a letter; not after a letter
    when the next word is lower-case (goin' home, the Joneses' boy) unless a tag
    follows ('Come here' he said), nor when a mark and another ' follow (fishin',')."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or _letter(after):
        return False
    if _letter(before):
        if text[i + 1 : i + 3].strip()[:1].islower():
            return bool(_TAG_AFTER_RE.match(text, i + 1))
        if text[i + 2 : i + 3] == "'" and not after.isspace():
            return False
    return True


def _last_closer(text: str) -> int:
    """The index of the last ' that could close a quotation (-1: none)."""
    i = text.rfind("'")
    while i >= 0 and not _can_close(text, i):
        i = text.rfind("'", 0, i)
    return i


def _letter(ch: str) -> bool:
    return ch.isalnum() and ch < "\u3000"
