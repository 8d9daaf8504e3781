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
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

import jieba

from chatbot.errors import ChatbotError
from chatbot.ingest.words import RUN_RE

jieba.setLogLevel(logging.WARNING)

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
    for m in RUN_RE.finditer(text):
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
