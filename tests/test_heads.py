"""Output heads: the vector head (cosine-nearest lookup) and the softmax reference."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from chatbot.config import ModelConfig
from chatbot.data import BOS, EOS, PAD, UNK, batches, make_examples
from chatbot.ingest.dialogue import Pair
from chatbot.lookup import _INT8_ENGINES as INT8
from chatbot.model import Seq2Seq, count_trainable
from chatbot.objective import reply_log_likelihood
from tests.conftest import model_and_batch, small_table


def test_cosine_softmax_loss_matches_hand_computation():
    m, b = model_and_batch()
    out = m(b)
    loss = m.head.loss(out, b.tgt_out)
    table = m.table.weight.detach().numpy()
    o = out.detach().numpy()[0]
    gold = b.tgt_out[0].tolist()  # 丙 甲 <unk> </s>: the unknown word is not scored
    scale = math.exp(m.head.log_scale.item())
    total, n = 0.0, 0
    for pos, g in enumerate(gold):
        if g in (PAD, UNK):
            continue
        cos = table @ o[pos] / (np.linalg.norm(table, axis=1) * np.linalg.norm(o[pos]) + 1e-12)
        logits = scale * cos
        logits[[PAD, BOS, UNK]] = -np.inf
        total += -(logits[g] - np.log(np.exp(logits - logits.max()).sum()) - logits.max())
        n += 1
    assert n == 3
    assert loss.item() == pytest.approx(total / n, rel=1e-5)


@pytest.mark.parametrize("loss_name", ["mse", "cosine"])
def test_regression_losses_and_their_gradients(loss_name):
    m, b = model_and_batch(loss=loss_name)
    out = m(b).detach().requires_grad_(True)
    loss = m.head.loss(out, b.tgt_out)
    keep = (b.tgt_out != PAD) & (b.tgt_out != UNK)
    pred, gold = out[keep], m.table.weight.detach()[b.tgt_out[keep]]
    if loss_name == "mse":
        expected = ((pred - gold) ** 2).mean()
        grad = 2 * (pred - gold) / pred.numel()
    else:
        cos = F.cosine_similarity(pred, gold, dim=-1)
        expected = (1 - cos).mean()
        pn, gn = pred.norm(dim=-1, keepdim=True), gold.norm(dim=-1, keepdim=True)
        grad = -(gold / (pn * gn) - cos[:, None] * pred / pn**2) / len(pred)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    loss.backward()
    torch.testing.assert_close(out.grad[keep], grad.detach(), rtol=1e-4, atol=1e-6)
    assert out.grad[~keep].abs().sum() == 0


def test_scores_never_pick_special_rows_and_vector_head_is_cosine_nearest():
    m, b = model_and_batch()
    out = m(b)
    s = m.scores(out)
    assert torch.isinf(s[..., [PAD, BOS, UNK]]).all()
    nearest = F.cosine_similarity(out.unsqueeze(-2), m.table.weight, dim=-1)
    nearest[..., [PAD, BOS, UNK]] = -2
    assert torch.equal(s.argmax(-1), nearest.argmax(-1))


@pytest.mark.parametrize("head", ["vector", "softmax"])
def test_top_ranks_as_log_probabilities_plus_bias(head):
    """``top`` (the decoding lookup) picks what the full log-probabilities + bias pick,
    in training and at decoding time (where the vector head asks the word index)."""
    m, b = model_and_batch(head)
    bias = torch.zeros(m.config.outputs)
    bias[[5, 6]] = -0.7
    bias[EOS] = float("-inf")
    for mode in (True, False):
        m.train(mode)
        with torch.no_grad():
            out = m(b)[0]  # (T, D): one vector per step, as a batch
            for k in (1, 3):
                want = (m.log_probs(out) + bias).topk(k, dim=-1).indices
                for t in range(out.size(0)):  # single vectors take the int8 path
                    scores, ids = m.top(out[t : t + 1], k, bias)
                    assert torch.equal(ids[0], want[t])
                    full = m.scores(out[t : t + 1])[0, want[t]]
                    assert torch.allclose(scores[0], full, atol=1e-5)
                assert torch.equal(m.top(out, k, bias)[1], want)
    assert head == "softmax" or m.head.index().fast == (torch.backends.quantized.engine in INT8)


def test_vector_head_has_fewer_parameters_than_softmax_head():
    vec, _ = model_and_batch("vector")
    soft, _ = model_and_batch("softmax")
    big = ModelConfig(12000, 200, hidden=256)
    assert count_trainable(Seq2Seq(big)) < count_trainable(
        Seq2Seq(ModelConfig(**{**big.to_dict(), "head": "softmax"}))
    )
    assert count_trainable(vec) > 0 and count_trainable(soft) > 0


def test_output_rows_limit_what_a_reply_can_say_and_what_the_loss_scores():
    t = small_table(("甲", "乙", "丙", "丁"))
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, dropout=0.0, output_size=6)
    torch.manual_seed(0)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors))
    pairs = [Pair("q", "r", 0, query_tokens=["丁"], reply_tokens=["甲", "丁", "乙"])]
    (b,) = list(batches(make_examples(pairs, t, 10, 10), 8, t.dim))
    out = m(b)
    assert m.scores(out).shape[-1] == 6
    # 丁 (row 7) is outside the output rows: like an unknown word it is not scored.
    (row,) = b.tgt_out.tolist()
    assert row == [4, 7, 5, EOS]
    full = torch.log_softmax(m.head.scores(out, scaled=True) + m.head.prior, -1)[0]
    want = -(full[0, 4] + full[2, 5] + full[3, EOS]) / 3
    assert m.head.loss(out, b.tgt_out).item() == pytest.approx(want.item(), rel=1e-5)
    logp = m.log_probs(out)[0]
    (got,) = reply_log_likelihood(m.log_probs(out), b.tgt_out).tolist()
    assert got == pytest.approx(((logp[0, 4] + logp[2, 5] + logp[3, EOS]) / 3).item(), rel=1e-5)


def test_sampled_rows_give_the_full_loss_when_every_row_is_drawn():
    m, b = model_and_batch()
    out = m(b)
    full = m.head.loss(out, b.tgt_out)
    torch.manual_seed(0)
    sampled = m.head.loss(out, b.tgt_out, negatives=2000)  # 8 rows: all drawn
    assert sampled.item() == pytest.approx(full.item(), rel=1e-5)
    torch.manual_seed(0)
    few = m.head.loss(out, b.tgt_out, negatives=1)  # targets and one row: an easier task
    assert few.item() < full.item()
    few.backward()
    assert m.head.out.weight.grad.abs().sum() > 0
