"""The library's word vectors: reused when they were made from the same books and settings."""

import pytest

from chatbot.errors import ChatbotError
from chatbot.pretrain import _same


def test_vectors_are_reused_whatever_the_thread_count_but_not_across_settings():
    made = {"books": ["a1"], "word2vec": {"epochs": 15, "workers": 0}}
    assert _same(made, {"books": ["a1"], "word2vec": {"epochs": 15, "workers": 1}})
    assert not _same(made, {"books": ["a1"], "word2vec": {"epochs": 5, "workers": 0}})
    assert not _same(made, {"books": ["b2"], "word2vec": {"epochs": 15, "workers": 0}})


def test_a_library_folder_holds_novels_and_prepared_corpora(tmp_path):
    from chatbot.pretrain import book_name, find_books

    (tmp_path / "b.txt").write_text("一", encoding="utf-8")
    (tmp_path / "a.novel").mkdir()
    (tmp_path / "a.novel" / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes").mkdir()  # neither: left out
    books = find_books([tmp_path])
    assert [book_name(b) for b in books] == ["a.novel", "b"]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ChatbotError, match="same name"):
        find_books([tmp_path])


def test_a_base_never_goes_into_a_corpus_and_a_model_is_no_book(story_corpus, echo_model, tmp_path):
    """A base in a corpus folder replaced its vectors and deleted its segmented text,
    even when the run then failed; a model's vocab.txt was read as a novel."""
    from chatbot.config import TrainConfig
    from chatbot.pretrain import pretrain

    before = {p.name: p.read_bytes() for p in story_corpus.iterdir() if p.is_file()}
    with pytest.raises(ChatbotError, match="is a prepared corpus"):
        pretrain([story_corpus], story_corpus, TrainConfig())
    novel = tmp_path / "novel.txt"
    novel.write_text("甲道：“来。”\n", encoding="utf-8")
    with pytest.raises(ChatbotError, match="is inside .*a book's corpus"):
        pretrain(
            [novel], tmp_path / "cache" / "novel" / "base", TrainConfig(), cache=tmp_path / "cache"
        )
    with pytest.raises(ChatbotError, match="is a trained model, not a book"):
        pretrain([echo_model], tmp_path / "base", TrainConfig())
    after = {p.name: p.read_bytes() for p in story_corpus.iterdir() if p.is_file()}
    assert after == before and not (tmp_path / "base").exists()
