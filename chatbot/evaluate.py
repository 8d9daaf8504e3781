"""How good a model is, on pairs it never trained on.

Model-level measures, used after every training epoch and by ``chatbot eval``:
teacher-forced loss and next-word top-1/top-5; greedy replies' degenerate rate,
distinct-2 and length; a ranking score (Hits@1 of the gold reply among it and 9 other
test replies, by how much the query raises the model's likelihood of the reply over its
likelihood after typical training queries: 10% is chance).

``evaluate_model`` (``chatbot eval``) adds replies decoded with the chosen options:
BLEU-2, distinct-1/2, degenerate rate and length against the gold replies, and median
latency (and, for a grounded model, the share of replies that copy a retrieved line);
two reference systems run on the same pairs: retrieval (the reply of the training
query sharing the most rare words, BM25) and, when given, a ``--head softmax`` model.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from chatbot.bot import Chatbot, DecodeOptions, line_key
from chatbot.cast import HISTORY, Conversation
from chatbot.config import ModelCard
from chatbot.data import (
    EOS,
    PAD,
    UNK,
    Example,
    WordTable,
    batches,
    collate,
    conversation_of,
    cut_reply,
    dialogue,
    text_split,
    text_windows,
    with_grounding,
)
from chatbot.decode import greedy
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import read_pairs
from chatbot.layout import CorpusLayout, trained_on
from chatbot.metrics import bleu, bootstrap, copied, degenerate_rate, distinct_n, repeated_share
from chatbot.model import Seq2Seq
from chatbot.objective import reply_log_likelihood
from chatbot.rerank import (
    SharedWords,
    background_queries,
    combined,
    heard,
    likelihoods,
    marginals,
)
from chatbot.retrieve import Retriever


def ids_to_words(table: WordTable, ids: list[int]) -> list[str]:
    """Reply ids up to (not including) EOS."""
    out = []
    for i in ids:
        if i in (EOS, PAD):
            break
        out.append(table.words[i])
    return out


@torch.no_grad()
def teacher_forced(
    model: Seq2Seq, examples: Sequence[Example], dim: int, *, batch_size: int, device: torch.device
) -> dict[str, float]:
    """With the gold prefix given: the training loss and the perplexity of the model's
    decoding distribution (both means over the words the model can say), and next-word
    top-1/top-5 (where words outside the output rows count as misses)."""
    model.eval()
    loss_sum = nll_sum = n_loss = n_tok = top1 = top5 = 0.0
    for batch in batches(examples, batch_size, dim):
        batch = batch.to(device)
        out = model(batch)
        keep = (batch.tgt_out != PAD) & (batch.tgt_out != UNK)
        sayable = keep & (batch.tgt_out < model.outputs)
        n = int(sayable.sum())
        loss_sum += float(model.head.loss(out, batch.tgt_out)) * n
        logp = model.log_probs(out)
        target = batch.tgt_out.clamp(max=model.outputs - 1).unsqueeze(-1)
        nll_sum -= float(logp.gather(-1, target).squeeze(-1)[sayable].sum())
        n_loss += n
        best5 = logp.topk(5, dim=-1).indices  # (B, T, 5)
        hit = best5 == batch.tgt_out.unsqueeze(-1)
        top1 += float((hit[..., 0] & keep).sum())
        top5 += float((hit.any(-1) & keep).sum())
        n_tok += int(keep.sum())
    return {
        "loss": loss_sum / max(n_loss, 1),
        "ppl": math.exp(nll_sum / max(n_loss, 1)),
        "top1": top1 / max(n_tok, 1),
        "top5": top5 / max(n_tok, 1),
    }


@torch.no_grad()
def greedy_replies(
    model: Seq2Seq,
    examples: Sequence[Example],
    table: WordTable,
    *,
    max_reply: int,
    batch_size: int,
    device: torch.device,
) -> list[list[str]]:
    """The model's greedy reply to each example's query, in length-bucketed order."""
    model.eval()
    replies: list[list[str]] = []
    for batch in batches(examples, batch_size, table.dim):
        ids, _ = greedy(model, *model.start(batch.to(device)), max_reply + 1)
        replies.extend(ids_to_words(table, row) for row in ids.tolist())
    return replies


def validate(
    model: Seq2Seq,
    examples: list[Example],
    table: WordTable,
    *,
    batch_size: int,
    sample: int,
    max_reply: int,
    device: torch.device,
    background: Sequence[Example] = (),
) -> dict[str, float]:
    """``teacher_forced`` on all ``examples``; greedy replies to the first ``sample``:
    degenerate rate, distinct-2, mean length; with ``background`` (training examples),
    the ranking score on those ``sample``."""
    metrics = teacher_forced(model, examples, table.dim, batch_size=batch_size, device=device)
    chosen = examples[:sample]
    replies = greedy_replies(
        model, chosen, table, max_reply=max_reply, batch_size=batch_size, device=device
    )
    metrics.update(
        degenerate=degenerate_rate(replies),
        distinct2=distinct_n(replies, 2),
        mean_length=sum(map(len, replies)) / max(len(replies), 1),
    )
    if len(chosen) >= 2 and background:
        metrics.update(
            ranking_hits(model, chosen, background, table, batch_size=batch_size, device=device)
        )
    return metrics


def ranking_groups(n: int, candidates: int, rng: random.Random) -> list[list[int]]:
    """For each of ``n`` examples: its own index first, then ``candidates - 1`` others."""
    k = min(candidates, n) - 1
    return [[i, *(j + (j >= i) for j in rng.sample(range(n - 1), k))] for i in range(n)]


@torch.no_grad()
def ranking_hits(
    model: Seq2Seq,
    examples: Sequence[Example],
    background: Sequence[Example],
    table: WordTable,
    *,
    candidates: int = 10,
    seed: int = 0,
    batch_size: int = 64,
    device: torch.device,
) -> dict[str, float]:
    """Hits@1 of each example's own reply among it and ``candidates - 1`` replies of
    other examples (1/candidates is chance).

    ``hits1`` ranks by pointwise mutual information, log p(r|q) - log p(r): how much
    likelier the query makes the reply. p(r) is the model's likelihood of the reply
    averaged over ten ``background`` queries (training queries, never the ranked ones).
    ``hits1_raw`` ranks by log p(r|q) alone, which puts short, common replies first
    whatever was asked (about chance on novel dialogue). ``hits1_combined`` ranks by
    PMI and the rare words shared with the query and its context together
    (``chatbot.rerank``)."""
    n = len(examples)
    rng = random.Random(seed)
    groups = torch.tensor(ranking_groups(n, candidates, rng))
    k = groups.size(1) - 1
    queries = background_queries(background, rng)
    ranked = [(i, j) for i, row in enumerate(groups.tolist()) for j in row]
    given = likelihoods(
        model,
        [Example(examples[i].query, examples[j].reply, examples[j].pair) for i, j in ranked],
        table.dim,
        device,
        batch_size,
    ).view(n, k + 1)
    pmi = given - marginals(model, examples, queries, table.dim, device)[groups]
    shared = SharedWords.of(background)
    heard_by = [heard(e.pair.query_tokens, e) for e in examples]  # type: ignore[union-attr]
    overlap = torch.tensor(
        [
            [shared(heard_by[i], examples[j].pair.reply_tokens) for j in row]  # type: ignore[union-attr]
            for i, row in enumerate(groups.tolist())
        ]
    )
    return {
        "hits1": float(pmi.argmax(1).eq(0).float().mean()),
        "hits1_raw": float(given.argmax(1).eq(0).float().mean()),
        "hits1_combined": float(combined(pmi, overlap).argmax(1).eq(0).float().mean()),
    }


@torch.no_grad()
def top5_per_example(
    model: Seq2Seq, examples: Sequence[Example], dim: int, device: torch.device
) -> list[tuple[int, int]]:
    """(next-word top-5 hits, words) of each example, teacher-forced, in order."""
    model.eval()
    out: list[tuple[int, int]] = []
    for start in range(0, len(examples), 64):
        batch = collate(examples[start : start + 64], dim).to(device)
        best5 = model.scores(model(batch)).topk(5, dim=-1).indices
        keep = (batch.tgt_out != PAD) & (batch.tgt_out != UNK)
        hits = ((best5 == batch.tgt_out.unsqueeze(-1)).any(-1) & keep).sum(1)
        out.extend(zip(hits.tolist(), keep.sum(1).tolist()))
    return out


def speaker_sensitivity(
    model: Seq2Seq, examples: Sequence[Example], characters: int, dim: int, device: torch.device
) -> dict[str, float]:
    """Teacher-forced top-5 of replies said by a known character, with the true speaker
    and with another known character drawn at random: how much who speaks matters. The
    gain's 95% interval is a bootstrap over replies."""
    rng = random.Random(0)
    chosen = [e for e in examples if e.speaker > 0]
    if not chosen or characters < 3:
        return {}
    others = [
        replace(e, speaker=rng.choice([r for r in range(1, characters) if r != e.speaker]))
        for e in chosen
    ]
    true, other = (
        top5_per_example(model, chosen, dim, device),
        top5_per_example(model, others, dim, device),
    )
    words = sum(n for _, n in true)
    gains = [(a - b) * len(true) / max(words, 1) for (a, _), (b, _) in zip(true, other)]
    low, high = bootstrap(gains)
    return {
        "replies": len(chosen),
        "top5_true_speaker": sum(h for h, _ in true) / max(words, 1),
        "top5_other_speaker": sum(h for h, _ in other) / max(words, 1),
        "gain": sum(gains) / len(gains),
        "gain_low": low,
        "gain_high": high,
    }


@torch.no_grad()
def speaker_identification(
    model: Seq2Seq,
    train: Sequence[Example],
    test: Sequence[Example],
    table: WordTable,
    device: torch.device,
    k: int = 10,
) -> dict[str, float]:
    """Which of the ``k`` most frequent characters said a test reply: the model ranks
    them by its likelihood of the reply (given the query and addressee); a per-speaker
    word-frequency classifier (unigrams, add-one) ranks them by theirs. Chance: 1/k."""
    k = min(k, model.config.characters - 1)
    chosen = [e for e in test if 1 <= e.speaker <= k]
    if not chosen or k < 2:
        return {}
    model.eval()
    right = 0
    for e in chosen:
        batch = collate([replace(e, speaker=s) for s in range(1, k + 1)], table.dim).to(device)
        logp = model.log_probs(model(batch))
        right += (
            int(reply_log_likelihood(logp, batch.tgt_out, mean=False).argmax()) + 1 == e.speaker
        )
    counts: dict[int, Counter[str]] = {s: Counter() for s in range(1, k + 1)}
    for e in train:
        if 1 <= e.speaker <= k:
            counts[e.speaker].update(e.pair.reply_tokens)  # type: ignore[union-attr]
    vocab = len({w for c in counts.values() for w in c}) + 1

    def word_guess(words: list[str]) -> int:
        def score(s: int) -> float:
            total = sum(counts[s].values()) + vocab
            return sum(math.log((counts[s][w] + 1) / total) for w in words)

        return max(range(1, k + 1), key=score)

    baseline = sum(word_guess(e.pair.reply_tokens) == e.speaker for e in chosen)  # type: ignore[union-attr]
    return {
        "speakers": k,
        "replies": len(chosen),
        "model": right / len(chosen),
        "word_frequency": baseline / len(chosen),
        "chance": 1 / k,
    }


def context_effect(
    model: Seq2Seq,
    test: list[Example],
    train: list[Example],
    table: WordTable,
    max_query: int,
    device: torch.device,
) -> dict[str, float]:
    """Top-5 and Hits@1 (PMI, and PMI + shared words) on the test pairs with and without
    the turns before the query."""
    alone = [replace(e, context=[]) for e in test]
    alone = [with_grounding(e, table, e.grounding, max_query) for e in alone]
    out: dict[str, float] = {}
    for name, part in (("with", test), ("without", alone)):
        tf = teacher_forced(model, part, table.dim, batch_size=64, device=device)
        hits = ranking_hits(model, part, train, table, device=device)
        out |= {f"top5_{name}_context": tf["top5"], f"hits1_{name}_context": hits["hits1"]}
        out[f"hits1_combined_{name}_context"] = hits["hits1_combined"]
    out["with_context"] = sum(bool(e.context) for e in test) / max(len(test), 1)
    return out


def _gold(ex: Example, max_reply: int) -> list[str]:
    """The reply as training targets cut it."""
    return cut_reply(ex.pair.reply_tokens, max_reply)


def reply_metrics(replies: list[list[str]], gold: list[list[str]]) -> dict[str, float]:
    return {
        "bleu2": bleu(replies, gold, 2),
        "distinct1": distinct_n(replies, 1),
        "distinct2": distinct_n(replies, 2),
        "degenerate": degenerate_rate(replies),
        "repeated": repeated_share(replies),
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
    tf = teacher_forced(bot.model, test, bot.table.dim, batch_size=64, device=bot.device)
    replies, latency, copies = [], [], []
    for i, ex in enumerate(test):
        opts = (
            options if options.seed is not None else DecodeOptions(**{**asdict(options), "seed": i})
        )
        start = time.perf_counter()
        r = bot.reply(ex.pair.query, opts, conversation_of(ex, bot.cast))
        latency.append(time.perf_counter() - start)
        replies.append(r.words)
        copies.append(max((copied(r.words, g.tokens) for g in r.grounding), default=0.0))
    gold = [_gold(ex, max_reply) for ex in test]
    chats = [test[k : k + CHAT_TURNS] for k in range(0, len(test) - CHAT_TURNS + 1, CHAT_TURNS)]
    ranks = ranking_hits(
        bot.model, test, train, bot.table, candidates=hits_candidates, seed=seed, device=bot.device
    )
    repeats = chat_repeats(bot, chats, options)
    return {
        "top1": tf["top1"],
        "top5": tf["top5"],
        **reply_metrics(replies, gold),
        **({} if repeats is None else {"chat_repeats": repeats}),
        "hits_at_1": ranks["hits1"],
        "hits_candidates": min(hits_candidates, len(test)),
        "hits_at_1_raw_likelihood": ranks["hits1_raw"],
        "hits_at_1_combined": ranks["hits1_combined"],
        "median_latency_ms": 1000 * statistics.median(latency),
        # grounded models: replies that repeat >= 80% of a line they leaned on
        "copy_share": sum(c >= 0.8 for c in copies) / max(len(copies), 1),
        "examples": [
            {"query": ex.pair.query, "gold": "".join(g), "reply": "".join(r)}
            for ex, g, r in list(zip(test, gold, replies))[:20]
        ],
    }


CHAT_TURNS = 10  # messages in each chat ``chat_repeats`` plays


def chat_repeats(bot: Chatbot, chats: list[list[Example]], options: DecodeOptions) -> float | None:
    """The share of the bot's replies that repeat one of its earlier replies in the
    same chat (``line_key``: punctuation aside); None without a chat. Each chat is a run
    of test messages in book order, each answered after the chat so far: a user sees a
    stock line said twice, which a single message never shows."""
    repeats = total = 0
    for chat in chats:
        history: list[str] = []
        said: set[str] = set()
        for i, ex in enumerate(chat):
            opts = options if options.seed is not None else replace(options, seed=i)
            conversation = Conversation(tuple(history[-HISTORY:]))
            r = bot.reply(ex.pair.query, opts, conversation)  # type: ignore[union-attr]
            key = line_key(r.text)
            repeats += key in said
            total += 1
            said.add(key)
            history += [ex.pair.query, r.text]  # type: ignore[union-attr]
    return repeats / total if total else None


def retrieval_report(train: list[Example], test: list[Example], max_reply: int) -> dict[str, Any]:
    """The retrieval baseline: answer with the reply of the training query that shares
    the most (rare) words with the test query (BM25, ``chatbot.retrieve``)."""
    retriever = Retriever([e.pair for e in train])  # type: ignore[misc]
    replies = []
    for ex in test:
        hits = retriever.search(ex.pair.query_tokens)  # type: ignore[union-attr]
        replies.append(_gold(train[hits[0][0]] if hits else train[0], max_reply))
    gold = [_gold(ex, max_reply) for ex in test]
    return {**reply_metrics(replies, gold), "hits_at_1": overlap_hits(train, test)}


def overlap_hits(train: list[Example], test: list[Example], candidates: int = 10) -> float:
    """The ranking score of a model-free reference, on the same groups as the models':
    rank replies by the IDF-weighted words they share with the query."""
    shared = SharedWords.of(train)
    hits = 0.0
    for i, group in enumerate(ranking_groups(len(test), candidates, random.Random(0))):
        scores = [shared(test[i].pair.query_tokens, test[j].pair.reply_tokens) for j in group]  # type: ignore[union-attr]
        if scores[0] == max(scores):  # a tie is broken at random: expected credit
            hits += 1 / scores.count(scores[0])
    return hits / len(test)


def corpus_of(bot: Chatbot, corpus_dir: str | Path | None = None) -> CorpusLayout:
    """The corpus a model was trained on (or ``corpus_dir``), with its pairs present."""
    corpus = CorpusLayout.at(corpus_dir) if corpus_dir else trained_on(bot.card.corpus, bot.root)
    if not corpus.pairs.is_file():
        raise ChatbotError(
            f"no pairs.tsv at {corpus.root}; pass the corpus directory the model was "
            "trained on (--corpus), or prepare the novel there"
        )
    return corpus


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
    if softmax_dir and ModelCard.read(softmax_dir).model.head != "softmax":
        raise ChatbotError(f"--softmax {softmax_dir} is not a softmax model (train --head softmax)")
    bot = Chatbot.load(model_dir)
    tc = bot.card.train
    corpus = corpus_of(bot, corpus_dir)
    d = dialogue(read_pairs(corpus.pairs), bot.table, tc, bot.cast)
    train, test = d.train, d.test[:limit] if limit else d.test
    report: dict[str, Any] = {
        "model_dir": str(model_dir),
        "corpus": str(corpus.root),
        "test_pairs": len(test),
        "options": asdict(options),
        "model": model_report(bot, test, train, options, tc.max_reply),
        "retrieval": retrieval_report(train, test, tc.max_reply),
    }
    model, dim, device = bot.model, bot.table.dim, bot.device
    if model.config.characters:
        report["characters"] = {
            "sensitivity": speaker_sensitivity(model, test, len(bot.cast), dim, device),
            "identification": speaker_identification(model, train, test, bot.table, device),
        }
    if tc.context:
        report["context"] = context_effect(model, test, train, bot.table, tc.max_query, device)
    if tc.text_epochs or tc.text_mix:  # next-word prediction on the book's held-out end
        text = text_split(corpus, read_pairs(corpus.pairs), tc)[2]
        windows = text_windows(text, bot.table, tc.text_source, tc.text_target)
        report["running_text"] = teacher_forced(model, windows, dim, batch_size=64, device=device)
    if softmax_dir:
        ref = Chatbot.load(softmax_dir)
        if ref.table.words != bot.table.words:
            raise ChatbotError("the softmax model was trained on another vocabulary")
        report["softmax"] = model_report(ref, test, train, options, tc.max_reply)
    return report
