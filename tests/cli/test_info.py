"""``chatbot info``: what a model is, its curves and its scores, as a user reads them."""

import json
import shutil

from chatbot.cli import main
from chatbot.config import ModelCard
from chatbot.layout import SHIPPED_MODEL, ModelLayout


def info(capsys, *argv):
    code = main(["info", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_shipped_model_its_novel_and_evaluation_table(capsys):
    code, out, _ = info(capsys)  # no model named: the shipped one
    report = json.loads(ModelLayout(SHIPPED_MODEL).eval_report.read_text(encoding="utf-8"))
    assert code == 0
    assert "红楼梦 (shipped with the package)" in out
    assert f"{report['model']['top5']:.1%}" in out and "retrieval" in out
    assert f"test split: {report['test_pairs']} pairs" in out


def test_a_trained_model_shows_its_curves_and_epochs(capsys, echo_model, tmp_path):
    echo_model = shutil.copytree(
        echo_model, tmp_path / "m", ignore=shutil.ignore_patterns("eval.json")
    )
    code, out, _ = info(capsys, "--model", str(echo_model), "--width", "70")
    assert code == 0
    assert "valid perplexity" in out and "valid top-5 %" in out  # the plot's legend
    assert "epochs (validation)" in out
    rows = ModelLayout(echo_model).metrics.read_text(encoding="utf-8").splitlines()
    assert f"{len(rows)} dialogue" in out
    assert "test split (recorded at training time" in out  # no eval.json yet
    assert "max-epochs" in out  # a setting that is not the default


def test_no_model_there_is_a_one_line_error(capsys, tmp_path):
    code, out, err = info(capsys, str(tmp_path / "nothing"))
    assert code == 2 and not out
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1


def test_an_unfinished_model_and_a_base_model(capsys, echo_model, tmp_path):
    model = shutil.copytree(echo_model, tmp_path / "m")
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config["trainable_parameters"] = None  # what a run stopped before its end writes
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    code, out, _ = info(capsys, str(model))
    assert code == 0 and "layers" in out
    code, out, _ = info(capsys, str(SHIPPED_MODEL.parent / "base_model"))
    assert code == 0 and "books" in out and "novel" not in out.split("saved")[0]
    books = ModelCard.read(SHIPPED_MODEL.parent / "base_model").books
    total = f"{sum(b['tokens'] for b in books):,}"  # what each book gave, and in all
    assert "running-text tokens" in out and any(
        [c.strip() for c in line.split("│")[1:3]] == ["all", total] for line in out.splitlines()
    ), out


def test_damaged_weights_are_said_by_info_too(capsys, echo_model, tmp_path):
    """info reads the config and curves; its weights' header is checked as well, so a
    damaged model is not described as a good one."""
    model = shutil.copytree(echo_model, tmp_path / "m")
    (model / "model.safetensors").write_bytes(bytes(range(256)) * 20)
    code, out, err = info(capsys, str(model))
    assert not out
    assert code == 2 and "is corrupt or truncated" in err and len(err.strip().splitlines()) == 1
