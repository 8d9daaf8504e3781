"""The seq2seq LSTM: a query's word vectors in, one output per reply step.

Encoder: a bidirectional LSTM over the query's word vectors. Decoder: an LSTM fed the
previous word's vector, with Luong attention over the encoder states. Its features go
to an output head (``chatbot.heads``): by design a word vector per step, read out as
the cosine-nearest row of the model's word table (initialised from the corpus word2vec
vectors; start and end of reply are rows too, so the decoder can stop).

This module is only the network. What training minimises is ``chatbot.objective``;
how words are chosen is ``chatbot.decode``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from chatbot.config import ModelConfig
from chatbot.data import PAD, Batch
from chatbot.heads import make_head

_LSTM_PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
State = tuple[torch.Tensor, torch.Tensor]  # the decoder LSTM's (h, c), each (L, B, H)


@dataclass
class Memory:
    """The encoded query, as the decoder sees it at every step."""

    states: torch.Tensor  # (B, S, 2H) encoder states
    keys: torch.Tensor  # (B, S, H) their attention keys
    src_emb: torch.Tensor  # (B, S, D) the query's word vectors
    mask: torch.Tensor  # (B, S) True on real tokens
    persona: torch.Tensor | None = None  # (B, P) who speaks to whom, fed at every step

    def take(self, index: torch.Tensor) -> Memory:
        """The memories of other queries, in ``index`` order (for mismatched pairs)."""
        persona = None if self.persona is None else self.persona[index]
        return Memory(
            self.states[index], self.keys[index], self.src_emb[index], self.mask[index], persona
        )


class Seq2Seq(nn.Module):
    def __init__(self, config: ModelConfig, table: torch.Tensor | None = None):
        super().__init__()
        self.config = c = config
        self.table = nn.Embedding(c.vocab_size, c.dim, padding_idx=PAD)
        if table is not None:
            self.table.weight.data.copy_(table)
        self.table.weight.requires_grad_(c.train_table)
        if c.segments > 1:  # which part of the source a word is in; starts as no change
            self.segment = nn.Embedding(c.segments, c.dim)
            nn.init.zeros_(self.segment.weight)
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
        persona = c.persona if c.characters else 0
        if c.characters:  # Li et al. 2016: speaker and addressee embeddings, mixed
            self.speaker = nn.Embedding(c.characters, c.persona)
            self.addressee = nn.Embedding(c.characters, c.persona)
            self.persona_mix = nn.Linear(2 * c.persona, c.persona)
        self.decoder = nn.LSTM(
            c.dim + persona,
            c.hidden,
            num_layers=c.decoder_layers,
            batch_first=True,
            dropout=c.dropout if c.decoder_layers > 1 else 0.0,
        )
        self.attn_key = nn.Linear(2 * c.hidden, c.hidden, bias=False)
        self.combine = nn.Linear(3 * c.hidden, c.hidden)
        self.head = make_head(c, lambda: self.table.weight)

    @property
    def outputs(self) -> int:
        """How many table rows a reply can be made of (the first ones)."""
        return self.config.outputs

    # ------------------------------------------------------------------ encoder
    def embed_query(self, batch: Batch) -> torch.Tensor:
        """Table rows for known words, fallback vectors for the rest."""
        emb = self.table(batch.src)
        return torch.where(batch.src_has_oov.unsqueeze(-1), batch.src_oov.to(emb.dtype), emb)

    def encode(self, batch: Batch) -> tuple[Memory, State]:
        """What the decoder attends to, and its start state (from the mean encoder state).
        The encoder reads each word with its segment; the copy points at the word alone."""
        emb = self.embed_query(batch)
        x = self.drop(emb + self.segment(batch.src_seg) if self.config.segments > 1 else emb)
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
        persona = self.persona(batch.speaker, batch.addressee) if self.config.characters else None
        memory = Memory(states, self.attn_key(states), emb, batch.src_mask, persona)
        return memory, (h0.contiguous(), c0.contiguous())

    def persona(self, speaker: torch.Tensor, addressee: torch.Tensor) -> torch.Tensor:
        """(B, P): who speaks (B,) to whom (B,), as the decoder and the voice read it."""
        who = torch.cat([self.speaker(speaker), self.addressee(addressee)], -1)
        return torch.tanh(self.persona_mix(who))

    # ------------------------------------------------------------------ decoder
    def decode_steps(
        self, prev: torch.Tensor, state: State, memory: Memory
    ) -> tuple[torch.Tensor, State]:
        """Head outputs (B, T, ...) for the previous words ``prev`` (B, T), and the state.
        With characters, each step's input is the previous word and the persona."""
        x = self.drop(self.table(prev))
        if memory.persona is not None:
            x = torch.cat([x, memory.persona.unsqueeze(1).expand(-1, x.size(1), -1)], -1)
        if x.size(1) == 1 and not self.training and not torch.is_grad_enabled():
            h, state = self._decoder_step(x[:, 0], state)
        else:
            h, state = self.decoder(x, state)
        scores = torch.bmm(h, memory.keys.transpose(1, 2))  # (B, T, S)
        scores = scores.masked_fill(~memory.mask.unsqueeze(1), float("-inf"))
        attn = torch.softmax(scores, dim=-1)
        context = torch.bmm(attn, memory.states)  # (B, T, 2H)
        feats = self.drop(torch.tanh(self.combine(torch.cat([h, context], dim=-1))))
        return self.head(feats, attn, memory), state

    def _decoder_step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
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

    # --------------------------------------------- the interface decoding uses
    def start(self, batch: Batch) -> tuple[Memory, State]:
        """Begin decoding ``batch``: the encoded query and the decoder's first state."""
        return self.encode(batch)

    def step(self, prev: torch.Tensor, state: State, memory: Memory) -> tuple[torch.Tensor, State]:
        """One decoding step for previous words ``prev`` (B,): outputs (B, ...) and the
        new state. ``top`` reads words out of them."""
        out, state = self.decode_steps(prev.unsqueeze(1), state, memory)
        return out[:, 0], state

    def top(
        self, out: torch.Tensor, k: int = 1, bias: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` likeliest words of each output after ``bias``; see ``Head.top``."""
        return self.head.top(out, k, bias)

    @property
    def score_scale(self) -> torch.Tensor:
        """What turns ``top``'s scores (cosines for the vector head) into logits."""
        return self.head.scale

    def scores(self, out: torch.Tensor) -> torch.Tensor:
        """Every output row's score (cosine for the vector head), higher is better."""
        return self.head.scores(out)

    def log_probs(self, out: torch.Tensor) -> torch.Tensor:
        """Log-probabilities over the output rows."""
        return self.head.log_probs(out)

    def forward(self, batch: Batch) -> torch.Tensor:
        """Teacher-forced outputs (B, T, ...)."""
        memory, state = self.encode(batch)
        out, _ = self.decode_steps(batch.tgt_in, state, memory)
        return out


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
