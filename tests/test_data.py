"""The word table and batches: words and dialogue pairs -> tensors."""

import numpy as np
import pytest

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
from chatbot.ingest.dialogue import Pair
from tests.conftest import small_table


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


def test_outputs_first_moves_reply_words_after_the_specials():
    t = small_table(("甲", "乙", "丙", "丁"))
    moved, n = t.outputs_first({"丙", "甲"})
    assert moved.words == ["<pad>", "<s>", "</s>", "<unk>", "甲", "丙", "乙", "丁"]
    assert n == 6
    for w in t.words:
        np.testing.assert_array_equal(moved.vectors[moved.index[w]], t.vectors[t.index[w]])
