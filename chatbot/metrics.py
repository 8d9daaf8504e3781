"""Reply-quality metrics, each a plain function of token lists.

Chosen to catch what users notice: a degenerate reply (empty, a word three times in a
row, or a repeated bigram) and a lack of variety across replies (distinct-n, and the
same line given to different messages).
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


def repeated_share(replies: Sequence[Sequence[str]]) -> float:
    """The share of replies given word for word to another message too: stock lines
    that fit anything (He & Glass 2020 count the commonest one's share)."""
    from collections import Counter

    counts = Counter(map(tuple, replies))
    return sum(c for c in counts.values() if c > 1) / len(replies) if replies else 0.0


def bleu(
    hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[str]], n: int = 2
) -> float:
    """Corpus BLEU-n (Papineni et al., 2002): geometric mean of clipped 1..n-gram
    precisions over all replies, times the brevity penalty; one reference per reply."""
    import math
    from collections import Counter

    matches = [0] * n
    totals = [0] * n
    hyp_len = ref_len = 0
    for hyp, ref in zip(hypotheses, references):
        hyp_len += len(hyp)
        ref_len += len(ref)
        for k in range(1, n + 1):
            h = Counter(tuple(hyp[i : i + k]) for i in range(len(hyp) - k + 1))
            r = Counter(tuple(ref[i : i + k]) for i in range(len(ref) - k + 1))
            matches[k - 1] += sum(min(c, r[g]) for g, c in h.items())
            totals[k - 1] += max(len(hyp) - k + 1, 0)
    if hyp_len == 0 or min(matches) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(matches, totals)) / n
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return brevity * math.exp(log_p)


def copied(reply: Sequence[str], line: Sequence[str]) -> float:
    """The share of ``line``'s words that ``reply`` repeats in order (matching blocks of
    the two word sequences): 1.0 when the reply copies the line whole."""
    from difflib import SequenceMatcher

    if not line:
        return 0.0
    blocks = SequenceMatcher(None, list(reply), list(line), autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(line)


def bootstrap(values: list[float], reps: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of ``values`` (resampling items)."""
    import numpy as np

    if not values:
        return float("nan"), float("nan")
    x = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(reps, len(x)))].mean(1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)
