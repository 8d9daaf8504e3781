"""Chat transcripts in SQLite, under the user data directory.

One row per message, written as soon as the message exists (the user's at once, the
bot's when its reply is complete), so a crash loses at most the reply being generated.
``schema_version`` in ``meta`` lets a later version migrate old databases.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
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


@dataclass
class ChatInfo:
    id: int
    title: str
    model: str
    updated: float


class Store:
    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / "chats.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self._migrate()

    def _migrate(self) -> None:
        with self.db:
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version < 1:
                self.db.executescript(
                    """
                    CREATE TABLE chats (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                        model TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
                    CREATE TABLE messages (id INTEGER PRIMARY KEY,
                        chat INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
                        role TEXT NOT NULL, text TEXT NOT NULL, scores TEXT,
                        created REAL NOT NULL);
                    CREATE INDEX messages_chat ON messages(chat, id);
                    """
                )
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    def new_chat(self, model: str, title: str = "new chat") -> int:
        now = time.time()
        with self.db:
            cur = self.db.execute(
                "INSERT INTO chats (title, model, created, updated) VALUES (?, ?, ?, ?)",
                (title, model, now, now),
            )
        return int(cur.lastrowid)

    def add(self, chat: int, message: Message) -> None:
        import json

        now = time.time()
        with self.db:
            self.db.execute(
                "INSERT INTO messages (chat, role, text, scores, created) VALUES (?, ?, ?, ?, ?)",
                (
                    chat,
                    message.role,
                    message.text,
                    json.dumps(message.scores) if message.scores is not None else None,
                    now,
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

    def messages(self, chat: int) -> list[Message]:
        import json

        rows = self.db.execute(
            "SELECT role, text, scores FROM messages WHERE chat = ? ORDER BY id", (chat,)
        ).fetchall()
        return [Message(r, t, json.loads(s) if s else None) for r, t, s in rows]

    def delete_last_bot_message(self, chat: int) -> None:
        with self.db:
            self.db.execute(
                "DELETE FROM messages WHERE id = (SELECT MAX(id) FROM messages WHERE chat = ?"
                " AND role = 'bot')",
                (chat,),
            )

    def clear(self, chat: int) -> None:
        with self.db:
            self.db.execute("DELETE FROM messages WHERE chat = ?", (chat,))

    def chats(self) -> list[ChatInfo]:
        rows = self.db.execute(
            "SELECT id, title, model, updated FROM chats ORDER BY updated DESC"
        ).fetchall()
        return [ChatInfo(*r) for r in rows]

    def close(self) -> None:
        self.db.close()
