"""Novel file -> clean Unicode paragraphs -> sentences.

Novels arrive in whatever encoding their source used (GBK is common), with CRLF line
ends, indentation made of full-width spaces, full-width Latin letters and mismatched
quote marks. This stage turns that into a list of paragraphs of clean text that every
later stage can trust, and splits paragraphs into sentences without cutting through
quoted speech.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chatbot.errors import ChatbotError

# Encodings the detector may name, mapped to the superset we decode with: GB18030
# decodes everything GBK and GB2312 do, and Big5-HKSCS everything plain Big5 does.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
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

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def read_novel(path: str | Path, *, encoding: str | None = None, t2s: bool | None = None) -> Novel:
    """Read a novel file in any common encoding and normalise it.

    ``t2s=None`` converts Traditional to Simplified Chinese only when the text is mostly
    traditional, so one vocabulary serves both scripts; True/False force it.
    """
    path = Path(path)
    if not path.exists():
        raise ChatbotError(f"no such file: {path}")
    if not path.is_file():
        raise ChatbotError(f"not a regular file: {path}")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ChatbotError(f"cannot read {path}: {e.strerror}") from None
    text, used = decode_bytes(data, encoding=encoding, name=str(path))
    paragraphs = normalise(text)
    if not paragraphs:
        raise ChatbotError(f"{path} contains no text")
    convert = is_mostly_traditional("\n".join(paragraphs)) if t2s is None else t2s
    if convert:
        paragraphs = to_simplified(paragraphs)
    return Novel(paragraphs=paragraphs, encoding=used, converted_t2s=convert)


def decode_bytes(
    data: bytes, *, encoding: str | None = None, name: str = "input"
) -> tuple[str, str]:
    """Decode ``data``, detecting the encoding unless one is given; return (text, encoding)."""
    if not data.strip():
        raise ChatbotError(f"{name} is empty")
    if encoding is None:
        encoding = _detect_encoding(data, name)
    try:
        text = data.decode(encoding)
    except LookupError:
        raise ChatbotError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as e:
        raise ChatbotError(
            f"{name}: bytes at offset {e.start} are not valid {encoding}; "
            "pass --encoding if the detector guessed wrong"
        ) from None
    if _looks_binary(text):
        raise ChatbotError(f"{name} looks like a binary file, not a text novel")
    return text, encoding


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
    if best is None:
        if b"\x00" in data[:4096]:
            raise ChatbotError(f"{name} looks like a binary file, not a text novel")
        raise ChatbotError(
            f"{name}: cannot detect the encoding (undecodable bytes); pass --encoding"
        )
    enc = best.encoding.lower().replace("-", "_")
    return _SUPERSETS.get(enc, enc)


def _looks_binary(text: str) -> bool:
    sample = text[:100_000]
    bad = sum(1 for c in sample if (c < " " and c not in "\n\r\t\f\v") or c == "\ufffd")
    return bad > max(8, len(sample) // 100)


# Spaces, zero-width characters and controls that carry layout, not meaning.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
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


def normalise(text: str) -> list[str]:
    """Clean layout noise and return the non-empty paragraphs (one per source line)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_fullwidth_table())
    # Texts typed on GBK-era keyboards often end sentences with a full-width "．".
    text = _CJK_FULL_STOP_RE.sub("。", text).replace("．", ".")
    text = _SPACES_RE.sub(" ", text)  # \t, \u3000, NBSP and friends become one space
    return [p for line in text.split("\n") if (p := line.strip())]


@lru_cache(maxsize=2)
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


def to_simplified(paragraphs: list[str]) -> list[str]:
    """Convert Traditional to Simplified Chinese (phrase-aware, via OpenCC)."""
    converted = _opencc("t2s").convert("\n".join(paragraphs))
    return converted.split("\n")


# ---------------------------------------------------------------------------- quotes

# Openers and the quote family each belongs to. “ and " are one family because real
# texts mix them (“…" is common); ‘’ and 『』 are usually nested quotes.
_OPENERS = {"“": "double", "「": "corner", "『": "white", "‘": "single", "\u201e": "double"}
_CLOSERS = {"”": "double", "」": "corner", "』": "white", "’": "single"}


def quote_spans(paragraph: str) -> list[tuple[int, int]]:
    """Top-level quotations in a paragraph as (open index, close index) pairs.

    Tolerant of the mess real texts contain: a stray closer is ignored, an unclosed
    quotation runs to the end of the paragraph, " closes an open double quote and opens
    one otherwise, and ’ followed by a letter is an apostrophe (it’s), not a closer.
    """
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    start = 0
    n = len(paragraph)
    for i, ch in enumerate(paragraph):
        if ch == '"':
            family, opening = "double", not (stack and stack[-1] == "double")
        elif ch in _OPENERS:
            family, opening = _OPENERS[ch], True
        elif ch in _CLOSERS:
            family, opening = _CLOSERS[ch], False
            if (
                ch == "’"
                and i + 1 < n
                and paragraph[i + 1].isalpha()
                and paragraph[i + 1] < "\u3000"
            ):
                continue
        else:
            continue
        if opening:
            if (
                ch == "‘"
                and not stack
                and i > 0
                and paragraph[i - 1].isalnum()
                and paragraph[i - 1] < "\u3000"
            ):
                continue  # a Latin word with a stray opening single quote
            if not stack:
                start = i
            stack.append(family)
        elif family in stack:
            while stack.pop() != family:
                pass
            if not stack:
                spans.append((start, i))
    if stack:
        spans.append((start, n - 1))
    return spans


# ------------------------------------------------------------------------- sentences

_TERMINATORS = set("。！？!?；;…")
_CLOSING = set('”」』’"）)】')
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "jr",
    "sr",
    "prof",
    "rev",
    "gen",
    "col",
    "capt",
    "vs",
    "etc",
    "no",
}
_HEADING_RE = re.compile(
    r"^(第[0-9零一二三四五六七八九十百千万〇两]+[回章节卷集部篇幕]"
    r"|(chapter|book|part|volume)\s+([0-9]+|[ivxlcdm]+|[a-z]+)\b"
    r"|卷[0-9零一二三四五六七八九十百千万〇两]+)",
    re.IGNORECASE,
)


def is_heading(paragraph: str) -> bool:
    """A chapter/part heading: it ends a dialogue run and is not a sentence of speech."""
    return len(paragraph) <= 60 and bool(_HEADING_RE.match(paragraph))


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph at sentence ends (。！？…；and . ! ? in Latin text), never inside
    a quotation: a quoted speech stays in one piece with the narration around it."""
    inside = bytearray(len(paragraph))
    for a, b in quote_spans(paragraph):
        inside[a : b + 1] = b"\x01" * (b + 1 - a)
    out: list[str] = []
    start = 0
    i, n = 0, len(paragraph)
    while i < n:
        ch = paragraph[i]
        if not inside[i] and (ch in _TERMINATORS or (ch == "." and _latin_full_stop(paragraph, i))):
            j = i + 1
            while (
                j < n
                and not inside[j]
                and (
                    paragraph[j] in _TERMINATORS or paragraph[j] in _CLOSING or paragraph[j] == "."
                )
            ):
                j += 1
            piece = paragraph[start:j].strip()
            if _has_word(piece):
                out.append(piece)
            start = i = j
            continue
        i += 1
    tail = paragraph[start:].strip()
    if _has_word(tail):
        out.append(tail)
    return out


def _has_word(piece: str) -> bool:
    """A run of punctuation alone ("……", "！！") is not a sentence."""
    return any(c.isalnum() for c in piece)


def _latin_full_stop(text: str, i: int) -> bool:
    """A '.' that ends a Latin sentence: followed by a space or the end, not after
    a digit (3.14) or a common abbreviation (Mr.)."""
    if i + 1 < len(text) and not text[i + 1].isspace():
        return False
    m = re.search(r"([A-Za-z]+)$", text[max(0, i - 12) : i])
    return not (m and (m.group(1).lower() in _ABBREVIATIONS or len(m.group(1)) == 1))


def join_words(words: list[str]) -> str:
    """Chinese words join without spaces; Latin words get one between them."""
    out = ""
    for w in words:
        if out and out[-1].isascii() and out[-1].isalnum() and w[:1].isascii() and w[:1].isalnum():
            out += " "
        out += w
    return out
