"""The model shipped in the package: small, loads without pickle, answers, and still
scores what it recorded when it was made (`make default-model`)."""

import json
from pathlib import Path

import pytest

from chatbot.bot import Chatbot
from chatbot.layout import SHIPPED_BASE, SHIPPED_MODEL, ModelLayout, default_model, shipped_base

pytestmark = pytest.mark.skipif(
    not (SHIPPED_MODEL / "config.json").is_file(),
    reason="no default model in chatbot/default_model (make default-model builds it)",
)


def test_shipped_model_is_small_and_safetensors_only():
    files = [p for p in SHIPPED_MODEL.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 20 * 1024 * 1024
    assert {p.suffix for p in files} <= {".json", ".txt", ".safetensors"}
    assert default_model() == SHIPPED_MODEL


def test_everything_shipped_fits_the_budget_and_the_base_is_a_base():
    from chatbot.checkpoint import load_model
    from chatbot.config import ModelCard

    shipped = [p for d in (SHIPPED_MODEL, SHIPPED_BASE) if d.is_dir() for p in d.iterdir()]
    assert sum(p.stat().st_size for p in shipped) <= 40 * 1024 * 1024
    assert {p.suffix for p in shipped} <= {".json", ".txt", ".safetensors"}
    if shipped_base() is None:
        pytest.skip("no base in chatbot/base_model")
    card = ModelCard.read(SHIPPED_BASE)
    assert card.books and all(len(b["sha256"]) == 64 for b in card.books)
    assert card.weights_dtype == "float16" and not card.model.characters
    assert load_model(SHIPPED_BASE, "cpu").table.dim == card.model.dim


def test_shipped_model_replies():
    """(Its speed is scripts/bench_reply.py's to measure.)"""
    bot = Chatbot.load(SHIPPED_MODEL)
    for i, q in enumerate(["你今天去哪里了？", "林妹妹身子可好些了？", "老太太叫你呢。"]):
        assert bot.reply(q, seed=i).words


@pytest.mark.slow
@pytest.mark.xdist_group("dev_novel")  # one worker prepares the novel for both files
def test_shipped_model_matches_its_recorded_eval(dev_corpus):
    """Teacher-forced and ranking numbers on the whole test split (the decoded replies
    are checked word for word against a recording in tests/test_decode.py)."""
    from chatbot.data import dialogue
    from chatbot.evaluate import corpus_of, ranking_hits, teacher_forced
    from chatbot.ingest.dialogue import read_pairs

    recorded = json.loads(ModelLayout(SHIPPED_MODEL).eval_report.read_text(encoding="utf-8"))
    bot = Chatbot.load(SHIPPED_MODEL)
    d = dialogue(read_pairs(corpus_of(bot, dev_corpus).pairs), bot.table, bot.card.train, bot.cast)
    assert len(d.test) == recorded["test_pairs"]
    tf = teacher_forced(bot.model, d.test, bot.table.dim, batch_size=64, device=bot.device)
    ranks = ranking_hits(bot.model, d.test, d.train, bot.table, seed=0, device=bot.device)
    got = {"top1": tf["top1"], "top5": tf["top5"], "hits_at_1": ranks["hits1"]}
    got["hits_at_1_combined"] = ranks["hits1_combined"]
    for key, value in got.items():
        assert value == pytest.approx(recorded["model"][key], abs=0.01), key


def test_readme_shows_the_shipped_eval_numbers():
    recorded = json.loads(ModelLayout(SHIPPED_MODEL).eval_report.read_text(encoding="utf-8"))
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    model = recorded["model"]
    for shown in (
        f"{model['top5']:.1%}",
        f"{model['distinct2']:.3f}",
        f"{model['hits_at_1_combined']:.1%}",
        f"{model['repeated']:.1%}",
        f"{model['chat_repeats']:.1%}",
    ):
        assert shown in readme, shown
