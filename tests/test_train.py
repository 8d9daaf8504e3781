"""The training loop: learning, exact resume, the train command."""

import json
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from chatbot.checkpoint import load_model
from chatbot.config import ModelCard
from chatbot.data import EOS, PAD, batches, make_examples
from chatbot.decode import greedy
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import read_pairs
from chatbot.layout import ModelLayout
from chatbot.train import planned_text_epochs, train
from tests.conftest import tiny


def test_tiny_model_learns_its_pairs(echo_corpus, tmp_path):
    cfg = tiny(hidden=64, lr=1e-2, max_epochs=40, patience=100, lr_patience=100)
    result = train(echo_corpus, cfg, model_dir=tmp_path / "m")
    # Valid and test pairs are the same six exchanges: a model that learned them scores high.
    assert result.test["top1"] > 0.9
    assert result.test["degenerate"] == 0
    loaded = load_model(tmp_path / "m")
    ex = make_examples(read_pairs(echo_corpus / "pairs.tsv"), loaded.table, 40, 30)
    (b,) = list(batches(ex[:6], 8, loaded.table.dim))
    ids, scores = greedy(loaded.model, *loaded.model.start(b), 31)
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


def test_resume_reaches_the_same_weights(story_corpus, tmp_path):
    corpus = story_corpus
    cfg = tiny(dropout=0.3, max_epochs=3, patience=100)
    train(corpus, cfg, model_dir=tmp_path / "straight")
    train(corpus, replace(cfg, max_epochs=1), model_dir=tmp_path / "split")
    train(corpus, cfg, model_dir=tmp_path / "split", resume=True)
    a = load_file(str(ModelLayout.at(tmp_path / "straight").checkpoint))
    b = load_file(str(ModelLayout.at(tmp_path / "split").checkpoint))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_a_resume_keeps_the_first_runs_settings_but_those_given(story_corpus, tmp_path):
    from chatbot.cli import build_parser
    from chatbot.cli.options import typed_options
    from chatbot.config import ModelCard, TrainConfig

    out = tmp_path / "m"
    train(story_corpus, tiny(max_epochs=1, patience=100, lr=3e-3), model_dir=out)
    asked = TrainConfig(max_epochs=2, lr=1e-3)  # what a bare `train --max-epochs 2` parses
    result = train(story_corpus, asked, model_dir=out, resume=True, given={"max_epochs"})
    card = ModelCard.read(out)
    assert result.epochs == 2 and card.model.hidden == 32 and card.train.lr == 3e-3
    assert card.train.text_epochs == 0 and card.train.repeats  # not the defaults
    # the progress of a bare resume names the run's phases, not the defaults
    assert planned_text_epochs(ModelLayout(out), asked, True, {"max_epochs"}) == 0
    assert planned_text_epochs(ModelLayout(out), asked, False, set()) == asked.text_epochs != 0
    with pytest.raises(ChatbotError, match="first run's settings \\(--hidden 32, --repeats\\)"):
        bad = tiny(hidden=48, repeats=False, max_epochs=3)
        train(story_corpus, bad, model_dir=out, resume=True, given={"hidden", "repeats"})
    with pytest.raises(ChatbotError, match="running-text epochs come before"):
        train(story_corpus, tiny(text_epochs=2), model_dir=out, resume=True, given={"text_epochs"})
    fewer = train(
        story_corpus, tiny(max_epochs=1), model_dir=out, resume=True, given={"max_epochs"}
    )
    assert fewer.epochs == 2 and ModelCard.read(out).train.max_epochs == 2  # not 1
    argv = ["train", "c", "--resume", "--max-ep", "3", "--no-copy", "--hidden=64", "--lr", "1"]
    sub = build_parser()._actions[-1].choices["train"]
    assert typed_options(sub, argv) == {"resume", "max_epochs", "copy", "hidden", "lr"}


def test_resume_refuses_other_vectors_and_missing_checkpoint(story_corpus, tmp_path):
    corpus = story_corpus
    with pytest.raises(ChatbotError, match="nothing to resume"):
        train(corpus, tiny(max_epochs=1), model_dir=tmp_path / "none", resume=True)
    cfg = tiny(max_epochs=1)
    train(corpus, cfg, model_dir=tmp_path / "m")
    state = json.loads(ModelLayout.at(tmp_path / "m").checkpoint_state.read_text())
    state["vectors_sha256"] = "0" * 64
    ModelLayout.at(tmp_path / "m").checkpoint_state.write_text(json.dumps(state))
    with pytest.raises(ChatbotError, match="other vectors"):
        train(corpus, tiny(max_epochs=2), model_dir=tmp_path / "m", resume=True)
    with pytest.raises(ChatbotError, match="--resume continues a run and --force starts over"):
        train(corpus, tiny(max_epochs=2), model_dir=tmp_path / "m", resume=True, force=True)


def test_a_model_or_unfinished_run_is_replaced_only_with_force(story_corpus, tmp_path):
    lay = ModelLayout.at(tmp_path / "m")
    train(story_corpus, tiny(max_epochs=1), model_dir=lay.root)
    weights = lay.weights.read_bytes()
    with pytest.raises(ChatbotError, match="already holds a trained model; --force"):
        train(story_corpus, tiny(max_epochs=1), model_dir=lay.root)
    assert lay.weights.read_bytes() == weights
    lay.eval_report.write_text("{}")  # what `chatbot eval` said of the model

    def stop(*_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C before the new run's first epoch
        train(story_corpus, tiny(max_epochs=1), model_dir=lay.root, force=True, on_batch=stop)
    assert len(lay.metrics.read_text().splitlines()) == 1 and lay.eval_report.exists()
    lay.config.unlink()  # what an interrupted run leaves: a checkpoint, no model
    with pytest.raises(ChatbotError, match="unfinished training run"):
        train(story_corpus, tiny(max_epochs=1), model_dir=lay.root)
    train(story_corpus, tiny(max_epochs=2, patience=100), model_dir=lay.root, force=True)
    assert lay.exists() and len(lay.metrics.read_text().splitlines()) == 2  # this run's
    assert not lay.eval_report.exists()  # it was the replaced model's


def test_train_cli_reports_the_test_split_and_errors_cleanly(story_corpus, tmp_path, capsys):
    from tests.conftest import run_cli

    corpus = story_corpus

    def cli(*args):
        return run_cli(["train", *args], capsys)

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
    r = cli(str(corpus), "--out", str(tmp_path / "m"))
    assert r.returncode == 2 and "already holds a trained model; --force" in r.stderr
    small = ["--hidden", "16", "--encoder-layers", "1", "--max-epochs", "1", "--batch-size", "16"]
    r = cli(str(corpus), "--out", str(tmp_path / "m"), "--resume", *small, "--sample", "4")
    assert r.returncode == 0 and "nothing left to train" in r.stdout, r.stderr
    r = cli(str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "run `chatbot prepare` first" in r.stderr
    novel = tmp_path / "novel.txt"  # the novel itself instead of its prepared corpus
    novel.write_text("张三道：“你好。”", encoding="utf-8")
    r = cli(str(novel))
    assert r.returncode == 2 and f"run `chatbot prepare {novel}`" in r.stderr
    # --from shipped is the package's base, whose 200-dimensional table this corpus's
    # small vectors cannot join: a one-line error that says what to do
    r = cli(str(corpus), "--out", str(tmp_path / "f"), "--from", "shipped")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "the base's 200: prepare it with --vector-size 200" in r.stderr


def test_running_text_only_keeps_the_last_text_epoch(story_corpus, tmp_path):
    result = train(story_corpus, tiny(text_epochs=1, max_epochs=0), model_dir=tmp_path / "m")
    rows = ModelLayout.at(tmp_path / "m").metrics.read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["phase"] for r in rows] == ["text"]
    assert result.epochs == 0 and "text_ppl" in result.test
    with pytest.raises(ChatbotError, match="max epochs"):
        tiny(max_epochs=0)


def test_dialogue_samples_rows_only_without_the_terms_that_need_every_row():
    from chatbot.train import Step, train_step
    from tests.conftest import model_and_batch

    def loss(**settings):
        m, b = model_and_batch()
        m.eval()  # no dropout: the same model gives the same loss
        optimizer = torch.optim.SGD(m.parameters(), lr=0.0)
        torch.manual_seed(0)
        cfg = tiny(contrast=0, rollout=0, **settings)
        return train_step(Step(m), b, optimizer, cfg, None)

    exact = loss(unlikelihood=0, negatives=0)
    assert loss(unlikelihood=0, negatives=1) < exact  # the target and one other row
    assert loss(unlikelihood=0, negatives=2000) == pytest.approx(exact, rel=1e-5)  # all rows
    assert loss(unlikelihood=1, negatives=1) >= exact  # exact word loss plus the penalty


def test_the_time_cap_holds_across_resumes_and_zero_lifts_it(story_corpus, tmp_path):
    out = tmp_path / "m"
    capped = tiny(max_epochs=3, patience=100, max_minutes=1e-5)  # under a second
    first = train(story_corpus, capped, model_dir=out)
    assert first.stopped == "time_budget" and first.epochs == 1
    # a cap between one epoch and two: the run stopped as the next would overrun it
    lay = ModelLayout.at(out)
    state = json.loads(lay.checkpoint_state.read_text())
    state |= {"elapsed": 30.0, "last_seconds": 20.0}
    lay.checkpoint_state.write_text(json.dumps(state))
    between = tiny(max_epochs=3, patience=100, max_minutes=45 / 60)
    again = train(story_corpus, between, model_dir=out, resume=True, given={"max_minutes"})
    assert again.stopped == "time_budget" and again.epochs == 1  # no epoch past the cap
    lifted = train(
        story_corpus, tiny(max_minutes=0), model_dir=out, resume=True, given={"max_minutes"}
    )
    assert lifted.stopped == "max_epochs" and lifted.epochs == 3


def test_weights_that_stop_being_numbers_end_training_in_one_line():
    """Checked after every epoch, before anything is saved: a diverged run must not
    replace the last good epoch with a model that says one word over and over."""
    import torch

    from chatbot.train import diverged
    from tests.conftest import model_and_batch

    model, _ = model_and_batch()
    diverged(model, "epoch 1", 2e-3)  # finite: nothing to say
    with torch.no_grad():
        next(model.parameters())[0] = float("inf")
    with pytest.raises(ChatbotError, match=r"diverged in epoch 3: .*lower --lr \(was 0.002\)"):
        diverged(model, "epoch 3", 2e-3)


def test_characters_that_no_speaker_qualifies_for_are_an_error(story_corpus, tmp_path):
    """They were dropped without a word, leaving a model that knows no one."""
    with pytest.raises(
        ChatbotError,
        match=r"--characters 3: no speaker has --min-lines 10000 .*the most any speaker has is \d+",
    ):
        train(story_corpus, tiny(characters=3, min_lines=10_000), model_dir=tmp_path / "m")
    assert not (tmp_path / "m" / "config.json").exists()


def test_fine_tuning_a_model_with_characters_without_asking_for_them(
    persona_model, story_corpus, tmp_path
):
    # Its persona layers stay, with one row: everyone speaks as "anyone" (it was an
    # error that blamed a --characters 1 nobody typed).
    train(story_corpus, tiny(max_epochs=1), model_dir=tmp_path / "m", base=persona_model)
    assert ModelCard.read(tmp_path / "m").model.characters == 1
