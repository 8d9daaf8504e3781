"""Finding the book's lines that fit a message: BM25 word overlap over training queries.

The retrieval baseline answers with the reply of the training query that shares the
most (rare) words with the message: fluent, because the book wrote it, but often about
something else. It is a reference every model is judged against, and what a grounded
model reads beside the message (``Retriever``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatbot.ingest.dialogue import Pair

# Punctuation carries no topic; counting it would match every question with every other.
_SKIP = frozenset("，。！？、；：…—,.!?;:-·（）()《》“”‘’「」『』\"'")


class OverlapIndex:
    """BM25 (k1 = 1.2, b = 0.75) over tokenised documents; punctuation ignored."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for i, doc in enumerate(docs):
            counts = Counter(w for w in doc if w not in _SKIP)
            self.lengths.append(sum(counts.values()))
            for w, c in counts.items():
                self.postings[w].append((i, c))
        n = len(self.lengths)
        self.mean_length = sum(self.lengths) / max(n, 1)
        self.idf = {
            w: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for w, p in self.postings.items()
        }

    def __len__(self) -> int:
        return len(self.lengths)

    def search(self, tokens: Sequence[str], k: int = 1) -> list[tuple[int, float]]:
        """The ``k`` best documents for ``tokens``: (index, score), best first; ties go to
        the earlier document. Documents sharing no word score 0 and are not returned."""
        scores: dict[int, float] = defaultdict(float)
        for w in set(tokens) - _SKIP:
            idf = self.idf.get(w)
            if idf is None:
                continue
            for i, c in self.postings[w]:
                norm = c + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.mean_length)
                scores[i] += idf * c * (self.k1 + 1) / norm
        return sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]


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
