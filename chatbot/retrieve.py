"""Finding the book's lines that fit a message: BM25 word overlap over training queries.

The retrieval baseline answers with the reply of the training query that shares the
most (rare) words with the message: fluent, because the book wrote it, but often about
something else. It is a reference every model is judged against, and what a grounded
model reads beside the message (``Retriever``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from chatbot.ingest.dialogue import Pair

# Punctuation carries no topic; counting it would match every question with every other.
_SKIP = frozenset("，。！？、；：…—,.!?;:-·（）()《》“”‘’「」『』\"'")


class OverlapIndex:
    """BM25 (k1 = 1.2, b = 0.75) over tokenised documents; punctuation ignored. Each
    word's postings are arrays of documents and their BM25 weights, so a lookup is a
    few vector additions, not a Python loop over every document holding 的."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        words: dict[str, int] = {}
        word_of, doc_of, count_of, lengths = [], [], [], []
        for i, doc in enumerate(docs):
            counts = Counter(w for w in doc if w not in _SKIP)
            lengths.append(sum(counts.values()))
            for w, c in counts.items():
                word_of.append(words.setdefault(w, len(words)))
                doc_of.append(i)
                count_of.append(c)
        self.n = n = len(lengths)
        length = np.asarray(lengths, dtype=np.float64)
        word = np.asarray(word_of, dtype=np.int64)
        ids = np.asarray(doc_of, dtype=np.int64)
        c = np.asarray(count_of, dtype=np.float64)
        df = np.bincount(word, minlength=len(words)).astype(np.float64)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        norm = c + k1 * (1 - b + b * length[ids] / max(length.mean(), 1e-9)) if n else c
        weight = idf[word] * c * (k1 + 1) / norm
        order = np.argsort(word, kind="stable")  # each word's postings side by side
        bounds = np.concatenate([[0], np.cumsum(df.astype(np.int64))])
        self._ids, self._weights = ids[order], weight[order]
        self._span = {w: (int(bounds[j]), int(bounds[j + 1])) for w, j in words.items()}

    def __len__(self) -> int:
        return self.n

    def search(self, tokens: Sequence[str], k: int = 1) -> list[tuple[int, float]]:
        """The ``k`` best documents for ``tokens``: (index, score), best first; ties go to
        the earlier document. Documents sharing no word score 0 and are not returned."""
        spans = [self._span[w] for w in sorted(set(tokens) - _SKIP) if w in self._span]
        if not spans or k < 1:
            return []
        scores = np.zeros(self.n)
        for a, z in spans:
            scores[self._ids[a:z]] += self._weights[a:z]  # a document once per word
        hit = np.flatnonzero(scores)
        if len(hit) > k:  # the k best and every document tied with the k-th
            kth = np.partition(scores[hit], len(hit) - k)[len(hit) - k]
            hit = hit[scores[hit] >= kth]
        best = hit[np.lexsort((hit, -scores[hit]))][:k]
        return [(int(i), float(scores[i])) for i in best]


class Retriever:
    """The replies of training pairs whose queries best match a message (BM25), never a
    pair within ``near`` pairs of an excluded one: a pair's own reply and its neighbours
    in the book are the answer, not a hint."""

    def __init__(self, pairs: Sequence[Pair], near: int = 10):
        self.pairs = list(pairs)
        self.near = near
        self.index = OverlapIndex([p.query_tokens for p in self.pairs])

    def search(
        self, tokens: Sequence[str], k: int = 1, exclude: int | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``k`` (pair index, score), best first; with ``exclude`` (an index in the
        book's pair order, which may lie past the training pairs) no pair within
        ``near`` of it, and no reply equal to its own."""
        hits = self.index.search(tokens, k + 2 * self.near + 8 if exclude is not None else k)
        if exclude is not None:
            own = self.pairs[exclude].reply if exclude < len(self.pairs) else None
            hits = [
                (i, s)
                for i, s in hits
                if abs(i - exclude) > self.near and self.pairs[i].reply != own
            ]
        return hits[:k]
