"""Word vectors + dialogue pairs + running text -> the model's word table and batches.

The table is the word2vec vocabulary with four special rows in front (padding, start
of reply, end of reply, unknown) and two marker rows at the end (start of a
continuation, segment separator), never said. The model reads queries and writes
replies as rows of this table; a query word the table lacks gets a fallback vector (the
mean of its characters' vectors) instead of being dropped, because names and rare words
carry most of a query's meaning.

Examples come in two kinds: a dialogue pair (query -> reply, ending with the end row)
and a window of the book's running text (the passage so far -> its next words, started
by the continuation marker and never ended): next-word prediction on the whole book.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from chatbot.cast import Cast, Conversation
from chatbot.config import TrainConfig
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import Pair
from chatbot.layout import CorpusLayout
from chatbot.retrieve import Retriever

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")
NEVER_EMITTED = (PAD, BOS, UNK)  # rows a reply may never contain
CONT, SEP = "<cont>", "<sep>"
MARKERS = (CONT, SEP)  # rows after the words: they start or separate, never said
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
        keep = [i for i, w in enumerate(words) if w not in SPECIALS and w not in MARKERS]
        body = vectors[keep]
        norm = float(np.linalg.norm(body, axis=1).mean()) if len(body) else 1.0
        rng = np.random.default_rng(seed)

        def random_rows(n: int) -> np.ndarray:
            rows = rng.standard_normal((n, vectors.shape[1])).astype(np.float32)
            return rows * norm / np.linalg.norm(rows, axis=1, keepdims=True)

        special = random_rows(len(SPECIALS))
        special[PAD] = 0.0
        special[UNK] = body.mean(axis=0) if len(body) else 0.0
        words = list(SPECIALS) + [words[i] for i in keep] + list(MARKERS)
        return cls(words, np.vstack([special, body, random_rows(len(MARKERS))]))

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

    def marker(self, name: str) -> int:
        """The row of a marker (CONT, SEP); a table made before markers existed has none."""
        if name not in self.index:
            raise ChatbotError(f"this model has no {name} row: retrain it to use this feature")
        return self.index[name]

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens]

    def fallback_vector(self, word: str) -> np.ndarray:
        """Mean of the vectors of the word's characters that the table knows; the unknown
        row when it knows none of them."""
        rows = [self.index[c] for c in word if c in self.index]
        return self.vectors[rows].mean(axis=0) if rows else self.vectors[UNK]


MESSAGE, CONTEXT, GROUNDING = 0, 1, 2  # the segments a source is made of


@dataclass
class Encoded:
    """A source (the message, and what the model reads with it) as table ids, plus
    fallback vectors for the words the table lacks (``oov[k]`` replaces position
    ``oov_pos[k]``) and the segment of each position (empty: all message)."""

    ids: list[int]
    oov_pos: list[int]
    oov: list[np.ndarray]
    segments: list[int] = field(default_factory=list)


def encode_query(
    table: WordTable,
    tokens: Sequence[str],
    max_len: int,
    *,
    context: Sequence[str] = (),
    grounding: Sequence[Sequence[str]] = (),
) -> Encoded:
    """The message's last ``max_len`` tokens (its end matters most for the reply); with
    ``context`` (what was said before, its last ``max_len`` tokens) in front and each
    ``grounding`` line (its first ``max_len`` tokens) after it, each part after a
    separator row."""
    parts = [(MESSAGE, list(tokens)[-max_len:] or ["<unk>"])]
    if context:
        parts.insert(0, (CONTEXT, [*list(context)[-max_len:], SEP]))
    parts += [(GROUNDING, [SEP, *list(g)[:max_len]]) for g in grounding]
    words = [t for _, part in parts for t in part]
    segments = [seg for seg, part in parts for _ in part] if len(parts) > 1 else []
    ids = table.ids(words)
    pos = [i for i, (t, w) in enumerate(zip(words, ids)) if w == UNK and t != "<unk>"]
    return Encoded(ids, pos, [table.fallback_vector(words[i]) for i in pos], segments)


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
    reply: list[int]  # a reply ends with EOS; a text window does not end
    pair: Pair | None
    start: int = BOS  # the decoder's first input: BOS for replies, CONT for running text
    context: list[str] = field(default_factory=list)  # earlier turns, SEP between them
    history: tuple[str, ...] = ()  # the same turns as text
    grounding: list[list[str]] = field(default_factory=list)  # lines read beside the query
    speaker: int = 0  # the replier's row in the cast (0: anyone)
    addressee: int = 0  # who the reply answers


@dataclass
class Batch:
    src: torch.Tensor  # (B, S) ids, PAD-padded
    src_mask: torch.Tensor  # (B, S) bool, True on real tokens
    src_oov: torch.Tensor  # (B, S, D) fallback vectors, zero where the table knows the word
    src_has_oov: torch.Tensor  # (B, S) bool
    tgt_in: torch.Tensor  # (B, T) BOS + reply[:-1]
    tgt_out: torch.Tensor  # (B, T) reply, PAD-padded
    src_seg: torch.Tensor  # (B, S) the segment of each source position
    speaker: torch.Tensor  # (B,) the replier's cast row
    addressee: torch.Tensor  # (B,) the cast row of whom the reply answers

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
    src_seg = torch.zeros(B, S, dtype=torch.long)
    for b, e in enumerate(examples):
        q = e.query
        src[b, : len(q.ids)] = torch.tensor(q.ids)
        if q.segments:
            src_seg[b, : len(q.segments)] = torch.tensor(q.segments)
        for p, v in zip(q.oov_pos, q.oov):
            src_oov[b, p] = torch.from_numpy(np.asarray(v, dtype=np.float32))
            has_oov[b, p] = True
        tgt_in[b, 0] = e.start
        tgt_in[b, 1 : len(e.reply)] = torch.tensor(e.reply[:-1])
        tgt_out[b, : len(e.reply)] = torch.tensor(e.reply)
    speaker = torch.tensor([e.speaker for e in examples], dtype=torch.long)
    addressee = torch.tensor([e.addressee for e in examples], dtype=torch.long)
    return Batch(src, src != PAD, src_oov, has_oov, tgt_in, tgt_out, src_seg, speaker, addressee)


def make_examples(
    pairs: Sequence[Pair], table: WordTable, max_query: int, max_reply: int, context: int = 0
) -> list[Example]:
    """An example per pair with words on both sides; with ``context``, each reads up to
    that many earlier turns of its conversation."""
    out = []
    for i, p in enumerate(pairs):
        if p.query_tokens and p.reply_tokens:
            turns = earlier_turns(pairs, i, context)
            tokens = [t for n, (_, words) in enumerate(turns) for t in [SEP] * (n > 0) + words]
            out.append(
                Example(
                    encode_query(table, p.query_tokens, max_query, context=tokens),
                    encode_reply(table, p.reply_tokens, max_reply),
                    p,
                    context=tokens,
                    history=tuple(text for text, _ in turns),
                )
            )
    return out


def earlier_turns(pairs: Sequence[Pair], i: int, turns: int) -> list[tuple[str, list[str]]]:
    """Up to ``turns`` turns (text, tokens) said before pair ``i``'s query in the same
    conversation, oldest first (pairs chain: one pair's reply is the next one's query)."""
    out: list[tuple[str, list[str]]] = []
    k = i
    while len(out) < turns and k > 0 and pairs[k - 1].reply == pairs[k].query:
        out.insert(0, (pairs[k - 1].query, pairs[k - 1].query_tokens))
        k -= 1
    return out


# Shorter sentences (是。 宝玉道：) recur in any book; a repeat this long is a repeated passage.
MIN_REPEATED = 8


def _copies(items: Iterable[Hashable], cut: int) -> set[Hashable]:
    """What the held-out part (from position ``cut``) repeats of the training part as a
    copied passage does: items the whole book has exactly twice, once on each side. A
    line the book says again and again (且听下回分解) is its habit, not a copy."""
    items = list(items)
    count = Counter(items)
    before = set(items[:cut])
    return {x for x in items[cut:] if count[x] == 2 and x in before}


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


def text_windows(
    tokens: Sequence[str], table: WordTable, source: int, target: int
) -> list[Example]:
    """Next-word examples over running text: each window of ``target`` tokens (every
    token a target once), read after the ``source`` tokens before it."""
    start = table.marker(CONT)
    out = []
    for i in range(1, len(tokens), target):
        reply = table.ids(tokens[i : i + target])
        out.append(
            Example(encode_query(table, tokens[max(0, i - source) : i], source), reply, None, start)
        )
    return out


def read_running_text(corpus: CorpusLayout) -> list[list[str]]:
    """The book's sentences as tokens, in order (``segmented.txt``)."""
    if not corpus.segmented.is_file():
        raise ChatbotError(f"no {corpus.segmented.name} in {corpus.root}; run `chatbot prepare`")
    with open(corpus.segmented, encoding="utf-8") as f:
        return [line.split() for line in f]


def text_split(
    corpus: CorpusLayout, pairs: Sequence[Pair], config: TrainConfig
) -> tuple[list[str], list[str], list[str]]:
    """Train / valid / test running text, split where the pairs split: the sentence
    holding the first validation (test) query starts the validation (test) text, so no
    held-out pair's words are in the training text. (text.txt and segmented.txt have one
    line per sentence.) A query not found falls back to the pairs' shares of sentences.
    Training leaves out the sentences of ``MIN_REPEATED`` tokens or more that the
    held-out text copies (``_copies``: a passage a book prints twice), unless
    ``config.repeats``."""
    sentences = read_running_text(corpus)
    n = len(sentences)
    shares = (1 - config.valid_share - config.test_share, 1 - config.test_share)
    _, valid, test = split_by_position(list(pairs), config.valid_share, config.test_share)
    with open(corpus.text, encoding="utf-8") as f:
        lines = f.read().split("\n")[:n]
    cuts = []
    for share, part in zip(shares, (valid, test)):
        # Search from a little before where the pairs' share puts it: a short query
        # ("是。") also occurs early in the book.
        lo = max(0, int(n * (share - 0.1)))
        found = next((i for i in range(lo, n) if part and part[0].query in lines[i]), None)
        cuts.append(round(n * share) if found is None else found)
    a, b = min(cuts), max(cuts)
    copied = set() if config.repeats else _copies(map(tuple, sentences), a)
    train = [s for s in sentences[:a] if len(s) < MIN_REPEATED or tuple(s) not in copied]
    flat = lambda part: [t for s in part for t in s]  # noqa: E731
    return flat(train), flat(sentences[a:b]), flat(sentences[b:])


def with_grounding(
    example: Example, table: WordTable, grounding: Sequence[Sequence[str]], max_len: int
) -> Example:
    """``example`` with its query read beside ``grounding`` lines."""
    assert example.pair is not None
    query = encode_query(
        table, example.pair.query_tokens, max_len, context=example.context, grounding=grounding
    )
    return replace(example, query=query, grounding=[list(g) for g in grounding])


def split_examples(
    pairs: Sequence[Pair], table: WordTable, config: TrainConfig
) -> tuple[list[Example], list[Example], list[Example]]:
    """Train / valid / test examples of a corpus's pairs, as ``config`` splits them.
    Training leaves out the pairs a held-out one copies (``_copies``): a book that
    prints a passage twice (a chapter pasted in again, common in texts from the web)
    would otherwise put its test pairs in training (``config.repeats`` keeps them)."""
    examples = make_examples(pairs, table, config.max_query, config.max_reply, config.context)
    train, valid, test = split_by_position(examples, config.valid_share, config.test_share)
    if config.repeats:
        return train, valid, test
    key = lambda e: (e.pair.query, e.pair.reply)  # type: ignore[union-attr]  # noqa: E731
    copied = _copies(map(key, examples), len(train))
    unseen = [e for e in train if key(e) not in copied]
    if not unseen:
        raise ChatbotError(
            "every training pair is repeated word for word in the held-out end of the book; "
            "--repeats trains on them"
        )
    return unseen, valid, test


@dataclass
class Dialogue:
    """A corpus's dialogue examples as a model with ``config`` reads them: split, with
    the cast's rows and, for a grounded model, retrieved lines (the training pairs' are
    kept apart: each epoch draws what they read)."""

    train: list[Example]
    valid: list[Example]
    test: list[Example]
    cast: Cast
    retrieved: list[list[list[str]]] | None = None


def dialogue(
    pairs: Sequence[Pair], table: WordTable, config: TrainConfig, cast: Cast | None = None
) -> Dialogue:
    """The dialogue examples of ``pairs`` for a model trained with ``config``; ``cast``
    (a trained model's) else the training pairs' most frequent speakers."""
    parts = split_examples(pairs, table, config)
    if cast is None:
        speakers = (e.pair.reply_speaker for e in parts[0])  # type: ignore[union-attr]
        cast = Cast.from_speakers(speakers, config.characters, config.min_lines)
    if config.characters:
        parts = tuple(
            [
                replace(
                    e,
                    speaker=cast.row(e.pair.reply_speaker),  # type: ignore[union-attr]
                    addressee=cast.row(e.pair.query_speaker),  # type: ignore[union-attr]
                )
                for e in part
            ]
            for part in parts
        )
    train, valid, test = parts
    retrieved = None
    if config.ground:
        retriever = Retriever([e.pair for e in train])  # type: ignore[misc]

        def lines(e: Example, index: int) -> list[list[str]]:
            hits = retriever.search(e.pair.query_tokens, config.ground, exclude=index)  # type: ignore[union-attr]
            return [retriever.pairs[i].reply_tokens for i, _ in hits]

        retrieved = [lines(e, i) for i, e in enumerate(train)]
        valid = [
            with_grounding(e, table, lines(e, len(train) + j), config.max_query)
            for j, e in enumerate(valid)
        ]
        start = len(train) + len(valid)
        test = [
            with_grounding(e, table, lines(e, start + j), config.max_query)
            for j, e in enumerate(test)
        ]
    return Dialogue(train, valid, test, cast, retrieved)


def conversation_of(example: Example, cast: Cast) -> Conversation:
    """The conversation a test example's reply answers, in the terms ``Chatbot`` takes."""
    p = example.pair
    known = lambda name: name if name and cast.row(name) else None  # noqa: E731
    return Conversation(example.history, known(p.reply_speaker), known(p.query_speaker))  # type: ignore[union-attr]


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
