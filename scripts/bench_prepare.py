#!/usr/bin/env python
"""Seconds per corpus step, and what `prepare` makes of every novel we have.

    .venv/bin/python scripts/bench_prepare.py [NOVEL]      # steps on one novel
    .venv/bin/python scripts/bench_prepare.py --library    # every shared novel
    .venv/bin/python scripts/bench_prepare.py --labels     # speakers labelled by hand
    .venv/bin/python scripts/bench_prepare.py --retyped    # the same book typed otherwise

NOVEL (default: the development novel): each stage's public function on its own, then
the whole `prepare` pipeline, and the vectors' quality check (speaker-neighbour share).
--library: the whole `prepare`, cold and without flags, on the development novel and
every novel in ../shared/corpus/library: seconds, the layout, encoding and speech mode
it chose, utterances, share with a speaker, pairs (targets: < 90 s a book; >= 3,000
pairs for a quoted book, >= 1,500 for an unquoted one; >= 9,000 for the development
novel). --labels: precision and coverage of speaker attribution against
tests/data/speaker_labels.tsv, and tests/data/speaker_labels_en.tsv for the English
books it names when they are in corpus/english/ (their sources are in its header).
--retyped: the development novel typed as web texts often are (straight quotes for “”,
half-width , : ; ? ! . after Chinese characters; saved as GB18030), and the share of its
pairs (punctuation aside) and speakers found again.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from chatbot.cli.common import given_path, run_script
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import extract_dialogue, read_pairs
from chatbot.ingest.prepare import prepare
from chatbot.ingest.segment import get_tokenizer, tokenize_many
from chatbot.ingest.sentences import quote_spans, split_sentences
from chatbot.ingest.speaker_check import SpeakerScore, read_labels, score
from chatbot.ingest.textio import read_novel, to_simplified, to_traditional
from chatbot.ingest.vectors import (
    Word2VecConfig,
    load_vectors,
    speaker_neighbour_share,
    train_word2vec,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
DEFAULT = SHARED / "hongloumeng.txt"
LABELS = ROOT / "tests" / "data" / "speaker_labels.tsv"
LABELS_EN = ROOT / "tests" / "data" / "speaker_labels_en.tsv"  # books kept out of git
ENGLISH = ROOT / "corpus" / "english"
console = Console(width=None if sys.stdout.isatty() else 120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "novel", nargs="?", default=str(DEFAULT), help="the novel whose prepare steps are timed"
    )
    ap.add_argument("--library", action="store_true", help="every shared novel, whole prepare")
    ap.add_argument("--labels", action="store_true", help="speaker precision on the labels")
    ap.add_argument("--retyped", action="store_true", help="pairs of the novel typed otherwise")
    args = ap.parse_args()
    if (args.library or args.labels or args.retyped) and args.novel != str(DEFAULT):
        raise ChatbotError("--library, --labels and --retyped read the shared novels: no NOVEL")
    if args.library or args.labels or args.retyped:
        if not DEFAULT.is_file():
            print(f"skip: shared novels not found at {SHARED}", file=sys.stderr)
            return 0
        if args.library:
            library()
        if args.labels:
            labels()
        if args.retyped:
            retyped()
        return 0
    if not given_path(args.novel, str(DEFAULT), "novel", Path.is_file):
        return 0
    steps(Path(args.novel))
    return 0


def steps(novel_path: Path) -> None:
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
        "dialogue",
        lambda: extract_dialogue(
            novel.paragraphs, n_sentences=len(sentences), paragraph_mode=novel.paragraph_mode
        ),
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
    console.print(table)
    speakers = Counter(s for p in pairs for s in (p.query_speaker, p.reply_speaker) if s)
    rng = np.random.default_rng(0)
    vecs = kv.get_normed_vectors()
    idx = rng.integers(0, len(vecs), size=(5000, 2))
    mean_cos = float(np.mean(np.sum(vecs[idx[:, 0]] * vecs[idx[:, 1]], axis=1)))
    console.print(
        f"sentences {len(sentences):,}  tokens {sum(map(len, tokens)):,}  "
        f"utterances {len(result.utterances):,}  pairs {len(result.pairs):,}  "
        f"vocabulary {len(kv):,}"
    )
    console.print(
        f"speaker-neighbour share@10 {speaker_neighbour_share(kv, speakers):.2f}  "
        f"mean cosine of random word pairs {mean_cos:.3f}"
    )


def library() -> None:
    books = [DEFAULT, *sorted((SHARED / "library").glob("*.txt"))]
    table = Table(title="prepare, cold and without flags, on every shared novel")
    for col in ("novel", "MB", "seconds", "encoding", "paragraphs", "speech", "utterances"):
        table.add_column(col, justify="right" if col in ("MB", "seconds", "utterances") else "left")
    table.add_column("with speaker", justify="right")
    table.add_column("pairs", justify="right")
    for path in books:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            m = prepare(path, Path(tmp) / "corpus").manifest
            seconds = time.perf_counter() - t
        c, d, src = m["counts"], m["dialogue"], m["source"]
        speech = d["speech"] + ("" if d["speech"] == "tags" else f" {d['quotes']}")
        pairs = f"{c['pairs']:,}" + (" (sentences)" if c["pairs_from_sentences"] else "")
        table.add_row(
            path.stem,
            f"{src['bytes'] / 1e6:.2f}",
            f"{seconds:.1f}",
            src["encoding"],
            src["paragraphs"],
            speech,
            f"{c['utterances']:,}",
            f"{c['utterances_with_speaker'] / max(c['utterances'], 1):.0%}",
            pairs,
        )
        console.print(f"{path.stem}: {seconds:.1f} s, {c['pairs']:,} pairs")
    console.print(table)


def labels() -> None:
    by_book = defaultdict(list)
    for path in (LABELS, LABELS_EN):
        for label in read_labels(path):
            by_book[label.book].append(label)
    table = Table(title="speakers against tests/data/speaker_labels*.tsv")
    for col in ("novel", "labelled", "read as speech", "with speaker", "right"):
        table.add_column(col, justify="right" if col != "novel" else "left")
    table.add_column("precision", justify="right")
    table.add_column("coverage", justify="right")
    total = SpeakerScore()
    for book, book_labels in sorted(by_book.items()):
        places = (SHARED, SHARED / "library", ENGLISH)
        path = next((d / f"{book}.txt" for d in places if (d / f"{book}.txt").is_file()), None)
        if path is None:
            console.print(f"skip {book}: not under {', '.join(map(str, places))}")
            continue
        novel = read_novel(path)
        n = sum(len(split_sentences(p)) for p in novel.paragraphs)
        result = extract_dialogue(
            novel.paragraphs, n_sentences=n, paragraph_mode=novel.paragraph_mode
        )
        s = score(book_labels, novel, result.utterances)
        total += s
        table.add_row(book, *_score_cells(s))
    table.add_row("all", *_score_cells(total))
    console.print(table)


def retyped() -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    half = text.translate(str.maketrans("，：；？！。", ",:;?!."))
    traditional = to_traditional("\n".join(_corner(p) for p in text.split("\n")), "s2tw")
    variants = {
        "as published (UTF-8)": (text, "utf-8"),
        "half-width marks (GB18030)": (half, "gb18030"),
        "half-width marks, straight quotes (GB18030)": (
            half.replace("“", '"').replace("”", '"'),
            "gb18030",
        ),
        "lines wrapped at 35 characters, a blank line between paragraphs, CRLF": (
            "\r\n\r\n".join("\r\n".join(_wrap(p, 35)) for p in text.split("\n") if p.strip()),
            "utf-8",
        ),
        "Traditional (Taiwan), 「」 quotes (Big5)": (traditional, "big5hkscs"),
    }
    table = Table(title=f"{DEFAULT.stem} typed otherwise: what prepare finds again")
    for col in ("typed", "utterances", "pairs", "the published pairs found", "same speaker"):
        table.add_column(col, justify="left" if col == "typed" else "right")
    base_pairs: set[tuple[str, str]] = set()
    base_speakers: dict[str, str | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (body, encoding) in variants.items():
            path = Path(tmp) / "novel.txt"
            path.write_bytes(body.encode(encoding, errors="replace"))
            novel = read_novel(path)
            n = sum(len(split_sentences(p)) for p in novel.paragraphs)
            result = extract_dialogue(
                novel.paragraphs, n_sentences=n, paragraph_mode=novel.paragraph_mode
            )
            pairs = {(_key(p.query), _key(p.reply)) for p in result.pairs}
            speakers = {_key(u.text): u.speaker and _key(u.speaker) for u in result.utterances}
            if not base_pairs:
                base_pairs, base_speakers = pairs, speakers
            both = [k for k in speakers if k in base_speakers]
            same = sum(speakers[k] == base_speakers[k] for k in both)
            table.add_row(
                name,
                f"{len(result.utterances):,}",
                f"{len(result.pairs):,}",
                f"{len(pairs & base_pairs) / len(base_pairs):.1%}",
                f"{same / max(len(both), 1):.1%}",
            )
    console.print(table)


def _wrap(paragraph: str, width: int) -> list[str]:
    """A paragraph hard-wrapped as fixed-width e-texts are."""
    return [paragraph[i : i + width] for i in range(0, len(paragraph), width)]


def _corner(paragraph: str) -> str:
    """A paragraph with 「」 around each speech and 『』 for curly quotes inside, as
    Taiwan texts are typed. The speeches are the ones read from the published marks:
    this e-text closes about a third of its “ with a straight quote, which a plain
    swap of “” would leave unmatched."""
    chars = list(paragraph)
    for a, b in quote_spans(paragraph):
        if chars[a] in '"“':
            chars[a] = "「"
        if chars[b] in '"”':  # else a speech that goes on in the next paragraph
            chars[b] = "」"
    return "".join(chars).translate(str.maketrans("“”", "『』"))


def _key(text: str) -> str:
    """A line as letters, in Simplified characters that survived a round trip through
    Traditional (OpenCC's round trip is not exact: 乾/干), so how the book was typed
    does not count, only what was found."""
    return to_simplified([to_traditional(_letters(text), "s2tw")])[0]


def _letters(text: str) -> str:
    """A line without its punctuation, so typing marks otherwise does not count."""
    return re.sub(r"[\W_]", "", text)


def _score_cells(s: SpeakerScore) -> list[str]:
    cells = [s.labelled, s.found, s.attributed, s.correct]
    return [str(x) for x in cells] + [f"{s.precision:.1%}", f"{s.coverage:.1%}"]


if __name__ == "__main__":
    raise SystemExit(run_script(main))
