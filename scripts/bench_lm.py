#!/usr/bin/env python
"""Next-word prediction on the held-out running text: the model against an n-gram
language model from a library (NLTK's interpolated Kneser-Ney), on the same tokens.

    .venv/bin/python scripts/bench_lm.py MODEL_DIR [CORPUS_DIR] [--order 3] [--sample 300]

The test text is the part of the book after the first test pair (``data.text_split``),
never trained on by either. Both are scored on the same positions: those whose word the
model can say (its output rows; the rest are skipped for both). Perplexity is over all
of them. Top-1 / top-5 of the n-gram model rank the model's output words after each
context, on ``--sample`` positions spread over the text (NLTK scores one word per call,
so ranking every word at every position would take hours); the model's top-k is given
on the same sample and on all positions.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", help="a model trained with running text (--text-epochs or --text-mix)")
    ap.add_argument("corpus", nargs="?", help="its corpus (default: the one it was trained on)")
    ap.add_argument("--order", type=int, default=3, help="n-gram order")
    ap.add_argument("--sample", type=int, default=300, help="positions for the n-gram top-k")
    args = ap.parse_args()

    import torch
    from nltk.lm import KneserNeyInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline
    from rich.console import Console
    from rich.table import Table

    from chatbot.bot import Chatbot
    from chatbot.data import UNK, collate, read_running_text, text_split, text_windows
    from chatbot.evaluate import corpus_of, teacher_forced
    from chatbot.ingest.dialogue import read_pairs

    bot = Chatbot.load(args.model)
    corpus = corpus_of(bot, args.corpus)
    card = bot.card.train
    train, _, test = text_split(corpus, read_pairs(corpus.pairs), card)
    model, table = bot.model, bot.table
    outputs = model.outputs

    # The model, teacher-forced over windows of the test text (every token once).
    windows = text_windows(test, table, card.text_source, card.text_target)
    t = time.perf_counter()
    ours = teacher_forced(model, windows, table.dim, batch_size=64, device=bot.device)
    ours_s = time.perf_counter() - t

    # Positions the model can be scored on, in text order, with their window outputs.
    ids = table.ids(test)
    positions = [i for i in range(1, len(test)) if ids[i] != UNK and ids[i] < outputs]

    # The n-gram model on the training text's sentences (split where text_split splits).
    t = time.perf_counter()
    sentences, n = [], 0
    for s in read_running_text(corpus):
        if n >= len(train):
            break
        sentences.append(s)
        n += len(s)
    grams, vocab = padded_everygram_pipeline(args.order, sentences)
    lm = KneserNeyInterpolated(args.order)
    lm.fit(grams, vocab)
    fit_s = time.perf_counter() - t

    def context(i: int) -> tuple[str, ...]:
        return tuple(lm.vocab.lookup(test[max(0, i - args.order + 1) : i]))

    t = time.perf_counter()
    nll = -sum(lm.logscore(test[i], context(i)) for i in positions) * math.log(2) / len(positions)
    ngram_ppl = math.exp(nll)
    step = max(1, len(positions) // args.sample)
    sample = positions[::step][: args.sample]
    words = table.words[4:outputs]
    ngram_hits = [0, 0]
    for i in sample:
        ctx = context(i)
        ranked = sorted(words, key=lambda w: -lm.score(w, ctx))[:5]
        ngram_hits[0] += ranked[0] == test[i]
        ngram_hits[1] += test[i] in ranked
    score_s = time.perf_counter() - t

    # The model's top-k on the same sampled positions (window of the position).
    with torch.no_grad():
        hits = [0, 0]
        for i in sample:
            w = (i - 1) // card.text_target
            ex = windows[w]
            out = model(collate([ex], table.dim).to(bot.device))[0, (i - 1) % card.text_target]
            top = model.log_probs(out[None])[0].topk(5).indices.tolist()
            hits[0] += top[0] == ids[i]
            hits[1] += ids[i] in top

    table_out = Table(
        title=f"held-out running text of {corpus.root} ({len(test):,} tokens; "
        f"{len(positions):,} scored, {len(sample)} for the n-gram top-k)"
    )
    for col in ("model", "perplexity", "top-1 (all)", "top-5 (all)", "top-1 / top-5 (sample)"):
        table_out.add_column(col, justify="right")
    table_out.add_row(
        f"{Path(args.model).name} (seq2seq, word-vector output)",
        f"{ours['ppl']:.0f}",
        f"{ours['top1']:.1%}",
        f"{ours['top5']:.1%}",
        f"{hits[0] / len(sample):.1%} / {hits[1] / len(sample):.1%}",
    )
    table_out.add_row(
        f"NLTK KneserNeyInterpolated, order {args.order}",
        f"{ngram_ppl:.0f}",
        "-",
        "-",
        f"{ngram_hits[0] / len(sample):.1%} / {ngram_hits[1] / len(sample):.1%}",
    )
    Console().print(table_out)
    print(f"seconds: model {ours_s:.1f}; n-gram fit {fit_s:.1f}, scoring {score_s:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
