"""Reply-quality metrics, each a plain function of token lists.

Chosen to catch what users notice: a degenerate reply (empty, a word three times in a
row, or a repeated bigram) and a lack of variety across replies (distinct-n).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def is_degenerate(words: Sequence[str]) -> bool:
    """Empty, a word 3+ times in a row, or any bigram that occurs twice."""
    if not words:
        return True
    for i in range(len(words) - 2):
        if words[i] == words[i + 1] == words[i + 2]:
            return True
    bigrams = list(itertools.pairwise(words))
    return len(set(bigrams)) < len(bigrams)


def degenerate_rate(replies: Sequence[Sequence[str]]) -> float:
    return sum(map(is_degenerate, replies)) / len(replies) if replies else 0.0


def distinct_n(replies: Sequence[Sequence[str]], n: int) -> float:
    """Distinct n-grams over all n-grams, pooled across replies (Li et al., 2016)."""
    grams = [tuple(r[i : i + n]) for r in replies for i in range(len(r) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0
