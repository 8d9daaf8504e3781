"""The chat app: a Textual TUI over the Chatbot API.

The first screen paints at once; the model loads in a worker thread. Replies stream
word by word from another worker; words are buffered and flushed to the screen on a
timer so typing stays responsive. A bot made from the user's novel trains in a third
worker (``chatbot.tui.training``) while the chat goes on. No model logic lives here:
it calls ``Chatbot`` and ``chatbot.train``.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message as TextualMessage
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, get_current_worker

from chatbot.cast import ANYONE, HISTORY, Conversation
from chatbot.config import (
    CONTINUE_OPTIONS,
    TrainConfig,
    offset_seed,
    unread_settings,
)
from chatbot.errors import ChatbotError
from chatbot.fsutil import atomic_path, user_path
from chatbot.ingest.prepare import PrepareConfig
from chatbot.ingest.textio import ends_sentence, join_words
from chatbot.layout import ModelLayout, default_model
from chatbot.tui.catalog import all_models, bot_name, describe, novel_name, same_model
from chatbot.tui.commands import CommandError, parse
from chatbot.tui.export import export_path, to_markdown
from chatbot.tui.prefs import Prefs
from chatbot.tui.screens import (
    CharacterPicker,
    ChatPicker,
    ErrorScreen,
    HelpScreen,
    InfoScreen,
    ModelPicker,
    NewBot,
    NewBotScreen,
    Settings,
    SettingsScreen,
    TrainingScreen,
)
from chatbot.tui.store import Message, Store, default_data_dir
from chatbot.tui.training import APP_TRAIN, Job, Progress, resumed, run
from chatbot.tui.widgets import Bubble, HistoryInput

if TYPE_CHECKING:
    from chatbot.bot import Chatbot  # torch: loaded by the worker, after the first paint


def short(path: Path | None) -> str:
    """A path as a user would type it: relative to here when under it, else with ~."""
    if path is None:
        return "?"
    path = Path(path).resolve()
    for base, shown in ((Path.cwd(), ""), (Path.home(), "~/")):
        if path.is_relative_to(base):
            return shown + str(path.relative_to(base))
    return str(path)


class TrainingChanged(TextualMessage):
    """Posted by the training worker when there is something new to draw."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


@dataclass
class Reply:
    """One bot reply being written: the chat it belongs to, its bubble, and the words
    the reply thread has said that are not on screen yet (``pending``)."""

    chat_id: int | None
    bubble: Bubble
    bot: Chatbot  # the one that writes it: switching models mid-reply must not pull it away
    writing: bool  # a story written on, not a reply
    pending: deque[tuple[str, float]] = field(default_factory=deque)
    lines: list[str] = field(default_factory=list)  # the book's lines it leaned on
    settled: bool = False
    # a retry: the stored reply it replaces, which stays until this one has words
    replaces: str | None = None


class ChatApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "novel chatbot"
    BINDINGS = [
        Binding("escape", "cancel", "stop"),
        Binding("ctrl+n", "new_chat", "new chat"),
        Binding("ctrl+r", "regenerate", "retry"),
        Binding("ctrl+s", "settings", "settings"),
        Binding("ctrl+o", "export", "export"),
        Binding("ctrl+g", "lines", "book lines", show=False),
        Binding("f1", "help", "help"),
        Binding("ctrl+q", "quit", "quit", show=False),  # 80 columns fit the rest
        # A terminal user's first key to stop something; copying a selection still wins.
        Binding("ctrl+c", "interrupt", show=False, priority=True),
    ]

    def __init__(
        self,
        model_dir: str | Path | None = None,
        data_dir: str | Path | None = None,
        pace_ms: float = 30.0,
        novel: str | Path | None = None,
        train_config: TrainConfig = APP_TRAIN,
        prepare_config: PrepareConfig | None = None,
    ):
        super().__init__()
        self.model_dir = Path(model_dir) if model_dir else None
        self.data_dir = Path(data_dir or default_data_dir())
        self.store = Store(self.data_dir)
        self.bot = None  # a chatbot.bot.Chatbot once the worker has loaded it
        prefs, self._prefs_problem = Prefs.from_json(self.store.setting("prefs"))
        self.options = prefs.options
        self.writing = prefs.writing  # writing mode: messages are passages the model writes on
        self.story_words = prefs.story_words
        self.pace_ms = pace_ms
        self.show_scores = prefs.show_scores
        self.show_lines = prefs.show_lines  # the book's lines each reply leaned on, under it
        self.speaker: str | None = None  # the character the bot speaks as
        self.addressee: str | None = None  # who the user is to it
        self.chat_id: int | None = None
        self.conversation = Conversation()  # what the last reply answered besides its message
        self._retry_of: tuple[int | None, int] | None = None  # (chat, message) it retried
        self._waiting: str | None = None  # a message sent before the model was ready
        self._previous: tuple[Any, Path | None] | None = None  # the bot a switch replaces
        self.novel = Path(novel) if novel else None  # --novel: make a bot from it first
        self.train_config = train_config
        self.prepare_config = prepare_config or PrepareConfig()
        self.training: Progress | None = None  # the bot being (or last) trained
        self._reply: Reply | None = None  # the reply being written, if any
        self._reopen: tuple[int, Path] | None = None  # a chat to open once its bot has loaded
        self._reply_worker: Worker | None = None

    @property
    def _live(self) -> Bubble | None:
        """The bubble of the reply being written, if any."""
        return self._reply.bubble if self._reply is not None else None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="log")
        yield Static("", id="training-status", markup=False)
        yield Static("loading the model…", id="status", markup=False)
        yield HistoryInput(placeholder="say something (/help for commands)", id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#training-status").display = False
        self.query_one("#prompt", Input).focus()
        self.set_interval(0.05, self._flush_words)
        if self.writing:
            self._writing_prompt()
        if self._prefs_problem:
            self.notify(self._prefs_problem, severity="warning", timeout=8, markup=False)
            self._save_prefs()  # what is used now, so the warning is not given again
        self.load_model(self.model_dir)
        if self.novel is not None:
            self.call_after_refresh(self.action_new_bot, str(self.novel))

    # ------------------------------------------------------------- model load
    @work(thread=True, exclusive=True, group="load")
    def load_model(self, model_dir: Path | None, fresh_chat: bool = False) -> None:
        start = time.perf_counter()
        from chatbot.bot import Chatbot  # torch loads here, after the first paint

        try:
            if model_dir is None:
                model_dir = default_model()
            if model_dir is None:
                raise ChatbotError("no trained model found under corpus/")
            model_dir = Path(model_dir).resolve()  # chats store it: found from any folder
            bot = Chatbot.load(model_dir, warm=False)
        except ChatbotError as e:
            self.call_from_thread(self._model_failed, str(e))
            return
        seconds = time.perf_counter() - start
        self.call_from_thread(self._model_ready, bot, Path(model_dir), seconds, fresh_chat)
        bot.warm()  # jieba and the word index, after "ready"; a message meanwhile just waits

    def _model_failed(self, message: str) -> None:
        self._reopen = None
        if self._waiting is not None:  # give the message back to its writer
            self._give_back(self._waiting)
            self._waiting = None
        if self._previous is not None:  # a switch that failed: the last bot stays
            (self.bot, self.model_dir), self._previous = self._previous, None
            self._status(f"cannot switch: {message}")
            return
        if self.novel is not None or self.training is not None:
            self._status(f"no bot to chat with yet ({message}); making one from the novel")
            return
        self.push_screen(ErrorScreen(message))

    def _model_ready(self, bot, model_dir: Path, seconds: float, fresh_chat: bool) -> None:
        self.bot, self.model_dir, self._previous = bot, model_dir, None
        if isinstance(self.screen, ErrorScreen):
            self.pop_screen()
        words = f"{len(bot.table):,} words"
        self._status(f"ready: {short(model_dir)} ({words}, loaded in {seconds:.1f} s)")
        reopen, self._reopen = self._reopen, None
        if reopen is not None and not fresh_chat and same_model(reopen[1], model_dir):
            self.open_chat(reopen[0])  # a chat of this bot picked in /chats
        elif fresh_chat:
            self.open_chat(self.store.new_chat(str(model_dir), speaker=None, addressee=None))
        elif self.chat_id is None:  # the last chat with this bot, else a new one
            ours = [c for c in self.store.chats() if same_model(c.model, model_dir)]
            self.open_chat(ours[0].id if ours else self.store.new_chat(str(model_dir)))
        elif not same_model(self._chat_model(), model_dir):
            # a chat is one bot's: another bot takes an empty one, else starts its own
            if self.store.messages(self.chat_id):
                self.open_chat(self.store.new_chat(str(model_dir)))
            else:
                self.store.set_model(self.chat_id, str(model_dir))
                self._check_cast()
        else:
            self._check_cast()
        self._update_title()
        if self._waiting is not None:
            text, self._waiting = self._waiting, None
            self.send(text)

    def _save_prefs(self) -> None:
        """Keep the settings for the next start (the store writes them atomically)."""
        prefs = Prefs(
            self.options, self.writing, self.story_words, self.show_scores, self.show_lines
        )
        try:
            self.store.set_setting("prefs", prefs.to_json())
        except sqlite3.Error as e:  # another window holding the store: the change still applies
            self.notify(f"settings not saved: {e}", severity="warning", markup=False)

    def _chat_model(self) -> str:
        info = self.store.chat(self.chat_id) if self.chat_id is not None else None
        return info.model if info is not None else ""

    def _status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def _update_title(self) -> None:
        name = novel_name(self.bot.card) if self.bot is not None else "?"
        parts = [name]  # who and what first: a narrow header cuts the model's path
        if self.speaker or self.addressee:
            you = f" (you: {self.addressee})" if self.addressee else ""
            parts.append(f"talking to {self.speaker or ANYONE}{you}")
        if self.writing:
            parts.append("writing")
        self.sub_title = " · ".join(parts) + f" ({short(self.model_dir)})"

    # ------------------------------------------------------------------ chats
    def open_chat(self, chat_id: int) -> None:
        self._stop_reply()  # a reply being written stays in the chat it was written for
        self.chat_id = chat_id
        info = self.store.chat(chat_id)
        self.speaker, self.addressee = (info.speaker, info.addressee) if info else (None, None)
        self._check_cast()
        log = self.query_one("#log", VerticalScroll)
        log.remove_children()
        for m in self.store.messages(chat_id):
            bubble = Bubble(m.role, m.text, m.scores, m.speaker, m.grounding)
            bubble.show_lines, bubble.show_scores = self.show_lines, self.show_scores
            log.mount(bubble)
        log.scroll_end(animate=False)
        self._update_title()

    def action_new_chat(self) -> None:
        """A new chat: a fresh context, with the same character. A chat of this bot
        with nothing in it yet is that already (empty chats would pile up in /chats)."""
        empty = self.chat_id is not None and not self.store.messages(self.chat_id)
        if not (empty and same_model(self._chat_model(), self.model_dir)):
            self.open_chat(self.store.new_chat(str(self.model_dir), "new chat", *self._cast()))
        self._status("new chat")

    def _cast(self) -> tuple[str | None, str | None]:
        return self.speaker, self.addressee

    def _check_cast(self) -> None:
        """Forget (for now, not in the store) a character the loaded model lacks."""
        if self.bot is None or not (self.speaker or self.addressee):
            return
        names = self.bot.names if self.bot.model.config.characters else ()
        lost = list(dict.fromkeys(n for n in self._cast() if n and n not in names))
        if lost:
            self.speaker = self.speaker if self.speaker in names else None
            self.addressee = self.addressee if self.addressee in names else None
            self._status(f"this model does not know {', '.join(lost)}: talking to anyone")

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

    def _give_back(self, text: str) -> None:
        """Put a message that could not go back in the input, unless the user has
        typed something else since (then ↑ finds it, as every message sent)."""
        prompt = self.query_one("#prompt", HistoryInput)
        if not prompt.value:
            prompt.value = text
        else:
            self.notify("your message was not sent: ↑ brings it back", timeout=4)

    def send(self, text: str) -> None:
        if self.bot is None:
            loading = any(w.group == "load" and w.is_running for w in self.workers)
            if loading and self._waiting is None:
                self._waiting = text
                self._status("the model is still loading: your message goes once it is ready")
                return
            self._give_back(text)
            self._status(
                "one message already waits for the model" if loading else "no bot to chat with"
            )
            return
        if self.chat_id is None:
            self.chat_id = self.store.new_chat(str(self.model_dir), "new chat", *self._cast())
        self.action_cancel()
        before = self.store.messages(self.chat_id)
        self.store.add(self.chat_id, Message("user", text, speaker=self.addressee))
        log = self.query_one("#log", VerticalScroll)
        log.mount(Bubble("user", text))
        log.scroll_end(animate=False)
        self._reply_to(text, before)

    def _reply_to(
        self,
        text: str,
        before: list[Message],
        retried: tuple[str, ...] = (),
        replaces: str | None = None,
    ) -> None:
        """Start the bot's reply to ``text``, said after ``before`` in this chat (and
        not one of the ``retried`` replies to it; in place of the stored reply
        ``replaces``, once it has words)."""
        self._retry_of = None
        bubble = Bubble("bot", speaker=None if self.writing else self.speaker)
        bubble.show_scores = self.show_scores
        bubble.show_lines = self.show_lines
        self.query_one("#log", VerticalScroll).mount(bubble)
        history = () if self.writing else tuple(m.text for m in before[-HISTORY:])
        self.conversation = Conversation(history, *self._cast(), retried=retried)
        self._reply = Reply(self.chat_id, bubble, self.bot, self.writing, replaces=replaces)
        self._reply_worker = self.generate(text, self._reply, self.conversation)

    def _words(self, reply: Reply, text: str, conversation: Conversation):
        """The bot's words for ``text``: a reply, or in writing mode the story written on
        (with the writing defaults, the settings' strategy and seed)."""
        if not reply.writing:
            return reply.bot.stream(text, self.options, conversation)
        strategy = "greedy" if self.options.strategy == "greedy" else CONTINUE_OPTIONS.strategy
        # each retry of a passage draws with another seed
        seed = offset_seed(self.options.seed, len(conversation.retried))
        options = replace(CONTINUE_OPTIONS, strategy=strategy, seed=seed)
        return reply.bot.write_on(text, self.story_words, options)

    @work(thread=True, exclusive=True, group="reply")
    def generate(self, text: str, reply: Reply, conversation: Conversation) -> None:
        worker = get_current_worker()
        bot, first = reply.bot, True
        try:
            if not reply.writing:
                grounding = bot.grounding(bot.tokenize(text))
                reply.lines = [bot.in_script(g.text) for g in grounding]
            for word, score in self._words(reply, text, conversation):
                if worker.is_cancelled or reply.settled:
                    break
                # A reply starts a sentence; a story goes on from the passage's last one.
                word = bot.shown(
                    word, first and (not reply.writing or ends_sentence(text.rstrip()))
                )
                first = False
                reply.pending.append((word, score))
                if self.pace_ms:
                    time.sleep(self.pace_ms / 1000)
        except ChatbotError as e:
            self.call_from_thread(self._reply_failed, reply, str(e))
            return
        self.call_from_thread(self._settle, reply, True, not worker.is_cancelled)

    def _flush_words(self, reply: Reply | None = None) -> None:
        reply = reply or self._reply
        if reply is not None and reply.pending:
            batch = []
            while reply.pending:
                batch.append(reply.pending.popleft())
            reply.bubble.add_words(batch)
            self.query_one("#log", VerticalScroll).scroll_end(animate=False)

    def _reply_failed(self, reply: Reply, message: str) -> None:
        self._settle(reply, keep=False)
        reply.bubble.plain = reply.replaces or "(no reply)"  # a failed retry keeps the reply
        reply.bubble.refresh_text()
        self._status(f"error: {message}")

    def _settle(self, reply: Reply, keep: bool, finished: bool = False) -> None:
        """End ``reply`` once: what it showed goes into the chat it was written for
        (``keep``), or nowhere when it was cleared or is being regenerated. Called at
        once when the user moves on, so the store keeps the order the screen showed."""
        if reply.settled:
            return
        reply.settled = True
        if reply is self._reply:
            self._reply = None
        self._flush_words(reply)
        words = reply.bubble.words
        reply.bubble.grounding = reply.lines
        if not words:
            reply.bubble.plain = reply.replaces or ("(no reply)" if finished else "(stopped)")
        reply.bubble.refresh_text()
        if keep and reply.chat_id is not None and words:
            message = Message(
                "bot", join_words(words), reply.bubble.scores, reply.bubble.speaker, reply.lines
            )
            self.store.add(reply.chat_id, message, replacing=reply.replaces is not None)
        self._status("ready" if finished else "stopped")

    def _stop_reply(self, keep: bool = True) -> None:
        """Stop the reply being written, keeping what it said so far (or not)."""
        if self._reply_worker is not None and self._reply_worker.is_running:
            self._reply_worker.cancel()
        if self._reply is not None:
            self._settle(self._reply, keep)

    def action_cancel(self) -> None:
        self._stop_reply()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "interrupt":  # step aside for the input's copy of its selection
            focused = self.focused
            return not (isinstance(focused, Input) and not focused.selection.is_empty)
        return True

    def action_interrupt(self) -> None:
        """Ctrl+C: copy the text selected in the chat (once: the selection goes), else
        stop the reply being written, else say how to quit."""
        selected = self.screen.get_selected_text()
        if selected:
            self.copy_to_clipboard(selected)
            self.screen.clear_selection()
        elif self._reply is not None:
            self._stop_reply()
        else:
            self.notify("Ctrl+Q quits; Esc or Ctrl+C stops a reply", timeout=3)

    def action_regenerate(self) -> None:
        if self.chat_id is None or self.bot is None:
            return
        messages = self.store.messages(self.chat_id)
        last_user = max((k for k, m in enumerate(messages) if m.role == "user"), default=None)
        if last_user is None:
            self._status("nothing to answer again yet: say something first")
            return
        # Each retry of one message must say something new (beam search alone would
        # give the same line again), so the replies it replaced go with it.
        again = self.conversation.retried if self._retry_of == (self.chat_id, last_user) else ()
        shown = self._reply.bubble.words if self._reply is not None else []
        self._stop_reply(keep=False)
        replaces = None
        if messages[-1].role == "bot":
            again += (messages[-1].text,)
            replaces = messages[-1].text  # stored until the new reply has words
        elif shown:
            again += (join_words(shown),)
        bubbles = list(self.query(Bubble))
        if bubbles and bubbles[-1].role == "bot":
            bubbles[-1].remove()
        self._reply_to(messages[last_user].text, messages[:last_user], again, replaces)
        self._retry_of = (self.chat_id, last_user)

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
            "train": self.action_show_training,
            "line": self.action_lines,
        }
        try:
            command = parse(line)
            if command.name == "set":
                self.set_options(**command.options)
            elif command.name == "export":
                self.action_export(command.arg)
            elif command.name == "scores":
                self.set_scores(command.arg != "off")
            elif command.name == "newbot":
                self.action_new_bot(command.arg)
            elif command.name == "model" and command.arg:  # any model, wherever trained
                model = ModelLayout.at(user_path(command.arg)).existing()
                if not model.config.is_file():
                    raise ChatbotError(f"no model in {model.root} (its config.json is missing)")
                self.switch_model(model.root)
            elif command.name == "words":
                self.story_words = int(command.arg or 0)
                self._save_prefs()
                self._status(f"writing mode writes {self.story_words} words on")
            elif command.name in ("as", "to"):
                self.cast_command(command.name, command.arg)
            else:
                actions[command.name]()
        except CommandError as e:
            self._status(str(e))
        except ChatbotError as e:
            self._status(f"{line.split()[0]}: {e}")

    def set_options(self, **changes) -> None:
        self.options = replace(self.options, **changes)
        self._save_prefs()
        self._status(self._settings_said(changes))

    def _settings_said(self, changes: dict) -> str:
        """The status for changed decoding settings, saying which of them the strategy
        in use does not read (temperature and top-k shape sampling only)."""
        shown = ", ".join(f"{k}={v}" for k, v in changes.items())
        unread = unread_settings(self.options.strategy, changes)
        for by in sorted(set(unread.values())):
            names = " and ".join(n for n, s in unread.items() if s == by)
            shown += f" ({names} apply with /strategy {by})"
        return f"settings: {shown}"

    def action_write(self) -> None:
        self.set_writing(True)

    def action_chat(self) -> None:
        self.set_writing(False)

    def set_writing(self, on_: bool) -> None:
        """Writing mode: each message is a passage that the model writes on."""
        self.writing = on_
        self._save_prefs()
        self._writing_prompt()
        self._status("writing mode: the model writes on from your passage" if on_ else "chat mode")

    def _writing_prompt(self) -> None:
        prompt = self.query_one("#prompt", HistoryInput)
        prompt.placeholder = (
            "type a passage: the model writes the story on (/chat to talk again)"
            if self.writing
            else "say something (/help for commands)"
        )
        self._update_title()

    def set_scores(self, on_: bool) -> None:
        self.show_scores = on_
        self._save_prefs()
        for b in self.query(Bubble):
            b.show_scores = on_
            b.refresh_text()
        self._status("word colours by cosine score: " + ("on" if on_ else "off"))

    def action_lines(self) -> None:
        """Ctrl+G: show (or hide) the book's lines each reply leaned on."""
        self.show_lines = not self.show_lines
        self._save_prefs()
        for b in self.query(Bubble):
            b.show_lines = self.show_lines
            b.refresh_text()
        bots = [b for b in self.query(Bubble) if b.role == "bot"]
        if not self.show_lines:
            self._status("book lines hidden (hover a reply to see them)")
        elif bots and bots[-1].grounding:
            self._status(f"the last reply leaned on: {bots[-1].grounding[0]}")
        elif self.bot is not None and not self.bot.card.train.ground:
            self._status("this model answers without book lines (it was trained without them)")
        else:
            self._status("no book lines for the last reply (its corpus is not here)")

    # ------------------------------------------------------------ characters
    def cast_command(self, which: str, name: str | None) -> None:
        """/as NAME and /to NAME; without a name, a list to pick from."""
        if name is None:
            self.action_pick_character(which)
            return
        self.set_cast(**{"speaker" if which == "as" else "addressee": name})

    def _names(self) -> tuple[str, ...]:
        """The loaded model's cast (ANYONE first); a ChatbotError without characters."""
        if self.bot is None:
            raise ChatbotError("the model is still loading")
        if not self.bot.model.config.characters:
            raise ChatbotError(
                "this model has no characters: /newbot makes a bot with them (characters > 0)"
            )
        if len(self.bot.cast) < 2:
            raise ChatbotError("no character of this book said enough lines to have a persona")
        return self.bot.names

    def set_cast(self, **names: str | None) -> None:
        """Talk to ``speaker`` as ``addressee`` (either may be None: anyone); checked
        against the model's cast, remembered with the chat."""
        cast = {"speaker": self.speaker, "addressee": self.addressee}
        for role, name in names.items():
            if name in (None, "", ANYONE):
                cast[role] = None
                continue
            known = self._names()
            cast[role] = known[self.bot.character(name)]  # type: ignore[union-attr]
        if cast["speaker"] and cast["speaker"] == cast["addressee"]:
            self._status(f"{cast['speaker']} would talk to themselves: pick someone else")
            return
        self.speaker, self.addressee = cast["speaker"], cast["addressee"]
        if self.chat_id is not None:
            self.store.set_cast(self.chat_id, self.speaker, self.addressee)
        self._update_title()
        you = f", you are {self.addressee}" if self.addressee else ""
        later = " in chat mode (/chat); writing mode tells the story" if self.writing else ""
        self._status(f"talking to {self.speaker or ANYONE}{you}{later}")

    def action_pick_character(self, which: str = "as") -> None:
        try:
            names = self._names()
        except ChatbotError as e:
            self._status(str(e))
            return
        field = "speaker" if which == "as" else "addressee"
        title = "Talk to…" if which == "as" else "You are…"

        def chosen(name: str | None) -> None:
            if name is not None:
                self.set_cast(**{field: name})

        cast = self.bot.cast  # type: ignore[union-attr]
        self.push_screen(CharacterPicker(names, cast.lines, title), chosen)

    # ------------------------------------------------------------------ misc
    def action_clear(self) -> None:
        self._stop_reply(keep=False)
        if self.chat_id is not None:
            self.store.clear(self.chat_id)
        self.query_one("#log", VerticalScroll).remove_children()
        self._status("chat cleared: its messages are deleted")

    def action_export(self, path: str | None = None) -> None:
        if self.chat_id is None:
            return
        messages = self.store.messages(self.chat_id)
        if not messages:
            self._status("nothing to export: this chat has no messages yet")
            return
        target = export_path(self.chat_id, path, Path.cwd())
        if target.exists():
            self._status(f"not exported: {target} exists (/export another name)")
            return
        model = self._chat_model()  # the chat's own bot, whichever is loaded
        title = f"Chat {self.chat_id} with {bot_name(model)} ({short(Path(model))})"
        try:
            with atomic_path(target) as tmp:
                tmp.write_text(to_markdown(title, messages), "utf-8")
        except (OSError, ChatbotError) as e:
            self._status(f"export failed: {getattr(e, 'strerror', None) or e}")
            return
        self._status(f"exported to {target}")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_info(self) -> None:
        if self.bot is not None:
            self.push_screen(InfoScreen(self.bot))

    def action_settings(self) -> None:
        def apply(result: Settings | None) -> None:
            if result is not None:
                changed = {
                    k: v for k, v in asdict(result.options).items() if getattr(self.options, k) != v
                }
                self.options = result.options
                self.set_scores(result.show_scores)  # saves the options too
                if names:
                    self.set_cast(speaker=result.speaker, addressee=result.addressee)
                if changed:  # last, so the status says what the dialog changed
                    self._status(self._settings_said(changed))

        try:
            names = self._names()
        except ChatbotError:
            names = ()
        self.push_screen(
            SettingsScreen(self.options, self.show_scores, names, *self._cast()), apply
        )

    def action_open_chat(self) -> None:
        """/chats: an earlier chat, with the bot it was had with."""

        def chosen(chat_id: int | None) -> None:
            info = self.store.chat(chat_id) if chat_id is not None else None
            if info is None:
                return
            if (
                not same_model(info.model, self.model_dir)
                and ModelLayout(Path(info.model)).exists()
            ):
                self._reopen = (info.id, Path(info.model))
                self.switch_model(Path(info.model))
                return
            self.open_chat(info.id)
            gone = (
                ""
                if same_model(info.model, self.model_dir)
                else f" (its bot {info.model} cannot be loaded from here)"
            )
            self._status(f"chat {info.id}{gone}")

        chats = self.store.chats()
        names = {c.model: bot_name(c.model) for c in chats}
        self.push_screen(ChatPicker(chats, [names[c.model] for c in chats]), chosen)

    def action_switch_model(self) -> None:
        """/model: every bot by novel, date, size and scores."""
        entries = []
        for path in all_models(self.data_dir):
            try:
                entries.append((path, describe(path).label()))
            except (ChatbotError, OSError) as e:
                entries.append((path, f"{path} (cannot read it: {e})"))
        self.push_screen(ModelPicker(entries), self.switch_model)

    def switch_model(self, path: Path | None, fresh_chat: bool = False) -> None:
        if path is not None:
            self._stop_reply()
            if self.bot is not None:  # back to it if the other one cannot load
                self._previous = (self.bot, self.model_dir)
            self.bot = None
            self._status(f"loading {path}…")
            self.load_model(path, fresh_chat)

    # ------------------------------------------------------------- new bots
    def action_new_bot(self, novel: str | None = None) -> None:
        """/newbot [PATH]: pick a novel, prepare it, then train a bot on it."""
        if self.training is not None and self.training.running:
            self._status("a bot is already training: /train shows it")
            return

        def chosen(result: NewBot | None) -> None:
            self.novel = None
            if result is not None and result.open is not None:
                self.switch_model(result.open, fresh_chat=True)
            elif result is not None and result.job is not None:
                self.start_training(result.job)
            elif self.bot is None:  # --novel with no bot to chat with: say what is missing
                self.load_model(self.model_dir)

        path = user_path(novel) if novel else None
        if path is not None and path.is_dir():  # /newbot DIR: pick from that folder
            start, root = None, path
        else:
            start = path
            root = path.parent if path and path.parent.is_dir() else Path.cwd()
        screen = NewBotScreen(self.data_dir, self.train_config, self.prepare_config, start, root)
        self.push_screen(screen, chosen)

    def start_training(self, job: Job) -> None:
        self.training = Progress(job)
        self.run_worker(
            partial(self._train, self.training), thread=True, group="train", exclusive=True
        )
        self.query_one("#training-status").display = True
        self._training_changed(self.training)
        self.action_show_training()

    def _train(self, progress: Progress) -> None:
        """The training worker (a thread): cancelled when the app closes."""
        worker = get_current_worker()
        run(
            progress,
            cancelled=lambda: worker.is_cancelled,
            on_change=lambda: self.post_message(TrainingChanged(progress)),
        )

    @on(TrainingChanged)
    def training_changed(self, event: TrainingChanged) -> None:
        with suppress(NoMatches):  # the app is closing: its screens are gone
            self._training_changed(event.progress)

    def _training_changed(self, progress: Progress) -> None:
        if progress is not self.training:
            return
        line = self.query_one("#training-status", Static)
        line.update(progress.headline() + ("  (/train to watch)" if progress.running else ""))
        if isinstance(self.screen, TrainingScreen):
            self.screen.update_from(progress)
        if progress.state == "done":
            if isinstance(self.screen, TrainingScreen):
                self.screen.dismiss()
            self.switch_model(progress.job.model, fresh_chat=True)
            self._status(progress.message)

    def stop_training(self) -> None:
        """Stop between two batches; the last finished epoch stays saved."""
        if self.training is not None and self.training.running:
            self.training.stop_requested.set()
            self.training.state = "stopping"
            self._training_changed(self.training)

    def resume_training(self) -> None:
        if self.training is None or self.training.running:
            return
        try:
            job = resumed(self.training.job)
        except ChatbotError as e:
            self._status(f"cannot resume: {e}")
            return
        self.start_training(job)  # the training screen, if open, shows the new run

    def action_show_training(self) -> None:
        if self.training is None:
            self._status("no bot is training: /newbot makes one")
        elif isinstance(self.screen, TrainingScreen):
            self.screen.update_from(self.training)
        else:
            self.push_screen(TrainingScreen(self.training))

    # --------------------------------------------------------------- palette
    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("New chat", "Start an empty conversation", self.action_new_chat)
        yield SystemCommand(
            "New bot from a novel",
            "Pick a .txt novel, prepare it and train a bot on it",
            self.action_new_bot,
        )
        yield SystemCommand(
            "Training",
            "The bot being trained: progress, curves, replies",
            self.action_show_training,
        )
        yield SystemCommand(
            "Talk to a character", "Who the bot speaks as", self.action_pick_character
        )
        yield SystemCommand(
            "Who you are", "The character you speak as", partial(self.action_pick_character, "to")
        )
        yield SystemCommand(
            "Book lines", "Show the lines each reply leaned on (Ctrl+G)", self.action_lines
        )
        yield SystemCommand("Clear chat", "Delete this conversation's messages", self.action_clear)
        yield SystemCommand("Regenerate", "Answer the last message again", self.action_regenerate)
        yield SystemCommand("Export chat", "Write this chat to a Markdown file", self.action_export)
        yield SystemCommand(
            "Switch model", "Bots by novel, date, size and scores", self.action_switch_model
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

    async def action_quit(self) -> None:
        """Quit, keeping what a reply being written has shown (as Esc would)."""
        self._stop_reply()
        self.exit()

    def on_unmount(self) -> None:
        self.store.close()
