"""Segmented sentences -> word2vec vectors (gensim), stored in the C binary format.

The binary format is the lingua franca of word vectors: our files load in the original
C tool's ecosystem and any ``vectors.bin`` made elsewhere loads here.
"""

from __future__ import annotations

import mmap
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from chatbot.config import SEED_MAX, check_bounds, setting
from chatbot.errors import ChatbotError
from chatbot.fsutil import atomic_path

if TYPE_CHECKING:  # gensim takes ~0.75 s to import; `chatbot --help` should not pay it
    from gensim.models import KeyedVectors


@dataclass(frozen=True)
class Word2VecConfig:
    """Defaults follow the classic recipe (word2vec -cbow 1 -size 200 -window 8
    -negative 25 -hs 0 -iter 15) except two settings sized for one novel, a small corpus
    by word2vec standards:

    - ``sample`` 1e-3, not 1e-4: 1e-4 was meant for billion-word corpora and, on a
      novel, drops ~85% of the occurrences of every main character's name. Measured on
      the development novel (scripts/bench_prepare.py), the share of a frequent
      speaker's 10 nearest neighbours that are other speakers rises from 0.43 to 0.94.
    - ``min_count`` 3 keeps the rarer names and words a chatbot should know.
    """

    vector_size: int = setting(200, "word-vector dimensions", at_least=1, at_most=4096)
    window: int = setting(8, "context words on each side", at_least=1)
    sg: bool = setting(False, "skip-gram (each word predicts its context) instead of CBOW")
    negative: int = setting(25, "negative samples per word", at_least=0)
    hs: bool = setting(
        False, "hierarchical softmax, beside --negative sampling (with --negative 0: alone)"
    )
    sample: float = setting(1e-3, "down-sampling of frequent words", at_least=0)
    epochs: int = setting(15, "passes over the text", at_least=1)
    min_count: int = setting(3, "words seen fewer times are dropped", at_least=1)
    max_vocab: int = setting(
        0, "keep only this many of the most frequent words (0 = all)", at_least=0
    )
    seed: int = setting(
        1,
        "random seed (word2vec repeats itself exactly only on one worker, with PYTHONHASHSEED=0)",
        at_least=0,
        at_most=SEED_MAX,
    )
    workers: int = setting(0, "threads; 0 = all cores, 1 = reproducible", cli=False, at_least=0)

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.negative == 0 and not self.hs:
            raise ChatbotError("--negative 0 leaves word2vec nothing to train: add --hs")

    def to_dict(self) -> dict:
        # sg and hs as gensim's 0/1, so a corpus prepared before they were switches
        # keeps its fingerprint and its word2vec step stays cached
        return {**asdict(self), "sg": int(self.sg), "hs": int(self.hs)}


def train_word2vec(
    segmented: str | Path,
    out: str | Path,
    config: Word2VecConfig = Word2VecConfig(),
    on_epoch: Callable[[int], None] | None = None,  # called with 1 after each epoch
) -> KeyedVectors:
    """Train on a file of space-separated tokens, one sentence per line; write ``out``."""
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class EpochCallback(CallbackAny2Vec):
        def on_epoch_end(self, model: Word2Vec) -> None:
            if on_epoch:
                on_epoch(1)

    workers = config.workers or os.cpu_count() or 1
    model = Word2Vec(
        vector_size=config.vector_size,
        window=config.window,
        sg=int(config.sg),
        negative=config.negative,
        hs=int(config.hs),
        sample=config.sample,
        epochs=config.epochs,
        min_count=config.min_count,
        max_final_vocab=config.max_vocab or None,
        seed=config.seed,
        workers=workers,
    )
    model.build_vocab(corpus_file=str(segmented))
    if len(model.wv) == 0:  # gensim would raise a RuntimeError deep inside train()
        raise ChatbotError(
            f"no word occurs {config.min_count}+ times; the text is too small for word2vec"
        )
    model.train(
        corpus_file=str(segmented),
        total_examples=model.corpus_count,
        total_words=model.corpus_total_words,
        epochs=config.epochs,
        callbacks=[EpochCallback()],
    )
    with atomic_path(out) as tmp:
        model.wv.save_word2vec_format(str(tmp), binary=True)
    return model.wv


@dataclass(frozen=True)
class WordVectors:
    """Words and their vectors as a word2vec file holds them, in its order."""

    index_to_key: list[str]
    vectors: np.ndarray  # (words, dim) float32

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    @cached_property
    def key_to_index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.index_to_key)}

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.key_to_index[word]]


def load_vectors(path: str | Path) -> WordVectors:
    """Load word vectors in the word2vec C binary format, from us or any other tool.

    Read here with numpy, not gensim: training and the app load vectors on every start,
    and gensim (with scipy) is only needed to make them. The file is memory-mapped, so
    a large third-party file costs its table's memory, not twice its size."""
    path = Path(path)
    if not path.is_file():
        raise ChatbotError(f"no vectors file at {path}; run `chatbot prepare` first")
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:  # mmap cannot map an empty file
            raise ChatbotError(f"{path} is not a valid word2vec binary file (it is empty)")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            words, rows = _read_rows(path, data)
    first: dict[str, int] = {}
    for k, word in enumerate(words):
        first.setdefault(word, k)
    if len(first) < len(words):  # a word twice (bytes that decode alike): its first row counts
        return WordVectors(list(first), rows[list(first.values())])
    return WordVectors(words, rows)


def _read_rows(path: Path, data: mmap.mmap) -> tuple[list[str], np.ndarray]:
    """The words and vectors of a mapped word2vec binary file, or a one-line error."""
    try:
        end = data.find(b"\n", 0, 1000)
        header = data[: max(end, 0)]
        pos = len(header) + 1
        sizes = header.split()
        count, dim = (int(x) for x in sizes) if len(sizes) == 2 else (-1, 0)
        if count < 0 or dim <= 0:
            raise ValueError("its first line is not its word count and dimensions")
        width = 4 * dim
        if count * (width + 2) > len(data):  # a word, a space, its vector: before allocating
            raise ValueError(f"it is too short for the {count} words its first line says")
        words: list[str] = []
        rows = np.empty((count, dim), dtype=np.float32)
        for k in range(count):
            while data[pos : pos + 1] == b"\n":  # the C tool ends each vector with one
                pos += 1
            space = data.find(b" ", pos)
            if space < 0 or space + 1 + width > len(data):
                raise ValueError(f"it ends in word {k + 1} of {count}")
            words.append(data[pos:space].decode("utf-8", errors="replace"))
            # A copy, not a view: the map closes when the file is read.
            rows[k] = np.frombuffer(data[space + 1 : space + 1 + width], dtype="<f4")
            pos = space + 1 + width
    except ValueError as e:  # also a header that is no two numbers
        raise ChatbotError(f"{path} is not a valid word2vec binary file ({e})") from None
    return words, rows


def speaker_neighbour_share(
    kv: KeyedVectors, speakers: Counter[str], top_speakers: int = 12, topn: int = 10
) -> float:
    """How much the vectors know who is who: for the most frequent speakers, the share of
    their ``topn`` nearest neighbours that are other speakers (names seen 5+ times in
    speech tags) or another form of one (林黛玉 and 凤姐儿 for the speakers 黛玉 and 凤姐).
    Needs no name list, so it works for any novel."""
    names = {n for n, k in speakers.items() if k >= 5}

    def is_name(word: str) -> bool:
        return word in names or any(len(n) >= 2 and n in word for n in names)

    shares = []
    for name, _ in speakers.most_common(top_speakers):
        if name in kv.key_to_index:
            neighbours = [w for w, _ in kv.most_similar(name, topn=topn)]
            shares.append(sum(map(is_name, neighbours)) / topn)
    return sum(shares) / len(shares) if shares else 0.0
