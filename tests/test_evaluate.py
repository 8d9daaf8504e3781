"""Evaluation: ranking references, metrics and the eval command."""

import json
import os
import subprocess
import sys

import pytest

from chatbot.data import Encoded, Example
from chatbot.evaluate import overlap_hits
from chatbot.ingest.dialogue import Pair
from chatbot.metrics import degenerate_rate, distinct_n, is_degenerate, repeated_share


def test_overlap_ranking_reference_on_hand_made_examples():
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


def test_reply_metrics_on_hand_made_examples():
    assert is_degenerate([])
    assert is_degenerate(["好", "好", "好"])
    assert is_degenerate(["我", "说", "我", "说"])
    assert not is_degenerate(["我", "说", "你", "说"])
    assert degenerate_rate([["a"], [], ["b", "b", "b"], ["c", "d"]]) == 0.5
    assert distinct_n([["a", "b", "c"], ["a", "b", "d"]], 2) == pytest.approx(3 / 4)
    assert distinct_n([["a", "b"]], 1) == 1.0
    # two messages got 好 and two got 是 (not 是 and 是的): four of five were repeated
    assert repeated_share([["好"], ["是"], ["好"], ["是", "的"], ["是"]]) == pytest.approx(4 / 5)
    assert repeated_share([["好"], ["是"]]) == 0.0


def test_a_model_with_characters_and_context_gets_their_measures(
    persona_model, story_corpus, tmp_path
):
    out = tmp_path / "eval.json"
    cmd = [sys.executable, "-m", "chatbot", "eval", str(persona_model), "--limit", "40"]
    r = subprocess.run(
        [*cmd, "--corpus", str(story_corpus), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert r.returncode == 0, r.stderr
    for words in ("speaker sensitivity", "speaker identification among", "context: top-5"):
        assert words in r.stdout, words
    report = json.loads(out.read_text(encoding="utf-8"))
    ident = report["characters"]["identification"]
    assert 0 <= ident["model"] <= 1 and 0 <= ident["word_frequency"] <= 1
    assert ident["replies"] > 0 and ident["speakers"] >= 2
    ctx = report["context"]
    assert 0 < ctx["with_context"] <= 1
    assert 0 <= ctx["hits1_combined_with_context"] <= 1
