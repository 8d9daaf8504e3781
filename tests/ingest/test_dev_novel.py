"""End to end on the development novel (skipped when ../shared is absent)."""

from collections import Counter

import pytest
from gensim.models import KeyedVectors

from chatbot.fsutil import read_json
from chatbot.ingest.dialogue import read_pairs
from chatbot.ingest.vectors import speaker_neighbour_share
from chatbot.layout import CorpusLayout

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dev_novel")]


def test_prepare_development_novel(dev_corpus):
    corpus = CorpusLayout.at(dev_corpus)  # prepared once for the session
    manifest = read_json(corpus.manifest, "manifest")
    counts = manifest["counts"]
    assert manifest["source"]["encoding"] == "utf-8"
    assert manifest["source"]["paragraphs"] == "lines"
    assert manifest["dialogue"]["quotes"] == "“…”"
    assert counts["pairs"] >= 9000
    assert not counts["pairs_from_sentences"]
    assert counts["utterances_with_speaker"] > 0.75 * counts["utterances"]
    kv = KeyedVectors.load_word2vec_format(str(corpus.vectors), binary=True)
    assert len(kv) == counts["vocabulary"] > 5000
    pairs = read_pairs(corpus.pairs)
    speakers = Counter(s for p in pairs for s in (p.query_speaker, p.reply_speaker) if s)
    # The nearest neighbours of the main characters' names are mostly other names.
    assert speaker_neighbour_share(kv, speakers) > 0.6
