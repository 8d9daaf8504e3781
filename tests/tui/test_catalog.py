"""Which bots there are and what /model says about each: pure file reading."""

import json
import os

from chatbot.fsutil import sha256_file
from chatbot.ingest.words import language
from chatbot.layout import SHIPPED_MODEL, ModelLayout
from chatbot.tui.catalog import all_models, describe, judged_scores, model_state
from chatbot.tui.training import FEW_PAIRS, few_pairs_note, new_model_dir


def judged_set(root, model, fluency, name="s1", criteria=("fluency", "relevance")):
    s = root / name
    s.mkdir(parents=True)
    (s / "key.json").write_text(json.dumps({"model": str(model), "items": []}), "utf-8")
    system = {"fluency": {"mean": fluency, "low": 2.0, "high": 4.0}}
    scores = {"items": 60, "criteria": list(criteria), "systems": {"model": system}}
    (s / "scores.json").write_text(json.dumps(scores))


def test_the_shipped_model_is_listed_by_novel_size_and_scores(tmp_path):
    entry = describe(SHIPPED_MODEL, judge_dirs=())
    assert entry.shipped and entry.finished and entry.novel == "红楼梦"
    assert 5e6 < entry.size < 50e6
    label = entry.label()
    assert label.startswith("红楼梦 (shipped)") and " MB" in label
    assert "judged (n=60)" in label or "test top-5" in label
    assert all_models(tmp_path / "data", search=tmp_path)[0] == SHIPPED_MODEL


def test_judged_scores_win_over_the_test_numbers(tmp_path, echo_model):
    assert "test top-5" in describe(echo_model, judge_dirs=()).label()
    judged_set(tmp_path / "judge", echo_model, 3.25)
    assert judged_scores(echo_model, (tmp_path / "judge",), tmp_path)["fluency"]["mean"] == 3.25
    label = describe(echo_model, judge_dirs=(tmp_path / "judge",)).label()
    assert "judged (n=60): fluency 3.25" in label
    assert judged_scores(SHIPPED_MODEL, (tmp_path / "judge",), tmp_path) is None
    # the newest set of replies wins (s10 after s9); a set of continuations rates other things
    judged_set(tmp_path / "judge", echo_model, 3.5, "s10")
    judged_set(tmp_path / "judge", echo_model, 3.75, "s9")
    judged_set(tmp_path / "judge", echo_model, 2.0, "s11", ("fluency", "coherence"))
    assert judged_scores(echo_model, (tmp_path / "judge",), tmp_path)["fluency"]["mean"] == 3.5
    # a scores file in evals/ whose command is no shell command names no model
    other = {"set": {"command": "the reader's pairs"}, "systems": {}}
    (tmp_path / "pairs.json").write_text(json.dumps(other), "utf-8")
    assert judged_scores(SHIPPED_MODEL, (), tmp_path) is None


def test_app_bots_are_found_and_never_overwritten(tmp_path, echo_model):
    corpus = tmp_path / "data" / "bots" / "novel"
    assert new_model_dir(corpus) == corpus / "model"
    (corpus / "model").mkdir(parents=True)
    for name in os.listdir(echo_model):
        (corpus / "model" / name).write_bytes((echo_model / name).read_bytes())
    assert model_state(corpus / "model") == "finished"
    assert new_model_dir(corpus) == corpus / "model-2"
    import shutil

    shutil.copytree(corpus / "model", corpus / "model-2")  # a second bot of one novel
    labels = [describe(corpus / m, judge_dirs=()).label() for m in ("model", "model-2")]
    assert labels[0] != labels[1] and f"({corpus.name}/model-2)" in labels[1]
    assert corpus / "model" in all_models(tmp_path / "data", search=tmp_path)
    ModelLayout(corpus / "model").config.unlink()
    assert model_state(corpus / "model") == "unfinished"  # its checkpoint is still there
    assert model_state(tmp_path / "nothing") == "none"


def test_two_novels_with_one_file_name_get_a_folder_each(tmp_path):
    from chatbot.tui.training import corpus_dir

    data = tmp_path / "data"
    a, b = tmp_path / "a" / "novel.txt", tmp_path / "b" / "novel.txt"
    for path, text in [(a, "第一本书。"), (b, "第二本书。")]:
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    first = corpus_dir(a, data)
    assert first == data / "bots" / "novel"
    first.mkdir(parents=True)
    manifest = {"source": {"path": str(a), "sha256": sha256_file(a)}}
    (first / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert corpus_dir(a, data) == first  # the same text: its own folder again
    assert corpus_dir(b, data) == data / "bots" / "novel-2"


def test_few_pairs_are_explained_and_questions_follow_the_language():
    assert few_pairs_note({"counts": {"pairs": FEW_PAIRS}}) is None
    assert "only 64 dialogue pairs" in few_pairs_note({"counts": {"pairs": 64}})
    assert language(["你好", "。", "林黛玉"]) == "zh" and language(["hello", "。"]) == "en"
