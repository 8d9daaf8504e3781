"""What training minimises: the head's word loss on teacher-forced replies, plus

- ``unlikelihood`` x token unlikelihood (Welleck et al., 2020) of the words the gold
  reply already said, except the one due next: greedy decoding of a likelihood-trained
  decoder loops on its own words, and this pushes those loops' probability down where
  they start;
- ``rollout`` x sequence-level unlikelihood (same paper): the model's own greedy replies
  to some of the batch's queries, penalised at each word that repeats the previous word
  or an earlier bigram. The token-level term only sees gold prefixes; greedy decoding
  falls into loops of its own ("你也不知道，我也不知道") that only its output shows;
- ``contrast`` x a logistic loss asking each reply to be likelier after its own query
  than after another query of the batch (maximum likelihood alone lets the decoder
  ignore the query). Measured: it cost top-5 and did not raise the ranking score, so
  it is off by default;
- ``speaker_contrast`` x the same loss for who speaks: each reply with a character
  should be likelier said by that character than by another character of the batch
  (same message, same addressee). Likelihood alone lets the decoder ignore the persona.

Word weights (``frequency_weights``) scale each target word by count**-x, so frequent
function words stop dominating the gradient (Jiang et al. 2019).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch
import torch.nn.functional as F

from chatbot.data import BOS, EOS, PAD, UNK, Batch, Example
from chatbot.decode import greedy
from chatbot.model import Memory, Seq2Seq, State

ROLLOUT_ROWS = 16  # queries per batch whose greedy replies the rollout term decodes


def objective(
    model: Seq2Seq,
    batch: Batch,
    weight: torch.Tensor | None = None,
    *,
    contrast: float = 0.0,
    unlikelihood: float = 0.0,
    rollout: float = 0.0,
    speaker_contrast: float = 0.0,
    negatives: int = 0,
) -> torch.Tensor:
    """The training loss of one batch; see the module docstring. ``negatives`` > 0
    estimates the word loss over that many sampled rows (the extra terms need every
    row's probability, so with them the loss is exact)."""
    head = model.head
    memory, state = model.encode(batch)
    out, _ = model.decode_steps(batch.tgt_in, state, memory)
    tgt = batch.tgt_out
    if memory.persona is None:
        speaker_contrast = 0.0
    if not (contrast or unlikelihood or rollout or speaker_contrast):
        return head.loss(out, tgt, weight, negatives=negatives)
    logits = head.scores(out, scaled=True)  # computed once for all the terms
    loss = head.loss(out, tgt, weight, logits if head.distribution else None)
    logp = torch.log_softmax(logits.float(), dim=-1)
    if unlikelihood:
        loss = loss + unlikelihood * repeat_unlikelihood(logp, tgt)
    B = tgt.size(0)
    if contrast and B > 1:
        other = torch.roll(torch.arange(B, device=tgt.device), 1)
        h, c = state
        neg, _ = model.decode_steps(batch.tgt_in, (h[:, other], c[:, other]), memory.take(other))
        loss = loss + contrast * preferred(model, logp, neg, tgt).mean()
    if speaker_contrast:
        loss = loss + speaker_contrast * _speaker_contrast(model, batch, memory, state, logp)
    if rollout:
        start = batch.tgt_in[:, 0]
        loss = loss + rollout * rollout_unlikelihood(model, memory, state, tgt.size(1) + 4, start)
    return loss


def _speaker_contrast(
    model: Seq2Seq, batch: Batch, memory: Memory, state: State, logp: torch.Tensor
) -> torch.Tensor:
    """Logistic loss on log p(reply | its speaker) - log p(reply | another character),
    over the rows whose speaker is a character: the other is the next such row's speaker
    (rows where it is the same one are skipped). Characters, not "anyone": the model
    should tell them apart, not only from everyone else."""
    known = batch.speaker > 0
    other = batch.speaker.clone()
    other[known] = torch.roll(batch.speaker[known], 1)
    rows = known & (other != batch.speaker)
    if not rows.any():
        return logp.new_zeros(())
    swapped = replace(memory, persona=model.persona(other, batch.addressee))
    neg, _ = model.decode_steps(batch.tgt_in, state, swapped)
    return preferred(model, logp, neg, batch.tgt_out)[rows].mean()


def preferred(
    model: Seq2Seq, logp: torch.Tensor, neg: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """(B,) logistic loss asking each target reply to be likelier under ``logp`` (its own
    conditions) than under the outputs ``neg`` (the swapped ones): both contrasts."""
    gain = reply_log_likelihood(logp, target, mean=False) - reply_log_likelihood(
        model.log_probs(neg), target, mean=False
    )
    return F.softplus(-gain)


def rollout_unlikelihood(
    model: Seq2Seq,
    memory: Memory,
    state: State,
    max_len: int,
    start: torch.Tensor | None = None,
) -> torch.Tensor:
    """Sequence-level unlikelihood of the loops in the model's own greedy outputs for the
    first ``ROLLOUT_ROWS`` rows, each started from its ``start`` row (BOS by default)."""
    rows = torch.arange(min(ROLLOUT_ROWS, memory.mask.size(0)), device=memory.mask.device)
    memory, state = memory.take(rows), (state[0][:, rows], state[1][:, rows])
    first = torch.full_like(rows, BOS) if start is None else start[rows]
    with torch.no_grad():
        # All max_len steps, never stopping early: every batch then draws the same
        # dropout randomness, which keeps training reproducible step for step.
        ids, _ = greedy(model, memory, state, max_len, stop_early=False, start=first)  # (R, L)
        said = (ids == EOS).long().cumsum(1) - (ids == EOS).long() == 0  # up to EOS
        bad = repeats(ids) & said & (ids != EOS)
    if not bad.any():
        return ids.new_zeros((), dtype=torch.float)
    prev_in = torch.cat([first[:, None], ids[:, :-1]], 1)
    out, _ = model.decode_steps(prev_in, state, memory)
    logp = model.log_probs(out)
    p = logp.gather(2, ids.unsqueeze(-1)).squeeze(-1).exp().clamp(max=1 - 1e-6)
    return -torch.log1p(-p).masked_fill(~bad, 0.0).sum() / len(rows)


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


def frequency_weights(
    examples: Sequence[Example], vocab_size: int, power: float, device: torch.device
) -> torch.Tensor | None:
    """count**-power per target word, scaled so that an average target token weighs 1."""
    if power == 0:
        return None
    counts = torch.ones(vocab_size)
    for e in examples:
        counts.index_add_(0, torch.tensor(e.reply), torch.ones(len(e.reply)))
    w = counts.pow(-power)
    w = w / ((w * counts).sum() / counts.sum())
    return w.to(device)
