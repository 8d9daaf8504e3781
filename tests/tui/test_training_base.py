"""Which novels a new bot fine-tunes the shipped base for: those in its language, with
its vector size; the rest train from scratch."""

import numpy as np
import pytest
from gensim.models import KeyedVectors

from chatbot.config import ModelCard, TrainConfig
from chatbot.layout import SHIPPED_BASE, CorpusLayout, ModelLayout, shipped_base
from chatbot.tui.training import base_for, base_note, new_job

pytestmark = pytest.mark.skipif(shipped_base() is None, reason="no base in chatbot/base_model")


def corpus_with(root, words, dim):
    """A corpus directory whose word vectors hold ``words`` at ``dim`` dimensions."""
    kv = KeyedVectors(dim)
    kv.add_vectors(list(words), np.random.default_rng(0).normal(size=(len(words), dim)))
    layout = CorpusLayout(root)
    root.mkdir()
    kv.save_word2vec_format(str(layout.vectors), binary=True)
    return root


def test_a_novel_in_the_base_language_starts_from_it_without_running_text(tmp_path):
    dim = ModelCard.read(SHIPPED_BASE).model.dim
    known = ModelLayout(SHIPPED_BASE).vocab.read_text(encoding="utf-8").splitlines()[10:70]
    mostly = corpus_with(tmp_path / "zh", [*known, *(f"新词{i}" for i in range(40))], dim)
    job = new_job("zh", mostly, tmp_path / "m", TrainConfig(), base_for(mostly))
    assert job.base == SHIPPED_BASE and job.config.text_epochs == 0
    assert "base model that read" in base_note(base_for(mostly))

    english = corpus_with(tmp_path / "en", ["the", "she", "said", "darcy", "bennet"], dim)
    assert base_for(english) is None and base_note(base_for(english)) is None
    job = new_job("en", english, tmp_path / "m2", TrainConfig(), base_for(english))
    assert job.base is None and job.config.text_epochs == TrainConfig().text_epochs
    small = corpus_with(tmp_path / "small", known, 16)  # vectors of another size
    assert base_for(small) is None
    (tmp_path / "broken").mkdir()
    CorpusLayout(tmp_path / "broken").vectors.write_bytes(b"not vectors")
    assert (
        base_for(tmp_path / "broken") is None and base_note(base_for(tmp_path / "broken")) is None
    )
