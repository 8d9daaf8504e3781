"""End to end on the development novel (skipped when ../shared is absent)."""

from collections import Counter

import pytest
from gensim.models import KeyedVectors

from chatbot.ingest.dialogue import read_pairs
from chatbot.ingest.prepare import prepare
from chatbot.ingest.vectors import speaker_neighbour_share

pytestmark = pytest.mark.slow


def test_prepare_development_novel(dev_novel, tmp_path):
    result = prepare(dev_novel, tmp_path)
    counts = result.manifest["counts"]
    assert result.manifest["source"]["encoding"] == "utf-8"
    assert result.manifest["source"]["paragraphs"] == "lines"
    assert result.manifest["dialogue"]["quotes"] == "“…”"
    assert counts["pairs"] >= 9000
    assert not counts["pairs_from_sentences"]
    assert counts["utterances_with_speaker"] > 0.75 * counts["utterances"]
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "vectors.bin"), binary=True)
    assert len(kv) == counts["vocabulary"] > 5000
    pairs = read_pairs(tmp_path / "pairs.tsv")
    speakers = Counter(s for p in pairs for s in (p.query_speaker, p.reply_speaker) if s)
    # The nearest neighbours of the main characters' names are mostly other names.
    assert speaker_neighbour_share(kv, speakers) > 0.6
