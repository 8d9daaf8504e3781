"""The slash-command parser: pure, no screen."""

import pytest

from chatbot.tui.commands import COMMANDS, Command, CommandError, parse


@pytest.mark.parametrize(
    "line, want",
    [
        ("/new", Command("new")),
        ("/help", Command("help")),
        ("/HELP", Command("help")),  # caps lock
        ("/Export Out/Chat.md", Command("export", arg="Out/Chat.md")),  # the argument kept
        ("  /regen  ", Command("regen")),
        ("/temp 0.7", Command("set", {"temperature": 0.7})),
        ("/topk 8", Command("set", {"top_k": 8})),
        ("/beam 3", Command("set", {"beam": 3})),
        ("/max 12", Command("set", {"max_length": 12})),
        ("/penalty 1.2", Command("set", {"repetition_penalty": 1.2})),
        ("/seed 3", Command("set", {"seed": 3})),
        ("/seed off", Command("set", {"seed": None})),
        ("/seed", Command("set", {"seed": None})),
        ("/strategy beam", Command("set", {"strategy": "beam"})),
        ("/scores", Command("scores", arg="on")),
        ("/scores off", Command("scores", arg="off")),
        ("/export", Command("export")),
        ("/continue", Command("continue")),
        ("/chat", Command("chat")),
        ("/export out/chat.md", Command("export", arg="out/chat.md")),
        ("/words 80", Command("words", arg="80")),
        ("/model", Command("model")),
        ("/model ~/bots/m", Command("model", arg="~/bots/m")),
    ],
)
def test_commands_parse(line, want):
    assert parse(line) == want


@pytest.mark.parametrize(
    "line, message",
    [
        ("/nope", "unknown command /nope"),
        ("/temp zero", "/temp needs a number, e.g. /temp 0.7"),
        ("/topk 2.5", "/topk needs a whole number"),
        ("/seed x", "/seed needs a whole number"),
        ("/scores maybe", "/scores takes on or off"),
        ("/words 0", "/words needs a whole number from 1 to 1000"),
        ("/words many", "/words needs a whole number"),
        ("/words ²", "/words needs a whole number"),
    ],
)
def test_bad_commands_say_what_is_wrong(line, message):
    with pytest.raises(CommandError, match=message):
        parse(line)


def test_every_command_parses_with_its_usage_example():
    for name, (usage, does) in COMMANDS.items():
        example = usage.split(" (")[0].replace("|", " ").split()
        line = " ".join(example[:2])
        assert parse(line).name in (name, "set"), usage
        assert does
