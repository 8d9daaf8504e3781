"""The library's word vectors: reused when they were made from the same books and settings."""

from chatbot.pretrain import _same


def test_vectors_are_reused_whatever_the_thread_count_but_not_across_settings():
    made = {"books": ["a1"], "word2vec": {"epochs": 15, "workers": 0}}
    assert _same(made, {"books": ["a1"], "word2vec": {"epochs": 15, "workers": 1}})
    assert not _same(made, {"books": ["a1"], "word2vec": {"epochs": 5, "workers": 0}})
    assert not _same(made, {"books": ["b2"], "word2vec": {"epochs": 15, "workers": 0}})
