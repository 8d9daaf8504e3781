"""Sentences -> word tokens: jieba for Chinese runs, a plain word regex for Latin text.

Latin words go through a regex instead of jieba so English stays whole words
(``don't``, ``well-known``), lower-cased, with punctuation split off. Whitespace and
quote marks are layout, not words, and never become tokens. Large inputs are
segmented on all cores with a fork pool that inherits the loaded jieba dictionary.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Sequence
from functools import partial
from pathlib import Path

import jieba

from chatbot.errors import ChatbotError
from chatbot.ingest.sentences import ABBREVIATIONS

jieba.setLogLevel(logging.WARNING)

# One run of Han characters (and the CJK punctuation jieba handles well) or one Latin
# token: a word with inner apostrophes/hyphens, a number, or a single symbol.
_RUN_RE = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<word>[A-Za-z\u00c0-\u024f]+(?:['’\-][A-Za-z\u00c0-\u024f]+)*)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
QUOTE_MARKS = frozenset("“”‘’「」『』\"'„")

_tokenizers: dict[str | None, jieba.Tokenizer] = {}


def get_tokenizer(userdict: str | Path | None = None) -> jieba.Tokenizer:
    """A jieba tokenizer with ``userdict`` loaded, cached per user dictionary."""
    key = str(userdict) if userdict else None
    tok = _tokenizers.get(key)
    if tok is None:
        tok = jieba.Tokenizer()
        tok.initialize()
        if userdict:
            try:
                tok.load_userdict(str(userdict))
            except OSError as e:
                raise ChatbotError(
                    f"cannot read user dictionary {userdict}: {e.strerror}"
                ) from None
            except Exception as e:  # jieba raises bare ValueErrors for malformed lines
                raise ChatbotError(f"bad user dictionary {userdict}: {e}") from None
        _tokenizers[key] = tok
    return tok


def tokenize(text: str, userdict: str | Path | None = None) -> list[str]:
    """Words of one piece of text, the way the corpus and the chatbot both see them."""
    tok = get_tokenizer(userdict)
    out: list[str] = []
    for m in _RUN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "han":
            out.extend(tok.lcut(m.group(), HMM=True))
        elif kind in ("word", "num"):
            out.append(m.group().lower().replace("’", "'"))
        elif kind == "other" and m.group() not in QUOTE_MARKS:
            out.append(m.group())
    return out


def _tokenize_chunk(texts: Sequence[str], userdict: str | None) -> list[list[str]]:
    return [tokenize(t, userdict) for t in texts]


def tokenize_many(
    texts: Sequence[str],
    userdict: str | Path | None = None,
    *,
    workers: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[list[str]]:
    """Tokenize many texts, in parallel when it pays; order is preserved.

    ``on_progress`` is called with the number of texts finished since the last call.
    """
    userdict = str(userdict) if userdict else None
    workers = workers or os.cpu_count() or 1
    total_chars = sum(map(len, texts))
    chunks = list(_chunks(texts, max(64, len(texts) // (workers * 16) + 1)))
    get_tokenizer(userdict)  # load once in the parent; forked workers inherit it
    parallel = workers > 1 and total_chars > 200_000 and "fork" in mp.get_all_start_methods()
    out: list[list[str]] = []
    if parallel:
        with mp.get_context("fork").Pool(workers) as pool:
            for part in pool.imap(partial(_tokenize_chunk, userdict=userdict), chunks):
                out.extend(part)
                if on_progress:
                    on_progress(len(part))
    else:
        for chunk in chunks:
            out.extend(_tokenize_chunk(chunk, userdict))
            if on_progress:
                on_progress(len(chunk))
    return out


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# After these a Latin word starts a sentence, so its capital says nothing about the word.
_SENTENCE_OPENERS = frozenset('.?!:;"“‘「『(')


def cased_forms(sentences: Iterable[str], keep: Container[str]) -> dict[str, str]:
    """How the novel writes the Latin words of ``keep`` (lower-cased tokens) inside a
    sentence, where it differs from lower case: tom -> Tom, i -> I, mr -> Mr. Words
    that start a sentence are not counted; a word needs a majority of its counted uses."""
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        starts, word = True, ""
        for m in _RUN_RE.finditer(sentence):
            kind, text = m.lastgroup, m.group()
            if kind == "space":
                continue
            if kind == "word" and not starts:
                surface = text.replace("’", "'")
                if surface.lower() in keep:
                    forms[surface.lower()][surface] += 1
            abbreviation = text == "." and word in ABBREVIATIONS  # Mr. Brown
            starts = kind == "other" and text in _SENTENCE_OPENERS and not abbreviation
            word = text.lower()
    cased = {}
    for word, counts in forms.items():
        form, n = counts.most_common(1)[0]
        if form != word and 2 * n > sum(counts.values()):
            cased[word] = form
    return cased


def language(words: Sequence[str]) -> str:
    """ "zh" when most of the words hold CJK characters, else "en"."""
    cjk = sum(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words)
    return "zh" if cjk * 2 >= len(words) else "en"
