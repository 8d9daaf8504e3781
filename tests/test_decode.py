"""Decoding: the guards as a pure bias, the one loop, and the shipped model's replies
against a recording made before decoding last changed."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from chatbot.bot import Chatbot
from chatbot.config import DecodeOptions, ModelConfig
from chatbot.data import EOS, PAD, WordTable, batches, make_examples
from chatbot.decode import greedy, guard_bias, run
from chatbot.fsutil import sha256_file
from chatbot.ingest.dialogue import Pair
from chatbot.layout import SHIPPED_MODEL, ModelLayout
from chatbot.model import Seq2Seq

RECORDING = Path(__file__).parent / "data" / "shipped_replies.json"


def test_guard_bias_penalises_repeats_and_bans_ngrams_and_early_ends():
    o = DecodeOptions(repetition_penalty=2.0, no_repeat_ngram=2, min_length=3)
    b = guard_bias([5, 6, 5], o, t=3, size=10)
    assert b[5] == pytest.approx(-math.log(2.0))  # said before: penalised
    assert b[6] == -np.inf  # "5 6" was said: after 5, 6 would repeat it
    assert not b[[0, 1, 2, 3, 4, 7, 8, 9]].any()
    assert guard_bias([], o, t=0, size=10)[EOS] == -np.inf  # too short to end
    assert guard_bias([1, 4, 3], o, t=3, size=10)[EOS] == 0
    plain = DecodeOptions(repetition_penalty=1.0, no_repeat_ngram=0, min_length=0)
    assert not guard_bias([4, 5, 4], plain, t=9, size=10).any()
    b = guard_bias([3, 4, 4], plain, t=9, size=10)  # a word twice in a row: not a third time
    assert b[4] == -np.inf and not b[[0, 1, 2, 3, 5, 6, 7, 8, 9]].any()
    b = guard_bias([7, 8], DecodeOptions(no_repeat_ngram=1, min_length=0), 2, 10)
    assert b[7] == b[8] == -np.inf  # 1-grams: no word twice


def test_batched_greedy_is_each_rows_own_greedy_reply():
    """Training's rollout and evaluation decode many rows at once; the chat decodes one.
    Both are ``run``: a row's reply must not depend on the others in its batch."""
    words = ["甲", "乙", "丙", "丁", "戊", "甲乙"]
    table = WordTable.from_vectors(words, np.random.default_rng(7).normal(size=(6, 8)))
    torch.manual_seed(0)
    config = ModelConfig(len(table), table.dim, hidden=8, encoder_layers=1, dropout=0.0)
    model = Seq2Seq(config, torch.from_numpy(table.vectors)).eval()
    queries = [["甲"], ["乙", "丙"], ["甲乙", "甲", "乙"], ["戊", "丁"]]
    pairs = [Pair("q", "r", i, query_tokens=q, reply_tokens=["甲"]) for i, q in enumerate(queries)]
    (batch,) = list(batches(make_examples(pairs, table, 10, 10), 8, table.dim))
    with torch.no_grad():
        ids, scores = greedy(model, *model.start(batch), 6)
        for row in range(len(queries)):
            one = type(batch)(*(t[row : row + 1] for t in batch.__dict__.values()))
            steps = list(run(model, *model.start(one), 6))
            assert ids[row, : len(steps)].tolist() == [s.words[0] for s in steps]
            assert ids[row, len(steps) :].eq(PAD).all()
            assert scores[row, : len(steps)].tolist() == pytest.approx(
                [s.scores[0] for s in steps], abs=1e-5
            )


@pytest.mark.skipif(not ModelLayout(SHIPPED_MODEL).exists(), reason="no shipped model")
def test_shipped_model_replies_are_the_recorded_ones():
    recorded = json.loads(RECORDING.read_text(encoding="utf-8"))
    if recorded["weights_sha256"] != sha256_file(ModelLayout(SHIPPED_MODEL).weights):
        pytest.fail("the shipped model changed: re-record with scripts/record_replies.py")
    from scripts.record_replies import MODES

    bot = Chatbot.load(SHIPPED_MODEL)
    for want in recorded["replies"]:
        r = bot.reply(want["message"], MODES[want["mode"]])
        where = (want["message"], want["mode"])
        assert (r.words, r.stop) == (want["words"], want["stop"]), where
        # the last bits of a float depend on how many threads summed it
        assert r.scores == pytest.approx(want["scores"], abs=1e-5), where
        assert r.log_prob == pytest.approx(want["log_prob"], abs=1e-4), where


def test_never_one_mark_twice_in_a_row():
    from chatbot.decode import guard_bias

    o = DecodeOptions(repetition_penalty=1.0, no_repeat_ngram=0, min_length=0)
    marks = frozenset({5, 6})
    after_mark = guard_bias([7, 5], o, 2, 10, marks)
    assert after_mark[5] == float("-inf")  # ?? and ,, never
    assert after_mark[6] == after_mark[7] == 0  # -？ closes a quotation in some books
    assert not np.isinf(guard_bias([5, 7], o, 2, 10, marks)).any()  # after a word: fine


def test_no_reply_ends_on_a_comma_or_colon():
    from chatbot.decode import guard_bias

    o = DecodeOptions(repetition_penalty=1.0, no_repeat_ngram=0, min_length=0)
    comma = frozenset({6})
    assert guard_bias([7, 6], o, 2, 10, open_ends=comma)[EOS] == float("-inf")
    assert guard_bias([6, 7], o, 2, 10, open_ends=comma)[EOS] == 0  # after a word: it may end
