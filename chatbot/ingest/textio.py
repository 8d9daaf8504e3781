"""Novel file -> clean Unicode paragraphs.

Novels arrive in whatever encoding their source used (GBK and Big5 with vendor
extensions are common), with CRLF line ends, indentation made of full-width spaces,
full-width Latin letters, hard-wrapped lines or no line breaks at all. This stage turns
that into a list of paragraphs of clean text that every later stage can trust.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from chatbot.errors import ChatbotError, NotText
from chatbot.fsutil import path_kind
from chatbot.ingest import quote_styles, single_quotes
from chatbot.ingest.gutenberg import FRAME, book_span, gutenberg_title
from chatbot.ingest.links import strip_links
from chatbot.ingest.markup import html_text, looks_like_html
from chatbot.ingest.paragraphs import split_paragraphs

# Re-exported: the chatbot and the TUI import these from here.
from chatbot.ingest.sentences import (  # noqa: F401
    ends_sentence,
    full_width_punctuation,
    is_heading,
    join_words,
    quote_spans,
    split_sentences,
    word_piece,
)

# Encodings the detector may name, mapped to the superset we try first: GB18030
# decodes everything GBK and GB2312 do, and Big5-HKSCS nearly everything Big5 does.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
}
# What to try when strict decoding with the detected codec fails. The Big5 family has
# no single superset: cp950 (Microsoft's Big5) and Big5-HKSCS each decode byte pairs
# the other refuses (the euro sign, a few kana).
_FALLBACKS = {
    "big5hkscs": ("cp950", "big5"),
    "cp950": ("big5hkscs", "big5"),
    "big5": ("big5hkscs", "cp950"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Novel:
    """A decoded, normalised novel: paragraphs of clean text, no blank ones."""

    paragraphs: list[str]
    encoding: str
    converted_t2s: bool
    paragraph_mode: str = "lines"  # see chatbot.ingest.paragraphs
    offsets: list[int] = field(default_factory=list)  # paragraph starts in the decoded file
    detected_encoding: str | None = None  # the detector's guess, when it was not used
    wrap_width: int | None = None  # columns, for hard-wrapped text
    script: str = ""  # converted: the OpenCC config that writes it as it was (s2tw ...)
    replaced: int = 0  # bad byte sequences read as U+FFFD (a few in a file of its codec), dropped
    frame: str = ""  # whose header and licence were cut away ("Project Gutenberg")
    markup: str = ""  # "html": a web page, read as the text it shows (offsets in that text)
    title: str = ""  # as the file names the book (Gutenberg's Title:, a first line 《…》)
    links: int = 0  # web addresses a download site wrote into the text, taken out
    marks: str = ""  # speech marks read as “…” (quote_styles): «…», „…“, — dashes

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def paragraph_turns(self) -> bool:
        """Such marks: a new speaker takes a new paragraph (``extract_utterances``)."""
        return bool(self.marks)


def novel_file(path: str | Path) -> Path:
    """``path`` when it names a readable kind of file; else a one-line ChatbotError that
    says what it is instead (missing, a folder, a pipe)."""
    path = Path(path)
    kind = path_kind(path)
    if kind == "missing":
        raise ChatbotError(f"no such file: {path}")
    if kind == "dir":
        raise ChatbotError(f"{path} is a folder: give the novel's .txt file")
    if kind != "file":
        raise ChatbotError(f"not a regular file: {path}")
    return path


def read_novel(
    path: str | Path,
    *,
    encoding: str | None = None,
    t2s: bool | None = None,
    paragraphs: str | None = None,
) -> Novel:
    """Read a novel file in any common encoding and layout and normalise it.

    ``t2s=None`` converts Traditional to Simplified Chinese only when the text is mostly
    traditional, so one vocabulary serves both scripts; True/False force it.
    ``paragraphs`` forces a layout (``paragraphs.PARAGRAPH_MODES``); None detects it.
    """
    path = novel_file(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ChatbotError(f"cannot read {path}: {e.strerror}") from None
    text, used, detected = decode(data, encoding=encoding, name=str(path))
    markup = ""
    if looks_like_html(text):
        text, markup = html_text(text), "html"
    span = book_span(text)
    first, last = span or (0, len(text))
    book = text[first:last]
    title = gutenberg_title(text[:first]) if span else _first_line_title(book)
    marks = quote_styles.book_marks(book)
    book = marks.apply(book)
    curl = single_quotes.curl if single_quotes.quotes_speech([book]) else None
    layout = split_paragraphs(book, clean_line, paragraphs, curl)
    laid = quote_styles.dash_speech(layout.texts) if marks.dash else layout.texts
    texts, offsets, links = [], [], 0
    for paragraph, offset in zip(laid, layout.offsets):
        paragraph, found = strip_links(paragraph)
        links += found
        if paragraph:
            texts.append(paragraph)
            offsets.append(first + offset)
    if not texts:
        raise ChatbotError(f"{path} contains no text")
    convert = is_mostly_traditional("\n".join(texts)) if t2s is None else t2s
    script = ""
    if convert:
        original, texts = texts, to_simplified(texts)
        script = traditional_script(original, texts)
    return Novel(
        paragraphs=texts,
        encoding=used,
        converted_t2s=convert,
        paragraph_mode=layout.mode,
        offsets=offsets,
        detected_encoding=detected if detected != used else None,
        wrap_width=layout.wrap_width,
        script=script,
        frame=FRAME if span else "",
        markup=markup,
        title=title,
        replaced=text.count("\ufffd"),
        links=links,
        marks=marks.name,
    )


_BOOK_TITLE = re.compile(r"《([^《》\n]{1,20})》")


def _first_line_title(book: str) -> str:
    """The title a Chinese e-text opens with (《红楼梦》曹雪芹 on its first line), or ""."""
    first = next((line.strip() for line in book.splitlines() if line.strip()), "")
    m = _BOOK_TITLE.search(first) if len(first) <= 40 else None
    return m.group(1) if m else ""


def decode_bytes(
    data: bytes, *, encoding: str | None = None, name: str = "input"
) -> tuple[str, str]:
    """Decode ``data``, detecting the encoding unless one is given; return (text, encoding)."""
    text, used, _ = decode(data, encoding=encoding, name=name)
    return text, used


def decode(
    data: bytes, *, encoding: str | None = None, name: str = "input"
) -> tuple[str, str, str | None]:
    """(text, encoding used, encoding detected). A detected codec that fails on some
    bytes is followed by its well-known relatives, and so is a given one; when every
    one fails, the first that leaves only a few bad bytes (as U+FFFD, counted by
    ``read_novel``) is used."""
    if not data.strip():
        raise ChatbotError(f"{name} is empty")
    detected = None
    candidates: tuple[str, ...] = ()
    if encoding:  # and its relatives: a Big5 file may need cp950 for €, a GBK one GB18030
        candidates = (encoding, *_FALLBACKS.get(encoding.lower().replace("-", "_"), ()))
    if encoding is None:
        nearly = _nearly_utf8(data)
        if nearly is not None:
            return nearly, "utf-8", None
        detected = _detect_encoding(data, name)
        candidates = (detected, *_FALLBACKS.get(detected, ()))
    first_error: UnicodeDecodeError | None = None
    for codec in candidates:
        try:
            text = data.decode(codec)
        except LookupError:
            raise ChatbotError(f"unknown encoding {codec!r}") from None
        except UnicodeDecodeError as e:
            first_error = first_error or e
            continue
        if _looks_binary(text):
            raise NotText(f"{name} looks like a binary file, not text")
        if encoding and _other_than_utf8(data, text):
            raise ChatbotError(
                f"{name} is UTF-8, which --encoding {encoding} reads as other characters; "
                "leave --encoding out"
            )
        return text, codec, detected
    assert first_error is not None
    # A few bad bytes (a file cut or joined carelessly) are lost: the codec losing fewest.
    lenient = [(data.decode(codec, errors="replace"), codec) for codec in candidates]
    text, codec = min(lenient, key=lambda tc: tc[0].count("\ufffd"))
    if _few_bad(text) and not _looks_binary(text):
        return text, codec, detected
    tried = "/".join(candidates)
    hint = "check --encoding" if encoding else "pass --encoding if the detector guessed wrong"
    raise ChatbotError(f"{name}: bytes at offset {first_error.start} are not valid {tried}; {hint}")


def _other_than_utf8(data: bytes, text: str) -> bool:
    """Whether ``data`` is valid UTF-8 that ``text`` (a given codec's reading) does not
    say: other multi-byte text is valid UTF-8 only by accident, so the given codec is
    wrong (UTF-8 read as UTF-16 gives a page of rare characters without an error)."""
    try:
        as_utf8 = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return as_utf8 != text.removeprefix("\ufeff")


def _nearly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few bad bytes (a file cut or joined carelessly), decoded with
    U+FFFD in their place; None when the bytes are all valid UTF-8 or not UTF-8 at all.
    At least as many valid multi-byte characters as bad bytes tell it apart from a
    legacy encoding, whose accented letters or Chinese characters are invalid UTF-8."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return text if _few_bad(text) and multibyte >= bad else None


def _few_bad(text: str) -> bool:
    """At most 8 characters, or one in 200, decoded as U+FFFD: damage, not the wrong
    codec."""
    return text.count("\ufffd") <= max(8, len(text) // 200)


def _detect_encoding(data: bytes, name: str) -> str:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Lazy import: charset-normalizer is only needed for non-UTF-8 input.
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None and len(data) >= _LOOSE_MIN_BYTES:
        # The detector drops a codec when one sampled chunk reads as a mess (over 0.2),
        # even where the whole reads clean: a few percent of Big5, GB18030 and BOM-less
        # UTF-16 excerpts of real novels. A looser bar finds them; the least messy wins.
        # (On a few dozen bytes it can pick mojibake: those still ask for --encoding.)
        best = charset_normalizer.from_bytes(data, threshold=_LOOSE_MESS).best()
    if best is None and b"\x00" not in data[:4096] and len(data) >= _LOOSE_MIN_BYTES:
        found = _despite_bad_bytes(data, charset_normalizer)
        if found is not None:
            return found
    if best is None:
        if b"\x00" in data[:4096]:
            raise NotText(f"{name} looks like a binary file, not text")
        raise ChatbotError(
            f"{name}: cannot detect the encoding (undecodable bytes); pass --encoding"
        )
    enc = best.encoding.lower().replace("-", "_")
    if enc != "cp1252" and _single_byte(enc) and _english(data) and _decodes(data, "cp1252"):
        return "cp1252"
    return _SUPERSETS.get(enc, enc)


# Legacy multi-byte codecs to read a damaged file in: Big5 first, since GB18030 takes
# almost any byte pair and so reads Big5 as other characters without an error.
_DAMAGED_CANDIDATES = ("big5hkscs", "gb18030", "shift_jis", "euc_kr")


def _despite_bad_bytes(data: bytes, detector: Any) -> str | None:
    """The codec of a legacy-encoded file with a few bad bytes (a file cut or joined
    carelessly), which the detector gives up on as a whole: the first candidate that
    loses only a few characters and that the detector names once they are gone."""
    for codec in _DAMAGED_CANDIDATES:
        text = data.decode(codec, errors="replace")
        if not _few_bad(text) or not text.count("\ufffd"):
            continue
        best = detector.from_bytes(text.replace("\ufffd", "").encode(codec)).best()
        named = best.encoding.lower().replace("-", "_") if best is not None else ""
        if _SUPERSETS.get(named, named) == _SUPERSETS.get(codec, codec) or named in _FALLBACKS.get(
            codec, ()
        ):
            return codec
    return None


_LOOSE_MESS = 0.6
_LOOSE_MIN_BYTES = 256
_ENGLISH_WORDS = frozenset("the and of to a in that was he it".split())


def _english(data: bytes) -> bool:
    """English prose: its commonest words make up a large share of its words. Such a
    file in a one-byte code page is Windows-1252 (or Latin-1, a subset in practice); the
    detector, given only a few accented loanwords, may name cp1250 or cp775 instead
    (señor read as seńor, fiancé as fiancķ)."""
    words = re.findall(rb"[A-Za-z]+", data[:400_000])
    common = sum(w.lower().decode() in _ENGLISH_WORDS for w in words)
    return len(words) >= 50 and common >= 0.15 * len(words)


def _single_byte(codec: str) -> bool:
    """A code page of one byte per character (not GBK, Big5 or UTF-16)."""
    high = bytes(range(0x80, 0x100))
    try:
        return len(high.decode(codec, errors="replace")) == len(high)
    except LookupError:
        return False


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(text: str) -> bool:
    sample = text[:100_000]
    bad = sum(1 for c in sample if (c < " " and c not in "\n\r\t\f\v") or c == "\ufffd")
    return bad > max(8, len(sample) // 100)


# Spaces, zero-width characters and controls that carry layout, not meaning (and the
# replacement character of a bad byte).
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffd"), None)
_SPACES_RE = re.compile(r"[^\S\n]+")  # any whitespace but newline
_CJK_FULL_STOP_RE = re.compile(r"(?<=[^\x00-\x7f])．")


@lru_cache(maxsize=1)
def _fullwidth_table() -> dict[int, int | None]:
    """Full-width Latin letters and digits to ASCII; Chinese punctuation stays as it is."""
    table: dict[int, int | None] = {}
    for cp in range(0xFF01, 0xFF5F):
        ch = chr(cp)
        if ch.isalnum():
            table[cp] = ord(unicodedata.normalize("NFKC", ch))
    for cp in range(0x20):
        if chr(cp) not in "\n\t":
            table[cp] = None
    table[0x7F] = None
    table.update(_ZERO_WIDTH)
    return table


def clean_line(line: str) -> str:
    """One line without layout noise: full-width letters and digits as ASCII, controls
    and zero-width characters gone, any run of spaces as one, no spaces at the ends,
    half-width punctuation in Chinese text full-width."""
    line = line.translate(_fullwidth_table())
    # Texts typed on GBK-era keyboards often end sentences with a full-width "．".
    line = _CJK_FULL_STOP_RE.sub("。", line).replace("．", ".")
    line = _SPACES_RE.sub(" ", line).strip()  # \t, \u3000, NBSP and friends become one space
    return full_width_punctuation(line)


def normalise(text: str) -> list[str]:
    """Clean layout noise and return the non-empty lines (a chat message, say)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p for line in text.split("\n") if (p := clean_line(line))]


@lru_cache(maxsize=8)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def _han(text: str, limit: int = 200_000) -> str:
    return "".join(c for c in text[: limit * 2] if "\u4e00" <= c <= "\u9fff")[:limit]


def is_mostly_traditional(text: str) -> bool:
    """True when converting to Simplified changes clearly more than converting to Traditional.

    Simplified text is (nearly) a fixed point of t2s and traditional text of s2t, so the
    side that changes more characters tells the script apart without a word list.
    """
    han = _han(text)
    if len(han) < 20:
        return False
    to_s = _opencc("t2s").convert(han)
    to_t = _opencc("s2t").convert(han)
    changed_s = sum(a != b for a, b in zip(han, to_s))
    changed_t = sum(a != b for a, b in zip(han, to_t))
    return changed_s > 2 * changed_t and changed_s >= 0.02 * len(han)


# Traditional standards OpenCC writes: its own, Taiwan's, Hong Kong's.
TRADITIONAL_SCRIPTS = ("s2t", "s2tw", "s2hk")


def traditional_script(original: list[str], simplified: list[str], limit: int = 50_000) -> str:
    """Which standard the novel was written in: the conversion back from its Simplified
    text that gives the most of its characters as they were (你為什麼不吃飯 is Taiwan's
    s2tw; OpenCC's own s2t would write 你爲什麼不喫飯)."""
    han, back = _han("\n".join(original), limit), _han("\n".join(simplified), limit)

    def kept(config: str) -> int:
        return sum(a == b for a, b in zip(han, _opencc(config).convert(back)))

    return max(TRADITIONAL_SCRIPTS, key=kept)


def to_traditional(text: str, script: str = "s2t") -> str:
    """Simplified to Traditional Chinese in the standard ``script`` (phrase-aware, via
    OpenCC): a model of a novel read in Traditional is shown as the novel was."""
    return _opencc(script).convert(text)


def in_novel_script(text: str, script: str) -> str:
    """Corpus text in the script of its novel: ``script`` is what ``prepare`` recorded
    (a Traditional standard, or "" for a novel read as it was)."""
    return to_traditional(text, script) if script else text


def to_simplified(paragraphs: list[str]) -> list[str]:
    """Convert Traditional to Simplified Chinese (phrase-aware, via OpenCC)."""
    converted = _opencc("t2s").convert("\n".join(paragraphs))
    return converted.split("\n")
