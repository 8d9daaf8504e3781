"""Writing the story on from a passage (``chatbot continue``)."""

import subprocess
import sys

import pytest

from chatbot.bot import Chatbot, chapter_ends
from chatbot.errors import ChatbotError
from tests.conftest import LINES


@pytest.fixture(scope="module")
def bot(writer_model):
    return Chatbot.load(writer_model)


def test_writes_the_words_asked_for_reproducibly(bot):
    a = [w for w, _ in bot.write_on(LINES[0], 45, seed=3)]
    b = [w for w, _ in bot.write_on(LINES[0], 45, seed=3)]
    c = [w for w, _ in bot.write_on(LINES[0], 45, seed=4)]
    assert len(a) == 45 and a == b and a != c
    assert "</s>" not in a  # running text never ends inside a window
    greedy = [w for w, _ in bot.write_on(LINES[0], 10, strategy="greedy")]
    assert greedy == [w for w, _ in bot.write_on(LINES[0], 10, strategy="greedy", seed=9)]


def test_chapter_end_stops_the_story():
    assert chapter_ends(list("且听下回分解。"))
    assert chapter_ends(["。", "第", "三", "回"])
    assert not chapter_ends(list("他回家了。"))
    assert not chapter_ends(["第", "三"])


def test_beam_and_models_without_running_text_are_clear_errors(bot):
    with pytest.raises(ChatbotError, match="beam"):
        list(bot.write_on(LINES[0], 5, strategy="beam"))


def test_continue_cli(writer_model):
    def chatbot(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "chatbot", "continue", *args],
            capture_output=True,
            text=True,
            timeout=300,
            input=stdin,
        )

    r = chatbot("--model", str(writer_model), LINES[0], "--words", "12", "--seed", "1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    piped = chatbot("--model", str(writer_model), "--words", "12", "--seed", "1", stdin=LINES[0])
    assert piped.stdout == r.stdout
    r = chatbot("--model", str(writer_model), LINES[0], "--words", "0")
    assert r.returncode == 2 and "--words" in r.stderr
