"""/newbot: pick a novel, prepare it with a bar per step, show what was found, and
choose how to train (or resume, or open the bot already made from it)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    ContentSwitcher,
    DirectoryTree,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from chatbot.config import TrainConfig
from chatbot.errors import ChatbotError
from chatbot.fsutil import user_path
from chatbot.ingest.prepare import PrepareConfig
from chatbot.layout import NOVEL_SUFFIXES
from chatbot.tui.training import (
    RESUME_CHANGES,
    Job,
    base_for,
    base_note,
    corpus_dir,
    few_pairs_note,
    found_rows,
    latest_bots,
    new_job,
    new_model_dir,
    resumed,
)

# The training settings offered here (the rest keep their defaults): field -> label.
TRAIN_FIELDS = {
    "max_epochs": "epochs at most",
    "max_minutes": "minutes at most",
    "characters": "characters + anyone",
    "context": "earlier turns read",
}
_DETECT = "detect"


class NovelTree(DirectoryTree):
    """Folders and novel files (.txt, and web pages saved as .html) only."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() in NOVEL_SUFFIXES)
        ]


@dataclass(frozen=True)
class NewBot:
    """What the screen decided: train (or resume) ``job``, or open the bot at ``open``."""

    job: Job | None = None
    open: Path | None = None


def train_config_from(values: dict[str, str], base: TrainConfig) -> TrainConfig:
    """``base`` with the form's values; a ChatbotError names a value that is no number."""
    changes: dict[str, Any] = {}
    for name, text in values.items():
        kind = type(getattr(base, name))
        try:
            changes[name] = kind(text.strip())
        except ValueError:
            label = TRAIN_FIELDS.get(name, name)
            what = "a whole number" if kind is int else "a number"
            raise ChatbotError(f"{label} needs {what}, not {text.strip()!r}") from None
    return replace(base, **changes)


def resume_clash(asked: TrainConfig, shown: TrainConfig, run: TrainConfig) -> str | None:
    """Why Resume cannot take the form's settings, if it cannot: a resume changes only
    ``RESUME_CHANGES``, so a value the user typed (``asked`` other than the form's
    ``shown`` default) that differs from the ``run``'s would be dropped. Untouched
    fields never clash: the form shows defaults, not the run's settings."""
    differ = [
        f"{TRAIN_FIELDS[name]} {getattr(run, name)}"
        for name in TRAIN_FIELDS
        if name not in RESUME_CHANGES
        and getattr(asked, name) != getattr(shown, name)
        and getattr(asked, name) != getattr(run, name)
    ]
    if not differ:
        return None
    return (
        f"Resume goes on with that run's own settings ({', '.join(differ)}): "
        "set those, or Train a new bot with yours"
    )


class NewBotScreen(ModalScreen[NewBot | None]):
    BINDINGS = [Binding("escape", "close", "cancel")]

    def __init__(
        self,
        data_dir: Path,
        train_config: TrainConfig,
        prepare_config: PrepareConfig,
        novel: str | Path | None = None,
        root: str | Path = ".",
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.train_config = train_config
        self.prepare_config = prepare_config
        self.novel = Path(novel) if novel else None
        self.root = Path(root)
        self.corpus: Path | None = None
        self.base: Path | None = None  # the shipped base, if this novel starts from it
        self.found: list[tuple[str, str]] = []  # what preparing found: (what, value)
        self.notes: list[tuple[str, str]] = []  # ("note" or "few pairs", explanation)
        self._steps: dict[str, list[float]] = {}  # step -> [done, total]; written by the worker

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide tall"):
            yield Label("New bot from a novel", id="title", markup=False)
            with ContentSwitcher(initial="pick", id="steps"):
                with Vertical(id="pick"):
                    yield Static(
                        "Pick a novel (.txt or .html, any encoding: UTF-8, GBK, Big5…); Enter on a "
                        "file picks it.",
                        classes="hint",
                    )
                    yield NovelTree(self.root, id="tree")
                    with Horizontal(classes="row"):
                        yield Input(
                            str(self.novel or ""), placeholder="…or type its path", id="path"
                        )
                        yield Button("Prepare", id="prepare", variant="primary", compact=True)
                with Vertical(id="preparing"):
                    yield Static("", id="preparing-title", markup=False)
                    yield Vertical(id="bars")
                with VerticalScroll(id="found"):
                    yield Static("", id="summary")
                    yield Static("", id="notes")
                    with Horizontal(classes="row"):
                        yield Label("speech / paragraphs")
                        yield Select(
                            [(s, s) for s in (_DETECT, "quotes", "tags")],
                            value=_DETECT,
                            allow_blank=False,
                            id="speech",
                            compact=True,
                        )
                        yield Select(
                            [(s, s) for s in (_DETECT, "lines", "wrapped", "unbroken")],
                            value=_DETECT,
                            allow_blank=False,
                            id="paragraphs",
                            compact=True,
                        )
                        yield Button("Prepare again", id="again", compact=True)
                    helps = {
                        f.name: f.metadata.get("help") for f in dataclasses.fields(TrainConfig)
                    }
                    names = list(TRAIN_FIELDS)
                    for pair in (names[:2], names[2:]):  # two settings a row
                        with Horizontal(classes="row"):
                            for name in pair:
                                yield Label(TRAIN_FIELDS[name])
                                field = Input(
                                    str(getattr(self.train_config, name)), id=name, compact=True
                                )
                                field.tooltip = helps[name]
                                yield field
                    yield Static("", id="existing", markup=False)
            yield Static("", id="error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Train", id="train", variant="primary", compact=True)
                yield Button("Resume", id="resume", compact=True)
                yield Button("Open it", id="open", compact=True)
                yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#buttons").display = False
        self.set_interval(0.1, self._draw_bars)
        if self.novel is not None:
            self.start(self.novel)
        else:
            self.query_one("#tree").focus()

    # ------------------------------------------------------------------ pick
    def _error(self, text: str) -> None:
        self.query_one("#error", Static).update(text)

    @on(DirectoryTree.FileSelected)
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = str(event.path)
        self.start(event.path)

    @on(Input.Submitted, "#path")
    def typed(self, event: Input.Submitted) -> None:
        self.start(event.value.strip())

    def start(self, novel: Path | str, config: PrepareConfig | None = None) -> None:
        """Prepare ``novel`` (a path, or what the user typed; its finished steps are
        reused) and then show it."""
        try:
            novel = user_path(novel) if isinstance(novel, str) else novel
        except ChatbotError as e:
            self._error(str(e))
            return
        if not novel.is_file():
            self._error(f"not a file: {novel}")
            return
        self._error("")
        self.novel = novel
        self.corpus = None  # found by the worker: it reads the whole file
        self._steps.clear()
        self.query_one("#bars").remove_children()
        self.query_one("#preparing-title", Static).update(f"Preparing {novel.name}…")
        self._step("preparing")
        self.prepare(novel, config or self.prepare_config)

    @work(thread=True, exclusive=True, group="prepare")
    def prepare(self, novel: Path, config: PrepareConfig) -> None:
        from chatbot.ingest.prepare import prepare

        def factory(name: str, total: int | None) -> Callable[[int], None]:
            self._steps[name] = [0, float(total or 0)]

            def advance(n: int) -> None:
                self._steps[name][0] += n

            return advance

        start = time.perf_counter()
        try:
            out = corpus_dir(novel, self.data_dir)
            result = prepare(novel, out, config, progress=factory)
        except (ChatbotError, OSError, UnicodeError, ValueError) as e:
            why = str(e) if isinstance(e, ChatbotError) else f"{type(e).__name__}: {e}"
            self.app.call_from_thread(self._failed, novel, f"cannot prepare {novel.name}: {why}")
            return
        seconds = time.perf_counter() - start
        self.app.call_from_thread(self._found, novel, out, result.manifest, seconds)

    def _current(self, novel: Path) -> bool:
        """Whether a finished prepare is still wanted: the screen is the one shown (not
        being closed: its widgets may be gone) and shows that novel (a prepare cannot be
        interrupted, only ignored)."""
        return self.is_attached and self.is_current and novel == self.novel

    def _draw_bars(self) -> None:
        bars = self.query_one("#bars")
        for name, (done, total) in list(self._steps.items()):
            key = "bar-" + "".join(c if c.isalnum() else "-" for c in name)
            found = bars.query(f"#{key}")
            if not found:
                bars.mount(Label(name), ProgressBar(id=key, show_eta=True))
                continue
            bar = found.first(ProgressBar)
            bar.update(total=total or None, progress=done)

    def _failed(self, novel: Path, message: str) -> None:
        if not self._current(novel):
            return
        self._step("pick")
        self.query_one("#title", Label).update("New bot from a novel")
        self._error(message)

    def _step(self, name: str) -> None:
        self.query_one(ContentSwitcher).current = name
        self.query_one("#buttons").display = name == "found"

    # ----------------------------------------------------------------- found
    def _found(self, novel: Path, corpus: Path, manifest: dict, seconds: float) -> None:
        if not self._current(novel):
            return
        from chatbot.ingest.prepare import summary

        self.corpus = corpus
        assert self.corpus is not None and self.novel is not None
        self._draw_bars()
        rows, notes = summary(manifest)
        self.found = rows + found_rows(manifest, self.corpus)
        few = few_pairs_note(manifest)
        self.notes = [("note", n) for n in notes] + ([("few pairs", few)] if few else [])
        self.base = base_for(self.corpus)
        if based := base_note(self.base):
            self.notes.append(("base", based))
        self.query_one("#title", Label).update(f"New bot from {self.novel.name}: what it found")
        table = Table(show_header=False, expand=True)
        table.add_column("what", style="bold")
        table.add_column("value")
        for what, value in self.found:
            table.add_row(Text(what), Text(value))
        self.query_one("#summary", Static).update(table)
        text = Text()
        for kind, note in self.notes:
            style = {"few pairs": "bold red", "base": "bold green"}.get(kind, "bold yellow")
            text.append(f"{kind}: ", style=style)
            text.append(f"{note}\n")
        text.append(f"prepared in {seconds:.1f} s into {self.corpus}", style="dim")
        self.query_one("#notes", Static).update(text)
        self._show_existing()
        self._step("found")
        self.query_one("#train", Button).focus()

    def _existing(self) -> dict[str, Path]:
        """The newest unfinished and finished bots of this novel (``latest_bots``)."""
        assert self.corpus is not None
        return latest_bots(self.corpus)

    def _show_existing(self) -> None:
        bots = self._existing()
        text = []
        if "finished" in bots:
            text.append(f"A bot from this novel is already here ({bots['finished']}): open it.")
        if "unfinished" in bots:
            text.append(
                f"An unfinished one is here ({bots['unfinished']}): Resume continues from "
                "its last finished epoch."
            )
        if bots:
            text.append("Train makes a new one beside them.")
        self.query_one("#existing", Static).update(" ".join(text))
        self.query_one("#resume", Button).display = "unfinished" in bots
        self.query_one("#open", Button).display = "finished" in bots

    def _form(self) -> TrainConfig:
        values = {name: self.query_one(f"#{name}", Input).value for name in TRAIN_FIELDS}
        return train_config_from(values, self.train_config)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "prepare":
            self.start(self.query_one("#path", Input).value.strip())
            return
        if button == "back":
            self._step("pick")
            return
        if button == "again" and self.novel is not None:
            chosen = {
                name: None if (v := self.query_one(f"#{name}", Select).value) == _DETECT else v
                for name in ("speech", "paragraphs")
            }
            self.start(self.novel, replace(self.prepare_config, **chosen))
            return
        assert self.corpus is not None and self.novel is not None
        bots = self._existing()
        try:
            config = self._form()
            if button == "open":
                self.dismiss(NewBot(open=bots["finished"]))
            elif button == "resume":
                job = resumed(Job(self.novel.stem, self.corpus, bots["unfinished"], config), config)
                clash = resume_clash(config, self.train_config, job.config)
                if clash:
                    raise ChatbotError(clash)
                self.dismiss(NewBot(job=job))
            elif button == "train":
                target = new_model_dir(self.corpus)
                job = new_job(self.novel.stem, self.corpus, target, config, self.base)
                self.dismiss(NewBot(job=job))
        except ChatbotError as e:
            self._error(str(e))

    def action_close(self) -> None:
        self.dismiss(None)
