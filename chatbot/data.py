"""Word vectors + dialogue pairs -> the model's word table and padded tensor batches.

The table is the word2vec vocabulary with four special rows in front: padding, start
of reply, end of reply and unknown. The model reads queries and writes replies as rows
of this table; a query word the table lacks gets a fallback vector (the mean of its
characters' vectors) instead of being dropped, because names and rare words carry most
of a query's meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from chatbot.config import TrainConfig
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import Pair

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")
NEVER_EMITTED = (PAD, BOS, UNK)  # rows a reply may never contain
_SENTENCE_END = frozenset("。！？!?…")


@dataclass
class WordTable:
    """The vocabulary and its vectors, special rows first."""

    words: list[str]
    vectors: np.ndarray  # (V, D) float32

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def from_vectors(cls, words: Sequence[str], vectors: np.ndarray, seed: int = 0) -> WordTable:
        """Add the special rows to word2vec vectors. ``</s>`` from the C tool becomes our
        end-of-reply row; start and end get random vectors of the table's typical norm."""
        vectors = np.asarray(vectors, dtype=np.float32)
        keep = [i for i, w in enumerate(words) if w not in SPECIALS]
        body = vectors[keep]
        norm = float(np.linalg.norm(body, axis=1).mean()) if len(body) else 1.0
        rng = np.random.default_rng(seed)
        special = rng.standard_normal((len(SPECIALS), vectors.shape[1])).astype(np.float32)
        special *= norm / np.linalg.norm(special, axis=1, keepdims=True)
        special[PAD] = 0.0
        special[UNK] = body.mean(axis=0) if len(body) else 0.0
        return cls(list(SPECIALS) + [words[i] for i in keep], np.vstack([special, body]))

    @classmethod
    def from_word2vec(cls, path: str | Path, seed: int = 0) -> WordTable:
        from chatbot.ingest.vectors import load_vectors

        kv = load_vectors(path)
        return cls.from_vectors(kv.index_to_key, kv.vectors, seed)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def fingerprint(self) -> str:
        """Hash of the words and vectors: a model only works with the table it learned."""
        h = hashlib.sha256("\n".join(self.words).encode())
        h.update(np.ascontiguousarray(self.vectors, dtype=np.float32).tobytes())
        return h.hexdigest()[:16]

    def outputs_first(self, outputs: set[str]) -> tuple[WordTable, int]:
        """The same table with the words in ``outputs`` moved just after the special rows
        (each group keeps its order), and the size of that prefix: the rows a reply may
        be made of. Lookup then multiplies by a prefix of the table, not all of it."""
        body = range(len(SPECIALS), len(self.words))
        first = [i for i in body if self.words[i] in outputs]
        rest = [i for i in body if self.words[i] not in outputs]
        order = [*range(len(SPECIALS)), *first, *rest]
        table = WordTable([self.words[i] for i in order], self.vectors[order])
        return table, len(SPECIALS) + len(first)

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens]

    def fallback_vector(self, word: str) -> np.ndarray:
        """Mean of the vectors of the word's characters that the table knows; the unknown
        row when it knows none of them."""
        rows = [self.index[c] for c in word if c in self.index]
        return self.vectors[rows].mean(axis=0) if rows else self.vectors[UNK]


@dataclass
class Encoded:
    """A query as table ids, plus fallback vectors for the words the table lacks:
    ``oov[k]`` replaces position ``oov_pos[k]``."""

    ids: list[int]
    oov_pos: list[int]
    oov: list[np.ndarray]


def encode_query(table: WordTable, tokens: Sequence[str], max_len: int) -> Encoded:
    """The last ``max_len`` tokens (a query's end matters most for its reply)."""
    tokens = list(tokens)[-max_len:] or ["<unk>"]
    ids = table.ids(tokens)
    pos = [i for i, (t, w) in enumerate(zip(tokens, ids)) if w == UNK and t != "<unk>"]
    return Encoded(ids, pos, [table.fallback_vector(tokens[i]) for i in pos])


def cut_reply(tokens: Sequence[str], max_len: int) -> list[str]:
    """A reply of at most ``max_len`` tokens: a long one is cut after its last sentence
    end that fits, so the model learns to stop where people stop, not mid-clause."""
    tokens = list(tokens)
    if len(tokens) > max_len:
        cut = max((i + 1 for i, t in enumerate(tokens[:max_len]) if t in _SENTENCE_END), default=0)
        tokens = tokens[: cut or max_len]
    return tokens


def encode_reply(table: WordTable, tokens: Sequence[str], max_len: int) -> list[int]:
    """Reply ids ending in EOS, cut as ``cut_reply`` cuts."""
    return [*table.ids(cut_reply(tokens, max_len)), EOS]


@dataclass
class Example:
    query: Encoded
    reply: list[int]  # ends with EOS; BOS is added by the batcher
    pair: Pair


@dataclass
class Batch:
    src: torch.Tensor  # (B, S) ids, PAD-padded
    src_mask: torch.Tensor  # (B, S) bool, True on real tokens
    src_oov: torch.Tensor  # (B, S, D) fallback vectors, zero where the table knows the word
    src_has_oov: torch.Tensor  # (B, S) bool
    tgt_in: torch.Tensor  # (B, T) BOS + reply[:-1]
    tgt_out: torch.Tensor  # (B, T) reply, PAD-padded

    def to(self, device: torch.device) -> Batch:
        return Batch(*(t.to(device) for t in self.__dict__.values()))


def collate(examples: Sequence[Example], dim: int) -> Batch:
    B = len(examples)
    S = max(len(e.query.ids) for e in examples)
    T = max(len(e.reply) for e in examples)
    src = torch.zeros(B, S, dtype=torch.long)
    src_oov = torch.zeros(B, S, dim)
    has_oov = torch.zeros(B, S, dtype=torch.bool)
    tgt_in = torch.zeros(B, T, dtype=torch.long)
    tgt_out = torch.zeros(B, T, dtype=torch.long)
    for b, e in enumerate(examples):
        q = e.query
        src[b, : len(q.ids)] = torch.tensor(q.ids)
        for p, v in zip(q.oov_pos, q.oov):
            src_oov[b, p] = torch.from_numpy(np.asarray(v, dtype=np.float32))
            has_oov[b, p] = True
        tgt_in[b, 0] = BOS
        tgt_in[b, 1 : len(e.reply)] = torch.tensor(e.reply[:-1])
        tgt_out[b, : len(e.reply)] = torch.tensor(e.reply)
    return Batch(src, src != PAD, src_oov, has_oov, tgt_in, tgt_out)


def make_examples(
    pairs: Sequence[Pair], table: WordTable, max_query: int, max_reply: int
) -> list[Example]:
    return [
        Example(
            encode_query(table, p.query_tokens, max_query),
            encode_reply(table, p.reply_tokens, max_reply),
            p,
        )
        for p in pairs
        if p.query_tokens and p.reply_tokens
    ]


def split_by_position(items: Sequence, valid: float, test: float) -> tuple[list, list, list]:
    """Train / valid / test by position in the book: the end is held out (test last,
    valid just before it), so no test reply's neighbours leak into training."""
    n = len(items)
    n_test = max(1, round(n * test)) if test > 0 else 0
    n_valid = max(1, round(n * valid)) if valid > 0 else 0
    if n - n_test - n_valid < 1:
        raise ChatbotError(f"only {n} pairs: too few to split into train, valid and test")
    a, b = n - n_test - n_valid, n - n_test
    return list(items[:a]), list(items[a:b]), list(items[b:])


def split_examples(
    pairs: Sequence[Pair], table: WordTable, config: TrainConfig
) -> tuple[list[Example], list[Example], list[Example]]:
    """Train / valid / test examples of a corpus's pairs, as ``config`` splits them."""
    examples = make_examples(pairs, table, config.max_query, config.max_reply)
    return split_by_position(examples, config.valid_share, config.test_share)


def batches(
    examples: Sequence[Example],
    batch_size: int,
    dim: int,
    generator: torch.Generator | None = None,
) -> Iterator[Batch]:
    """Length-bucketed batches: sort by reply length inside chunks of 50 batches so
    padding stays small, then shuffle the batch order (when a generator is given)."""
    order = (
        torch.randperm(len(examples), generator=generator).tolist()
        if generator is not None
        else list(range(len(examples)))
    )
    chunk = batch_size * 50
    groups: list[list[int]] = []
    for i in range(0, len(order), chunk):
        part = sorted(
            order[i : i + chunk], key=lambda k: (len(examples[k].reply), len(examples[k].query.ids))
        )
        groups.extend(part[j : j + batch_size] for j in range(0, len(part), batch_size))
    if generator is not None:
        groups = [groups[k] for k in torch.randperm(len(groups), generator=generator).tolist()]
    for g in groups:
        yield collate([examples[k] for k in g], dim)
