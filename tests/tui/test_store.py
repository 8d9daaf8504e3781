"""The chat store: a version-1 database (before characters) opens, migrated in place."""

import sqlite3

from chatbot.tui.store import SCHEMA_VERSION, Message, Store


def v1_database(data_dir):
    """A database as version 1 of the app left it, with one chat."""
    data_dir.mkdir(parents=True)
    db = sqlite3.connect(data_dir / "chats.sqlite3")
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE chats (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
            model TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
        CREATE TABLE messages (id INTEGER PRIMARY KEY,
            chat INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
            role TEXT NOT NULL, text TEXT NOT NULL, scores TEXT, created REAL NOT NULL);
        CREATE INDEX messages_chat ON messages(chat, id);
        INSERT INTO meta VALUES ('schema_version', '1');
        INSERT INTO chats VALUES (1, '你好', 'old/model', 1.0, 2.0);
        INSERT INTO messages VALUES (1, 1, 'user', '你好', NULL, 1.0);
        INSERT INTO messages VALUES (2, 1, 'bot', '好。', '[0.5, 0.25]', 2.0);
        """
    )
    db.close()


def test_a_version_1_database_is_migrated_and_keeps_its_chats(tmp_path):
    v1_database(tmp_path / "data")
    store = Store(tmp_path / "data")
    version = store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert int(version[0]) == SCHEMA_VERSION == 2
    assert store.messages(1) == [Message("user", "你好"), Message("bot", "好。", [0.5, 0.25])]
    (chat,) = store.chats()
    assert (chat.title, chat.speaker, chat.addressee) == ("你好", None, None)
    store.set_cast(1, "林黛玉", "贾宝玉")
    store.add(1, Message("bot", "你来了。", [0.9], "林黛玉", ["宝玉来了。"]))
    store.close()

    again = Store(tmp_path / "data")  # opening a migrated database changes nothing
    assert again.chat(1).speaker == "林黛玉" and again.chat(1).addressee == "贾宝玉"
    assert again.messages(1)[-1] == Message("bot", "你来了。", [0.9], "林黛玉", ["宝玉来了。"])
    assert again.chat(99) is None


def test_a_new_chat_starts_with_its_character(tmp_path):
    store = Store(tmp_path / "data")
    chat = store.new_chat("m", speaker="孙悟空")
    assert store.chat(chat).speaker == "孙悟空" and store.chat(chat).addressee is None


def test_a_data_dir_that_is_a_file_or_a_damaged_store_is_one_clear_error(tmp_path):
    import subprocess
    import sys

    import pytest

    from chatbot.errors import ChatbotError

    (tmp_path / "afile").write_text("x")
    with pytest.raises(ChatbotError, match="cannot keep chats in .*afile: a file"):
        Store(tmp_path / "afile")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "chats.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ChatbotError, match="cannot be read as a chat store"):
        Store(tmp_path / "d")
    cmd = [sys.executable, "-m", "chatbot", "chat", "--data-dir"]
    for args, said in (
        ([str(tmp_path / "d")], "cannot be read as a chat store"),
        ([str(tmp_path / "fresh"), "--pace", "-5"], "--pace must be 0 or more"),
        ([str(tmp_path / "fresh"), "--pace", "nan"], "--pace must be 0 or more"),
    ):
        r = subprocess.run(cmd + args, capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "Traceback" not in r.stderr and said in r.stderr


def test_damaged_cells_read_as_what_they_can_and_damaged_pages_at_open(tmp_path):
    """A bad value in one cell used to crash the app when it showed the chat; pages that
    no longer read back are found when the store opens, not mid-chat."""
    import pytest

    from chatbot.errors import ChatbotError

    store = Store(tmp_path)
    chat = store.new_chat("m")
    store.add(chat, Message("user", "你好"))
    store.add(chat, Message("bot", "好", scores=[0.5], grounding=["书里的话"]))
    store.close()
    db = sqlite3.connect(tmp_path / "chats.sqlite3")
    with db:
        db.execute("UPDATE messages SET scores = 'not json', grounding = '5'")
        db.execute("UPDATE chats SET updated = 'yesterday', title = 7")
    db.close()
    store = Store(tmp_path)
    (info,) = store.chats()
    assert (info.title, info.updated) == ("7", 0.0)
    bot = store.messages(chat)[-1]
    assert (bot.text, bot.scores, bot.grounding) == ("好", None, None)
    store.close()
    db = sqlite3.connect(tmp_path / "chats.sqlite3")
    with db:
        db.execute("DROP TABLE messages")
    db.close()
    with pytest.raises(ChatbotError, match="cannot be read as a chat store .*no such table"):
        Store(tmp_path)
