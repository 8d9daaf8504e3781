"""What training minimises: the word loss and the unlikelihood / contrast terms."""

import math
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from chatbot.config import ModelConfig
from chatbot.data import BOS, EOS, PAD, batches, make_examples
from chatbot.decode import greedy
from chatbot.ingest.dialogue import Pair
from chatbot.model import Seq2Seq
from chatbot.objective import (
    objective,
    repeat_unlikelihood,
    repeats,
    reply_log_likelihood,
    rollout_unlikelihood,
)
from tests.conftest import model_and_batch, small_table


def test_repeat_unlikelihood_matches_hand_computation():
    torch.manual_seed(0)
    logp = torch.log_softmax(torch.randn(1, 4, 6), -1)
    target = torch.tensor([[4, 5, 4, EOS]])
    p = logp[0].exp()

    def u(t, w):
        return -math.log(1 - p[t, w].item())

    # t=0: nothing said yet; t=1: 甲 (4); t=2: 5 only (4 is due); t=3: 4 and 5, once each.
    want = (u(1, 4) + u(2, 5) + u(3, 4) + u(3, 5)) / 4
    assert repeat_unlikelihood(logp, target).item() == pytest.approx(want, rel=1e-5)


def test_objective_adds_contrast_and_unlikelihood_terms():
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, dropout=0.0)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors))
    pairs = [
        Pair("q", "r", 0, query_tokens=["甲", "乙"], reply_tokens=["丙", "甲"]),
        Pair("q", "r", 1, query_tokens=["丙"], reply_tokens=["乙", "乙"]),
    ]
    ex = make_examples(pairs, t, 10, 10)
    (b,) = list(batches(ex, 8, t.dim))
    (swapped,) = list(
        batches([type(e)(o.query, e.reply, e.pair) for e, o in zip(ex, ex[::-1])], 8, t.dim)
    )
    own = reply_log_likelihood(m.log_probs(m(b)), b.tgt_out, mean=False)
    other = reply_log_likelihood(m.log_probs(m(swapped)), swapped.tgt_out, mean=False)
    # Both batches are sorted by query length, so row i of ``other`` holds the reply of
    # row 1 - i of ``b``.
    want = m.head.loss(m(b), b.tgt_out) + 0.5 * F.softplus(other.flip(0) - own).mean()
    assert objective(m, b, contrast=0.5).item() == pytest.approx(want.item(), rel=1e-5)
    want = want + 0.25 * repeat_unlikelihood(m.log_probs(m(b)), b.tgt_out)
    got = objective(m, b, contrast=0.5, unlikelihood=0.25)
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    got.backward()
    assert m.encoder.weight_ih_l0.grad.abs().sum() > 0


def test_speaker_contrast_compares_each_reply_under_its_speaker_and_another_character():
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, dropout=0.0, characters=4)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors))
    pairs = [
        Pair("q", "r", 0, query_tokens=["甲", "乙"], reply_tokens=["丙", "甲"]),
        Pair("q", "r", 1, query_tokens=["丙"], reply_tokens=["乙", "乙"]),
        Pair("q", "r", 2, query_tokens=["乙"], reply_tokens=["甲"]),
    ]
    ex = [
        replace(e, speaker=s, addressee=2)
        for e, s in zip(make_examples(pairs, t, 10, 10), [1, 3, 0])
    ]
    (b,) = list(batches(ex, 8, t.dim))

    def loglik(speakers):
        return reply_log_likelihood(
            m.log_probs(m(replace(b, speaker=torch.tensor(speakers)))), b.tgt_out, mean=False
        )

    # Rows in batch order: speakers [1, 3, 0] sorted by query length; the characters
    # swap with each other and "anyone" is never contrasted.
    speakers = b.speaker.tolist()
    swap = {1: 3, 3: 1, 0: 0}
    own, rolled = loglik(speakers), loglik([swap[s] for s in speakers])
    rows = b.speaker > 0
    assert sorted(speakers) == [0, 1, 3]
    term = F.softplus(rolled - own)[rows].mean()
    got = objective(m, b, speaker_contrast=0.5)
    assert got.item() == pytest.approx((m.head.loss(m(b), b.tgt_out) + 0.5 * term).item(), rel=1e-5)
    got.backward()
    assert m.speaker.weight.grad[[1, 3]].abs().sum(1).gt(0).all()  # both characters learn
    one = replace(b, speaker=torch.ones_like(b.speaker))  # one speaker: nothing to contrast
    assert objective(m, one, speaker_contrast=0.5).item() == pytest.approx(
        objective(m, one).item(), rel=1e-6
    )


def test_repeats_marks_words_that_loop():
    ids = torch.tensor([[5, 6, 7, 5, 6, 8, 8, EOS], [5, 5, 5, 6, EOS, PAD, PAD, PAD]])
    assert repeats(ids)[0].tolist() == [False, False, False, False, True, False, True, False]
    assert repeats(ids)[1, :4].tolist() == [False, True, True, False]


def test_rollout_term_makes_the_models_own_loops_less_likely():
    m, b = model_and_batch()
    memory, state = m.encode(b)
    ids, _ = greedy(m, *m.start(b), 8)
    bad = repeats(ids)
    assert bad.any()  # an untrained model loops
    t = int(bad[0].nonzero()[0])  # the first looping word of the first reply

    def p_bad() -> float:
        prev = torch.cat([torch.full_like(ids[:, :1], BOS), ids[:, :-1]], 1)
        memory, state = m.encode(b)
        out, _ = m.decode_steps(prev, state, memory)
        return m.log_probs(out)[0, t, ids[0, t]].exp().item()

    before = p_bad()
    term = rollout_unlikelihood(m, memory, state, 8)
    assert term.item() > 0
    term.backward()
    with torch.no_grad():
        for p in m.parameters():
            if p.grad is not None:
                p -= 0.5 * p.grad
    assert p_bad() < before
