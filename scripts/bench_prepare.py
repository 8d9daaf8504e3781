#!/usr/bin/env python
"""Seconds and MB/s for each corpus step on one novel (default: the development novel).

    .venv/bin/python scripts/bench_prepare.py [NOVEL]

Runs each stage's public function on its own, then the whole `prepare` pipeline, and
prints a table; also the vectors' quality check (speaker-neighbour share).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from chatbot.ingest.dialogue import extract_dialogue, read_pairs
from chatbot.ingest.prepare import prepare
from chatbot.ingest.segment import get_tokenizer, tokenize, tokenize_many
from chatbot.ingest.textio import read_novel, split_sentences
from chatbot.ingest.vectors import (
    Word2VecConfig,
    load_vectors,
    speaker_neighbour_share,
    train_word2vec,
)

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "hongloumeng.txt"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("novel", nargs="?", default=str(DEFAULT))
    args = ap.parse_args()
    novel_path = Path(args.novel)
    if not novel_path.is_file():
        print(f"skip: novel not found at {novel_path}", file=sys.stderr)
        return 0
    mb = novel_path.stat().st_size / 1e6
    rows: list[tuple[str, float]] = []

    def timed(name, fn):
        t = time.perf_counter()
        out = fn()
        rows.append((name, time.perf_counter() - t))
        return out

    novel = timed("read + normalise", lambda: read_novel(novel_path))
    sentences = timed(
        "split sentences", lambda: [s for p in novel.paragraphs for s in split_sentences(p)]
    )
    timed("load jieba", lambda: get_tokenizer(None))
    tokens = timed("segment (all cores)", lambda: tokenize_many(sentences))
    result = timed(
        "dialogue", lambda: extract_dialogue(novel.paragraphs, tokenize, n_sentences=len(sentences))
    )
    with tempfile.TemporaryDirectory() as tmp:
        seg = Path(tmp) / "segmented.txt"
        seg.write_text("\n".join(" ".join(t) for t in tokens if t) + "\n", encoding="utf-8")
        kv = timed("word2vec", lambda: train_word2vec(seg, Path(tmp) / "v.bin", Word2VecConfig()))
        out = Path(tmp) / "corpus"
        timed("whole prepare (cold)", lambda: prepare(novel_path, out))
        timed("whole prepare (cached)", lambda: prepare(novel_path, out))
        timed("load vectors.bin", lambda: load_vectors(out / "vectors.bin"))
        pairs = read_pairs(out / "pairs.tsv")

    table = Table(title=f"prepare on {novel_path.name} ({mb:.2f} MB)")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("MB/s", justify="right")
    for name, sec in rows:
        table.add_row(name, f"{sec:.2f}", f"{mb / sec:.2f}" if sec > 0 else "-")
    console = Console()
    console.print(table)
    speakers = Counter(s for p in pairs for s in (p.query_speaker, p.reply_speaker) if s)
    rng = np.random.default_rng(0)
    vecs = kv.get_normed_vectors()
    idx = rng.integers(0, len(vecs), size=(5000, 2))
    mean_cos = float(np.mean(np.sum(vecs[idx[:, 0]] * vecs[idx[:, 1]], axis=1)))
    console.print(
        f"sentences {len(sentences):,}  tokens {sum(map(len, tokens)):,}  "
        f"utterances {result.utterances:,}  pairs {len(result.pairs):,}  vocabulary {len(kv):,}"
    )
    console.print(
        f"speaker-neighbour share@10 {speaker_neighbour_share(kv, speakers):.2f}  "
        f"mean cosine of random word pairs {mean_cos:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
