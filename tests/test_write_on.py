"""Writing the story on from a passage (``chatbot continue``)."""

import pytest

from chatbot.bot import Chatbot, chapter_ends
from tests.conftest import LINES, run_cli


@pytest.fixture(scope="module")
def bot(writer_model):
    return Chatbot.load(writer_model)


def test_writes_the_words_asked_for_reproducibly(bot):
    a = [w for w, _ in bot.write_on(LINES[0], 45, strategy="sample", seed=3)]
    b = [w for w, _ in bot.write_on(LINES[0], 45, strategy="sample", seed=3)]
    c = [w for w, _ in bot.write_on(LINES[0], 45, strategy="sample", seed=4)]
    assert len(a) == 45 and a == b and a != c
    assert "</s>" not in a  # running text never ends inside a window
    greedy = [w for w, _ in bot.write_on(LINES[0], 10, strategy="greedy")]
    assert greedy == [w for w, _ in bot.write_on(LINES[0], 10, strategy="greedy", seed=9)]


def test_after_a_finished_sentence_the_story_goes_on_with_a_word(bot):
    import re

    mark = re.compile(r"[^\w\s]+")
    for strategy in ("greedy", "beam"):  # this model writes ， after 天黑了。 first
        words = [w for w, _ in bot.write_on("天黑了。", 6, strategy=strategy)]
        assert len(words) == 6 and not mark.fullmatch(words[0]), words
    # a passage stopped mid-sentence may go on with a mark
    assert len(list(bot.write_on("天黑了，", 6, strategy="greedy"))) == 6


def test_chapter_end_stops_the_story():
    assert chapter_ends(list("且听下回分解。"))
    assert chapter_ends(["。", "第", "三", "回"])
    assert not chapter_ends(list("他回家了。"))
    assert not chapter_ends(["第", "三"])


def test_beam_search_writes_whole_windows_the_same_each_time(bot):
    a = [w for w, _ in bot.write_on(LINES[0], 25, strategy="beam", seed=1)]
    b = [w for w, _ in bot.write_on(LINES[0], 25, strategy="beam", seed=2)]
    assert len(a) == 25 and a == b and "</s>" not in a
    assert not any(a[i] == a[i + 1] == a[i + 2] for i in range(len(a) - 2))


def test_continue_cli(writer_model, capsys, monkeypatch):
    def chatbot(*args, stdin=""):
        return run_cli(["continue", *args], capsys, monkeypatch, stdin)

    r = chatbot("--model", str(writer_model), LINES[0], "--words", "12", "--seed", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    piped = chatbot("--model", str(writer_model), "--words", "12", "--seed", "1", stdin=LINES[0])
    assert piped.stdout == r.stdout
    r = chatbot("--model", str(writer_model), LINES[0], "--words", "0")
    assert r.returncode == 2 and "--words" in r.stderr
