"""Speech quoted with single quotes, as British books are ('Where are you going?' said
Tom.), curled into ‘…’ on reading where a quotation opens and closes.

The same mark is the apostrophe (don't, goin' home, the Joneses' boy, 'em), so it is
read as a quotation mark only in a book that quotes its speech with it (decided once
for the whole book: ``quotes_speech``), and only where it can open or close one. A
typeset book writes both as ’ (the dogs’ bowls), so its ’ is read by the same rules
(its ‘ opens wherever it stands), and its apostrophes come out as '. Books quoted
with double quotes, and Chinese books, keep their marks untouched. Old ASCII texts open
such speech with a backtick (`Where are you going?'): that opens too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.ingest.sentences import latin_alnum, latin_script
from chatbot.ingest.speech import EN_VERB

_OPEN, _CLOSE = "‘", "’"
# What may stand before an opening quote.
_BEFORE_OPENING = frozenset('"“‘([{—–-:')
# Elisions, which open nothing: the old ones ('tis) and dialect ones ('em, 'ow). Lower
# case only where a speech may open ('Er, yes' or 'Tis late,' typed with one mark);
# inside a speech any case ('I'm off. 'Ave a good day').
_ELISIONS = (
    r"(?:tis|twas|twere|twill|twould|em|n|un|cause|course|cos|til|bout|fore|im|er|ere|ow|"
    r"e|alf|ave|ad|ud|ee|op|old|night|bye|bus|phone|spect|spose|appy|ole|prentice|\d)\b"
)
_ELISION_RE = re.compile(_ELISIONS)
_ELISION_ANY_CASE_RE = re.compile(_ELISIONS, re.I)
# A tag after a speech closed with no comma ('Come here' he said).
_TAG_AFTER_RE = re.compile(rf"\s+(?:(?:he|she|they|we|I|you|it)\s+)?{EN_VERB}\b")
_CLOSER_RE = re.compile(r"[,.?!;:]['’](?=\s|$)")  # a speech's closing mark
_DOUBLE_CLOSER_RE = re.compile(r"[,.?!;:][\"”](?=\s|$)")
_MIN_CLOSERS = 20  # closing marks before a book counts as quoted with single quotes
_SPEECH_STARTS = frozenset(",:")  # before an opener that starts a speech, not narration


def quotes_speech(paragraphs: Sequence[str]) -> bool:
    """Whether the book quotes its speech with single quotes: it is written in Latin
    script, and its speeches end in ,' .' ?' (or ,’ .’ ?’) far more often than in ," ." ?"."""
    if not latin_script(paragraphs):
        return False
    text = "\n".join(paragraphs)
    singles = len(_CLOSER_RE.findall(text))
    return singles >= _MIN_CLOSERS and singles > 2 * len(_DOUBLE_CLOSER_RE.findall(text))


def curl(paragraph: str, after: str | None = None) -> str:
    """The paragraph with its single speech marks as ‘ and ’ and its apostrophes as '
    (same length, so offsets still hold); see ``_can_open`` and ``_can_close``. A
    typeset ‘ always opens (it is never an apostrophe): a quotation it opened, and that
    is still open at the next ‘ or, begun mid-narration, at the paragraph's end, closes
    at its last ’ that could end it (‘Yes’—he paused—‘I will.’; a large ‘E’ with), and
    a typeset ’ is read like a straight '. Inside double quotes the marks stay as they
    are. An opener that no closer follows still opens where a speech would start
    (``_runs_on``): a speech going on in the next paragraph, unless that paragraph
    (``after``, when known) opens no quotation, as a speech going on would: then it ends
    at its last ’ that could end it (‘Go home’ was all he said.)."""
    typed = paragraph
    paragraph = paragraph.replace(_CLOSE, "'")
    if "'" not in paragraph and "`" not in paragraph and _OPEN not in paragraph:
        return paragraph
    chars = list(paragraph)
    last = _last_closer(paragraph)
    opened: int | None = None
    could_close: int | None = None  # the open quotation's last ' after a word or mark
    opened_after = ""  # the last non-space character before the open quote
    prev = ""  # the last non-space character so far
    double = False
    for i, ch in enumerate(paragraph):
        if ch in '"“”':
            double = ch == "“" or (ch == '"' and not double)
        elif double:
            chars[i] = typed[i]
        elif ch in "'`" + _OPEN:
            restart = opened is not None
            if ch == "'" and restart and _can_close(paragraph, i):
                chars[opened], chars[i], opened = _OPEN, _CLOSE, None
            elif ch == _OPEN or _can_open(paragraph, i, prev, last, restart, opened_after):
                if ch == _OPEN and restart and could_close is not None:
                    chars[opened], chars[could_close] = _OPEN, _CLOSE
                opened, opened_after, could_close = i, prev, None
            elif ch == "'" and restart and prev and not _word_follows(paragraph, i):
                could_close = i
        if not ch.isspace():
            prev = ch
    goes_on = after is None or after.lstrip()[:1] in ("'", "`", _OPEN)
    if opened is not None and _runs_on(opened_after) and (goes_on or could_close is None):
        chars[opened] = _OPEN
    elif (
        opened is not None
        and could_close is not None
        and (paragraph[opened] == _OPEN or _runs_on(opened_after))
    ):
        chars[opened], chars[could_close] = _OPEN, _CLOSE  # a large ‘E’ with; ‘Go home’ was
    return "".join(chars)


def _word_follows(text: str, i: int) -> bool:
    """A letter or digit right after ``text[i]`` (the ' is inside a word: don't)."""
    return i + 1 < len(text) and latin_alnum(text[i + 1])


def _can_open(
    text: str, i: int, prev: str, last_closer: int, restart: bool, opened_after: str
) -> bool:
    """A ' (or `) after a space, the paragraph start, a bracket, dash or colon, before no
    space and no elision, with a closer after it or where a speech starts. While a
    quotation is open, a second one restarts it only after a sentence's end, and only
    when the open one began mid-narration (the 'sixties. 'Go,'): else it is an
    apostrophe inside the speech (the 'bus, 'Ave)."""
    if text[i] == "`":
        return not restart or prev in ".?!"
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if not (before.isspace() or before in _BEFORE_OPENING) or after.isspace():
        return False
    if restart:
        if prev not in ".?!" or _runs_on(opened_after):
            return False
        return not _ELISION_ANY_CASE_RE.match(text, i + 1)
    if _ELISION_RE.match(text, i + 1):
        return False
    return i < last_closer or _runs_on(prev)


def _runs_on(prev: str) -> bool:
    """Whether an opener after ``prev`` (the last non-space character before it) starts
    a speech even with no closer in its paragraph: first in the paragraph, after a
    comma or colon (…,' said Tom, 'and we / Tom said: 'It was) or a sentence's end."""
    return prev in ("", *_SPEECH_STARTS, ".", "?", "!")


def _can_close(text: str, i: int) -> bool:
    """After anything but a space, before anything but a letter. After a letter it may
    end a word instead: before a lower-case word (goin' home, the Joneses' boy) unless
    a tag follows ('Come here' he said), before a mark and another ' (fishin',') or
    before a mark when the speech goes on to a later closer ('Mornin', Tom,')."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or latin_alnum(after):
        return False
    if latin_alnum(before):
        if text[i + 1 : i + 3].strip()[:1].islower():
            return bool(_TAG_AFTER_RE.match(text, i + 1))
        if not after.isspace() and (text[i + 2 : i + 3] == "'" or _goes_on(text, i)):
            return False
    return True


def _goes_on(text: str, i: int) -> bool:
    """Whether a later ' closes after a mark (,' .' ?') with no opener on the way (each
    ' between is in or after a word): the speech goes on past ``i``."""
    j = text.find("'", i + 1)
    if _OPEN in text[i + 1 : j if j >= 0 else len(text)]:
        return False  # a typeset opener: the ' at i closed the speech before it
    while j >= 0:
        before, after = text[j - 1], text[j + 1 : j + 2] or " "
        if before.isspace() and not after.isspace():
            return False  # an opener: the ' at i closed the speech before it
        if not latin_alnum(after) and not latin_alnum(before) and not before.isspace():
            return True
        j = text.find("'", j + 1)  # in a word, or after one (the Smiths', and)
    return False


def _last_closer(text: str) -> int:
    """The index of the last ' that could close a quotation (-1: none)."""
    i = text.rfind("'")
    while i >= 0 and not _can_close(text, i):
        i = text.rfind("'", 0, i)
    return i
