"""Replies as a character, after earlier turns, leaning on the book's lines."""

import json
import subprocess

import pytest

from chatbot.bot import Chatbot
from chatbot.cast import Conversation
from chatbot.data import CONTEXT, GROUNDING, MESSAGE, SEP
from chatbot.errors import ChatbotError
from chatbot.metrics import copied
from tests.conftest import LINES, run_cli


@pytest.fixture(scope="module")
def bot(persona_model):
    return Chatbot.load(persona_model)


def test_the_source_holds_context_message_and_grounding(bot):
    tokens = bot.tokenize(LINES[0])
    grounding = bot.grounding(tokens)
    assert len(grounding) == 1 and grounding[0].text  # the story's own lines
    ex = bot._example(tokens, grounding, Conversation(("天黑了。", LINES[1], LINES[2])))
    segments = ex.query.segments
    # two turns of context (the model reads 2), a separator, the message, then the line
    assert segments[0] == CONTEXT and MESSAGE in segments and segments[-1] == GROUNDING
    sep = bot.table.marker(SEP)
    assert ex.query.ids.count(sep) == 3  # between the turns, after them, before the line
    assert bot.table.words[ex.query.ids[segments.index(MESSAGE)]] == tokens[0]
    # a blank turn (a reply cancelled before its first word) is not a turn
    blank = bot._example(tokens, grounding, Conversation(("天黑了。", LINES[1], " ", LINES[2])))
    assert blank.query.ids == ex.query.ids
    assert bot.reply(LINES[0], conversation=Conversation((LINES[1], ""))).words


def test_who_speaks_changes_the_reply_distribution(bot):
    names = bot.cast.names
    assert len(names) >= 3
    a = bot.score_replies(
        bot.tokenize(LINES[0]), [bot.tokenize(LINES[6])], Conversation((), names[1], names[2])
    )
    b = bot.score_replies(
        bot.tokenize(LINES[0]), [bot.tokenize(LINES[6])], Conversation((), names[2], names[1])
    )
    assert a != b
    r = bot.reply(LINES[0], conversation=Conversation((LINES[3],), names[1], names[2]), seed=1)
    assert r.words and r.grounding


def test_unknown_characters_and_ungrounded_replies(bot, echo_model):
    with pytest.raises(ChatbotError, match="does not know"):
        bot.reply(LINES[0], conversation=Conversation(speaker="不存在的人"))
    plain = Chatbot.load(echo_model)
    assert plain.grounding(plain.tokenize(LINES[0])) == []
    with pytest.raises(ChatbotError, match="no characters"):
        plain.reply(LINES[0], conversation=Conversation(speaker="张三"))


def test_copied_share():
    assert copied(list("今天天气好"), list("天气好")) == 1.0
    assert copied(list("今天"), list("天气好")) == pytest.approx(1 / 3)
    assert copied([], []) == 0.0


def run_reply(model, args, stdin, capsys, monkeypatch) -> subprocess.CompletedProcess:
    """``chatbot reply --model MODEL ARGS`` in this process, ``stdin`` as its input."""
    return run_cli(["reply", "--model", model, *args], capsys, monkeypatch, stdin)


def test_reply_cli_as_to_history_and_json_lines(persona_model, tmp_path, capsys, monkeypatch):
    names = Chatbot.load(persona_model).cast.names

    def chatbot(*args, stdin=""):
        return run_reply(persona_model, args, stdin, capsys, monkeypatch)

    history = tmp_path / "history.txt"
    history.write_text(f"{LINES[1]}\n{json.dumps({'text': LINES[2]}, ensure_ascii=False)}\n")
    r = chatbot(LINES[0], "--as", names[1], "--to", names[2], "--history", str(history), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["as"] == names[1] and out["grounding"][0]["text"]
    line = json.dumps(
        {"message": LINES[0], "history": [LINES[1]], "as": names[2]}, ensure_ascii=False
    )
    r = chatbot("--json", stdin=line + "\n" + LINES[3] + "\n")
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["as"] for x in rows] == [names[2], None]
    r = chatbot(LINES[0], "--as", "不存在的人")
    assert r.returncode == 2 and "does not know" in r.stderr and "Traceback" not in r.stderr
    r = chatbot(LINES[0], "--as", names[1], "--to", names[1])
    assert r.returncode == 2 and "cannot answer themselves" in r.stderr
    assert "without --context" not in chatbot("--history", str(history), LINES[0]).stderr
    bad = ['{"message": 5}', '{"message": "好", "history": "abc"}', '{"message": "好", "as": 1}']
    r = chatbot(stdin="\n".join(bad) + "\n")
    errors = [x for x in r.stderr.splitlines() if "error" in x]
    assert r.returncode == 2 and len(r.stdout.splitlines()) == 3
    assert [e[e.index('"') : e.index("must be") + 7] for e in errors] == [
        '"message" must be',
        '"history" must be',
        '"as" must be',
    ]


def test_history_for_a_model_that_reads_none_says_so(echo_model, tmp_path, capsys, monkeypatch):
    history = tmp_path / "history.txt"
    history.write_text(LINES[1] + "\n", encoding="utf-8")
    args = ("--history", str(history), LINES[0])
    r = run_reply(echo_model, args, "", capsys, monkeypatch)
    assert r.returncode == 0 and r.stderr.count("trained without --context") == 1


def test_a_character_is_found_by_a_name_in_either_script(bot):
    from dataclasses import replace

    from chatbot.ingest.textio import to_traditional

    row, name = next((i, n) for i, n in enumerate(bot.cast.names) if to_traditional(n) != n)
    assert bot.character(to_traditional(name)) == bot.character(name) == row
    converted = Chatbot(bot.model, bot.table, replace(bot.card, script="s2t"), bot.root)
    assert converted.names[row] == to_traditional(name) and converted.cast.names[row] == name
    assert converted.character(name) == converted.character(to_traditional(name)) == row
