"""Which reply fits a message: the model's pointwise mutual information plus the rare
words the reply shares with the message (and the turns before it), each standardised
over the candidates.

PMI, log p(r|q) - log p(r), is how much likelier the message makes the reply than
typical messages do; raw log p(r|q) would put short stock replies first whatever was
asked. Shared rare words catch the topic the model's vectors blur. On the development
novel each alone picks the book's own reply among ten about a quarter of the time; the
sum of their z-scores does better than either, with no weight to tune (weights fitted
on one novel's validation pairs did not carry over to another novel).

``Reranker`` uses this to choose among the book's lines for a message: a BM25 shortlist
of training pairs whose queries match it, re-ordered by the combined score.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

import torch
import torch.nn.functional as F

from chatbot.data import MARKERS, Encoded, Example, collate
from chatbot.model import Memory, Seq2Seq, State
from chatbot.objective import reply_log_likelihood
from chatbot.retrieve import Retriever

BACKGROUND = 10  # queries a reply's marginal likelihood p(r) is averaged over
SHORTLIST = 50  # BM25 candidates the reranker scores


@torch.no_grad()
def likelihoods(
    model: Seq2Seq,
    examples: Sequence[Example],
    dim: int,
    device: torch.device,
    batch_size: int = 64,
) -> torch.Tensor:
    """Summed log p(reply | query) of each example, (N,) on the CPU. Ranking scores
    few queries against many replies, so each query is encoded once (examples share
    one when they hold the same ``Encoded`` for the same speakers), and batches hold
    replies of about one length (every padded step is scored over the whole table)."""
    if not examples:
        return torch.zeros(0)
    model.eval()
    first: dict[tuple[int, int, int], int] = {}
    sources: list[Example] = []
    source = []
    for e in examples:
        key = (id(e.query), e.speaker, e.addressee)
        if key not in first:
            first[key] = len(sources)
            sources.append(e)
        source.append(first[key])
    memory, state = _encode_all(model, sources, dim, device, batch_size)
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].reply))
    out = torch.zeros(len(examples))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch = collate([examples[i] for i in rows], dim).to(device)
        at = torch.tensor([source[i] for i in rows], device=device)
        steps, _ = model.decode_steps(
            batch.tgt_in, (state[0][:, at], state[1][:, at]), memory.take(at)
        )
        out[rows] = reply_log_likelihood(model.log_probs(steps), batch.tgt_out, mean=False).cpu()
    return out


def _encode_all(
    model: Seq2Seq, examples: Sequence[Example], dim: int, device: torch.device, batch_size: int
) -> tuple[Memory, State]:
    """The encoded queries of ``examples``, one row each, padded to the longest."""
    parts = [
        model.encode(collate(examples[i : i + batch_size], dim).to(device))
        for i in range(0, len(examples), batch_size)
    ]
    S = max(m.mask.size(1) for m, _ in parts)

    def cat(name: str) -> torch.Tensor:
        ts = [getattr(m, name) for m, _ in parts]
        return torch.cat([F.pad(t, (0, 0) * (t.dim() - 2) + (0, S - t.size(1))) for t in ts])

    personas = [m.persona for m, _ in parts]
    persona = None if personas[0] is None else torch.cat(personas)  # type: ignore[arg-type]
    memory = Memory(cat("states"), cat("keys"), cat("src_emb"), cat("mask"), persona)
    h, c = (torch.cat([s[k] for _, s in parts], 1) for k in (0, 1))
    return memory, (h, c)


def marginals(
    model: Seq2Seq,
    replies: Sequence[Example],
    background: Sequence[Encoded],
    dim: int,
    device: torch.device,
) -> torch.Tensor:
    """log p(r) of each example's reply: its likelihood averaged over ``background``
    queries (in probability, not log space), said by anyone to anyone."""
    alone = likelihoods(
        model, [Example(q, e.reply, e.pair) for e in replies for q in background], dim, device
    )
    return torch.logsumexp(alone.view(len(replies), len(background)), 1) - math.log(len(background))


def background_queries(train: Sequence[Example], rng: random.Random) -> list[Encoded]:
    """``BACKGROUND`` training queries drawn with ``rng``: what "typical messages" are."""
    return [e.query for e in rng.sample(list(train), min(BACKGROUND, len(train)))]


class SharedWords:
    """The inverse-document-frequency weight of the distinct words a reply shares with
    the message; frequencies over the training pairs (queries and replies)."""

    def __init__(self, docs: Iterable[Sequence[str]]):
        df: Counter[str] = Counter()
        n = 0
        for doc in docs:
            df.update(set(doc))
            n += 1
        self.idf = {w: math.log((n + 1) / (c + 1)) for w, c in df.items()}
        self.unseen = math.log(n + 1)

    @classmethod
    def of(cls, train: Sequence[Example]) -> SharedWords:
        """Frequencies over the training pairs' queries and replies."""
        return cls([*e.pair.query_tokens, *e.pair.reply_tokens] for e in train)  # type: ignore[union-attr]

    def __call__(self, message: Sequence[str], reply: Sequence[str]) -> float:
        # fsum: exact, so the score does not depend on the set's (hash-seeded) order
        words = set(message)
        return math.fsum(self.idf.get(w, self.unseen) for w in set(reply) if w in words)


def heard(tokens: Sequence[str], example: Example) -> list[str]:
    """The words of the message ``tokens`` and of the turns the model read before it
    (``example.context``): a reply that picks up a word said just before is as much on
    topic as one that picks up the message's."""
    return [*tokens, *(w for w in example.context if w not in MARKERS)]


def standardise(scores: torch.Tensor) -> torch.Tensor:
    """z-scores along the last dimension (all equal: all zero)."""
    centred = scores - scores.mean(-1, keepdim=True)
    spread = scores.std(-1, keepdim=True) if scores.size(-1) > 1 else torch.ones_like(scores)
    return centred / spread.clamp(min=1e-6)


def combined(pmi: torch.Tensor, shared: torch.Tensor) -> torch.Tensor:
    """The ranking score: PMI and shared words, each standardised over the candidates."""
    return standardise(pmi) + standardise(shared)


class Reranker:
    """The training replies that best fit a message: a BM25 shortlist (queries like the
    message), ordered by ``combined`` under ``model``."""

    def __init__(
        self,
        model: Seq2Seq,
        dim: int,
        train: Sequence[Example],
        shortlist: int = SHORTLIST,
        seed: int = 0,
    ):
        self.model, self.dim = model, dim
        self.train = list(train)
        self.shortlist = shortlist
        self.retriever = Retriever([e.pair for e in self.train])  # type: ignore[misc]
        self.shared = SharedWords.of(self.train)
        self.background = background_queries(self.train, random.Random(seed))
        self._marginal: dict[int, float] = {}  # a training reply's log p(r), once computed
        self.device = next(model.parameters()).device

    def search(
        self, message: Example, tokens: Sequence[str], k: int = 1, exclude: int | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``k`` (training pair index, score), best first. ``message`` is the
        message as the model reads it (its reply is ignored); ``exclude`` as in
        ``Retriever.search``."""
        hits = self.retriever.search(tokens, self.shortlist, exclude=exclude)
        if len(hits) <= 1:
            return hits[:k]
        ids = [i for i, _ in hits]
        new = [i for i in ids if i not in self._marginal]
        if new:
            prior = marginals(
                self.model, [self.train[i] for i in new], self.background, self.dim, self.device
            )
            self._marginal.update(zip(new, prior.tolist()))
        candidates = [replace(message, reply=self.train[i].reply) for i in ids]
        given = likelihoods(self.model, candidates, self.dim, self.device)
        pmi = given - torch.tensor([self._marginal[i] for i in ids])
        words = heard(tokens, message)
        shared = torch.tensor(
            [self.shared(words, self.train[i].pair.reply_tokens) for i in ids]  # type: ignore[union-attr]
        )
        scores = combined(pmi, shared).tolist()
        return sorted(zip(ids, scores), key=lambda x: (-x[1], x[0]))[:k]
