"""The seq2seq LSTM: a query's word vectors in, one word vector out per step.

Encoder: a bidirectional LSTM over the query's word vectors. Decoder: an LSTM fed the
previous word's vector, with Luong attention over the encoder states, projected to the
word-vector dimension. The word at each step is the cosine-nearest row of the model's
word table (initialised from the corpus word2vec vectors; start and end of reply are
rows too, so the decoder can stop).

The output vector is trained as a distribution over the table: softmax over scaled
cosine similarities ("cosine-softmax", the default). Regression losses that push the
vector toward its target (``mse``, ``cosine``) are kept for comparison: on novel
dialogue they collapse onto the few hub words nearest the mean direction. ``head
"softmax"`` swaps the vector output for an ordinary softmax layer over the vocabulary,
the reference the vector model must beat.

Replies are made of the table's first ``outputs`` rows (training puts the words of
training replies there), so each lookup searches that prefix only, through a cached
``WordIndex`` (chatbot.lookup) when decoding. The training objective (``objective``)
adds token- and sequence-level unlikelihood against loops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from chatbot.config import HEADS, LOSSES, ModelConfig
from chatbot.data import BOS, EOS, NEVER_EMITTED, PAD, UNK, Batch
from chatbot.lookup import WordIndex

_LSTM_PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
ROLLOUT_ROWS = 16  # queries per batch whose greedy replies the rollout term decodes


@dataclass
class Memory:
    """The encoded query, as the decoder sees it at every step."""

    states: torch.Tensor  # (B, S, 2H) encoder states
    keys: torch.Tensor  # (B, S, H) their attention keys
    src_emb: torch.Tensor  # (B, S, D) the query's word vectors
    mask: torch.Tensor  # (B, S) True on real tokens

    def take(self, index: torch.Tensor) -> Memory:
        """The memories of other queries, in ``index`` order (for mismatched pairs)."""
        return Memory(self.states[index], self.keys[index], self.src_emb[index], self.mask[index])


class Seq2Seq(nn.Module):
    def __init__(self, config: ModelConfig, table: torch.Tensor | None = None):
        super().__init__()
        if config.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}")
        if config.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}")
        self.config = c = config
        self.table = nn.Embedding(c.vocab_size, c.dim, padding_idx=PAD)
        if table is not None:
            self.table.weight.data.copy_(table)
        self.table.weight.requires_grad_(c.train_table)
        self.drop = nn.Dropout(c.dropout)
        self.encoder = nn.LSTM(
            c.dim,
            c.hidden,
            num_layers=c.encoder_layers,
            bidirectional=True,
            batch_first=True,
            dropout=c.dropout if c.encoder_layers > 1 else 0.0,
        )
        self.bridge = nn.Linear(2 * c.hidden, 2 * c.hidden * c.decoder_layers)
        self.decoder = nn.LSTM(
            c.dim,
            c.hidden,
            num_layers=c.decoder_layers,
            batch_first=True,
            dropout=c.dropout if c.decoder_layers > 1 else 0.0,
        )
        self.attn_key = nn.Linear(2 * c.hidden, c.hidden, bias=False)
        self.combine = nn.Linear(3 * c.hidden, c.hidden)
        if c.head == "vector":
            self.out = nn.Linear(c.hidden, c.dim)
            # Learned inverse temperature of the cosine-softmax; cosines live in [-1, 1].
            self.log_scale = nn.Parameter(torch.tensor(math.log(10.0)))
            self.copy_gate = nn.Linear(c.hidden, 1) if c.copy else None
            # Training-only log-prior per word: frequency goes here, not into the cosine
            # geometry, so cosine-nearest decoding is not pulled toward common words.
            self.prior = nn.Parameter(torch.zeros(c.outputs)) if c.prior else None
        else:
            self.out = nn.Linear(c.hidden, c.outputs)
        self._index: WordIndex | None = None
        mask = torch.zeros(c.outputs, dtype=torch.bool)
        mask[list(NEVER_EMITTED)] = True
        self.register_buffer("never", mask, persistent=False)
        self.register_buffer("never_idx", mask.nonzero().flatten(), persistent=False)

    # ------------------------------------------------------------------ encoder
    def embed_query(self, batch: Batch) -> torch.Tensor:
        """Table rows for known words, fallback vectors for the rest."""
        emb = self.table(batch.src)
        return torch.where(batch.src_has_oov.unsqueeze(-1), batch.src_oov.to(emb.dtype), emb)

    def encode(self, batch: Batch) -> tuple[Memory, tuple]:
        """What the decoder attends to, and its start state (from the mean encoder state)."""
        emb = self.embed_query(batch)
        x = self.drop(emb)
        lengths = batch.src_mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False
        )
        out, _ = self.encoder(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        mask = batch.src_mask.unsqueeze(-1)
        mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1)
        L, H = self.config.decoder_layers, self.config.hidden
        h0, c0 = torch.tanh(self.bridge(mean)).view(-1, L, 2, H).permute(2, 1, 0, 3)
        memory = Memory(states, self.attn_key(states), emb, batch.src_mask)
        return memory, (h0.contiguous(), c0.contiguous())

    # ------------------------------------------------------------------ decoder
    def decode_steps(
        self, prev: torch.Tensor, state: tuple, memory: Memory
    ) -> tuple[torch.Tensor, tuple]:
        """Outputs (B, T, D or V) for the previous words ``prev`` (B, T), and the state.

        With ``copy``, the output vector mixes in the attention-weighted query word
        vectors through a learned gate: a reply can echo a query word (a name, a thing)
        by pointing at it, which a vector output does naturally.
        """
        x = self.drop(self.table(prev))
        if x.size(1) == 1 and not self.training and not torch.is_grad_enabled():
            h, state = self._decoder_step(x[:, 0], state)
        else:
            h, state = self.decoder(x, state)
        scores = torch.bmm(h, memory.keys.transpose(1, 2))  # (B, T, S)
        scores = scores.masked_fill(~memory.mask.unsqueeze(1), float("-inf"))
        attn = torch.softmax(scores, dim=-1)
        context = torch.bmm(attn, memory.states)  # (B, T, 2H)
        feats = self.drop(torch.tanh(self.combine(torch.cat([h, context], dim=-1))))
        out = self.out(feats)
        if self.config.copy and self.config.head == "vector":
            gate = torch.sigmoid(self.copy_gate(feats))
            pointed = torch.bmm(attn, memory.src_emb)  # (B, T, D)
            out = (1 - gate) * F.normalize(out, dim=-1) + gate * F.normalize(pointed, dim=-1)
        return out, state

    def _decoder_step(self, x: torch.Tensor, state: tuple) -> tuple[torch.Tensor, tuple]:
        """One decoder step through the LSTM's own weights with ``torch.lstm_cell``: the
        same numbers as ``self.decoder``, but a whole nn.LSTM call costs ~450 µs on CPU
        (its per-call setup), 8x the cell, and decoding calls it once per word."""
        h0, c0 = state
        hs, cs = [], []
        for k in range(self.config.decoder_layers):
            weights = [getattr(self.decoder, f"{n}_l{k}") for n in _LSTM_PARAMS]
            h, c = torch.lstm_cell(x, (h0[k], c0[k]), *weights)
            hs.append(h)
            cs.append(c)
            x = h
        return x.unsqueeze(1), (torch.stack(hs), torch.stack(cs))

    def scores(self, out: torch.Tensor, scaled: bool = False) -> torch.Tensor:
        """Scores over the table, higher is better; for the vector head the cosine
        similarity, so argmax is exactly the cosine-nearest word. ``scaled`` multiplies
        cosines by the learned scale (training logits)."""
        if self.config.head == "softmax":
            s = out if out.requires_grad else out.clone()  # the fill below is in place
        else:
            s = F.normalize(out, dim=-1) @ self.unit_table().T
            if scaled:
                s = s * self.log_scale.exp()
        if s.requires_grad:
            return s.masked_fill(self.never, float("-inf"))
        return s.index_fill_(-1, self.never_idx, float("-inf"))  # decoding: no copy

    @property
    def score_scale(self) -> torch.Tensor:
        """What turns ``scores`` into logits: the learned cosine scale, or 1."""
        if self.config.head == "vector":
            return self.log_scale.exp()
        return torch.ones((), device=self.never.device)

    def top(
        self, out: torch.Tensor, k: int = 1, bias: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` likeliest words after adding ``bias`` (V,) or (B, V) to their
        log-probabilities (a penalty, -inf for a banned word), exactly, best first:
        (their ``scores`` (B, k), ids (B, k)). No normaliser is needed to rank, so the
        vector head asks the cached ``WordIndex`` (an int8 first pass, then exact
        cosines for the few rows that can win) instead of scoring every row."""
        if self.config.head == "vector" and not (self.training or out.requires_grad):
            return self.index().top(out, k, None if bias is None else bias / self.score_scale)
        s = self.scores(out)
        ranked = s if bias is None else s * self.score_scale + bias
        idx = ranked.topk(min(k, s.size(-1)), dim=-1).indices
        return s.gather(-1, idx), idx

    def index(self) -> WordIndex:
        """The cosine search over the rows a reply can use. Cached outside training
        (``train()`` and ``.to()`` drop it): every lookup reads it, so it is built once."""
        if self._index is None:
            rows = self.table.weight[: self.config.outputs].detach()
            self._index = WordIndex(rows, self.never_idx)
        return self._index

    def unit_table(self) -> torch.Tensor:
        """The L2-normalised rows a reply can use (the table's first ``outputs`` rows):
        the one matrix every full score vector multiplies by."""
        if self.training or (self.table.weight.requires_grad and torch.is_grad_enabled()):
            self._index = None
            return F.normalize(self.table.weight[: self.config.outputs], dim=-1)
        return self.index().unit

    def train(self, mode: bool = True) -> Seq2Seq:
        self._index = None  # the table may change
        return super().train(mode)

    def _apply(self, fn, *args, **kwargs):  # .to(), .cuda(), .half(): the cache is stale
        self._index = None
        return super()._apply(fn, *args, **kwargs)

    def start(self, batch: Batch) -> tuple[Memory, tuple]:
        """Begin decoding ``batch``: the encoded query and the decoder's first state."""
        return self.encode(batch)

    def step(self, prev: torch.Tensor, state: tuple, memory: Memory) -> tuple[torch.Tensor, tuple]:
        """One decoding step for previous words ``prev`` (B,): the output vectors (B, D)
        (logits for the softmax head) and the new state. ``top`` reads words out of
        them; ``scores`` scores every word."""
        out, state = self.decode_steps(prev.unsqueeze(1), state, memory)
        return out[:, 0], state

    def forward(self, batch: Batch) -> torch.Tensor:
        """Teacher-forced outputs (B, T, D or V)."""
        memory, state = self.encode(batch)
        out, _ = self.decode_steps(batch.tgt_in, state, memory)
        return out

    @property
    def _distribution(self) -> bool:
        return self.config.head == "softmax" or self.config.loss == "cosine-softmax"

    def loss(
        self,
        out: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
        logits: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Mean loss over the target positions that hold a word the model can say (not
        padding, not a word outside the table or its output rows: those cannot be
        predicted, only guessed). ``weight`` (V,) reweights target words in the
        distribution losses; ``logits``, when given, are ``scores(out, scaled=True)``."""
        keep = (target != PAD) & (target != UNK) & (target < self.config.outputs)
        pred, target = out[keep], target[keep]  # score only real positions: V is large
        if self._distribution:
            logits = self.scores(pred, scaled=True) if logits is None else logits[keep]
            if self.config.head == "vector" and self.config.prior:
                logits = logits + self.prior
            return F.cross_entropy(logits, target, weight=weight)
        gold = self.table.weight[target]
        if self.config.loss == "mse":
            return F.mse_loss(pred, gold)
        return (1 - F.cosine_similarity(pred, gold, dim=-1)).mean()

    def objective(
        self,
        batch: Batch,
        weight: torch.Tensor | None = None,
        *,
        contrast: float = 0.0,
        unlikelihood: float = 0.0,
        rollout: float = 0.0,
    ) -> torch.Tensor:
        """The training loss of one batch: ``loss`` on the teacher-forced outputs, plus

        - ``contrast`` x a logistic loss asking each reply to be likelier after its own
          query than after another query of the batch. Maximum likelihood alone lets the
          decoder ignore the query (a fluent generic reply is nearly as likely after any
          query); this term is what makes the likelihood rank replies by their query.
        - ``unlikelihood`` x token unlikelihood (Welleck et al., 2020) of the words the
          gold reply already said, except the one due next: greedy decoding of a
          likelihood-trained decoder loops on its own words, and this pushes those
          loops' probability down where they start.
        - ``rollout`` x sequence-level unlikelihood (same paper): the model's own greedy
          replies to some of the batch's queries, penalised at each word that repeats
          the previous word or an earlier bigram. The token-level term only sees the
          gold prefixes; greedy decoding falls into loops of its own ("你也不知道，我也
          不知道") that only its own output shows.
        """
        memory, state = self.encode(batch)
        out, _ = self.decode_steps(batch.tgt_in, state, memory)
        tgt = batch.tgt_out
        if not (contrast or unlikelihood or rollout):
            return self.loss(out, tgt, weight)
        logits = self.scores(out, scaled=True)  # computed once for all three terms
        loss = self.loss(out, tgt, weight, logits if self._distribution else None)
        logp = torch.log_softmax(logits.float(), dim=-1)
        if unlikelihood:
            loss = loss + unlikelihood * repeat_unlikelihood(logp, tgt)
        B = tgt.size(0)
        if contrast and B > 1:
            other = torch.roll(torch.arange(B, device=tgt.device), 1)
            h, c = state
            neg, _ = self.decode_steps(batch.tgt_in, (h[:, other], c[:, other]), memory.take(other))
            gain = reply_log_likelihood(logp, tgt, mean=False) - reply_log_likelihood(
                self.log_probs(neg), tgt, mean=False
            )
            loss = loss + contrast * F.softplus(-gain).mean()
        if rollout:
            loss = loss + rollout * self._rollout_unlikelihood(memory, state, tgt.size(1) + 4)
        return loss

    def _rollout_unlikelihood(self, memory: Memory, state: tuple, max_len: int) -> torch.Tensor:
        rows = torch.arange(min(ROLLOUT_ROWS, memory.mask.size(0)), device=memory.mask.device)
        memory, state = memory.take(rows), (state[0][:, rows], state[1][:, rows])
        with torch.no_grad():
            # All max_len steps, never stopping early: every batch then draws the same
            # dropout randomness, which keeps training reproducible step for step.
            ids, _ = self.decode_greedy(memory, state, max_len, stop_early=False)  # (R, L)
            said = (ids == EOS).long().cumsum(1) - (ids == EOS).long() == 0  # up to EOS
            bad = repeats(ids) & said & (ids != EOS)
        if not bad.any():
            return ids.new_zeros((), dtype=torch.float)
        prev_in = torch.cat([torch.full_like(ids[:, :1], BOS), ids[:, :-1]], 1)
        out, _ = self.decode_steps(prev_in, state, memory)
        logp = self.log_probs(out)
        p = logp.gather(2, ids.unsqueeze(-1)).squeeze(-1).exp().clamp(max=1 - 1e-6)
        return -torch.log1p(-p).masked_fill(~bad, 0.0).sum() / len(rows)

    @torch.no_grad()
    def greedy(self, batch: Batch, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy cosine-nearest decoding: ids (B, <=max_len) PAD after EOS, and the
        score (cosine for the vector head) of each chosen word."""
        memory, state = self.start(batch)
        return self.decode_greedy(memory, state, max_len)

    def decode_greedy(
        self, memory: Memory, state: tuple, max_len: int, stop_early: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``greedy`` from an encoded query; with ``stop_early`` it stops once every
        row has ended."""
        B = memory.mask.size(0)
        prev = torch.full((B,), BOS, dtype=torch.long, device=memory.mask.device)
        done = torch.zeros(B, dtype=torch.bool, device=memory.mask.device)
        ids, scores = [], []
        for _ in range(max_len):
            out, state = self.step(prev, state, memory)
            best, word = self.top(out)
            word = word[:, 0].masked_fill(done, PAD)
            ids.append(word)
            scores.append(best[:, 0])
            done |= word == EOS
            prev = word
            if stop_early and done.all():
                break
        return torch.stack(ids, 1), torch.stack(scores, 1)

    def log_probs_from_scores(self, scores: torch.Tensor) -> torch.Tensor:
        """Log-probabilities from ``scores`` (cosines for the vector head)."""
        if self.config.head == "vector":
            scores = scores * self.log_scale.exp()
        return torch.log_softmax(scores.float(), dim=-1)

    def log_probs(self, out: torch.Tensor) -> torch.Tensor:
        """Log-probabilities over the table, as trained (scaled cosine-softmax for the
        vector head). Regression-trained heads get the same form with their learned
        scale, which only ranks."""
        return torch.log_softmax(self.scores(out, scaled=True).float(), dim=-1)


def reply_log_likelihood(
    logp: torch.Tensor, target: torch.Tensor, mean: bool = True
) -> torch.Tensor:
    """Log-likelihood (B,) of each target reply under log-probabilities ``logp`` (B, T, V):
    summed, or per known word with ``mean``. Words the model cannot say (outside the
    table or its output rows) and padding have no probability and are skipped."""
    known = (target != PAD) & (target != UNK) & (target < logp.size(-1))
    picked = logp.gather(2, target.clamp(0, logp.size(-1) - 1).unsqueeze(-1)).squeeze(-1)
    total = picked.masked_fill(~known, 0.0).sum(1)
    return total / known.sum(1).clamp(min=1) if mean else total


def repeats(ids: torch.Tensor) -> torch.Tensor:
    """(B, L) True at each word that repeats the word before it or completes a bigram
    that occurred earlier in its row: what makes a reply degenerate."""
    bad = torch.zeros_like(ids, dtype=torch.bool)
    if ids.size(1) < 2:
        return bad
    bad[:, 1:] = ids[:, 1:] == ids[:, :-1]
    codes = ids[:, :-1] * (int(ids.max()) + 1) + ids[:, 1:]  # bigram ending at t + 1
    L = codes.size(1)
    earlier = torch.ones(L, L, dtype=torch.bool, device=ids.device).tril(-1)
    bad[:, 1:] |= ((codes.unsqueeze(2) == codes.unsqueeze(1)) & earlier).any(-1)
    return bad


def repeat_unlikelihood(logp: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over reply positions of sum_c -log(1 - p(c)), c ranging over the distinct
    words the reply said before this position, other than the word due here."""
    T = target.size(1)
    earlier = torch.ones(T, T, dtype=torch.bool, device=target.device).tril(-1)  # s < t
    same = target.unsqueeze(2) == target.unsqueeze(1)  # (B, t, s)
    first = ~(same & earlier).any(-1)  # the word at s was not said before s
    real = (target != PAD) & (target != UNK) & (target != EOS) & (target < logp.size(-1))
    # cand[b, t, s] = target[b, s]
    cand = target.clamp(max=logp.size(-1) - 1).unsqueeze(1).expand(-1, T, T)
    use = earlier & ~same & (first & real).unsqueeze(1) & (target != PAD).unsqueeze(-1)
    p = logp.gather(2, cand.clamp(min=0)).exp().clamp(max=1 - 1e-6)
    penalty = -torch.log1p(-p).masked_fill(~use, 0.0)
    return penalty.sum() / (target != PAD).sum().clamp(min=1)


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
