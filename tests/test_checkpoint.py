"""Saving and loading models without pickle; damaged files fail in one line."""

import shutil

import pytest

from chatbot.checkpoint import load_model
from chatbot.errors import ChatbotError
from chatbot.layout import ModelLayout


def test_corrupt_or_mismatched_model_fails_clearly(echo_model, tmp_path):
    shutil.copytree(echo_model, tmp_path / "m")
    lay = ModelLayout.at(tmp_path / "m")
    assert load_model(lay.root).table.words[:3] == ["<pad>", "<s>", "</s>"]
    with pytest.raises(ChatbotError, match="no model directory"):
        load_model(tmp_path / "missing")
    words = lay.vocab.read_text(encoding="utf-8")
    lay.vocab.write_text(words + "多余\n", encoding="utf-8")
    with pytest.raises(ChatbotError, match="disagree"):
        load_model(lay.root)
    lay.vocab.write_text(words, encoding="utf-8")
    data = lay.weights.read_bytes()
    lay.weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ChatbotError, match="corrupt or truncated"):
        load_model(lay.root)
    lay.config.write_text("{not json", encoding="utf-8")
    with pytest.raises(ChatbotError, match="not a valid model config"):
        load_model(lay.root)


def test_weights_missing_or_misshapen_name_the_tensor(echo_model, tmp_path):
    from safetensors.torch import load_file, save_file

    shutil.copytree(echo_model, tmp_path / "m")
    lay = ModelLayout.at(tmp_path / "m")
    tensors = load_file(lay.weights)
    name = next(k for k in tensors if k.startswith("decoder."))
    save_file({k: v for k, v in tensors.items() if k != name}, lay.weights)
    with pytest.raises(ChatbotError, match=rf"missing {name}\): .*retrain it"):
        load_model(lay.root)
    save_file(tensors | {name: tensors[name][:1]}, lay.weights)
    with pytest.raises(ChatbotError, match=rf"does not fit its config \(.*{name}.*\)$"):
        load_model(lay.root)


def test_a_corpus_named_as_a_model_points_at_its_model(echo_model, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(echo_model, corpus / "model")
    with pytest.raises(ChatbotError, match="is a corpus; its model is .*corpus/model"):
        load_model(corpus)


def test_weights_that_are_not_finite_numbers_fail_in_one_line(echo_model, tmp_path):
    """A diverged run's weights would only say one word over and over."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(echo_model, tmp_path / "m")
    lay = ModelLayout.at(tmp_path / "m")
    tensors = load_file(lay.weights)
    name = next(k for k, v in tensors.items() if v.is_floating_point())
    tensors[name][0] = float("nan")
    save_file(tensors, lay.weights)
    with pytest.raises(ChatbotError, match=f"NaN or infinite weights \\({name}\\)"):
        load_model(lay.root)
