"""The model shipped in the package: small, loads without pickle, answers, and still
scores what it recorded when it was made (`make default-model`)."""

import json
import statistics
import time
from pathlib import Path

import pytest

from chatbot.bot import Chatbot
from chatbot.tui.app import SHIPPED_MODEL, default_model

pytestmark = pytest.mark.skipif(
    not (SHIPPED_MODEL / "config.json").is_file(),
    reason="no default model in chatbot/default_model (make default-model builds it)",
)


def test_shipped_model_is_small_and_safetensors_only():
    files = [p for p in SHIPPED_MODEL.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 20 * 1024 * 1024
    assert {p.suffix for p in files} <= {".json", ".txt", ".safetensors"}
    assert default_model() == SHIPPED_MODEL


def test_shipped_model_replies_quickly():
    bot = Chatbot.load(SHIPPED_MODEL)
    times = []
    for i, q in enumerate(["你今天去哪里了？", "林妹妹身子可好些了？", "老太太叫你呢。"] * 3):
        start = time.perf_counter()
        r = bot.reply(q, seed=i)
        times.append(time.perf_counter() - start)
        assert r.words
    assert statistics.median(times) < 0.5  # generous: the benchmark measures ~20 ms


@pytest.mark.slow
def test_shipped_model_matches_its_recorded_eval(dev_novel, tmp_path):
    from chatbot.evaluate import evaluate_model
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig

    recorded = json.loads((SHIPPED_MODEL / "eval.json").read_text(encoding="utf-8"))
    prepare(dev_novel, tmp_path, PrepareConfig(workers=1, word2vec=Word2VecConfig(workers=1)))
    report = evaluate_model(SHIPPED_MODEL, corpus_dir=tmp_path)
    assert report["test_pairs"] == recorded["test_pairs"]
    for key in ("top1", "top5", "distinct2", "degenerate", "hits_at_1", "bleu2"):
        assert report["model"][key] == pytest.approx(recorded["model"][key], abs=0.01), key


def test_readme_shows_the_shipped_eval_numbers():
    recorded = json.loads((SHIPPED_MODEL / "eval.json").read_text(encoding="utf-8"))
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"{recorded['model']['top5']:.1%}" in readme
