"""Which bots there are and what each one is: novel, date, size and scores (pure file
reading, no screen; ``/model`` and ``chatbot info`` show it).

Bots live in three places: the model shipped with the package, ``corpus/*/model`` (the
command line's layout) and the app's own ``DATA_DIR/bots/<novel>/model*`` (made with
``/newbot``). Judged scores come from a ``chatbot judge`` set whose ``key.json`` names
the model (or a copy of its scores in ``evals/``); without one, the automatic test
numbers of the model card are shown.
"""

from __future__ import annotations

import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.config import ModelCard
from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json
from chatbot.layout import SHIPPED_MODEL, CorpusLayout, ModelLayout, find_models

BOTS = "bots"  # under the app's data directory: one corpus directory per novel
JUDGE_DIRS = (Path("corpus/judge"),)  # where `chatbot judge make` sets usually live
EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"  # judged scores in the repository
REPLY_CRITERIA = ("fluency", "relevance")  # what a judged set of plain replies rates


def bots_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / BOTS


def app_models(data_dir: str | Path) -> list[Path]:
    """The bots made in the app that can be loaded (an unfinished one too, once its
    first epoch is saved), newest first."""
    root = bots_dir(data_dir)
    found = [
        ModelLayout(m) for m in root.glob("*/model*") if m.is_dir() and ModelLayout(m).exists()
    ]
    return [m.root for m in sorted(found, key=lambda m: m.config.stat().st_mtime, reverse=True)]


def all_models(data_dir: str | Path | None = None, search: str | Path = "corpus") -> list[Path]:
    """Every bot: shipped, then the app's, then ``corpus/*/model``; each path once."""
    found = [SHIPPED_MODEL] if ModelLayout(SHIPPED_MODEL).exists() else []
    found += app_models(data_dir) if data_dir is not None else []
    found += find_models(search)
    seen: set[Path] = set()
    unique = []
    for m in found:
        if m.resolve() not in seen:
            seen.add(m.resolve())
            unique.append(m)
    return unique


def novel_name(card: ModelCard) -> str:
    """The novel a model was trained on: its title (as the file gave it), else its
    source file's name when the corpus is here, else the corpus directory's name."""
    if card.title:
        return card.title
    if not card.corpus:
        return "?"
    corpus = CorpusLayout.at(card.corpus)
    try:
        source = read_json(corpus.manifest, "manifest").get("source", {})
    except ChatbotError:
        source = {}
    if source.get("title"):
        return str(source["title"])
    return Path(source["path"]).stem if source.get("path") else corpus.root.name


def _judged_model(key_or_scores: dict[str, Any]) -> str | None:
    """The model a judged set rated: its key's ``model``, or in a scores file kept in the
    repository (``evals/``) the model of the ``chatbot judge make`` command it records."""
    if key_or_scores.get("model"):
        return str(key_or_scores["model"])
    try:
        words = shlex.split(str(key_or_scores.get("set", {}).get("command", "")))
    except ValueError:  # not a shell command (an unclosed quote): names no model
        return None
    if "make" in words and words.index("make") + 1 < len(words):
        return words[words.index("make") + 1]
    return None


def judged_scores(
    model_dir: str | Path,
    judge_dirs: tuple[Path, ...] = JUDGE_DIRS,
    evals_dir: Path = EVALS_DIR,
) -> dict[str, Any] | None:
    """The judged scores of the model's replies, or None: the newest ``chatbot judge``
    set of replies under ``judge_dirs`` whose key names this model and that has its
    ``scores.json``, else the newest such scores file in ``evals_dir`` (a model path in
    one is relative to the repository). Continuation and character sets rate other
    things and are left out."""
    target = Path(model_dir).resolve()
    found: list[tuple[dict[str, Any], dict[str, Any], Path]] = []  # names it, scores, base
    for root in judge_dirs:
        for key_file in sorted(Path(root).glob("*/key.json"), key=_newest_first):
            scores_file = key_file.with_name("scores.json")
            if scores_file.is_file():
                found.append((_read(key_file), _read(scores_file), Path.cwd()))
    for scores_file in sorted(Path(evals_dir).glob("*.json"), key=_newest_first):
        scores = _read(scores_file)
        found.append((scores, scores, Path(evals_dir).resolve().parent))
    for names, scores, base in found:
        model = _judged_model(names)
        system = scores.get("systems", {}).get("model")
        if tuple(scores.get("criteria", REPLY_CRITERIA)) != REPLY_CRITERIA:
            continue
        if model and system and (base / model).resolve() == target:
            return {"items": scores.get("items"), **system}
    return None


def _newest_first(path: Path) -> list[Any]:
    """Sets numbered s1, s2, ... s21 (in a file or folder name), the last made first."""
    name = path.parent.name if path.name == "key.json" else path.name
    return [-int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = read_json(path, "judged set")
    except (ChatbotError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class ModelEntry:
    """What ``/model`` lists for a bot."""

    path: Path
    novel: str
    date: float  # when its config was last written (the last saved epoch)
    size: int  # bytes of what it needs to reply (not the resume checkpoint)
    finished: bool  # training ran to its end (the card has test numbers)
    test: dict[str, float] = field(default_factory=dict)
    judged: dict[str, Any] | None = None
    shipped: bool = False

    @property
    def scores(self) -> str:
        """Judged scores when a reader rated it, else the automatic test numbers."""
        if self.judged:
            parts = [
                f"{c} {v['mean']:.2f}"
                for c, v in self.judged.items()
                if isinstance(v, dict) and "mean" in v and c in ("fluency", "relevance", "fit")
            ]
            return f"judged (n={self.judged.get('items')}): " + ", ".join(parts)
        if self.test:
            t = self.test
            hits = f", Hits@1 {t['hits1']:.1%}" if "hits1" in t else ""
            return f"test top-5 {t.get('top5', float('nan')):.1%}{hits}"
        return "not finished: no test numbers yet" if not self.finished else "no scores"

    def label(self) -> str:
        day = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.date))
        # where it is, as bots of one title (variants, a second bot: model-2) differ by it
        name = self.novel + (
            " (shipped)" if self.shipped else f" ({self.path.parent.name}/{self.path.name})"
        )
        name += "" if self.finished else " (unfinished)"
        return f"{name}  ·  {day}  ·  {self.size / 1e6:.1f} MB  ·  {self.scores}"


def describe(model_dir: str | Path, judge_dirs: tuple[Path, ...] = JUDGE_DIRS) -> ModelEntry:
    """Read a model directory's card and files; a ChatbotError when it is no model."""
    lay = ModelLayout.at(model_dir)
    card = ModelCard.read(lay.root)
    skip = {lay.checkpoint.name, lay.checkpoint_state.name}
    size = sum(p.stat().st_size for p in lay.root.iterdir() if p.is_file() and p.name not in skip)
    return ModelEntry(
        path=lay.root,
        novel=novel_name(card),
        date=lay.config.stat().st_mtime,
        size=size,
        finished=bool(card.test),
        test=dict(card.test),
        judged=judged_scores(lay.root, judge_dirs),
        shipped=lay.root.resolve() == SHIPPED_MODEL.resolve(),
    )


def same_model(a: str | Path | None, b: str | Path | None) -> bool:
    """Whether two paths name one model directory."""
    return a is not None and b is not None and Path(a).resolve() == Path(b).resolve()


def bot_name(model: str) -> str:
    """The novel a chat's bot was made from, as /chats shows it."""
    try:
        return novel_name(ModelCard.read(model))
    except ChatbotError:
        return Path(model).name


def model_state(model_dir: str | Path) -> str:
    """ "none", "unfinished" (a checkpoint that ``train(resume=True)`` continues) or
    "finished"."""
    lay = ModelLayout.at(model_dir)
    if lay.exists():
        try:
            if ModelCard.read(lay.root).test:
                return "finished"
        except ChatbotError:
            pass
    return "unfinished" if lay.checkpoint_state.is_file() else "none"
