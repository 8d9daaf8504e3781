"""The one place that knows the file names inside corpus and model directories.

A corpus directory holds everything made from one novel; each later stage (model,
evaluation) adds its own subdirectory here, so ``rm -r corpus/<book>`` forgets a book.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from chatbot.errors import ChatbotError
from chatbot.fsutil import path_kind

L = TypeVar("L", bound="_Layout")

# Files a folder of novels is read for: text, and web pages saved from a browser.
NOVEL_SUFFIXES = frozenset({".txt", ".html", ".htm"})


@dataclass(frozen=True)
class _Layout:
    root: Path

    @classmethod
    def at(cls: type[L], root: str | Path) -> L:
        return cls(Path(root))


@dataclass(frozen=True)
class CorpusLayout(_Layout):
    """Files made from one novel by ``chatbot prepare``."""

    @property
    def text(self) -> Path:
        """One normalised sentence per line."""
        return self.root / "text.txt"

    @property
    def segmented(self) -> Path:
        """The sentences as space-separated jieba tokens (word2vec's input format)."""
        return self.root / "segmented.txt"

    @property
    def pairs(self) -> Path:
        """Dialogue query->reply pairs, raw and segmented, in book order."""
        return self.root / "pairs.tsv"

    @property
    def vectors(self) -> Path:
        """word2vec vectors in the C binary format."""
        return self.root / "vectors.bin"

    @property
    def manifest(self) -> Path:
        """What was made from which input with which config, and how long it took."""
        return self.root / "manifest.json"

    @property
    def userdict(self) -> Path:
        """Optional jieba user dictionary, picked up automatically when present."""
        return self.root / "userdict.txt"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    def model(self, model_dir: str | Path | None = None) -> ModelLayout:
        """Where a model trained on this corpus goes: ``model_dir`` when given, else
        ``CORPUS/model``."""
        return ModelLayout.at(model_dir or self.model_dir)


@dataclass(frozen=True)
class ModelLayout(_Layout):
    """Files of a trained model directory (``CORPUS/model``)."""

    def existing(self) -> ModelLayout:
        """This layout, when its directory exists; else the one error every command
        gives for a model path that is missing or a file."""
        if path_kind(self.root) != "dir":
            raise ChatbotError(f"no model directory at {self.root}; train one with `chatbot train`")
        inner = ModelLayout(self.root / "model")
        if not self.config.is_file() and inner.config.is_file():  # a corpus was named
            raise ChatbotError(f"{self.root} is a corpus; its model is {inner.root}")
        if not self.config.is_file() and is_prepared(self.root):
            raise ChatbotError(
                f"{self.root} is a prepared corpus with no model yet; train one with "
                f"`chatbot train {self.root}`"
            )
        return self

    @property
    def config(self) -> Path:
        """Architecture, training config, vocabulary size, hashes, package version."""
        return self.root / "config.json"

    @property
    def weights(self) -> Path:
        """Best weights (safetensors), the word table included."""
        return self.root / "model.safetensors"

    @property
    def vocab(self) -> Path:
        """The table's words, one per line, in row order."""
        return self.root / "vocab.txt"

    @property
    def userdict(self) -> Path:
        """The corpus's jieba user dictionary, copied so queries segment like the corpus."""
        return self.root / "userdict.txt"

    @property
    def checkpoint(self) -> Path:
        """Last finished epoch: weights, optimizer and RNG tensors (safetensors)."""
        return self.root / "checkpoint.safetensors"

    @property
    def checkpoint_state(self) -> Path:
        """The checkpoint's non-tensor state: epoch, scheduler, best score (JSON)."""
        return self.root / "checkpoint.json"

    @property
    def metrics(self) -> Path:
        """One JSON line per epoch."""
        return self.root / "metrics.jsonl"

    @property
    def eval_report(self) -> Path:
        """``chatbot eval``'s report on the test split."""
        return self.root / "eval.json"

    def exists(self) -> bool:
        """Whether this looks like a trained model (its config is there)."""
        return self.config.is_file()


def is_prepared(path: Path) -> bool:
    """Whether ``path`` is a corpus folder that ``chatbot prepare`` wrote."""
    return path.is_dir() and CorpusLayout.at(path).manifest.is_file()


def trained_on(recorded: str, model_dir: str | Path) -> CorpusLayout:
    """The corpus a model's card names. Training records the path as it was typed,
    relative to where it ran; run from elsewhere, the corpus is found under a folder
    above the model (CORPUS/model, or the project that holds both)."""
    path = Path(recorded)
    if not recorded or path.is_absolute() or CorpusLayout(path).pairs.is_file():
        return CorpusLayout(path)
    for parent in Path(model_dir).resolve().parents:
        if CorpusLayout(parent / path).pairs.is_file():
            return CorpusLayout(parent / path)
    return CorpusLayout(path)


SHIPPED_MODEL = Path(__file__).resolve().parent / "default_model"
SHIPPED_BASE = Path(__file__).resolve().parent / "base_model"


def shipped_base() -> Path | None:
    """The base model shipped with the package (``chatbot pretrain`` on a library), which
    a new novel fine-tunes from; None when the package has none."""
    return SHIPPED_BASE if ModelLayout(SHIPPED_BASE).exists() else None


def find_models(search: str | Path = "corpus") -> list[Path]:
    """Trained model directories under ``search`` (``corpus/*/model``), newest first."""
    search = Path(search)
    books = sorted(search.iterdir()) if search.is_dir() else []
    found = [ModelLayout(CorpusLayout(b).model_dir) for b in books]
    found = [m for m in found if m.exists()]
    return [m.root for m in sorted(found, key=lambda m: m.config.stat().st_mtime, reverse=True)]


def default_model() -> Path | None:
    """The model shipped with the package (trained on 红楼梦), else the newest under
    corpus/; None when there is neither."""
    if ModelLayout(SHIPPED_MODEL).exists():
        return SHIPPED_MODEL
    models = find_models()
    return models[0] if models else None
