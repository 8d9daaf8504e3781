"""A chat as Markdown."""

from chatbot.tui.export import to_markdown
from chatbot.tui.store import Message


def test_markdown_names_who_said_what_in_order():
    md = to_markdown("Chat 3", [Message("user", "你好"), Message("bot", "好。", [0.5, 0.4])])
    assert md == "# Chat 3\n\n**you**: 你好\n\n**bot**: 好。\n"
    assert to_markdown("empty", []) == "# empty\n"


def test_a_character_is_named_instead_of_bot():
    md = to_markdown("t", [Message("user", "你好"), Message("bot", "你来了。", None, "林黛玉")])
    assert md.endswith("**林黛玉**: 你来了。\n")


def test_export_never_overwrites_an_earlier_export(tmp_path, monkeypatch):
    from chatbot.tui.export import export_path

    assert export_path(1, None, tmp_path) == tmp_path / "chat-1.md"
    (tmp_path / "chat-1.md").write_text("earlier")
    (tmp_path / "chat-1-2.md").write_text("earlier")
    assert export_path(1, None, tmp_path) == tmp_path / "chat-1-3.md"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert export_path(1, "~/x.md", tmp_path) == tmp_path / "x.md"
    assert export_path(1, "~/notes", tmp_path) == tmp_path / "notes.md"  # Markdown, said so
    assert export_path(1, "~/notes.txt", tmp_path) == tmp_path / "notes.txt"


def test_the_user_is_their_character_and_markdown_marks_are_text():
    chat = [Message("user", "*来*", None, "贾母"), Message("bot", "`金刚丸-", None, "宝玉")]
    chat.append(Message("user", "好"))  # after /to anyone
    md = to_markdown("t", chat)
    assert md == "# t\n\n**贾母**: \\*来\\*\n\n**宝玉**: \\`金刚丸-\n\n**you**: 好\n"


def test_export_into_a_folder_names_the_file_there(tmp_path):
    from chatbot.tui.export import export_path

    assert export_path(2, str(tmp_path), tmp_path / "elsewhere") == tmp_path / "chat-2.md"
