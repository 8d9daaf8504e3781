"""The chat app: a Textual TUI over the Chatbot API.

The first screen paints at once; the model loads in a worker thread. Replies stream
word by word from another worker; words are buffered and flushed to the screen on a
timer so typing stays responsive. No model logic lives here: it calls ``Chatbot``.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import replace
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, get_current_worker

from chatbot.config import CONTINUE_OPTIONS, DecodeOptions
from chatbot.errors import ChatbotError
from chatbot.ingest.textio import join_words
from chatbot.layout import SHIPPED_MODEL, ModelLayout, default_model, find_models
from chatbot.tui.commands import CommandError, parse
from chatbot.tui.export import to_markdown
from chatbot.tui.screens import (
    ChatPicker,
    ErrorScreen,
    HelpScreen,
    InfoScreen,
    ModelPicker,
    SettingsScreen,
)
from chatbot.tui.store import Message, Store, default_data_dir
from chatbot.tui.widgets import Bubble, HistoryInput


class ChatApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "novel chatbot"
    BINDINGS = [
        Binding("escape", "cancel", "stop reply"),
        Binding("ctrl+n", "new_chat", "new chat"),
        Binding("ctrl+r", "regenerate", "regenerate"),
        Binding("ctrl+s", "settings", "settings"),
        Binding("ctrl+e", "export", "export"),
        Binding("f1", "help", "help"),
        Binding("ctrl+q", "quit", "quit"),
    ]

    def __init__(
        self,
        model_dir: str | Path | None = None,
        data_dir: str | Path | None = None,
        pace_ms: float = 30.0,
    ):
        super().__init__()
        self.model_dir = Path(model_dir) if model_dir else None
        self.store = Store(data_dir or default_data_dir())
        self.bot = None  # a chatbot.bot.Chatbot once the worker has loaded it
        self.options = DecodeOptions()
        self.writing = False  # writing mode: messages are passages the model writes on
        self.story_words = 60
        self.pace_ms = pace_ms
        self.show_scores = False
        self.chat_id: int | None = None
        self._pending: deque[tuple[str, float]] = deque()  # filled by the reply thread
        self._live: Bubble | None = None
        self._reply_worker: Worker | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="log")
        yield Static("loading the model…", id="status")
        yield HistoryInput(placeholder="say something (/help for commands)", id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#prompt", Input).focus()
        self.set_interval(0.05, self._flush)
        self.load_model(self.model_dir)

    # ------------------------------------------------------------- model load
    @work(thread=True, exclusive=True, group="load")
    def load_model(self, model_dir: Path | None) -> None:
        start = time.perf_counter()
        from chatbot.bot import Chatbot  # torch loads here, after the first paint

        try:
            if model_dir is None:
                model_dir = default_model()
            if model_dir is None:
                raise ChatbotError("no trained model found under corpus/")
            bot = Chatbot.load(model_dir, warm=False)
        except ChatbotError as e:
            self.call_from_thread(self._model_failed, str(e))
            return
        self.call_from_thread(self._model_ready, bot, Path(model_dir), time.perf_counter() - start)
        bot.warm()  # jieba and the word index, after "ready"; a message meanwhile just waits

    def _model_failed(self, message: str) -> None:
        self.push_screen(ErrorScreen(message))

    def _model_ready(self, bot, model_dir: Path, seconds: float) -> None:
        self.bot, self.model_dir = bot, model_dir
        self.sub_title = str(model_dir)
        self._status(f"ready: {model_dir} ({len(bot.table):,} words, loaded in {seconds:.1f} s)")
        if self.chat_id is None:
            chats = self.store.chats()
            self.open_chat(chats[0].id if chats else self.store.new_chat(str(model_dir)))

    def _status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # ------------------------------------------------------------------ chats
    def open_chat(self, chat_id: int) -> None:
        self.chat_id = chat_id
        log = self.query_one("#log", VerticalScroll)
        log.remove_children()
        for m in self.store.messages(chat_id):
            bubble = Bubble(m.role, m.text, m.scores)
            log.mount(bubble)
        log.scroll_end(animate=False)

    def action_new_chat(self) -> None:
        self.action_cancel()
        self.open_chat(self.store.new_chat(str(self.model_dir)))
        self._status("new chat")

    # ------------------------------------------------------------ messages
    @on(Input.Submitted, "#prompt")
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        prompt = self.query_one("#prompt", HistoryInput)
        prompt.value = ""
        if not text:
            return
        prompt.remember(text)
        if text.startswith("/"):
            self.run_command(text)
            return
        self.send(text)

    def send(self, text: str) -> None:
        if self.bot is None:
            self._status("the model is still loading…")
            return
        if self.chat_id is None:
            self.chat_id = self.store.new_chat(str(self.model_dir))
        self.action_cancel()
        self.store.add(self.chat_id, Message("user", text))
        log = self.query_one("#log", VerticalScroll)
        log.mount(Bubble("user", text))
        self._live = Bubble("bot")
        self._live.show_scores = self.show_scores
        log.mount(self._live)
        log.scroll_end(animate=False)
        self._reply_worker = self.generate(text, self._live)

    def _words(self, text: str):
        """The bot's words for ``text``: a reply, or in writing mode the story written on
        (with the writing defaults, the settings' strategy and seed)."""
        assert self.bot is not None
        if not self.writing:
            return self.bot.stream(text, self.options)
        strategy = "greedy" if self.options.strategy == "greedy" else "sample"
        options = replace(CONTINUE_OPTIONS, strategy=strategy, seed=self.options.seed)
        return self.bot.write_on(text, self.story_words, options)

    @work(thread=True, exclusive=True, group="reply")
    def generate(self, text: str, bubble: Bubble) -> None:
        worker = get_current_worker()
        words: list[tuple[str, float]] = []
        try:
            for word, score in self._words(text):
                if worker.is_cancelled:
                    break
                words.append((word, score))
                self._pending.append((word, score))
                if self.pace_ms:
                    time.sleep(self.pace_ms / 1000)
        except ChatbotError as e:
            self.call_from_thread(self._status, f"error: {e}")
            return
        cancelled = worker.is_cancelled
        self.call_from_thread(self._reply_done, bubble, words, cancelled)

    def _flush(self) -> None:
        if self._pending and self._live is not None:
            batch = []
            while self._pending:
                batch.append(self._pending.popleft())
            self._live.add_words(batch)
            self.query_one("#log", VerticalScroll).scroll_end(animate=False)

    def _reply_done(self, bubble: Bubble, words: list[tuple[str, float]], cancelled: bool) -> None:
        self._flush()
        if bubble is self._live:
            self._live = None
        if not words:
            bubble.plain = "(no reply)" if not cancelled else "(stopped)"
            bubble.refresh_text()
        if self.chat_id is not None and words:
            self.store.add(
                self.chat_id,
                Message("bot", join_words([w for w, _ in words]), [s for _, s in words]),
            )
        self._status("stopped" if cancelled else "ready")

    def action_cancel(self) -> None:
        if self._reply_worker is not None and self._reply_worker.is_running:
            self._reply_worker.cancel()

    def action_regenerate(self) -> None:
        if self.chat_id is None:
            return
        messages = self.store.messages(self.chat_id)
        users = [m for m in messages if m.role == "user"]
        if not users:
            return
        self.action_cancel()
        if messages[-1].role == "bot":
            self.store.delete_last_bot_message(self.chat_id)
        bubbles = list(self.query(Bubble))
        if bubbles and bubbles[-1].role == "bot":
            bubbles[-1].remove()
        self._live = Bubble("bot")
        self._live.show_scores = self.show_scores
        self.query_one("#log", VerticalScroll).mount(self._live)
        self._reply_worker = self.generate(users[-1].text, self._live)

    # -------------------------------------------------------------- commands
    def run_command(self, line: str) -> None:
        """Carry out a slash command (parsed by ``chatbot.tui.commands``)."""
        actions = {
            "help": self.action_help,
            "new": self.action_new_chat,
            "clear": self.action_clear,
            "regen": self.action_regenerate,
            "settings": self.action_settings,
            "info": self.action_info,
            "chats": self.action_open_chat,
            "model": self.action_switch_model,
            "continue": self.action_write,
            "chat": self.action_chat,
        }
        try:
            command = parse(line)
            if command.name == "set":
                self.set_options(**command.options)
            elif command.name == "export":
                self.action_export(command.arg)
            elif command.name == "scores":
                self.set_scores(command.arg != "off")
            else:
                actions[command.name]()
        except CommandError as e:
            self._status(str(e))
        except ChatbotError as e:
            self._status(f"{line.split()[0]}: {e}")

    def set_options(self, **changes) -> None:
        if changes.get("max_length", self.options.min_length) < self.options.min_length:
            changes["min_length"] = changes["max_length"]  # a shorter limit wins
        self.options = replace(self.options, **changes)
        shown = ", ".join(f"{k}={v}" for k, v in changes.items())
        self._status(f"settings: {shown}")

    def action_write(self) -> None:
        self.set_writing(True)

    def action_chat(self) -> None:
        self.set_writing(False)

    def set_writing(self, on_: bool) -> None:
        """Writing mode: each message is a passage that the model writes on."""
        self.writing = on_
        prompt = self.query_one("#prompt", HistoryInput)
        prompt.placeholder = (
            "type a passage: the model writes the story on (/chat to talk again)"
            if on_
            else "say something (/help for commands)"
        )
        self.sub_title = f"{self.model_dir}{' · writing' if on_ else ''}"
        self._status("writing mode: the model writes on from your passage" if on_ else "chat mode")

    def set_scores(self, on_: bool) -> None:
        self.show_scores = on_
        for b in self.query(Bubble):
            b.show_scores = on_
            b.refresh_text()
        self._status("word colours by cosine score: " + ("on" if on_ else "off"))

    def action_clear(self) -> None:
        self.action_cancel()
        if self.chat_id is not None:
            self.store.clear(self.chat_id)
        self.query_one("#log", VerticalScroll).remove_children()

    def action_export(self, path: str | None = None) -> None:
        if self.chat_id is None:
            return
        target = Path(path or f"chat-{self.chat_id}.md")
        title = f"Chat {self.chat_id} with {self.model_dir}"
        try:
            target.write_text(to_markdown(title, self.store.messages(self.chat_id)), "utf-8")
        except OSError as e:
            self._status(f"export failed: {e.strerror}")
            return
        self._status(f"exported to {target}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_info(self) -> None:
        if self.bot is not None:
            self.push_screen(InfoScreen(self.bot))

    def action_settings(self) -> None:
        def apply(result) -> None:
            if result is not None:
                options, scores = result
                self.options = options
                self.set_scores(scores)

        self.push_screen(SettingsScreen(self.options, self.show_scores), apply)

    def action_open_chat(self) -> None:
        def chosen(chat_id: int | None) -> None:
            if chat_id is not None:
                self.action_cancel()
                self.open_chat(chat_id)
                self._status(f"chat {chat_id}")

        self.push_screen(ChatPicker(self.store.chats()), chosen)

    def action_switch_model(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self.bot = None
                self._status(f"loading {path}…")
                self.load_model(path)

        shipped = [SHIPPED_MODEL] if ModelLayout(SHIPPED_MODEL).exists() else []
        self.push_screen(ModelPicker(shipped + find_models()), chosen)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("New chat", "Start an empty conversation", self.action_new_chat)
        yield SystemCommand("Clear chat", "Delete this conversation's messages", self.action_clear)
        yield SystemCommand("Regenerate", "Answer the last message again", self.action_regenerate)
        yield SystemCommand("Export chat", "Write this chat to a Markdown file", self.action_export)
        yield SystemCommand(
            "Switch model", "Choose another trained model", self.action_switch_model
        )
        yield SystemCommand("Model info", "Novel, vocabulary, training metrics", self.action_info)
        yield SystemCommand(
            "Settings", "Temperature, top-k, beam, length, seed", self.action_settings
        )
        yield SystemCommand(
            "Write on",
            "Type a passage, the model continues the story",
            lambda: self.set_writing(True),
        )
        yield SystemCommand(
            "Chat", "Back to talking with the model", lambda: self.set_writing(False)
        )
        yield SystemCommand("Help", "Keys and slash commands", self.action_help)

    def on_unmount(self) -> None:
        self.store.close()
