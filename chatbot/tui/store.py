"""Chat transcripts in SQLite, under the user data directory.

One row per message, written as soon as the message exists (the user's at once, the
bot's when its reply is complete), so a crash loses at most the reply being generated.
``schema_version`` in ``meta`` lets a later version migrate old databases: version 2
remembers who the bot speaks as and to whom in each chat, and on each bot message the
character and the book's lines it leaned on.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import ChatbotError

SCHEMA_VERSION = 2
ENV_DATA_DIR = "NOVEL_CHATBOT_DATA_DIR"


def default_data_dir() -> Path:
    """``$NOVEL_CHATBOT_DATA_DIR``, else the platform's user data directory."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    from platformdirs import user_data_dir

    return Path(user_data_dir("novel-chatbot", appauthor=False))


@dataclass
class Message:
    role: str  # "user" or "bot"
    text: str
    scores: list[float] | None = None
    speaker: str | None = None  # who said it: the bot's character, or the one the user played
    grounding: list[str] | None = None  # the book's lines the reply leaned on


@dataclass
class ChatInfo:
    id: int
    title: str
    model: str
    updated: float
    speaker: str | None = None  # who the bot speaks as in this chat
    addressee: str | None = None  # who the user is


_V1 = """
CREATE TABLE chats (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
    model TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE messages (id INTEGER PRIMARY KEY,
    chat INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    role TEXT NOT NULL, text TEXT NOT NULL, scores TEXT,
    created REAL NOT NULL);
CREATE INDEX messages_chat ON messages(chat, id);
"""
_V2 = """
ALTER TABLE chats ADD COLUMN speaker TEXT;
ALTER TABLE chats ADD COLUMN addressee TEXT;
ALTER TABLE messages ADD COLUMN speaker TEXT;
ALTER TABLE messages ADD COLUMN grounding TEXT;
"""


class Store:
    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / "chats.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            kind = "a file" if self.path.parent.is_file() else e.strerror
            raise ChatbotError(f"cannot keep chats in {self.path.parent}: {kind}") from None
        if not os.access(self.path.parent, os.W_OK | os.X_OK):
            raise ChatbotError(f"cannot keep chats in {self.path.parent}: not writable")
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
            self._check()
        except (sqlite3.DatabaseError, ValueError) as e:
            raise ChatbotError(
                f"{self.path} cannot be read as a chat store ({e}); move it away to start "
                "with no saved chats"
            ) from None

    def _migrate(self) -> None:
        # executescript commits first, so each step records its own version right after
        # it: an interrupted upgrade resumes at the step that did not finish.
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            return  # written by a newer version: its extra columns are left alone
        for number, script in ((1, _V1), (2, _V2)):
            if version < number:
                self.db.executescript(
                    f"BEGIN; {script} INSERT OR REPLACE INTO meta "
                    f"VALUES ('schema_version', '{number}'); COMMIT;"
                )

    def _check(self) -> None:
        """Damage found now, when it can be said, not when a chat is shown: pages that do
        not read back (quick_check) and tables without the columns we read."""
        (result,) = self.db.execute("PRAGMA quick_check").fetchone()
        if result != "ok":
            raise sqlite3.DatabaseError(result)
        self.db.execute(f"SELECT {self._CHAT_COLUMNS} FROM chats LIMIT 0")
        self.db.execute(f"SELECT {self._MESSAGE_COLUMNS} FROM messages LIMIT 0")

    def new_chat(
        self,
        model: str,
        title: str = "new chat",
        speaker: str | None = None,
        addressee: str | None = None,
    ) -> int:
        now = time.time()
        with self.db:
            cur = self.db.execute(
                "INSERT INTO chats (title, model, created, updated, speaker, addressee)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (title, model, now, now, speaker, addressee),
            )
        return int(cur.lastrowid)

    def set_cast(self, chat: int, speaker: str | None, addressee: str | None) -> None:
        """Remember who the bot speaks as in ``chat``, and to whom."""
        with self.db:
            self.db.execute(
                "UPDATE chats SET speaker = ?, addressee = ? WHERE id = ?",
                (speaker, addressee, chat),
            )

    def setting(self, key: str) -> str | None:
        """An app-wide value kept beside the chats (``None`` if never saved)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"app.{key}",)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"app.{key}", value))

    def set_model(self, chat: int, model: str) -> None:
        """Give an empty ``chat`` to another bot."""
        with self.db:
            self.db.execute("UPDATE chats SET model = ? WHERE id = ?", (model, chat))

    def add(self, chat: int, message: Message, replacing: bool = False) -> None:
        """Store ``message``; ``replacing``: in place of the chat's last bot message, in
        one transaction (a retry that failed leaves the earlier reply)."""
        now = time.time()
        dump = lambda v: json.dumps(v, ensure_ascii=False) if v is not None else None  # noqa: E731
        with self.db:
            if replacing:
                self._delete_last_bot_message(chat)
            self.db.execute(
                "INSERT INTO messages (chat, role, text, scores, created, speaker, grounding)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    chat,
                    message.role,
                    message.text,
                    dump(message.scores),
                    now,
                    message.speaker,
                    dump(message.grounding),
                ),
            )
            if message.role == "user":
                self.db.execute(
                    "UPDATE chats SET title = CASE WHEN title = 'new chat' THEN ? ELSE title END,"
                    " updated = ? WHERE id = ?",
                    (message.text[:40], now, chat),
                )
            else:
                self.db.execute("UPDATE chats SET updated = ? WHERE id = ?", (now, chat))

    _MESSAGE_COLUMNS = "role, text, scores, speaker, grounding"

    def messages(self, chat: int) -> list[Message]:
        rows = self.db.execute(
            f"SELECT {self._MESSAGE_COLUMNS} FROM messages WHERE chat = ? ORDER BY id",
            (chat,),
        ).fetchall()
        return [
            Message(str(r), str(t), _list(s, float), _text(sp), _list(g, str))
            for r, t, s, sp, g in rows
        ]

    def _delete_last_bot_message(self, chat: int) -> None:
        self.db.execute(
            "DELETE FROM messages WHERE id = (SELECT MAX(id) FROM messages WHERE chat = ?"
            " AND role = 'bot')",
            (chat,),
        )

    def clear(self, chat: int) -> None:
        with self.db:
            self.db.execute("DELETE FROM messages WHERE chat = ?", (chat,))

    _CHAT_COLUMNS = "id, title, model, updated, speaker, addressee"

    def chats(self) -> list[ChatInfo]:
        rows = self.db.execute(
            f"SELECT {self._CHAT_COLUMNS} FROM chats ORDER BY updated DESC"
        ).fetchall()
        return [_chat_info(r) for r in rows]

    def chat(self, chat: int) -> ChatInfo | None:
        row = self.db.execute(
            f"SELECT {self._CHAT_COLUMNS} FROM chats WHERE id = ?", (chat,)
        ).fetchone()
        return _chat_info(row) if row else None

    def close(self) -> None:
        self.db.close()


# A row another program (or a damaged disk) wrote badly reads as what it can: a chat
# with a wrong value in one cell still opens.


def _text(v: object) -> str | None:
    return None if v is None else str(v)


def _list(v: object, kind: type) -> list | None:
    """A JSON list of ``kind`` (scores, the book's lines), else None."""
    try:
        items = json.loads(v) if isinstance(v, str) and v else None
        return [kind(x) for x in items] if isinstance(items, list) else None
    except (ValueError, TypeError):
        return None


def _chat_info(row: tuple) -> ChatInfo:
    id_, title, model, updated, speaker, addressee = row
    try:
        when = float(updated)
    except (TypeError, ValueError):
        when = 0.0
    return ChatInfo(int(id_), str(title), str(model), when, _text(speaker), _text(addressee))
