"""The model shipped in the package: small, loads without pickle, answers, and still
scores what it recorded when it was made (`make default-model`)."""

import json
from pathlib import Path

import pytest

from chatbot.bot import Chatbot
from chatbot.layout import SHIPPED_MODEL, ModelLayout, default_model

pytestmark = pytest.mark.skipif(
    not (SHIPPED_MODEL / "config.json").is_file(),
    reason="no default model in chatbot/default_model (make default-model builds it)",
)


def test_shipped_model_is_small_and_safetensors_only():
    files = [p for p in SHIPPED_MODEL.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 20 * 1024 * 1024
    assert {p.suffix for p in files} <= {".json", ".txt", ".safetensors"}
    assert default_model() == SHIPPED_MODEL


def test_shipped_model_replies():
    """(Its speed is scripts/bench_reply.py's to measure.)"""
    bot = Chatbot.load(SHIPPED_MODEL)
    for i, q in enumerate(["你今天去哪里了？", "林妹妹身子可好些了？", "老太太叫你呢。"]):
        assert bot.reply(q, seed=i).words


@pytest.mark.slow
def test_shipped_model_matches_its_recorded_eval(dev_corpus):
    from chatbot.evaluate import evaluate_model

    recorded = json.loads(ModelLayout(SHIPPED_MODEL).eval_report.read_text(encoding="utf-8"))
    report = evaluate_model(SHIPPED_MODEL, corpus_dir=dev_corpus)
    assert report["test_pairs"] == recorded["test_pairs"]
    for key in ("top1", "top5", "distinct2", "degenerate", "hits_at_1", "bleu2"):
        assert report["model"][key] == pytest.approx(recorded["model"][key], abs=0.01), key


def test_readme_shows_the_shipped_eval_numbers():
    recorded = json.loads(ModelLayout(SHIPPED_MODEL).eval_report.read_text(encoding="utf-8"))
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"{recorded['model']['top5']:.1%}" in readme
