"""How words are chosen: the one decoding loop (greedy and top-k sampling), beam search,
and the guards, over a small model interface:

- ``start(batch) -> (memory, state)``: the encoded query and the first decoder state;
- ``step(prev, state, memory) -> (out, state)``: one step's outputs for the previous words;
- ``top(out, k, bias) -> (scores, ids)``: the k likeliest words after a log-prob bias
  (for the vector head, the exact cosine-nearest rows through the int8 word index);
- ``scores(out)`` (every word), ``log_probs(out)``, ``score_scale`` and ``outputs``.

Greedy decoding and sampling ask only for the likeliest words each step; a reply's
log-probability, which needs every word's score, comes from one product over all its
steps once the reply is done (``finish``). The guards (repetition penalty, no-repeat
n-grams, minimum length) are one bias on the log-probabilities (``guard_bias``), so
they only re-rank. Training's rollout, evaluation's greedy replies, the chat's streamed
replies and beam search's greedy candidate all run ``run``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import torch

from chatbot.config import DecodeOptions
from chatbot.data import BOS, EOS, PAD


class Decodable(Protocol):
    outputs: int

    @property
    def score_scale(self) -> torch.Tensor: ...
    def start(self, batch: Any) -> tuple[Any, Any]: ...
    def step(self, prev: torch.Tensor, state: Any, memory: Any) -> tuple[torch.Tensor, Any]: ...
    def top(
        self, out: torch.Tensor, k: int = 1, bias: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]: ...
    def scores(self, out: torch.Tensor) -> torch.Tensor: ...
    def log_probs(self, out: torch.Tensor) -> torch.Tensor: ...


def guard_bias(
    said: Sequence[int],
    o: DecodeOptions,
    t: int,
    size: int,
    marks: Sequence[int] = (),
    open_ends: frozenset[int] = frozenset(),
) -> np.ndarray:
    """What the guards add to step ``t``'s log-probabilities (size,), given the words
    ``said`` so far: minus the log of the repetition penalty for a word already said,
    -inf for a word that would repeat an n-gram, and for the end before the minimum
    length, and for a word said twice in a row (a third time reads as a stutter, which
    n-gram blocking longer than 2 lets through). NumPy: ~1 µs a call, where torch costs
    ~10 µs per small op."""
    bias = np.zeros(size, dtype=np.float32)
    if said and o.repetition_penalty > 1:
        bias[list(set(said))] = -math.log(o.repetition_penalty)
    n = o.no_repeat_ngram
    if n > 0 and len(said) >= n - 1:
        prefix = tuple(said[len(said) - n + 1 :]) if n > 1 else ()
        banned = [
            said[i + n - 1]
            for i in range(len(said) - n + 1)
            if tuple(said[i : i + n - 1]) == prefix
        ]
        bias[banned] = -np.inf
    if len(said) >= 2 and said[-1] == said[-2]:  # never a word three times in a row
        bias[said[-1]] = -np.inf
    if said and said[-1] in marks:  # never one mark twice in a row (orchard??, least,,)
        bias[said[-1]] = -np.inf
    if t < min(o.min_length, o.max_length):  # a shorter limit wins: --max-length 3 alone
        bias[EOS] = -np.inf
    if said and said[-1] in open_ends:  # no reply ends on a comma or colon (你说，)
        bias[EOS] = -np.inf
    return bias


@dataclass
class Step:
    """One decoding step of a batch: the word each row chose (PAD once a row has
    ended), its score, the guards' bias on it, whether an end was forced because every
    word was banned, and the outputs it was read from (for log-probabilities later)."""

    words: list[int]
    scores: list[float]
    bias: list[float]
    forced: list[bool]
    out: torch.Tensor


def run(
    model: Decodable,
    memory: Any,
    state: Any,
    max_len: int,
    options: DecodeOptions | None = None,
    generator: torch.Generator | None = None,
    stop_early: bool = True,
    start: int | torch.Tensor = BOS,
    said: Sequence[int] = (),
    marks: frozenset[int] = frozenset(),
    open_ends: frozenset[int] = frozenset(),
) -> Iterator[Step]:
    """The decoding loop, for every row of an encoded batch: the likeliest word each
    step (no ``options``, or strategy greedy), or a word sampled among the ``top_k``
    likeliest at ``temperature``; with ``options`` the guards apply, counting ``said``
    (words before this run) as already said. Each row starts from ``start`` (BOS for a
    reply, CONT to write on; one row id or one per row). A row that has ended reads
    PAD. With ``stop_early`` the loop ends once every row has ended; without it, it
    runs all ``max_len`` steps (training: the same dropout draws whatever the model
    says)."""
    rows = memory.mask.size(0)
    device = memory.mask.device
    greedy_pick = options is None or options.strategy == "greedy"
    k = 1 if greedy_pick else options.top_k
    if options is not None:
        scale = float(model.score_scale)
        if generator is None:
            generator = torch.Generator(device="cpu")
            if options.seed is not None:
                generator.manual_seed(options.seed)
            else:
                generator.seed()
    history: list[list[int]] = [list(said) for _ in range(rows)]
    done = [False] * rows
    prev = torch.as_tensor(start, dtype=torch.long, device=device).expand(rows).clone()
    for t in range(max_len):
        out, state = model.step(prev, state, memory)
        bias = None
        if options is not None:
            bias = np.stack(
                [guard_bias(h, options, t, model.outputs, marks, open_ends) for h in history]
            )
        top_scores, top_ids = model.top(
            out, k, None if bias is None else torch.from_numpy(bias).to(device)
        )
        step = Step([], [], [], [], out)
        for r, (cos, ids) in enumerate(zip(top_scores.tolist(), top_ids.tolist())):
            pick, forced = 0, False
            if bias is not None:
                logits = [c * scale + float(bias[r, i]) for c, i in zip(cos, ids)]
                if logits[0] == float("-inf"):  # every word banned: end the reply
                    forced = True
                elif not greedy_pick:
                    # from the best logit down, so a tiny temperature is greedy, not inf/inf
                    shifted = torch.tensor(logits) - logits[0]
                    probs = torch.softmax(shifted / options.temperature, dim=-1)
                    pick = int(torch.multinomial(probs, 1, generator=generator))
            word, score = (PAD if done[r] else ids[pick]), cos[pick]
            if forced and not done[r]:
                word, score = EOS, float(model.scores(out[r : r + 1])[0, EOS])
            step.words.append(word)
            step.scores.append(score)
            step.bias.append(0.0 if bias is None or forced else float(bias[r, word]))
            step.forced.append(forced)
        yield step
        for r, word in enumerate(step.words):
            if word == EOS:
                done[r] = True
            elif word != PAD:
                history[r].append(word)
        if stop_early and all(done):
            return
        prev = torch.tensor(step.words, dtype=torch.long, device=device)


def greedy(
    model: Decodable,
    memory: Any,
    state: Any,
    max_len: int,
    stop_early: bool = True,
    start: int | torch.Tensor = BOS,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy replies of a whole batch: ids (B, <=max_len), PAD after EOS, and the
    score (cosine for the vector head) of each chosen word."""
    steps = list(run(model, memory, state, max_len, stop_early=stop_early, start=start))
    device = memory.mask.device
    ids = torch.tensor([s.words for s in steps], dtype=torch.long, device=device).T
    scores = torch.tensor([s.scores for s in steps], device=device).T
    return ids, scores


@dataclass
class Decoded:
    """One finished reply: word ids (the end not included), the score of each, its
    log-probability under the guards and without them (the end included), and why it
    stopped: "end" (the model ended it) or "max_length"."""

    ids: list[int]
    scores: list[float]
    guarded: float
    log_prob: float
    stop: str


def finish(model: Decodable, steps: Sequence[Step]) -> Decoded:
    """The reply of a one-row ``run``, with its log-probabilities from one product over
    all its steps (a forced end scores 0 under the guards, as the only word left)."""
    stop = "end" if steps and steps[-1].words[0] == EOS else "max_length"
    said = steps[:-1] if stop == "end" else steps
    ids, scores = [s.words[0] for s in said], [s.scores[0] for s in said]
    if not steps:
        return Decoded(ids, scores, 0.0, 0.0, stop)
    logp = model.log_probs(torch.cat([s.out for s in steps]))
    chosen = torch.tensor([s.words[0] for s in steps], device=logp.device)
    raw = logp.gather(1, chosen[:, None])[:, 0].tolist()
    guarded = [0.0 if s.forced[0] else r + s.bias[0] for r, s in zip(raw, steps)]
    return Decoded(ids, scores, sum(guarded), sum(raw), stop)


@dataclass
class _Hyp:
    ids: list[int]
    scores: list[float]
    guarded: float
    raw: float


def beam_search(
    model: Decodable,
    start: Callable[[int], tuple[Any, Any]],
    o: DecodeOptions,
    first: int = BOS,
    said: Sequence[int] = (),
    marks: frozenset[int] = frozenset(),
    open_ends: frozenset[int] = frozenset(),
) -> list[Decoded]:
    """Beam search ranked by the guarded log-probabilities; all beams are scored with
    one matrix product per step. ``start(n)`` encodes the query as n rows; decoding
    starts from ``first`` (BOS for a reply, CONT to write on), and the guards count
    ``said`` as already said. The greedy reply is one more candidate: a beam can prune
    the greedy path and end worse than it, so beam search never scores below greedy
    decoding. Returns the finished replies, best first (the first is beam search's
    answer)."""
    k = o.beam
    said = list(said)
    memory, state = start(k)
    device = memory.mask.device
    prev = torch.full((k,), first, device=device)
    beams = [_Hyp([], [], 0.0, 0.0)]
    finished: list[tuple[_Hyp, str]] = []
    for t in range(o.max_length):
        out, state = model.step(prev, state, memory)
        scores = model.scores(out)
        logp = torch.log_softmax((scores * model.score_scale).float(), dim=-1)
        candidates = []
        for b, h in enumerate(beams):
            bias = guard_bias(said + h.ids, o, t, model.outputs, marks, open_ends)
            guarded = logp[b] + torch.from_numpy(bias).to(logp.device)
            if torch.isinf(guarded).all():  # every word banned: end the reply
                guarded[EOS] = 0.0
            top = guarded.topk(min(k, guarded.numel()))
            for lp, w in zip(top.values.tolist(), top.indices.tolist()):
                if lp != float("-inf"):
                    candidates.append((h.guarded + lp, b, w))
        candidates.sort(key=lambda c: -c[0])
        new_beams, rows = [], []
        for score, b, w in candidates:
            h = beams[b]
            nxt = _Hyp(
                [*h.ids, w], [*h.scores, float(scores[b, w])], score, h.raw + float(logp[b, w])
            )
            if w == EOS:
                finished.append((_Hyp(h.ids, h.scores, score, nxt.raw), "end"))
            else:
                new_beams.append(nxt)
                rows.append(b)
            if len(new_beams) == k:
                break
        # Log-probabilities only fall: once a finished reply beats every live beam, no
        # live beam can catch up (unless the replies will be ranked otherwise: MMI).
        best_done = max((f.guarded for f, _ in finished), default=float("-inf"))
        if not new_beams or (best_done >= new_beams[0].guarded and not o.mmi):
            break
        beams = new_beams
        pad = k - len(rows)  # fewer live beams than k: repeat the last one
        rows_t = torch.tensor(rows + rows[-1:] * pad, device=device)
        state = tuple(s[:, rows_t] for s in state)
        prev = torch.tensor([h.ids[-1] for h in beams] + [beams[-1].ids[-1]] * pad, device=device)
    if not finished:  # nothing ended within max_length: the best cut-off hypothesis
        finished = [(h, "max_length") for h in beams]
    greedy = replace(o, strategy="greedy")
    g = finish(
        model,
        list(
            run(
                model,
                *start(1),
                o.max_length,
                greedy,
                start=first,
                said=said,
                marks=marks,
                open_ends=open_ends,
            )
        ),
    )
    finished.append((_Hyp(g.ids, g.scores, g.guarded, g.log_prob), g.stop))
    ranked, seen = [], set()
    for h, stop in sorted(finished, key=lambda f: -f[0].guarded):
        if tuple(h.ids) not in seen:
            seen.add(tuple(h.ids))
            ranked.append(Decoded(h.ids, h.scores, h.guarded, h.raw, stop))
    return ranked
