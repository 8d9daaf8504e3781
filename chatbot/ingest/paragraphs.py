"""Raw lines -> paragraphs, whatever the file's layout.

Three layouts are common in plain-text novels:

- ``lines``: one paragraph per line (blank lines between them or not).
- ``wrapped``: hard-wrapped at a fixed width (Project Gutenberg style at ~70 columns,
  Chinese texts at ~35 characters); a paragraph is a block between blank lines, or,
  without blank lines, ends at an indented line or a line well short of the width.
  Its lines are joined again (English with a space, Chinese with nothing), so no
  quotation is ever cut at a line end.
- ``unbroken``: the whole book (or most of it) on a handful of huge lines. Such a line
  is cut into sentences (never inside a quotation), each one a paragraph, so every
  later stage works on pieces of bounded size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatbot.ingest.sentences import TERMINATORS, leading_heading, sentence_bounds

PARAGRAPH_MODES = ("lines", "wrapped", "unbroken")
# A line longer than this is many paragraphs whose breaks were lost.
LONG_LINE = 5000
# Wrapped text: the wrap width is at most this many columns (a CJK character is two).
MAX_WRAP_WIDTH = 250
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_ENDS = TERMINATORS | set("”」』’\"'）).:")
_SOFT_CUT_RE = re.compile(r"[，,、：:]")


@dataclass(frozen=True)
class Paragraphs:
    texts: list[str]
    offsets: list[int]  # where each paragraph starts in the decoded file
    mode: str  # "lines", "wrapped" or "unbroken"
    wrap_width: int | None = None  # columns, for wrapped text


def width(line: str) -> int:
    """Display columns: CJK and other wide characters take two."""
    return len(line) + sum(1 for c in line if c >= "\u1100")


def split_paragraphs(
    text: str,
    clean: Callable[[str], str],
    mode: str | None = None,
    marks: Callable[[str, str], str] | None = None,
) -> Paragraphs:
    """Paragraphs of a decoded file; ``clean`` normalises one line (no newlines in it).
    ``mode`` forces a layout (see PARAGRAPH_MODES); None detects it. ``marks(paragraph,
    next paragraph)`` rewrites a whole paragraph's quotation marks (same length) before
    a long one is cut at its sentence ends, so the cuts see its speech."""
    lines: list[tuple[int, str, bool]] = []  # (offset of content, cleaned, indented)
    for m in _LINE_RE.finditer(text):
        raw = m.group().rstrip("\r\n")
        cleaned = clean(raw)
        lead = len(raw) - len(raw.lstrip())
        lines.append((m.start() + lead, cleaned, lead > 0))
        if m.end() == len(text):
            break
    nonblank = [c for _, c, _ in lines if c]
    wrap = _wrap_width(nonblank) or _block_wrap_width([(c, ind) for _, c, ind in lines])
    if mode is None:
        long_chars = sum(len(c) for c in nonblank if len(c) > LONG_LINE)
        unbroken = long_chars > sum(map(len, nonblank)) / 2
        mode = "unbroken" if unbroken else "wrapped" if wrap else "lines"
    if mode == "wrapped":
        wrap = wrap or _widest(nonblank)
        # Cleaned again once joined: a half-width mark at the start of a line reads as
        # Chinese punctuation only beside the character that ends the line before.
        paras = [(o, clean(par)) for o, par in _unwrap(lines, wrap)]
    else:
        wrap = None
        paras = [(o, c) for o, c, _ in lines if c]
    texts: list[str] = []
    offsets: list[int] = []
    for k, (offset, par) in enumerate(paras):
        after = paras[k + 1][1] if k + 1 < len(paras) else ""
        for a, piece in _cut_long(marks(par, after) if marks else par):
            texts.append(piece)
            offsets.append(offset + a)
    return Paragraphs(texts, offsets, mode, wrap)


def _wrap_width(lines: list[str]) -> int | None:
    """The wrap width when most lines are hard-wrapped at one width, else None.

    Wrapped: the longest lines (up to the 95th percentile width W) are short, many lines
    come within 25% of W, and most of those end mid-sentence. A book of one paragraph
    per line has a spread of widths and its long lines end with sentence punctuation.
    """
    if len(lines) < 10:
        return None
    w, near = _near_width(lines)
    if len(near) < 0.3 * len(lines) or _open_ends(near) < 0.5 * len(near):
        return None
    return w or None


def _block_wrap_width(lines: list[tuple[str, bool]]) -> int | None:
    """The wrap width of a book whose paragraphs are blocks, each begun by a blank line
    or an indent, judged on the lines that a block goes on after: in a wrapped book
    these all come near one width and most end mid-sentence, however many paragraphs
    are one short line (a dialogue-heavy book can have nine in ten). A book of one
    paragraph per line has few blocks of several lines, and their lines end sentences.
    ``lines``: (cleaned line, indented) with the blank ones."""
    indents = _indents_mark_starts([ind for c, ind in lines if c])
    inner: list[str] = []  # every line of a block but its last
    blocks = 0
    for (line, _), (after, indented) in zip(lines, [*lines[1:], ("", False)]):
        goes_on = bool(after) and not (indents and indented)
        if line and goes_on:
            inner.append(line)
        blocks += bool(line and not goes_on)
    distinct = len(set(inner))  # a site's line repeated before each chapter is no text
    if blocks < 10 or distinct < 10 or distinct < 0.5 * len(inner):
        return None
    w, near = _near_width(inner)
    # open ends of them all: a few stray indents aside, every one goes on mid-sentence
    if len(near) < 0.8 * len(inner) or _open_ends(inner) < 0.5 * len(inner):
        return None
    return w or None


def _near_width(lines: list[str]) -> tuple[int, list[str]]:
    """(W, the lines within 25% of W): W is the 95th percentile width, 0 (and no lines)
    when it cannot be a wrap width."""
    w = _widest(lines)
    if w > MAX_WRAP_WIDTH or w < 20:
        return 0, []
    return w, [s for s in lines if 0.75 * w <= width(s) <= 1.05 * w]


def _open_ends(lines: list[str]) -> int:
    """How many of ``lines`` end mid-sentence."""
    return sum(1 for s in lines if s[-1] not in _ENDS)


def _indents_mark_starts(indented: list[bool]) -> bool:
    """Whether an indent begins a paragraph: some lines have one and most do not. (A
    book indented throughout says nothing by it; one of mostly one-line speeches has
    more indented lines than not, so the bar is nine in ten.)"""
    return 0 < sum(indented) < 0.9 * len(indented)


def _widest(lines: list[str]) -> int:
    """The 95th percentile of the line widths: the wrap width, if the text is wrapped."""
    widths = sorted(map(width, lines)) or [0]
    return widths[int(0.95 * (len(widths) - 1))]


def _unwrap(lines: list[tuple[int, str, bool]], wrap: int) -> list[tuple[int, str]]:
    """Join the lines of each wrapped paragraph."""
    nonblank = [ln for ln in lines if ln[1]]
    blank_separated = len(lines) - len(nonblank) >= 0.1 * len(nonblank)
    indents_mark_starts = _indents_mark_starts([ind for _, _, ind in nonblank])
    paras: list[tuple[int, list[str]]] = []
    prev = ""
    for offset, line, indented in lines:
        if not line:
            prev = ""
            continue
        starts = not prev or (
            not blank_separated
            and ((indented and indents_mark_starts) or width(prev) < 0.75 * wrap)
        )
        if starts:
            paras.append((offset, [line]))
        else:
            paras[-1][1].append(line)
        prev = line
    return [(offset, join_lines(parts)) for offset, parts in paras]


def join_lines(parts: list[str]) -> str:
    """Lines of one paragraph as one string: Chinese lines join with nothing, Latin ones
    with a space, and a word hyphenated at the line end ("well-" + "known") with nothing."""
    out = parts[0]
    for line in parts[1:]:
        a, b = out[-1], line[0]
        hyphenated = a == "-" and out[-2:-1].isalpha() and b.islower()
        if hyphenated or not (_latin_near(reversed(out)) and _latin_near(line)):
            out += line
        else:
            out += " " + line
    return out


def _latin_near(chars: Iterable[str]) -> bool:
    """Whether the first letter or digit of ``chars``, marks passed over, is not CJK:
    lines meet with a space only between words of an alphabetic script, not between the
    ASCII marks of Chinese text (香" + "玉)."""
    for c in chars:
        if c >= "\u2e80":
            return False
        if c.isalnum():
            return True
    return True


def _cut_long(par: str) -> list[tuple[int, str]]:
    """A paragraph of sensible length as is; a huge one as its sentences (a sentence
    still over LONG_LINE is cut at its commas, or hard), and its chapter headings on
    their own (a book without line breaks glues each to its chapter's first words)."""
    if len(par) <= LONG_LINE:
        return [(0, par)]
    out: list[tuple[int, str]] = []
    start = 0
    for h0, h1 in _headings(par):
        _cut_sentences(out, par, start, h0)
        _keep(out, par, h0, h1)
        start = h1
    _cut_sentences(out, par, start, len(par))
    return out


# Where a Chinese chapter heading may start in running text: at the start or after a
# sentence's end (…。”第二章　风起　林远问道：…).
_HEADING_START_RE = re.compile(
    r"(?:^|(?<=[。！？!?…”」』\"]))[ \t\u3000]*"
    r"(?=(?:正文[ \t\u3000]*)?第[0-9零一二三四五六七八九十百千万〇两]+[回章节卷])"
)


def _headings(par: str) -> list[tuple[int, int]]:
    """(start, end) of the headings in a paragraph that lost its line breaks, and of
    those right after them (第一卷　风云　第一章　初见　…)."""
    out: list[tuple[int, int]] = []
    for m in _HEADING_START_RE.finditer(par):
        start = m.end()
        if out and start < out[-1][1]:
            continue
        # A number alone (第二回奎星兆梦…) may be a heading unless it runs on, with no
        # space, from the heading before it: then it is that heading's glued title.
        while end := leading_heading(par, start, bare=not out or out[-1][1] < start):
            out.append((start, end))
            start = _SPACES_RE.match(par, end).end()
    return out


_SPACES_RE = re.compile(r"[ \t\u3000]*")


def _cut_sentences(out: list[tuple[int, str]], par: str, start: int, end: int) -> None:
    for a, b in sentence_bounds(par[start:end]):
        a, b = a + start, b + start
        while b - a > LONG_LINE:
            cut = _last_soft_cut(par, a, a + LONG_LINE)
            _keep(out, par, a, cut)
            a = cut
        _keep(out, par, a, b)


def _last_soft_cut(par: str, a: int, b: int) -> int:
    cuts = [m.end() for m in _SOFT_CUT_RE.finditer(par, a + LONG_LINE // 2, b)]
    return cuts[-1] if cuts else b


def _keep(out: list[tuple[int, str]], par: str, a: int, b: int) -> None:
    piece = par[a:b]
    stripped = piece.strip()
    if stripped:
        out.append((a + len(piece) - len(piece.lstrip()), stripped))
