"""Making a bot in the app: where its files go, how training is run and stopped, and
what the training screen shows. No screen here: the app runs ``run`` in a worker
thread and draws ``Progress``.

Stopping is an exception raised from the batch callback, so ``chatbot.train`` stops
between two batches exactly as on Ctrl-C: the last finished epoch is checkpointed and
``train(..., resume=True)`` continues from it. Closing the app cancels the worker, which
stops training the same way.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chatbot.config import DecodeOptions, TrainConfig
from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json, sha256_file
from chatbot.ingest.prepare import speakers_row
from chatbot.layout import CorpusLayout, ModelLayout, shipped_base
from chatbot.tui.catalog import bots_dir, model_state
from chatbot.tui.curves import read_metrics

# Two fixed questions answered after each epoch, so the user sees the bot learn.
QUESTIONS = {
    "zh": ("你今天去哪里了？", "你怎么不说话？"),
    "en": ("Where have you been today?", "Why are you so quiet?"),
}
SAMPLE_OPTIONS = DecodeOptions(seed=0)  # sampled as in the chat; the seed makes epochs comparable
FEW_PAIRS = 1000  # below this a model learns little of a book's voice (红楼梦 gives 9,876)
# The app's defaults: the library's, with a time cap so a first bot is ready in minutes.
APP_TRAIN = TrainConfig(max_minutes=10.0)


class Stopped(Exception):
    """The user stopped training (or closed the app): the last finished epoch is kept."""


def corpus_dir(novel: str | Path, data_dir: str | Path) -> Path:
    """Where the app keeps what it makes from ``novel``: a directory named after the
    file (``book``, else ``book-2``...), the first that is free or already holds this
    very text; two novels both called novel.txt never share one."""
    stem, sha = Path(novel).stem, sha256_file(novel)
    for k in range(1, 1000):
        folder = bots_dir(data_dir) / (stem if k == 1 else f"{stem}-{k}")
        manifest = CorpusLayout(folder).manifest
        if not manifest.is_file():
            return folder
        try:
            if read_json(manifest, "manifest").get("source", {}).get("sha256") == sha:
                return folder
        except ChatbotError:  # a damaged manifest: not this text's
            continue
    raise ChatbotError(f"too many novels called {Path(novel).name}")


def _model_dirs(corpus: Path) -> list[Path]:
    return [corpus / "model"] + [corpus / f"model-{k}" for k in range(2, 1000)]


def new_model_dir(corpus: str | Path) -> Path:
    """A model directory in ``corpus`` that holds nothing yet: ``model``, else
    ``model-2``, ``model-3``... (an earlier bot is never overwritten)."""
    for c in _model_dirs(Path(corpus)):
        lay = ModelLayout(c)
        if not lay.exists() and not lay.checkpoint_state.is_file():
            return c
    raise ChatbotError(f"too many models in {corpus}")


def latest_bots(corpus: str | Path) -> dict[str, Path]:
    """The bots of ``corpus`` a user picking its novel again may mean: the newest
    unfinished one (to resume) and the newest finished one (to open), by state."""
    found: dict[str, Path] = {}
    for c in _model_dirs(Path(corpus)):
        if not c.is_dir():
            continue
        state = model_state(c)
        if state != "none":
            found[state] = c  # later directories are newer
    return found


def found_rows(manifest: dict[str, Any], corpus: str | Path) -> list[tuple[str, str]]:
    """What ``summary`` leaves out and a user asks first: how big the book is, its
    vocabulary, and who speaks most."""
    counts = manifest.get("counts", {})
    rows = []
    if "characters" in counts:
        size = f"{counts['characters']:,} / {counts.get('sentences', 0):,}"
        rows.append(("text: letters / sentences", size))
    if "vocabulary" in counts:
        rows.append(("vocabulary (word vectors)", f"{counts['vocabulary']:,} words"))
    if speakers := speakers_row(corpus):
        rows.append(speakers)
    return rows


def few_pairs_note(manifest: dict[str, Any]) -> str | None:
    """Why a book with few pairs makes a weak bot, and what can help."""
    pairs = manifest.get("counts", {}).get("pairs")
    if not isinstance(pairs, int) or pairs >= FEW_PAIRS:
        return None
    return (
        f"only {pairs:,} dialogue pairs: a bot learns a voice from thousands (红楼梦 gives "
        "9,876), so expect short, repetitive replies. A longer book helps most; if speech or "
        "paragraphs were misread, choose them below and prepare again."
    )


@dataclass(frozen=True)
class Job:
    """One training run: the novel's corpus in, a model directory out; from scratch, or
    fine-tuning ``base`` (the shipped base model, when the package has one)."""

    novel: str  # the name shown
    corpus: Path
    model: Path
    config: TrainConfig
    resume: bool = False
    base: Path | None = None


BASE_WORDS = 0.3  # share of a novel's words the base must know for the novel to start from it


def base_for(corpus: Path) -> Path | None:
    """The shipped base, if ``corpus`` can start from it: its word vectors are the base's
    size and the base knows at least ``BASE_WORDS`` of its words (Chinese novels it did
    not read: 64-69%; an English novel shares next to none). Unreadable vectors: None
    (training then says what is wrong with them)."""
    from chatbot.config import ModelCard
    from chatbot.ingest.vectors import load_vectors

    base = shipped_base()
    if base is None:
        return None
    try:
        vectors = load_vectors(CorpusLayout(corpus).vectors)
    except ChatbotError:
        return None
    if vectors.vector_size != ModelCard.read(base).model.dim:
        return None
    known = set(ModelLayout(base).vocab.read_text(encoding="utf-8").splitlines())
    words = vectors.index_to_key
    return base if sum(w in known for w in words) >= BASE_WORDS * len(words) else None


def base_note(base: Path | None) -> str | None:
    """What starting from ``base`` (``base_for``'s choice) means, if there is one."""
    from chatbot.config import ModelCard

    if base is None:
        return None
    books = len(ModelCard.read(base).books)
    return (
        f"starts from the base model that read {books} novels, with no running-text epoch "
        "first: on a novel it never read it matched a bot trained from scratch after one "
        "epoch, an eighth of the time"
    )


def new_job(novel: str, corpus: Path, model: Path, config: TrainConfig, base: Path | None) -> Job:
    """A first run: fine-tuning ``base`` (``base_for``'s choice for the novel) without
    running-text epochs (the base has read running text; they cost time and bought
    little there), or from scratch when it is None."""
    if base is not None:
        config = replace(config, text_epochs=0)
    return Job(novel, corpus, model, config, base=base)


RESUME_CHANGES = ("max_epochs", "max_minutes")  # what a resume in the app may change


def resumed(job: Job, wanted: TrainConfig | None = None) -> Job:
    """``job`` continued from its model's checkpoint, with the settings the checkpoint
    was made with (a resume must match them; ``chatbot.train`` compares the same
    record) except those that may change, taken from ``wanted``: epochs and time."""
    from chatbot.config import ModelCard

    lay = ModelLayout(job.model)
    state = read_json(lay.checkpoint_state, "training checkpoint")
    saved = TrainConfig.saved(state.get("train", {}))
    wanted = wanted or job.config
    config = replace(saved, **{name: getattr(wanted, name) for name in RESUME_CHANGES})
    base = ModelCard.read(lay.root).base if lay.exists() else ""
    return replace(job, config=config, resume=True, base=Path(base) if base else None)


@dataclass
class Progress:
    """What the training screen shows; written by the worker, read by the UI thread
    (single assignments and list appends only, so no lock is needed)."""

    job: Job
    # starting, training, validating, saved (between epochs), stopping, stopped, done, failed
    state: str = "starting"
    epoch: int = 0  # the epoch being trained (1-based, dialogue or text)
    phase: str = "dialogue"
    batch: int = 0
    batches: int = 0
    loss: float = float("nan")
    rows: list[dict[str, Any]] = field(default_factory=list)  # metrics.jsonl rows
    samples: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    message: str = ""
    result: Any = None  # chatbot.train.TrainResult once done
    started: float = field(default_factory=time.monotonic)
    stop_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return self.state in ("starting", "training", "validating", "saved", "stopping")

    @property
    def saved_epochs(self) -> int:
        """Epochs a resume goes on from: every finished one, running-text ones too (each
        leaves a checkpoint)."""
        return len(self.rows)

    def headline(self) -> str:
        """One line for the status bar and the screen."""
        name = self.job.novel
        if self.state == "starting":
            return f"training {name}: loading the corpus…"
        if self.state in ("training", "validating"):
            what = "running text " if self.phase == "text" else ""
            step = f"batch {self.batch}/{self.batches}"
            step = "validating" if self.state == "validating" else step
            return f"training {name}: {what}epoch {self.epoch} of ≤{self._max()} · {step}"
        if self.state == "saved":  # the next epoch, or the test split, has not begun
            return f"training {name}: {self.message}"
        if self.state == "stopping":
            return f"training {name}: stopping after this batch…"
        return self.message

    def _max(self) -> int:
        return self.job.config.text_epochs if self.phase == "text" else self.job.config.max_epochs


def run(progress: Progress, cancelled: Any = lambda: False, on_change: Any = None) -> None:
    """Train ``progress.job`` (blocking: call it from a worker thread), keeping
    ``progress`` up to date and calling ``on_change()`` after each change worth
    drawing (batches at most ten times a second). ``cancelled()`` and
    ``progress.stop_requested`` stop it between two batches."""
    from chatbot.train import train

    job = progress.job
    notify = on_change or (lambda: None)
    last = [0.0]

    def check() -> None:
        if progress.stop_requested.is_set() or cancelled():
            raise Stopped

    def on_batch(done: int, total: int, loss: float) -> None:
        check()
        if done == 1 or progress.state != "training":  # an epoch begins
            progress.state = "training"
            progress.epoch = _next_epoch(progress)
        progress.batch, progress.batches, progress.loss = done, total, loss
        if done == total:
            progress.state = "validating"
        now = time.monotonic()
        if now - last[0] > 0.1 or done == total:
            last[0] = now
            notify()

    def on_epoch(row: dict[str, Any]) -> None:
        progress.rows.append(row)
        text = row.get("phase") == "text"
        done = f"{'running text ' if text else ''}epoch {row['epoch']} saved"
        progress.phase = "text" if text and row["epoch"] < job.config.text_epochs else "dialogue"
        progress.state, progress.batch = "saved", 0
        if not text:
            progress.message = f"{done} · the best epoch so far answers two questions…"
            notify()
            check()
            progress.samples.append((f"epoch {row['epoch']}", samples(job.model)))
        progress.message = f"{done} · the next epoch or the test split…"
        notify()

    if job.resume:  # the first run's epochs stay on the plot
        progress.rows = read_metrics(ModelLayout(job.model).metrics)
    text_left = job.config.text_epochs > sum(r.get("phase") == "text" for r in progress.rows)
    progress.phase = "text" if text_left else "dialogue"
    try:
        progress.result = train(
            job.corpus,
            job.config,
            model_dir=job.model,
            resume=job.resume,
            on_batch=on_batch,
            on_epoch=on_epoch,
            base=job.base,
        )
    except Stopped:
        progress.state = "stopped"
        n = progress.saved_epochs
        progress.message = (
            f"stopped: {n} epoch{'s' if n != 1 else ''} of {job.novel} saved; Resume continues"
            if n
            else f"stopped before the first epoch of {job.novel} ended: nothing to resume"
        )
    except ChatbotError as e:
        progress.state = "failed"
        progress.message = f"training failed: {e}"
    else:
        r = progress.result
        progress.state = "done"
        progress.message = (
            f"{job.novel} is ready: {r.epochs} epoch{'' if r.epochs == 1 else 's'} "
            f"(best {r.best_epoch}), "
            f"test top-5 {r.test.get('top5', float('nan')):.1%}, {r.seconds:.0f} s"
        )
    notify()


def _next_epoch(progress: Progress) -> int:
    done = [r for r in progress.rows if r.get("phase", "dialogue") == progress.phase]
    return int(done[-1]["epoch"]) + 1 if done else 1


def samples(model: Path) -> list[tuple[str, str]]:
    """The best epoch so far answering the two fixed questions."""
    from chatbot.bot import Chatbot

    try:
        bot = Chatbot.load(model, warm=False)
        questions = QUESTIONS["en" if bot.latin else "zh"]
        return [
            (bot.in_script(q), bot.show(bot.reply(q, SAMPLE_OPTIONS).words) or "(no reply)")
            for q in questions
        ]
    except ChatbotError as e:
        return [("(sample)", f"could not reply: {e}")]
