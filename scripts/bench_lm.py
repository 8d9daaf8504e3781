#!/usr/bin/env python
"""Next-word prediction on the held-out running text: the model against an n-gram
language model from a library (NLTK's interpolated Kneser-Ney), on the same tokens.

    .venv/bin/python scripts/bench_lm.py MODEL_DIR [CORPUS_DIR] [--order 3] [--positions 2000]

The test text is the part of the book after the first test pair (``data.text_split``),
never trained on by either. Both are scored on the same positions: ``--positions`` of
those whose word the model can say (its output rows), spread evenly over the text (NLTK
scores one word per call, tens of milliseconds each). The model's perplexity over every
such position is given too. The model normalises over its output rows, the n-gram model
over its whole vocabulary.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from chatbot.cli.common import at_least, run_script


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", help="a model trained with running text (--text-epochs or --text-mix)")
    ap.add_argument("corpus", nargs="?", help="its corpus (default: the one it was trained on)")
    ap.add_argument("--order", type=at_least(2), default=3, help="n-gram order (2 or more)")
    ap.add_argument(
        "--positions",
        type=at_least(1),
        default=2000,
        help="test positions both models are scored on",
    )
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

    # NLTK scores one word per call, tens of ms each: both models are compared on
    # ``--positions`` positions spread evenly over the test text.
    step = max(1, len(positions) // args.positions)
    sample = positions[::step][: args.positions]
    t = time.perf_counter()
    ngram_nll = -sum(lm.logscore(test[i], context(i)) for i in sample) * math.log(2) / len(sample)
    score_s = time.perf_counter() - t

    # The model on the same positions: each read in its own window, teacher-forced.
    target = card.text_target
    by_window: dict[int, list[int]] = {}
    for i in sample:
        by_window.setdefault((i - 1) // target, []).append(i)
    nll, hits = 0.0, [0, 0]
    with torch.no_grad():
        order = sorted(by_window)
        for k in range(0, len(order), 64):
            chunk = order[k : k + 64]
            out = model(collate([windows[w] for w in chunk], table.dim).to(bot.device))
            logp = model.log_probs(out)
            for b, w in enumerate(chunk):
                for i in by_window[w]:
                    row = logp[b, (i - 1) % target]
                    nll -= float(row[ids[i]])
                    top = row.topk(5).indices.tolist()
                    hits[0] += top[0] == ids[i]
                    hits[1] += ids[i] in top

    table_out = Table(
        title=f"held-out running text of {corpus.root} ({len(test):,} tokens; "
        f"{len(positions):,} the model can say, {len(sample):,} of them compared)"
    )
    for col in ("model", f"perplexity ({len(sample):,})", "top-1 / top-5", "perplexity (all)"):
        table_out.add_column(col, justify="right")
    table_out.add_row(
        f"{Path(args.model).name} (seq2seq, word-vector output)",
        f"{math.exp(nll / len(sample)):.0f}",
        f"{hits[0] / len(sample):.1%} / {hits[1] / len(sample):.1%}",
        f"{ours['ppl']:.0f}",
    )
    table_out.add_row(
        f"NLTK KneserNeyInterpolated, order {args.order}",
        f"{math.exp(ngram_nll):.0f}",
        "-",
        "-",
    )
    Console().print(table_out)
    print(
        f"seconds: model {ours_s:.1f} (all positions); n-gram fit {fit_s:.1f}, "
        f"scoring {score_s:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
