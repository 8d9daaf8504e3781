"""Output heads: what the decoder's features become, and how words are read out of it.

``VectorHead`` (the design): a word vector per step; the word is its cosine-nearest row
of the word table. Trained as a distribution over the table (a softmax over scaled
cosines, "cosine-softmax"), or, for comparison, by regression to the target vector
(``mse``, the classic recipe, and ``cosine``), which collapses onto the few hub words
nearest the mean direction. ``SoftmaxHead`` is an ordinary softmax layer over the
vocabulary: the reference the vector head must beat.

Both answer the same questions: ``scores`` (every word, higher is better), ``top``
(the k best words after a bias), ``log_probs`` and ``loss``. Nothing outside this
module asks which head it has.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from chatbot.config import ModelConfig
from chatbot.data import NEVER_EMITTED, PAD, UNK
from chatbot.lookup import WordIndex

if TYPE_CHECKING:
    from chatbot.model import Memory


def sayable(target: torch.Tensor, outputs: int) -> torch.Tensor:
    """Target positions holding a word the model can say: not padding, not a word
    outside the table or its output rows (those can only be guessed, not predicted)."""
    return (target != PAD) & (target != UNK) & (target < outputs)


class Head(nn.Module):
    """What both heads share: the rows a reply may never contain, ranking by
    log-probability + bias over ``scores``, and with characters a voice: the persona
    (who speaks to whom) moved straight into the output, so the speaker's words do not
    have to survive the decoder LSTM to change the reply."""

    distribution = True  # trained as a distribution over the words

    def __init__(self, config: ModelConfig, width: int):
        super().__init__()
        self.outputs = config.outputs
        self.voice = nn.Linear(config.persona, width) if config.characters else None
        mask = torch.zeros(config.outputs, dtype=torch.bool)
        mask[list(NEVER_EMITTED)] = True
        self.register_buffer("never", mask, persistent=False)
        self.register_buffer("never_idx", mask.nonzero().flatten(), persistent=False)

    def forward(self, feats: torch.Tensor, attn: torch.Tensor, memory: Memory) -> torch.Tensor:
        raise NotImplementedError

    def voiced(self, out: torch.Tensor, memory: Memory) -> torch.Tensor:
        """``out`` (B, T, width) moved by the speaker's voice, if the model has one."""
        if self.voice is None or memory.persona is None:
            return out
        return out + self.voice(memory.persona).unsqueeze(1)

    def raw_scores(self, out: torch.Tensor, scaled: bool) -> torch.Tensor:
        raise NotImplementedError

    @property
    def scale(self) -> torch.Tensor:
        """What turns ``scores`` into logits."""
        return torch.ones((), device=self.never.device)

    def scores(self, out: torch.Tensor, scaled: bool = False) -> torch.Tensor:
        """Scores (..., outputs) of every word, higher is better; the rows a reply may
        never contain get -inf. ``scaled`` gives training logits."""
        s = self.raw_scores(out, scaled)
        if s.requires_grad:
            return s.masked_fill(self.never, float("-inf"))
        return s.index_fill_(-1, self.never_idx, float("-inf"))  # decoding: no copy

    def top(
        self, out: torch.Tensor, k: int = 1, bias: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` likeliest words after adding ``bias`` (V,) or (B, V) to their
        log-probabilities (a penalty, -inf for a banned word), best first: (their
        ``scores`` (B, k), ids (B, k)). Ranking needs no normaliser."""
        s = self.scores(out)
        ranked = s if bias is None else s * self.scale + bias
        idx = ranked.topk(min(k, s.size(-1)), dim=-1).indices
        return s.gather(-1, idx), idx

    def log_probs(self, out: torch.Tensor) -> torch.Tensor:
        """Log-probabilities over the output rows, as trained."""
        return torch.log_softmax(self.scores(out, scaled=True).float(), dim=-1)

    def warm(self) -> None:
        """Build now whatever the first lookup would otherwise wait for."""

    def train_logits(self, logits: torch.Tensor) -> torch.Tensor:
        """What the training loss sees of the logits (a training-only prior, if any)."""
        return logits

    def loss(
        self,
        out: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
        logits: torch.Tensor | None = None,
        negatives: int = 0,
    ) -> torch.Tensor:
        """Mean loss over the ``sayable`` target positions; ``weight`` (outputs,)
        reweights target words; ``logits``, when given, are ``scores(out, scaled=True)``.
        ``negatives`` > 0 asks for a cheaper estimate over the targets and that many
        sampled rows, where the head can give one (the vector head)."""
        keep = sayable(target, self.outputs)
        logits = self.scores(out[keep], scaled=True) if logits is None else logits[keep]
        return F.cross_entropy(self.train_logits(logits), target[keep], weight=weight)


class SoftmaxHead(Head):
    """An ordinary softmax layer over the output rows."""

    def __init__(self, config: ModelConfig):
        super().__init__(config, config.outputs)
        self.out = nn.Linear(config.hidden, config.outputs)

    def forward(self, feats: torch.Tensor, attn: torch.Tensor, memory: Memory) -> torch.Tensor:
        return self.voiced(self.out(feats), memory)

    def raw_scores(self, out: torch.Tensor, scaled: bool) -> torch.Tensor:
        return out if out.requires_grad else out.clone()  # ``scores`` fills in place


class VectorHead(Head):
    """A word vector per step, read out by cosine-nearest lookup in the word table.

    ``table`` returns the model's word table (shared with the input, so it is not a
    parameter of the head). The rows a reply can use are searched through a cached
    ``WordIndex`` (an int8 first pass, then exact cosines for the few rows that can
    win); the cache is dropped whenever the table may change.
    """

    def __init__(self, config: ModelConfig, table: Callable[[], torch.Tensor]):
        super().__init__(config, config.dim)
        self._table = table
        self.loss_name = config.loss
        self.distribution = config.loss == "cosine-softmax"
        self.out = nn.Linear(config.hidden, config.dim)
        # Learned inverse temperature of the cosine-softmax; cosines live in [-1, 1].
        self.log_scale = nn.Parameter(torch.tensor(math.log(10.0)))
        self.copy_gate = nn.Linear(config.hidden, 1) if config.copy else None
        # Training-only log-prior per word: frequency goes here, not into the cosine
        # geometry, so cosine-nearest decoding is not pulled toward common words.
        self.prior = nn.Parameter(torch.zeros(config.outputs)) if config.prior else None
        self._index: WordIndex | None = None

    def forward(self, feats: torch.Tensor, attn: torch.Tensor, memory: Memory) -> torch.Tensor:
        """With ``copy``, the output mixes in the attention-weighted query word vectors
        through a learned gate: a reply can echo a query word (a name, a thing) by
        pointing at it, which a vector output does naturally. The voice moves the
        generated vector, not the pointed one: a copied name stays the name."""
        out = self.voiced(self.out(feats), memory)
        if self.copy_gate is not None:
            gate = torch.sigmoid(self.copy_gate(feats))
            pointed = torch.bmm(attn, memory.src_emb)  # (B, T, D)
            out = (1 - gate) * F.normalize(out, dim=-1) + gate * F.normalize(pointed, dim=-1)
        return out

    @property
    def scale(self) -> torch.Tensor:
        return self.log_scale.exp()

    def raw_scores(self, out: torch.Tensor, scaled: bool) -> torch.Tensor:
        """Cosine similarities, so argmax is exactly the cosine-nearest word."""
        s = F.normalize(out, dim=-1) @ self.unit_table().T
        return s * self.log_scale.exp() if scaled else s

    def top(
        self, out: torch.Tensor, k: int = 1, bias: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training or out.requires_grad:
            return super().top(out, k, bias)
        return self.index().top(out, k, None if bias is None else bias / self.scale)

    def train_logits(self, logits: torch.Tensor) -> torch.Tensor:
        return logits if self.prior is None else logits + self.prior

    def loss(
        self,
        out: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
        logits: torch.Tensor | None = None,
        negatives: int = 0,
    ) -> torch.Tensor:
        if self.distribution and negatives and logits is None:
            return self._sampled_loss(out, target, weight, negatives)
        if self.distribution:
            return super().loss(out, target, weight, logits)
        keep = sayable(target, self.outputs)
        pred, gold = out[keep], self._table()[target[keep]]
        if self.loss_name == "mse":
            return F.mse_loss(pred, gold)
        return (1 - F.cosine_similarity(pred, gold, dim=-1)).mean()

    def _sampled_loss(
        self, out: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None, k: int
    ) -> torch.Tensor:
        """Cosine-softmax over the batch's target words and ``k`` rows drawn uniformly
        from the output rows, instead of all of them: the cost of the output layer
        falls from the whole table to a few thousand rows, which is most of a step."""
        keep = sayable(target, self.outputs)
        pred, tgt = out[keep], target[keep]
        drawn = torch.randint(0, self.outputs, (k,), device=tgt.device)
        rows = torch.unique(torch.cat([tgt, drawn]))  # sorted
        rows = rows[~self.never[rows]]
        unit = F.normalize(self._table()[rows], dim=-1)
        logits = (F.normalize(pred, dim=-1) @ unit.T) * self.log_scale.exp()
        if self.prior is not None:
            logits = logits + self.prior[rows]
        w = None if weight is None else weight[rows]
        return F.cross_entropy(logits, torch.searchsorted(rows, tgt), weight=w)

    def warm(self) -> None:
        self.index()

    def index(self) -> WordIndex:
        """The cosine search over the rows a reply can use. Cached outside training
        (``train()`` and ``.to()`` drop it): every lookup reads it, so it is built once."""
        if self._index is None:
            rows = self._table()[: self.outputs].detach()
            self._index = WordIndex(rows, self.never_idx)
        return self._index

    def unit_table(self) -> torch.Tensor:
        """The L2-normalised rows a reply can use: the one matrix every full score
        vector multiplies by."""
        table = self._table()
        if self.training or (table.requires_grad and torch.is_grad_enabled()):
            self._index = None
            return F.normalize(table[: self.outputs], dim=-1)
        return self.index().unit

    def train(self, mode: bool = True) -> VectorHead:
        self._index = None  # the table may change
        return super().train(mode)

    def _apply(self, fn, *args, **kwargs):  # .to(), .cuda(), .half(): the cache is stale
        self._index = None
        return super()._apply(fn, *args, **kwargs)


def make_head(config: ModelConfig, table: Callable[[], torch.Tensor]) -> Head:
    """The head ``config`` names."""
    return VectorHead(config, table) if config.head == "vector" else SoftmaxHead(config)
