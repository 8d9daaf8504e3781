"""What a run reads: one corpus or many, and a base's table extended to a novel."""

import numpy as np
import pytest

from chatbot.data import MARKERS, SPECIALS, WordTable
from chatbot.dataset import extend_table
from chatbot.errors import ChatbotError


def test_a_novels_other_words_are_mapped_into_the_bases_space():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    base = WordTable.from_vectors(words[:250], rng.normal(size=(250, 12)))
    rotation, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    # The novel's space is the base's turned by an unknown rotation, plus a little noise.
    novel_words = words[50:]  # 200 shared words, 50 new ones
    base_rows = np.array([base.vectors[base.index[w]] for w in words[50:250]])
    new_rows = rng.normal(size=(50, 12))
    novel = np.vstack([base_rows, new_rows]) @ rotation.T + 0.01 * rng.normal(size=(250, 12))
    table, quality = extend_table(base, novel_words, novel)
    assert quality["held_out_precision_at_1"] == 1.0 and quality["held_out_cosine"] > 0.99
    assert quality["added_words"] == 50 and quality["base_words_kept"] == 200
    # the base's rows of the novel's words, in the base's order; w0..w49 never occur in it
    kept = list(SPECIALS) + words[50:250]
    assert table.words[: len(kept)] == kept and "w0" not in table.index
    assert np.array_equal(table.vectors[table.index["w60"]], base.vectors[base.index["w60"]])
    assert table.words[-len(MARKERS) :] == list(MARKERS)  # markers stay last
    # A new word lands where the rotation says it belongs (direction; norms differ).
    got = table.vectors[table.index["w260"]]
    want = new_rows[10]
    assert got @ want / np.linalg.norm(got) / np.linalg.norm(want) > 0.99
    assert len(table) == len(base) - 50 + 50 and len(SPECIALS) == 4


def test_too_few_shared_words_or_other_dimensions_are_clear_errors():
    rng = np.random.default_rng(0)
    base = WordTable.from_vectors([f"w{i}" for i in range(100)], rng.normal(size=(100, 8)))
    with pytest.raises(ChatbotError, match="shares only"):
        extend_table(base, [f"x{i}" for i in range(100)], rng.normal(size=(100, 8)))
    with pytest.raises(ChatbotError, match="--vector-size 8"):
        extend_table(base, [f"w{i}" for i in range(100)], rng.normal(size=(100, 16)))
