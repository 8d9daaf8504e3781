"""The seq2seq model and its training, on tiny corpora generated here."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from chatbot.checkpoint import load_model
from chatbot.config import ModelConfig, TrainConfig
from chatbot.data import (
    BOS,
    EOS,
    PAD,
    UNK,
    WordTable,
    batches,
    encode_query,
    encode_reply,
    make_examples,
    split_by_position,
)
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import Pair, read_pairs
from chatbot.ingest.prepare import PrepareConfig, prepare
from chatbot.ingest.vectors import Word2VecConfig
from chatbot.layout import ModelLayout
from chatbot.lookup import _INT8_ENGINES as INT8
from chatbot.metrics import degenerate_rate, distinct_n, is_degenerate
from chatbot.model import Seq2Seq
from chatbot.train import train

TINY = dict(hidden=32, encoder_layers=1, dropout=0.0, batch_size=8, sample=8, max_minutes=5)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A prepared corpus of a generated story, with small vectors."""
    from tests.conftest import make_story

    root = tmp_path_factory.mktemp("corpus")
    novel = root / "story.txt"
    novel.write_text(make_story(8, seed=3), encoding="utf-8")
    cfg = PrepareConfig(word2vec=Word2VecConfig(vector_size=16, epochs=5, min_count=1, workers=1))
    prepare(novel, root / "c", cfg)
    return root / "c"


def small_table(words=("甲", "乙", "丙", "甲乙")) -> WordTable:
    rng = np.random.default_rng(0)
    return WordTable.from_vectors(list(words), rng.normal(size=(len(words), 6)))


def test_table_has_special_rows_and_c_tool_end_marker_is_ours():
    t = WordTable.from_vectors(["</s>", "好", "的"], np.eye(3, 4))
    assert t.words[:4] == ["<pad>", "<s>", "</s>", "<unk>"]
    assert t.words[4:] == ["好", "的"]
    assert not t.vectors[PAD].any()
    assert np.linalg.norm(t.vectors[BOS]) == pytest.approx(1.0, rel=1e-5)
    assert len(t.fingerprint()) == 16


def test_unknown_query_words_get_character_fallback_vectors():
    t = small_table()
    enc = encode_query(t, ["甲", "乙丙", "丁"], max_len=10)
    assert enc.ids == [t.index["甲"], UNK, UNK]
    assert enc.oov_pos == [1, 2]
    np.testing.assert_allclose(
        enc.oov[0], (t.vectors[t.index["乙"]] + t.vectors[t.index["丙"]]) / 2
    )
    np.testing.assert_allclose(enc.oov[1], t.vectors[UNK])
    assert encode_query(t, ["甲"] * 5 + ["乙"], max_len=2).ids == [t.index["甲"], t.index["乙"]]


def test_long_reply_is_cut_at_a_sentence_end():
    t = small_table(("好", "。", "，"))
    ids = encode_reply(t, ["好", "。", "好", "，", "好", "，", "好"], max_len=5)
    assert ids == [t.index["好"], t.index["。"], EOS]
    assert encode_reply(t, ["好"] * 9, max_len=4) == [t.index["好"]] * 4 + [EOS]


def test_split_is_by_position_with_the_end_held_out():
    train_, valid, test = split_by_position(list(range(100)), 0.1, 0.05)
    assert (
        train_ == list(range(85)) and valid == list(range(85, 95)) and test == list(range(95, 100))
    )
    with pytest.raises(ChatbotError, match="too few"):
        split_by_position([1, 2], 0.5, 0.5)


def test_batches_pad_and_shift_targets():
    t = small_table()
    pairs = [
        Pair("q", "r", i, query_tokens=["甲"] * (i + 1), reply_tokens=["乙"] * (i + 1))
        for i in range(5)
    ]
    ex = make_examples(pairs, t, 10, 10)
    (b,) = list(batches(ex, 8, t.dim))
    assert b.tgt_in[:, 0].eq(BOS).all()
    for row, e in zip(range(5), sorted(ex, key=lambda e: len(e.reply))):
        n = len(e.reply)
        assert b.tgt_out[row, :n].tolist() == e.reply
        assert b.tgt_in[row, 1:n].tolist() == e.reply[:-1]
        assert b.tgt_out[row, n:].eq(PAD).all()


def model_and_batch(head="vector", loss="cosine-softmax"):
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, dropout=0.0, head=head, loss=loss)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors))
    pairs = [Pair("q", "r", 0, query_tokens=["甲", "乙"], reply_tokens=["丙", "甲", "乙丁"])]
    (b,) = list(batches(make_examples(pairs, t, 10, 10), 8, t.dim))
    return m, b


def test_cosine_softmax_loss_matches_hand_computation():
    m, b = model_and_batch()
    out = m(b)
    loss = m.loss(out, b.tgt_out)
    table = m.table.weight.detach().numpy()
    o = out.detach().numpy()[0]
    gold = b.tgt_out[0].tolist()  # 丙 甲 <unk> </s>: the unknown word is not scored
    scale = math.exp(m.log_scale.item())
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
    loss = m.loss(out, b.tgt_out)
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
    assert head == "softmax" or m.index().fast == (torch.backends.quantized.engine in INT8)


def test_vector_head_has_fewer_parameters_than_softmax_head():
    from chatbot.model import count_trainable

    vec, _ = model_and_batch("vector")
    soft, _ = model_and_batch("softmax")
    big = ModelConfig(12000, 200, hidden=256)
    assert count_trainable(Seq2Seq(big)) < count_trainable(
        Seq2Seq(ModelConfig(**{**big.to_dict(), "head": "softmax"}))
    )
    assert count_trainable(vec) > 0 and count_trainable(soft) > 0


def test_config_round_trip():
    c = TrainConfig(hidden=64, head="softmax", lr=1e-3)
    assert TrainConfig.from_dict(json.loads(json.dumps(c.__dict__))) == c
    mc = c.model_config(100, 16)
    assert ModelConfig(**json.loads(json.dumps(mc.to_dict()))) == mc


def test_tiny_model_learns_its_pairs(echo_corpus, tmp_path):
    cfg = TrainConfig(
        **{**TINY, "hidden": 64, "lr": 1e-2, "max_epochs": 40, "patience": 100, "lr_patience": 100}
    )
    result = train(echo_corpus, cfg, model_dir=tmp_path / "m")
    # Valid and test pairs are the same six exchanges: a model that learned them scores high.
    assert result.test["top1"] > 0.9
    assert result.test["degenerate"] == 0
    loaded = load_model(tmp_path / "m")
    ex = make_examples(read_pairs(echo_corpus / "pairs.tsv"), loaded.table, 40, 30)
    (b,) = list(batches(ex[:6], 8, loaded.table.dim))
    ids, scores = loaded.model.greedy(b, 31)
    got = [[loaded.table.words[i] for i in row if i not in (PAD, EOS)] for row in ids.tolist()]
    want = [
        [loaded.table.words[i] for i in e.reply[:-1]]
        for e in sorted(ex[:6], key=lambda e: (len(e.reply), len(e.query.ids)))
    ]
    assert sum(g == w for g, w in zip(got, want)) >= 4  # greedy replies are the learned ones
    assert (scores[ids != PAD] <= 1.0 + 1e-6).all()  # cosine similarities
    rows = [json.loads(x) for x in ModelLayout.at(tmp_path / "m").metrics.read_text().splitlines()]
    assert len(rows) == result.epochs
    assert rows[-1]["train_loss"] < rows[0]["train_loss"] / 5


def test_resume_reaches_the_same_weights(corpus, tmp_path):
    cfg = TrainConfig(**{**TINY, "dropout": 0.3, "max_epochs": 3, "patience": 100})
    train(corpus, cfg, model_dir=tmp_path / "straight")
    train(corpus, TrainConfig(**{**cfg.__dict__, "max_epochs": 1}), model_dir=tmp_path / "split")
    train(corpus, cfg, model_dir=tmp_path / "split", resume=True)
    a = load_file(str(ModelLayout.at(tmp_path / "straight").checkpoint))
    b = load_file(str(ModelLayout.at(tmp_path / "split").checkpoint))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_resume_refuses_other_vectors_and_missing_checkpoint(corpus, tmp_path):
    with pytest.raises(ChatbotError, match="nothing to resume"):
        train(corpus, TrainConfig(**TINY, max_epochs=1), model_dir=tmp_path / "none", resume=True)
    cfg = TrainConfig(**TINY, max_epochs=1)
    train(corpus, cfg, model_dir=tmp_path / "m")
    state = json.loads(ModelLayout.at(tmp_path / "m").checkpoint_state.read_text())
    state["vectors_sha256"] = "0" * 64
    ModelLayout.at(tmp_path / "m").checkpoint_state.write_text(json.dumps(state))
    with pytest.raises(ChatbotError, match="other vectors"):
        train(corpus, TrainConfig(**TINY, max_epochs=2), model_dir=tmp_path / "m", resume=True)


def test_corrupt_or_mismatched_model_fails_clearly(corpus, tmp_path):
    train(corpus, TrainConfig(**TINY, max_epochs=1), model_dir=tmp_path / "m")
    lay = ModelLayout.at(tmp_path / "m")
    assert load_model(lay.root).table.words[:3] == ["<pad>", "<s>", "</s>"]
    with pytest.raises(ChatbotError, match="no model directory"):
        load_model(tmp_path / "missing")
    words = lay.vocab.read_text(encoding="utf-8")
    lay.vocab.write_text(words + "多余\n", encoding="utf-8")
    with pytest.raises(ChatbotError, match="disagree"):
        load_model(lay.root)
    lay.vocab.write_text(words, encoding="utf-8")
    data = lay.weights.read_bytes()
    lay.weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ChatbotError, match="corrupt or truncated"):
        load_model(lay.root)
    lay.config.write_text("{not json", encoding="utf-8")
    with pytest.raises(ChatbotError, match="not a valid model config"):
        load_model(lay.root)


def test_reply_metrics_on_hand_made_examples():
    assert is_degenerate([])
    assert is_degenerate(["好", "好", "好"])
    assert is_degenerate(["我", "说", "我", "说"])
    assert not is_degenerate(["我", "说", "你", "说"])
    assert degenerate_rate([["a"], [], ["b", "b", "b"], ["c", "d"]]) == 0.5
    assert distinct_n([["a", "b", "c"], ["a", "b", "d"]], 2) == pytest.approx(3 / 4)
    assert distinct_n([["a", "b"]], 1) == 1.0


def test_train_cli_reports_the_test_split_and_errors_cleanly(corpus, tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "chatbot", "train", *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    r = cli(
        str(corpus),
        "--out",
        str(tmp_path / "m"),
        "--hidden",
        "16",
        "--encoder-layers",
        "1",
        "--max-epochs",
        "1",
        "--batch-size",
        "16",
        "--sample",
        "4",
    )
    assert r.returncode == 0, r.stderr
    assert "teacher-forced top-5" in r.stdout and "greedy distinct-2" in r.stdout
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    assert {"model", "train", "vectors_sha256", "package_version", "test"} <= config.keys()
    r = cli(str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "run `chatbot prepare` first" in r.stderr


def test_outputs_first_moves_reply_words_after_the_specials():
    t = small_table(("甲", "乙", "丙", "丁"))
    moved, n = t.outputs_first({"丙", "甲"})
    assert moved.words == ["<pad>", "<s>", "</s>", "<unk>", "甲", "丙", "乙", "丁"]
    assert n == 6
    for w in t.words:
        np.testing.assert_array_equal(moved.vectors[moved.index[w]], t.vectors[t.index[w]])


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
    full = torch.log_softmax(m.scores(out, scaled=True) + m.prior, -1)[0]
    want = -(full[0, 4] + full[2, 5] + full[3, EOS]) / 3
    assert m.loss(out, b.tgt_out).item() == pytest.approx(want.item(), rel=1e-5)
    from chatbot.model import reply_log_likelihood

    logp = m.log_probs(out)[0]
    (got,) = reply_log_likelihood(m.log_probs(out), b.tgt_out).tolist()
    assert got == pytest.approx(((logp[0, 4] + logp[2, 5] + logp[3, EOS]) / 3).item(), rel=1e-5)


def test_repeat_unlikelihood_matches_hand_computation():
    from chatbot.model import repeat_unlikelihood

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
    from chatbot.model import reply_log_likelihood

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
    want = m.loss(m(b), b.tgt_out) + 0.5 * F.softplus(other.flip(0) - own).mean()
    assert m.objective(b, contrast=0.5).item() == pytest.approx(want.item(), rel=1e-5)
    from chatbot.model import repeat_unlikelihood

    want = want + 0.25 * repeat_unlikelihood(m.log_probs(m(b)), b.tgt_out)
    got = m.objective(b, contrast=0.5, unlikelihood=0.25)
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    got.backward()
    assert m.encoder.weight_ih_l0.grad.abs().sum() > 0


def test_repeats_marks_words_that_loop():
    from chatbot.model import repeats

    ids = torch.tensor([[5, 6, 7, 5, 6, 8, 8, EOS], [5, 5, 5, 6, EOS, PAD, PAD, PAD]])
    assert repeats(ids)[0].tolist() == [False, False, False, False, True, False, True, False]
    assert repeats(ids)[1, :4].tolist() == [False, True, True, False]


def test_rollout_term_makes_the_models_own_loops_less_likely():
    from chatbot.model import repeats

    m, b = model_and_batch()
    memory, state = m.encode(b)
    ids, _ = m.greedy(b, 8)
    bad = repeats(ids)
    assert bad.any()  # an untrained model loops
    t = int(bad[0].nonzero()[0])  # the first looping word of the first reply

    def p_bad() -> float:
        prev = torch.cat([torch.full_like(ids[:, :1], BOS), ids[:, :-1]], 1)
        memory, state = m.encode(b)
        out, _ = m.decode_steps(prev, state, memory)
        return m.log_probs(out)[0, t, ids[0, t]].exp().item()

    before = p_bad()
    term = m._rollout_unlikelihood(memory, state, 8)
    assert term.item() > 0
    term.backward()
    with torch.no_grad():
        for p in m.parameters():
            if p.grad is not None:
                p -= 0.5 * p.grad
    assert p_bad() < before


@pytest.mark.parametrize("layers", [1, 2])
def test_fast_decoding_step_matches_the_lstm(layers):
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, decoder_layers=layers)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors)).eval()
    _, b = model_and_batch()
    memory, state = m.encode(b)
    prev = torch.tensor([BOS])
    slow, slow_state = m.decode_steps(prev.unsqueeze(1), state, memory)  # grad on: nn.LSTM
    with torch.no_grad():
        fast, fast_state = m.decode_steps(prev.unsqueeze(1), state, memory)
    torch.testing.assert_close(fast, slow.detach(), rtol=1e-5, atol=1e-6)
    for a, s in zip(fast_state, slow_state):
        torch.testing.assert_close(a, s.detach(), rtol=1e-5, atol=1e-6)


def test_overlap_ranking_reference_on_hand_made_examples():
    from chatbot.data import Encoded, Example
    from chatbot.evaluate import overlap_hits

    def ex(q: str, r: str) -> Example:
        return Example(
            Encoded([], [], []), [], Pair(q, r, 0, query_tokens=list(q), reply_tokens=list(r))
        )

    train = [ex("甲乙", "丙丁"), ex("丙", "甲")]
    # Each reply shares a word with its own query only: always ranked first.
    test = [ex("风", "风来"), ex("雨", "雨去"), ex("雪", "雪落")]
    assert overlap_hits(train, test, candidates=3) == 1.0
    # No reply shares anything: all tie, so each query gets the expected 1/3.
    test = [ex("风", "甲"), ex("雨", "乙"), ex("雪", "丙")]
    assert overlap_hits(train, test, candidates=3) == pytest.approx(1 / 3)
