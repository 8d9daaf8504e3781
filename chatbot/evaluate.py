"""``chatbot eval``: how good a model's replies are, on the test split it never saw.

Teacher-forced next-word top-1/top-5; for replies decoded with the chosen options:
BLEU-2, distinct-1/2, degenerate rate, mean length against the gold replies; a ranking
score (Hits@1 of the gold reply among it and 9 random test replies, by how much the
query raises the model's likelihood of the reply over its likelihood after typical
training queries: 10% is chance); median latency. Two reference systems run on the same
pairs: retrieval (the reply of the training query whose mean word vector is closest)
and, when given, a ``--head softmax`` model.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.bot import Chatbot, DecodeOptions
from chatbot.config import TrainConfig
from chatbot.data import EOS, Example, encode_reply, make_examples, split_by_position
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import read_pairs
from chatbot.layout import CorpusLayout
from chatbot.metrics import bleu, degenerate_rate, distinct_n
from chatbot.train import evaluate as teacher_forced
from chatbot.train import ranking_groups, ranking_hits


def _gold(bot: Chatbot, ex: Example, max_reply: int) -> list[str]:
    ids = encode_reply(bot.table, ex.pair.reply_tokens, max_reply)
    n = len(ids) - 1 if ids[-1] == EOS else len(ids)
    return list(ex.pair.reply_tokens[:n])


def reply_metrics(replies: list[list[str]], gold: list[list[str]]) -> dict[str, float]:
    return {
        "bleu2": bleu(replies, gold, 2),
        "distinct1": distinct_n(replies, 1),
        "distinct2": distinct_n(replies, 2),
        "degenerate": degenerate_rate(replies),
        "mean_length": statistics.fmean(map(len, replies)) if replies else 0.0,
        "gold_mean_length": statistics.fmean(map(len, gold)) if gold else 0.0,
    }


def model_report(
    bot: Chatbot,
    test: list[Example],
    train: list[Example],
    options: DecodeOptions,
    max_reply: int,
    hits_candidates: int = 10,
    seed: int = 0,
) -> dict[str, Any]:
    """Every metric for one model on the test examples (``train`` supplies the
    background queries of the ranking score)."""
    tf = teacher_forced(
        bot.model, test, bot.table, batch_size=64, sample=0, max_reply=max_reply, device=bot.device
    )
    replies, latency = [], []
    for i, ex in enumerate(test):
        opts = (
            options if options.seed is not None else DecodeOptions(**{**asdict(options), "seed": i})
        )
        start = time.perf_counter()
        r = bot.reply(ex.pair.query, opts)
        latency.append(time.perf_counter() - start)
        replies.append(r.words)
    gold = [_gold(bot, ex, max_reply) for ex in test]
    ranks = ranking_hits(
        bot.model, test, train, bot.table, candidates=hits_candidates, seed=seed, device=bot.device
    )
    return {
        "top1": tf["top1"],
        "top5": tf["top5"],
        **reply_metrics(replies, gold),
        "hits_at_1": ranks["hits1"],
        "hits_candidates": min(hits_candidates, len(test)),
        "hits_at_1_raw_likelihood": ranks["hits1_raw"],
        "median_latency_ms": 1000 * statistics.median(latency),
        "examples": [
            {"query": ex.pair.query, "gold": "".join(g), "reply": "".join(r)}
            for ex, g, r in list(zip(test, gold, replies))[:20]
        ],
    }


def retrieval_report(
    bot: Chatbot, train: list[Example], test: list[Example], max_reply: int
) -> dict[str, Any]:
    """The nearest-neighbour baseline: answer with the reply of the training query
    whose mean word vector is most similar to the test query's."""
    vecs = bot.table.vectors

    def mean_vec(ex: Example) -> np.ndarray:
        rows = vecs[ex.query.ids].copy()
        for p, v in zip(ex.query.oov_pos, ex.query.oov):
            rows[p] = v
        v = rows.mean(axis=0)
        return v / (np.linalg.norm(v) + 1e-9)

    keys = np.stack([mean_vec(e) for e in train])
    replies = []
    for ex in test:
        best = int(np.argmax(keys @ mean_vec(ex)))
        replies.append(_gold(bot, train[best], max_reply))
    gold = [_gold(bot, ex, max_reply) for ex in test]
    return {**reply_metrics(replies, gold), "hits_at_1": overlap_hits(train, test)}


def overlap_hits(train: list[Example], test: list[Example], candidates: int = 10) -> float:
    """The ranking score of a model-free reference, on the same groups as the models':
    rank replies by the IDF-weighted words they share with the query."""
    df: Counter[str] = Counter()
    for e in train:
        df.update(set(e.pair.query_tokens) | set(e.pair.reply_tokens))
    n = len(train)

    def overlap(query: Example, reply: Example) -> float:
        words = set(query.pair.query_tokens)
        # fsum: exact, so the score does not depend on the set's (hash-seeded) order,
        # and equal scores tie exactly; a plain sum moved Hits@1 by 0.2 points per run.
        return math.fsum(
            math.log((n + 1) / (df[w] + 1)) for w in set(reply.pair.reply_tokens) if w in words
        )

    hits = 0.0
    for i, group in enumerate(ranking_groups(len(test), candidates, random.Random(0))):
        scores = [overlap(test[i], test[j]) for j in group]
        if scores[0] == max(scores):  # a tie is broken at random: expected credit
            hits += 1 / scores.count(scores[0])
    return hits / len(test)


def evaluate_model(
    model_dir: str | Path,
    *,
    corpus_dir: str | Path | None = None,
    options: DecodeOptions | None = None,
    softmax_dir: str | Path | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The whole evaluation: the model, retrieval and (optionally) the softmax model."""
    options = options or DecodeOptions()
    bot = Chatbot.load(model_dir)
    tc = TrainConfig.from_dict(bot.config.get("train", {}))
    corpus = CorpusLayout.at(corpus_dir or bot.config.get("corpus", ""))
    if not corpus.pairs.is_file():
        raise ChatbotError(f"no pairs.tsv at {corpus.root}; pass the corpus directory")
    examples = make_examples(read_pairs(corpus.pairs), bot.table, tc.max_query, tc.max_reply)
    train, _, test = split_by_position(examples, tc.valid_share, tc.test_share)
    test = test[:limit] if limit else test
    report: dict[str, Any] = {
        "model_dir": str(model_dir),
        "corpus": str(corpus.root),
        "test_pairs": len(test),
        "options": asdict(options),
        "model": model_report(bot, test, train, options, tc.max_reply),
        "retrieval": retrieval_report(bot, train, test, tc.max_reply),
    }
    if softmax_dir:
        ref = Chatbot.load(softmax_dir)
        if ref.table.words != bot.table.words:
            raise ChatbotError("the softmax model was trained on another vocabulary")
        report["softmax"] = model_report(ref, test, train, options, tc.max_reply)
    return report
