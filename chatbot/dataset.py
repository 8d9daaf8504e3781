"""What a training run reads: the word table and the examples of one corpus, or of a
library of corpora (``chatbot pretrain``), optionally on a base model's table.

Each corpus is split on its own, by position in its book (the end held out), and the
parts are joined: dialogue pairs (with their cast rows, context and grounding) and
windows of running text. A run fine-tuned from a base model reads the base's table,
with the corpus's words the base lacks mapped into it (``extend_table``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chatbot.cast import Cast
from chatbot.config import TrainConfig
from chatbot.data import (
    MARKERS,
    SPECIALS,
    Example,
    WordTable,
    dialogue,
    split_examples,
    text_split,
    text_windows,
    with_grounding,
)
from chatbot.errors import ChatbotError
from chatbot.fsutil import path_kind
from chatbot.ingest.dialogue import Pair, read_pairs
from chatbot.layout import CorpusLayout

VALID_WINDOWS = 1000  # running-text windows scored after each epoch


@dataclass
class Split:
    train: list[Example]
    valid: list[Example]
    test: list[Example]


@dataclass
class TrainData:
    table: WordTable
    outputs: int  # replies are made of the table's first ``outputs`` rows
    train: list[Example]
    valid: list[Example]
    test: list[Example]
    text: Split | None = None  # windows of running text, when training reads it
    # With grounding: the retrieved replies of each training pair (valid and test
    # examples read theirs already).
    retrieved: list[list[list[str]]] | None = None
    cast: Cast = field(default_factory=Cast)  # with characters: who has a persona
    mapping: dict[str, float] = field(default_factory=dict)  # extend_table's quality


def check_corpus(corpus: CorpusLayout, vectors: bool = True) -> None:
    """That the corpus has the files training reads (its own vectors only if used)."""
    root = corpus.root
    needed = [corpus.pairs, corpus.segmented, corpus.text] + ([corpus.vectors] if vectors else [])
    if path_kind(root) == "file":
        hint = f"; run `chatbot prepare {root}` first" if root.suffix.lower() == ".txt" else ""
        raise ChatbotError(f"{root} is a file, not the folder `chatbot prepare` writes{hint}")
    for path in needed:
        if path_kind(path) != "file":
            raise ChatbotError(f"no {path.name} in {root}; run `chatbot prepare` first")


def load_data(
    corpora: Sequence[CorpusLayout],
    config: TrainConfig,
    vectors: Path | None = None,
    base: WordTable | None = None,
) -> TrainData:
    """The table and the train/valid/test examples of ``corpora``. The table is made
    from ``vectors`` (default: the first corpus's), or is ``base`` extended with the
    corpora's other words. With ``reply_vocab`` the words of training replies come
    first (the rows a reply can use); without it replies may use every word (never the
    marker rows at the end)."""
    from chatbot.ingest.vectors import load_vectors

    for k, corpus in enumerate(corpora):
        check_corpus(corpus, vectors=vectors is None and k == 0)
    pairs = [read_pairs(c.pairs) for c in corpora]
    kv = load_vectors(vectors or corpora[0].vectors)
    mapping: dict[str, float] = {}
    if base is None:
        table = WordTable.from_vectors(kv.index_to_key, kv.vectors, config.seed)
    else:
        table, mapping = extend_table(base, kv.index_to_key, kv.vectors)
    outputs = len(table) - len(MARKERS)
    first = [e for p in pairs for e in split_examples(p, table, config)[0]]  # training pairs
    if config.reply_vocab:
        said = {table.words[i] for e in first for i in e.reply if i >= len(SPECIALS)}
        table, outputs = table.outputs_first(said)
    cast = Cast()
    if config.characters:
        speakers = [e.pair.reply_speaker for e in first]  # type: ignore[union-attr]
        cast = Cast.from_speakers(speakers, config.characters, config.min_lines)
        # Only "anyone" tells no one apart; 1 is a base's persona layers kept for all.
        if len(cast) <= 1 and config.characters > 1:
            most = Counter(s for s in speakers if s).most_common(1)
            found = f"the most any speaker has is {most[0][1]}" if most else "it names no speaker"
            raise ChatbotError(
                f"--characters {config.characters}: no speaker has --min-lines "
                f"{config.min_lines} training replies ({found}); lower --min-lines or leave "
                "--characters out"
            )
    parts = [dialogue(p, table, config, cast) for p in pairs]
    train = [e for d in parts for e in d.train]
    retrieved = None
    if config.ground:
        retrieved = [lines for d in parts for lines in d.retrieved or []]
    text = None
    if config.text_epochs or config.text_mix:
        windows: list[list[Example]] = [[], [], []]
        for corpus, p in zip(corpora, pairs):
            for k, tokens in enumerate(text_split(corpus, p, config)):
                windows[k] += text_windows(tokens, table, config.text_source, config.text_target)
        text = Split(*windows)
    valid = [e for d in parts for e in d.valid]
    test = [e for d in parts for e in d.test]
    return TrainData(table, outputs, train, valid, test, text, retrieved, cast, mapping)


def extend_table(
    base: WordTable, words: Sequence[str], vectors: np.ndarray, held_out: float = 0.1
) -> tuple[WordTable, dict[str, float]]:
    """The base's rows of the corpus's words, plus the words it lacks, their vectors
    mapped from the corpus's word2vec space into the base's by an orthogonal map
    (Procrustes) fitted on the words both know. The map is checked on held-out shared
    words: their mean cosine with their own base vector, and how often that vector is
    the nearest (precision@1)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[1] != base.dim:
        raise ChatbotError(
            f"the novel's word vectors have {vectors.shape[1]} dimensions, the base's "
            f"{base.dim}: prepare it with --vector-size {base.dim}"
        )
    shared = [
        (i, base.index[w]) for i, w in enumerate(words) if w in base.index and w not in SPECIALS
    ]
    if len(shared) < 50:
        raise ChatbotError(
            f"the novel shares only {len(shared)} words with the base model: too few to map "
            "its vocabulary; train without --from"
        )
    unit = lambda m: m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)  # noqa: E731
    rng = random.Random(0)
    order = list(range(len(shared)))
    rng.shuffle(order)
    cut = max(1, int(len(shared) * held_out))
    test, fit = [shared[k] for k in order[:cut]], [shared[k] for k in order[cut:]]

    def procrustes(pairs: list[tuple[int, int]]) -> np.ndarray:
        x = unit(vectors[[i for i, _ in pairs]])
        y = unit(base.vectors[[j for _, j in pairs]])
        u, _, vt = np.linalg.svd(x.T @ y)
        return u @ vt

    w = procrustes(fit)
    mapped = unit(unit(vectors[[i for i, _ in test]]) @ w)
    body = unit(base.vectors[len(SPECIALS) : len(base.words) - len(MARKERS)])
    truth = np.array([j - len(SPECIALS) for _, j in test])
    sims = mapped @ body.T
    quality = {
        "shared_words": float(len(shared)),
        "held_out_cosine": float(np.mean(sims[np.arange(len(test)), truth])),
        "held_out_precision_at_1": float(np.mean(sims.argmax(1) == truth)),
    }
    w = procrustes(shared)  # the map used: fitted on every shared word
    new = [
        i
        for i, wd in enumerate(words)
        if wd not in base.index and wd not in SPECIALS and wd not in MARKERS
    ]
    norm = float(np.linalg.norm(base.vectors[len(SPECIALS) :], axis=1).mean())
    added = unit(unit(vectors[new]) @ w) * norm if new else np.zeros((0, base.dim), np.float32)
    # Only the base rows of words the novel has: the others never occur in its text, and
    # a trained table updates every row each step (a fine-tuned table of all 25,000 base
    # words made epochs a sixth slower and the model three times larger).
    known = set(words)
    end = len(base.words) - len(MARKERS)  # markers stay last
    rows = list(range(len(SPECIALS))) + [
        i for i in range(len(SPECIALS), end) if base.words[i] in known
    ]
    table = WordTable(
        [base.words[i] for i in rows] + [words[i] for i in new] + base.words[end:],
        np.vstack([base.vectors[rows], added.astype(np.float32), base.vectors[end:]]),
    )
    quality["base_words_kept"] = float(len(rows) - len(SPECIALS))
    quality["added_words"] = float(len(new))
    return table, quality


def epoch_examples(data: TrainData, config: TrainConfig, epoch: int) -> list[Example]:
    """A dialogue epoch's examples: the training pairs (each, with grounding, beside its
    retrieved replies, or its own reply with a few words dropped, or nothing: drawn
    afresh each epoch), plus ``text_mix`` x as many running-text windows."""
    rng = random.Random(config.seed * 7_919 + epoch)
    examples = data.train
    if data.retrieved is not None:
        examples = [
            with_grounding(e, data.table, _grounding(e.pair, lines, config, rng), config.max_query)  # type: ignore[arg-type]
            for e, lines in zip(data.train, data.retrieved)
        ]
    if config.text_mix and data.text is not None:
        k = min(len(data.text.train), round(config.text_mix * len(data.train)))
        examples = examples + rng.sample(data.text.train, k)
    return examples


def _grounding(
    pair: Pair, retrieved: list[list[str]], config: TrainConfig, rng: random.Random
) -> list[list[str]]:
    """What a training pair reads beside its query this epoch."""
    draw = rng.random()
    if draw < config.ground_drop:
        return []
    if draw < config.ground_drop + config.ground_gold:
        own = [t for t in pair.reply_tokens if rng.random() > 0.25]
        return [own, *retrieved[1:]]
    return retrieved
