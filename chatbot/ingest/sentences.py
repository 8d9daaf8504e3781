"""Quotations, sentence ends and chapter headings inside a paragraph of clean text.

Real texts are messy: quotes close with the wrong mark or not at all, a speech that runs
over several paragraphs opens each one again without closing the last, and a book with
its line breaks lost is one "paragraph" of a million characters. Every function here
tolerates that and stays linear in the length of its input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Openers and the quote family each belongs to. “ and " are one family because real
# texts mix them (“…" is common); ‘’ and 『』 are usually nested quotes.
_OPENERS = {"“": "double", "「": "corner", "『": "white", "‘": "single", "\u201e": "double"}
_CLOSERS = {"”": "double", "」": "corner", "』": "white", "’": "single"}
QUOTE_OPENERS = frozenset(_OPENERS) | {'"'}
# A quotation still open after this many characters was opened by a stray mark. Far
# above the longest real speech seen (about 2,000 characters in the library novels).
MAX_QUOTE = 3000


def _quote_event(text: str, i: int, stack: list[str]) -> tuple[str, bool] | None:
    """(family, opening) when ``text[i]`` opens or closes a quotation, else None. (A
    straight ' is an apostrophe here; books that quote speech with it have their marks
    curled on reading: ``chatbot.ingest.single_quotes``.)"""
    ch = text[i]
    if ch == '"' and stack and stack[-1] in _CORNERS and _closes_corner(text, i, stack[-1]):
        return stack[-1], False  # 「…。" : e-texts close a corner quote with a straight one
    if ch == '"':
        return "double", _after_colon(text, i) or not (stack and stack[-1] == "double")
    if ch in _OPENERS:
        # A Latin word with a stray opening single quote is not a quotation.
        if ch == "‘" and not stack and i > 0 and latin_alnum(text[i - 1]):
            return None
        return _OPENERS[ch], True
    if ch in _CLOSERS:
        if ch == "’" and i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] < "\u3000":
            return None  # an apostrophe (it’s)
        return _CLOSERS[ch], False
    return None


_CORNERS = {"corner": "「」", "white": "『』"}


def _closes_corner(text: str, i: int, family: str) -> bool:
    """Whether the straight quote at ``text[i]`` closes the open corner quotation (「 or
    『, ``family``) rather than opening one nested in it: no 」 closes the corner later
    (within ``MAX_QUOTE`` characters, before another 「 opens), and the straight quotes
    after it up to there pair up among themselves (「你来了，"他笑道。"坐吧。" closes;
    「他说"明天来"，… opens, its partner follows)."""
    opener, closer = _CORNERS[family]
    stop = text.find(opener, i + 1, i + MAX_QUOTE)
    stop = min(len(text), i + MAX_QUOTE) if stop < 0 else stop
    if text.find(closer, i + 1, stop) >= 0:
        return False
    return text.count('"', i + 1, stop) % 2 == 0


def _after_colon(text: str, i: int) -> bool:
    """True when ``text[i]`` follows a colon of Chinese text (：, or : after a Chinese
    character; spaces aside): a straight quote there opens a speech (他道:"…), whatever
    the count of straight quotes before says. (Chinese books nest a quotation after a
    colon inside a speech hundreds of times for each speech that ends in a colon.)"""
    j = i - 1
    while j >= 0 and text[j] == " ":
        j -= 1
    return j >= 0 and (text[j] == "：" or (text[j] == ":" and j > 0 and not text[j - 1].isascii()))


def _sure_opener(text: str, i: int) -> bool:
    """A straight quote that can only open: after a colon of Chinese text, or first in
    its paragraph."""
    return _after_colon(text, i) or not text[:i].strip()


def latin_alnum(ch: str) -> bool:
    """A letter or digit of an alphabetic script (below the CJK blocks)."""
    return ch.isalnum() and ch < "\u3000"


def latin_script(paragraphs: Sequence[str], sample: int = 200_000) -> bool:
    """Whether the book is written in a Latin alphabet (nine letters in ten)."""
    text = "\n".join(paragraphs)[:sample]
    letters = sum(c.isalpha() for c in text)
    latin = sum(c.isalpha() and c < "\u0250" for c in text)
    return letters > 0 and latin >= 0.9 * letters


def quote_spans(paragraph: str, max_quote: int = MAX_QUOTE) -> list[tuple[int, int]]:
    """Top-level quotations in a paragraph as (open index, close index) pairs.

    Tolerant of the mess real texts contain: a stray closer is ignored; " closes an open
    double quote and opens one otherwise, except after a colon, where it always opens (a
    straight quote that the count took for an opener but that closed a speech is dropped
    at the next opener after a colon, so one misread mark does not swap speech and
    narration for the rest of the paragraph); ’ followed by a letter is an apostrophe; an
    opener of the family already open (a speech continued in a new paragraph without
    closing the last one) ends the open quotation and starts a new one; an unclosed
    quotation runs to the end of the paragraph unless that is more than ``max_quote``
    characters away, in which case its opener was a stray mark and is ignored.
    """
    spans: list[tuple[int, int]] = []
    stray: set[int] = set()
    stack: list[str] = []
    inner: int | None = None  # the last straight quote that opened a nested quotation
    start = i = 0
    n = len(paragraph)
    while i < n:
        if stack and i - start > max_quote:
            stray.add(start)  # rescan from just after the stray opener
            stack.clear()
            i = start + 1
            continue
        event = None if i in stray else _quote_event(paragraph, i, stack)
        if event is not None:
            family, opening = event
            sure = opening and _sure_speech(paragraph, i)
            if sure and stack == ["double"] and _misread(paragraph, start, i):
                stack.clear()
            elif opening and stack == ["double", "double"] and inner is not None and sure:
                # A third level after a colon: the quote taken for a nested opener closed
                # a speech that ended in a colon (你听我说:"他却走了).
                spans.append((start, inner))
                stack.clear()
            if opening and stack and stack[-1] == family and paragraph[i] != '"':
                while stack and stack.pop() != family:
                    pass
                if not stack:
                    spans.append((start, i - 1))
            if opening:
                if not stack:
                    start, inner = i, None
                elif stack == ["double"] and paragraph[i] == '"':
                    inner = i
                stack.append(family)
            elif family in stack:
                while stack.pop() != family:
                    pass
                if not stack:
                    spans.append((start, i))
        i += 1
        if i == n and stack:
            if n - start <= max_quote:
                spans.append((start, n - 1))
            else:
                stray.add(start)
                stack.clear()
                i = start + 1
    return spans


def _sure_speech(paragraph: str, i: int) -> bool:
    """A double or corner quote after a colon of Chinese text: it opens a speech, so a
    quotation still open may have been misread."""
    return paragraph[i] in '"“「' and _after_colon(paragraph, i)


def _misread(paragraph: str, start: int, i: int) -> bool:
    """The open quotation at ``start``, met by the sure opener at ``i``, was a closing
    mark read as an opening one: a straight quote that was not sure to open, unless the
    opener is a corner quote and a straight quote follows it, which can close the one
    at ``start`` (他说"信上写着：「速来。」我不信。"然后走了: nested in it)."""
    if paragraph[start] != '"' or _sure_opener(paragraph, start):
        return False
    return paragraph[i] != "「" or '"' not in paragraph[i:]


def _inside_quotes(paragraph: str) -> bytearray:
    """One byte per character: 1 inside a top-level quotation (marks included)."""
    inside = bytearray(len(paragraph))
    for a, b in quote_spans(paragraph):
        inside[a : b + 1] = b"\x01" * (b + 1 - a)
    return inside


# ------------------------------------------------------------------------- sentences

TERMINATORS = frozenset("。！？!?；;…")
_CLOSING = frozenset('”」』’"）)】')
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof rev gen col capt vs etc no".split()  # Mr. is not an end
)
_HEADING_RE = re.compile(  # 正文 before it: how web-novel downloads open a chapter
    r"^(?:正文\s*)?(第[0-9零一二三四五六七八九十百千万〇两]+[回章节卷集部篇幕场]"
    r"|(chapter|book|part|volume)\s+([0-9]+|[ivxlcdm]+|[a-z]+)\b"
    r"|(act|scene)\s+([0-9]+|[ivxlcdm]+)\b"
    r"|卷[0-9零一二三四五六七八九十百千万〇两]+)",
    re.IGNORECASE,
)


# Speech with its sentence's end mark inside the quotation: no heading holds one.
_SPEECH_IN_RE = re.compile(r"[“「『\"][^”」』\"]*[。！？!?…，,][”」』\"]")
# A heading's title: one word group after the number, ended by a space (第二章　风起　).
_TITLE_RE = re.compile(r"[ \t\u3000]*[^\s，。！？!?；;：:“”「」\"]{1,30}(?=[ \t\u3000])")


# Units that are also words of a sentence (第二节课, 第一场雪, 第三部手机): with speech
# after them, the paragraph is a sentence. 第N回 and 第N章 stay headings: a book without
# line breaks glues a chapter's first speech to them.
_WORDLIKE_UNITS = frozenset("节卷集部篇幕场")


# What makes 第N回 a word of a sentence rather than a heading (第一回合, 第二回来的时候);
# a title glued to 第N章 may start with any of them (第三章合作).
_ON = frozenset("合来來去家事头頭")


def _sentence_word(m: re.Match[str], text: str) -> bool:
    return m.group(1)[-1:] == "回" and text[m.end() : m.end() + 1] in _ON


def is_heading(paragraph: str) -> bool:
    """A chapter/part heading: it ends a dialogue run and is not a sentence of speech
    (第二节课下课后，他问道：“…” opens like one)."""
    if len(paragraph) > 60:
        return False
    m = _HEADING_RE.match(paragraph)
    if m is None or _sentence_word(m, paragraph):
        return False
    sentence_like = m.group(1)[-1:] in _WORDLIKE_UNITS
    return not (sentence_like and _SPEECH_IN_RE.search(paragraph))


def leading_heading(text: str, pos: int = 0, bare: bool = False) -> int:
    """Where the heading that ``text`` opens at ``pos`` ends, when spaces set it and its
    title off from what follows (第二章　风起　林远问道：…, as a book without line breaks
    runs on); else 0. ``bare``: with a title glued to the text (第二回 风起话说林远…),
    where the number ends, for 第N回 and 第N章 (a chapter ends there all the same).
    Only a window is read: a book-long line is not copied to look at its middle (and
    ``_HEADING_RE``'s ^ holds at the window's start)."""
    window = text[pos : pos + 100]
    m = _HEADING_RE.match(window)
    title = _TITLE_RE.match(window, m.end()) if m else None
    if title:
        return pos + title.end()
    if bare and m and m.group(1)[-1:] in ("回", "章") and not _sentence_word(m, window):
        return pos + m.end()
    return 0


def sentence_bounds(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: cut after 。！？…；(and . ! ? in Latin text) and the
    closing marks that follow, never inside a quotation. Pieces may be blank."""
    inside = _inside_quotes(paragraph)
    out: list[tuple[int, int]] = []
    start = i = 0
    n = len(paragraph)
    while i < n:
        ch = paragraph[i]
        if not inside[i] and (ch in TERMINATORS or (ch == "." and _latin_full_stop(paragraph, i))):
            j = i + 1
            while (
                j < n
                and not inside[j]
                and (paragraph[j] in TERMINATORS or paragraph[j] in _CLOSING or paragraph[j] == ".")
            ):
                j += 1
            out.append((start, j))
            start = i = j
            continue
        i += 1
    if start < n:
        out.append((start, n))
    return out


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph; a quoted speech stays in one piece with the
    narration around it."""
    pieces = (paragraph[a:b].strip() for a, b in sentence_bounds(paragraph))
    return [p for p in pieces if has_word(p)]


def has_word(piece: str) -> bool:
    """A run of punctuation alone ("……", "！！") is not a sentence."""
    return any(c.isalnum() for c in piece)


def _latin_full_stop(text: str, i: int) -> bool:
    """A '.' that ends a Latin sentence: followed by a space or the end, not after
    a digit (3.14) or a common abbreviation (Mr.)."""
    if i + 1 < len(text) and not text[i + 1].isspace():
        return False
    m = re.search(r"([A-Za-z]+)$", text[max(0, i - 12) : i])
    return not (m and (m.group(1).lower() in ABBREVIATIONS or len(m.group(1)) == 1))


# Half-width punctuation typed into Chinese text, and the full-width mark it stands for.
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", ".": "。"}
_TO_FULL_WIDTH = str.maketrans(FULL_WIDTH)
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # the Han characters, as a regex range
# A run of half-width marks right after a Chinese character or full-width mark, or after
# a closing mark that follows a Chinese character (‘来’, "来",).
_HALF_WIDTH_RE = re.compile(f'(?:(?<=[{HAN}，。：；？！…])|(?<=[{HAN}]["’”」』》）)]))[,:;?!.]+')
_MARKS_RE = re.compile(r"[,:;?!.]+")
# English verbs that tag speech ("…," said Tom / Tom asked, "…").
EN_VERB = (
    r"(?:said|says|asked|asks|replied|replies|cried|cries|answered|answers|added|shouted|"
    r"whispered|exclaimed|continued|returned|observed|remarked|called|muttered|repeated|"
    r"began|inquired|enquired|rejoined|murmured|interrupted|responded|retorted|declared|"
    r"demanded|insisted|protested|pleaded|urged|resumed|pursued|explained|admitted|"
    r"suggested|sighed|stammered|sobbed|screamed|yelled|growled|roared|snapped|laughed|"
    r"hissed|gasped|panted|faltered|chuckled|sneered|grumbled|groaned|drawled|bellowed|"
    r"ejaculated|went on|broke in|cut in)"
)
# A speech verb after ? or ! is its tag, with the quotation marks gone (Where? said Tom).
_TAG_VERB = re.compile(EN_VERB)
_ASKS_RE = re.compile(r"[?!][\"'”’)]*\s*$")
# A Latin word and the mark that ends its sentence, at the end of the text so far.
_SENTENCE_END = re.compile(r"([A-Za-z0-9\u00c0-\u024f]+)([.?!])[\"'”’)]*\s*$")


def full_width_punctuation(text: str) -> str:
    """Half-width , : ; ? ! . in Chinese text (right after a Chinese character or mark,
    or after a closing mark that follows one) as the full-width marks, a run of dots as
    ……: texts typed on Latin keyboards mix both, and one mark should be one word to the
    tokenizer, the word vectors and the model. Latin text is untouched."""
    return _HALF_WIDTH_RE.sub(lambda m: _full_width(m.group()), text)


def _full_width(marks: str) -> str:
    return "……" if len(marks) > 1 and set(marks) == {"."} else marks.translate(_TO_FULL_WIDTH)


def join_words(words: list[str]) -> str:
    """Chinese words join without spaces; Latin words get one between them."""
    out = ""
    for w in words:
        out += word_piece(out[-16:], w)
    return out


def join_sentences(sentences: list[str], latin: bool) -> str:
    """Sentences of the running text as a passage: a Latin-script book's (``latin``,
    decided for the whole book) with a space between them, a Chinese book's directly."""
    return (" " if latin else "").join(sentences)


def word_piece(before: str, word: str) -> str:
    """How ``word`` is written after text ending in ``before`` (streamed replies print
    these pieces; sixteen characters of ``before`` are enough): a Latin word after the
    end of a Latin sentence with a capital, a space before a Latin word after a Latin
    word or mark (not inside 10:30), half-width marks in Chinese text full-width
    (``full_width_punctuation``), else the word as it is. (Whether the first word of a
    reply starts a sentence is the model's to say: ``Chatbot.cased``.)"""
    last = before[-1:]
    if ends_sentence(before) and not (_TAG_VERB.fullmatch(word) and _ASKS_RE.search(before)):
        word = capitalised(word)
    after_mark = last in ",.;:?!)" and not (before[-2:-1] + word[:1]).isdigit()
    if _latin(word) and last and (latin_alnum(last) or after_mark):
        return " " + word
    if _MARKS_RE.fullmatch(word) and _HALF_WIDTH_RE.match(before[-2:] + word, len(before[-2:])):
        return _full_width(word)
    return word


def _latin(word: str) -> bool:
    """A word of Latin script (accented letters included: café, über)."""
    return latin_alnum(word[:1])


def capitalised(word: str) -> str:
    """A Latin word with a capital first letter (where a sentence starts); others as
    they are."""
    return word[0].upper() + word[1:] if _latin(word) else word


def ends_sentence(text: str) -> bool:
    """Text that ends a Latin sentence: a mark after a word that is no abbreviation or
    initial (Mr. and U. go on)."""
    m = _SENTENCE_END.search(text)
    if not m:
        return False
    word, mark = m.groups()
    return mark != "." or not (word.lower() in ABBREVIATIONS or (len(word) == 1 and word.isalpha()))
