"""The book's quotation marks put back into the story written on."""

import json

from chatbot.quotes import MARK_SCORE, book_quotes, requote


def text(words: str, marks: str = "“…”", passage: str = "") -> str:
    """``words`` space-separated, requoted and joined."""
    stream = [(w, 0.5) for w in words.split()]
    return "".join(w for w, _ in requote(stream, marks, passage))


def test_speech_after_a_tag_is_quoted_until_the_next_tag():
    got = text("宝玉 笑 道 ： 妹妹 来 了 。 你 坐 。 黛玉 道 ： 好 。 说 着 便 坐 了 。")
    assert got == "宝玉笑道：“妹妹来了。你坐。”黛玉道：“好。说着便坐了。”"


def test_the_passage_tells_whether_the_text_starts_inside_a_quotation():
    assert text("好 。 他 道 ： 走", passage="宝玉听了，忙笑道：") == "“好。”他道：“走”"
    assert text("好 。 他 道 ： 走", passage="宝玉笑道：“你") == "好。”他道：“走”"
    assert text("他 道 ： 走 。", passage="宝玉笑道：“你来了。”") == "他道：“走。”"


def test_the_books_own_marks_and_none_for_a_book_without_them():
    assert text("他 道 ： 走 。", "「…」") == "他道：「走。」"
    assert text("他 道 ： 走 。", "") == "他道：走。"


def test_marks_are_added_not_words_changed():
    stream = [(w, 0.5) for w in "他 道 ： 走 。 她 道 ： 好 。 又 说".split()]
    out = list(requote(stream, "“…”"))
    assert [x for x in out if x[0] not in "“”"] == stream
    assert all(s == MARK_SCORE for w, s in out if w in "“”")


def test_the_corpus_manifest_names_the_marks(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"dialogue": {"quotes": "「…」"}}))
    assert book_quotes(tmp_path) == "「…」"
    (tmp_path / "manifest.json").write_text(json.dumps({"dialogue": {"quotes": "none"}}))
    assert book_quotes(tmp_path) == ""
    assert book_quotes(tmp_path / "missing") == ""
