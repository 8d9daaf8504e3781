"""The word table and batches: words and dialogue pairs -> tensors."""

import numpy as np
import pytest

from chatbot.data import (
    BOS,
    CONT,
    EOS,
    MARKERS,
    PAD,
    UNK,
    WordTable,
    batches,
    encode_query,
    encode_reply,
    make_examples,
    split_by_position,
    text_windows,
)
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import Pair
from tests.conftest import small_table


def test_table_has_special_rows_and_c_tool_end_marker_is_ours():
    t = WordTable.from_vectors(["</s>", "好", "的"], np.eye(3, 4))
    assert t.words[:4] == ["<pad>", "<s>", "</s>", "<unk>"]
    assert t.words[4:] == ["好", "的", "<cont>", "<sep>"]  # marker rows come last
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
    assert moved.words == ["<pad>", "<s>", "</s>", "<unk>", "甲", "丙", "乙", "丁", *MARKERS]
    assert n == 6
    for w in t.words:
        np.testing.assert_array_equal(moved.vectors[moved.index[w]], t.vectors[t.index[w]])


def test_text_windows_predict_every_token_once_after_the_passage_before_it():
    words = ["甲", "乙", "丙", "丁"]
    t = small_table(tuple(words))
    tokens = [words[i % 4] for i in range(23)]
    windows = text_windows(tokens, t, source=5, target=4)
    targets = [i for w in windows for i in w.reply]
    assert targets == t.ids(tokens[1:])  # every token but the first, once, in order
    assert all(w.start == t.marker(CONT) and EOS not in w.reply for w in windows)
    for k, w in enumerate(windows):
        first = 1 + 4 * k
        assert w.query.ids == t.ids(tokens[max(0, first - 5) : first])
    (b,) = list(batches(windows[:1], 8, t.dim))
    assert b.tgt_in[0, 0] == t.marker(CONT)


def _corpus(tmp_path, lines):
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig
    from chatbot.layout import CorpusLayout

    (tmp_path / "book.txt").write_text("\n".join(lines), encoding="utf-8")
    w2v = Word2VecConfig(vector_size=8, epochs=1, min_count=1, workers=1)
    config = PrepareConfig(word2vec=w2v)
    return CorpusLayout.at(prepare(tmp_path / "book.txt", tmp_path / "c", config).layout.root)


def _lines(n):
    lines = []
    for i in range(n):  # every line unique, so a held-out line cannot hide in training text
        lines += [f"张三道：“这是第{i}个问题吗？”", f"李四道：“这是第{i}个回答。”", "天黑了。"]
    return lines


def test_running_text_is_split_where_the_pairs_split(tmp_path):
    from chatbot.config import TrainConfig
    from chatbot.data import read_running_text, text_split
    from chatbot.ingest.dialogue import read_pairs

    corpus = _corpus(tmp_path, _lines(60))
    pairs = read_pairs(corpus.pairs)
    config = TrainConfig(valid_share=0.1, test_share=0.1)
    train, valid, test = text_split(corpus, pairs, config)
    assert train + valid + test == [t for s in read_running_text(corpus) for t in s]
    assert len(train) > 3 * len(valid) > 0 and len(test) > 0
    _, held_valid, held_test = split_by_position(pairs, 0.1, 0.1)
    seen = " ".join(train)
    for p in held_valid + held_test:
        assert " ".join(p.reply_tokens) not in seen, p.reply


def test_a_passage_the_book_prints_twice_is_held_out_only(tmp_path):
    from chatbot.config import TrainConfig
    from chatbot.data import read_running_text, split_examples, text_split
    from chatbot.ingest.dialogue import read_pairs

    lines = _lines(60)
    repeated = [
        "王五道：“明日一早我们都到城外的庙里去烧香还愿罢。”",
        "赵六道：“好，我回去告诉家里的人，叫他们早些预备车马。”",
    ]
    lines[30:30] = ["众人散了。", *repeated, "众人散了。"]  # pasted in again from the end
    lines[-3:-3] = ["天亮了。", *repeated, "天亮了。"]
    formula = "毕竟不知那人是谁，且听下回分解。"  # the book's habit, not a copy
    lines = [
        x for k, line in enumerate(lines) for x in ([line, formula] if k % 20 == 19 else [line])
    ]
    corpus = _corpus(tmp_path, lines)
    pairs = read_pairs(corpus.pairs)
    config = TrainConfig(valid_share=0.1, test_share=0.1)
    train, _, test = split_examples(pairs, small_table(), config)
    said = lambda e: (e.pair.query, e.pair.reply)  # noqa: E731
    assert said(test[-2]) == (repeated[0][5:-1], repeated[1][5:-1])  # the test pair...
    assert said(test[-2]) not in map(said, train)  # ...is not trained on
    assert len(train) == len(split_by_position(pairs, 0.1, 0.1)[0]) - 1
    kept = split_examples(pairs, small_table(), TrainConfig(**{**vars(config), "repeats": True}))
    assert said(test[-2]) in map(said, kept[0])  # --repeats trains on them
    text, valid, held = text_split(corpus, pairs, config)
    sentences = read_running_text(corpus)
    joined = [" ".join(s) for s in sentences]
    twice = {x for x in joined if joined.count(x) == 2 and len(x.split()) >= 8}
    assert len(twice) == 2 and all(x in " ".join(held) and x not in " ".join(text) for x in twice)
    # only their training copies are gone; 天黑了。 is in both parts and stays
    everything = sum(map(len, sentences))
    assert len(text + valid + held) == everything - sum(len(x.split()) for x in twice)
    assert "天黑" in text and "天黑" in held
    assert "分解" in "".join(text) and "分解" in "".join(held)


def test_an_old_table_has_no_markers_and_says_so():
    t = WordTable(["<pad>", "<s>", "</s>", "<unk>", "好"], np.zeros((5, 2), dtype=np.float32))
    with pytest.raises(ChatbotError, match="retrain"):
        t.marker(CONT)
