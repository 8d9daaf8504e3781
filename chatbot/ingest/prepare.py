"""The corpus pipeline: novel file -> text.txt, segmented.txt, pairs.tsv, vectors.bin.

Each step records a fingerprint of everything its output depends on (input bytes,
config, upstream steps) in ``manifest.json``; a re-run skips a step whose fingerprint
and output are unchanged. Every file is written atomically and the manifest after each
run is committed together at the end (``fsutil.Transaction``), so bad input or an
interruption at any step leaves the earlier corpus exactly as it was.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chatbot import __version__
from chatbot.errors import ChatbotError
from chatbot.fsutil import Transaction, ensure_dir, sha256_file
from chatbot.ingest.dialogue import Pair, extract_dialogue, write_pairs
from chatbot.ingest.segment import tokenize, tokenize_many
from chatbot.ingest.textio import Novel, read_novel, split_sentences
from chatbot.ingest.vectors import Word2VecConfig, train_word2vec
from chatbot.layout import CorpusLayout

# Bump when a step's output for the same input and config changes.
PIPELINE_VERSION = 1


@dataclass(frozen=True)
class PrepareConfig:
    """Everything ``chatbot prepare`` can be told; saved in the manifest."""

    encoding: str | None = None  # None = detect
    t2s: bool | None = None  # None = convert when the text is mostly Traditional
    userdict: str | None = None  # jieba user dictionary; OUT_DIR/userdict.txt if present
    workers: int = 0  # processes for segmentation; 0 = all cores
    min_pairs: int = 50  # fewer dialogue pairs than this -> pair consecutive sentences
    word2vec: Word2VecConfig = field(default_factory=Word2VecConfig)


@dataclass
class StepReport:
    name: str
    output: Path
    seconds: float
    skipped: bool


@dataclass
class PrepareResult:
    layout: CorpusLayout
    manifest: dict[str, Any]
    steps: list[StepReport]


ProgressFactory = Callable[[str, int | None], Callable[[int], None]]
"""Makes a progress task: (description, total) -> advance(n)."""


def default_out_dir(novel: str | Path) -> Path:
    return Path("corpus") / Path(novel).stem


def prepare(
    novel_path: str | Path,
    out_dir: str | Path | None = None,
    config: PrepareConfig = PrepareConfig(),
    *,
    force: bool = False,
    progress: ProgressFactory | None = None,
) -> PrepareResult:
    """Run the corpus pipeline on one novel; see the module docstring."""
    novel_path = Path(novel_path)
    if not novel_path.is_file():
        raise ChatbotError(f"no such file: {novel_path}")
    layout = CorpusLayout.at(ensure_dir(out_dir or default_out_dir(novel_path)))
    userdict = _userdict(config, layout)
    progress = progress or (lambda _name, _total: lambda _n: None)

    old = {} if force else _load_manifest(layout.manifest)
    manifest: dict[str, Any] = {
        "version": __version__,
        "pipeline_version": PIPELINE_VERSION,
        "source": {
            "path": str(novel_path),
            "sha256": sha256_file(novel_path),
            "bytes": novel_path.stat().st_size,
        },
        "config": _config_dict(config, userdict),
        "counts": dict(old.get("counts", {})),
        "steps": {},
    }
    if old.get("source", {}).get("sha256") == manifest["source"]["sha256"]:
        for key in ("encoding", "converted_t2s"):
            if key in old["source"]:
                manifest["source"][key] = old["source"][key]
    reports: list[StepReport] = []
    with Transaction() as tx:

        @functools.cache
        def novel() -> tuple[Novel, list[str]]:
            """The decoded novel and its sentences, read only if a step needs them."""
            n = read_novel(novel_path, encoding=config.encoding, t2s=config.t2s)
            sentences = [s for p in n.paragraphs for s in split_sentences(p)]
            if not sentences:
                raise ChatbotError(f"{novel_path} contains no sentences")
            manifest["source"].update(encoding=n.encoding, converted_t2s=n.converted_t2s)
            return n, sentences

        @contextlib.contextmanager
        def step(name: str, output: Path, depends: list[Any]) -> Iterator[bool]:
            """Yields True when the step must run; records it in the manifest either way."""
            fp = _fingerprint(manifest["source"]["sha256"], PIPELINE_VERSION, depends)
            prev = old.get("steps", {}).get(name, {})
            fresh = (
                prev.get("fingerprint") == fp
                and output.is_file()
                and output.stat().st_size == prev.get("bytes")
            )
            start = time.perf_counter()
            yield not fresh
            seconds = round(time.perf_counter() - start, 3) if not fresh else prev.get("seconds", 0)
            manifest["steps"][name] = {
                "fingerprint": fp,
                "file": output.name,
                "bytes": tx.current(output).stat().st_size,
                "seconds": seconds,
            }
            reports.append(StepReport(name, output, seconds, skipped=fresh))

        read_deps = [config.encoding, config.t2s]
        with step("text", layout.text, read_deps) as run:
            if run:
                n, sentences = novel()
                with open(tx.path(layout.text), "w", encoding="utf-8") as f:
                    for s in sentences:
                        f.write(s + "\n")
                manifest["counts"].update(
                    characters=sum(map(len, n.paragraphs)),
                    paragraphs=len(n.paragraphs),
                    sentences=len(sentences),
                )
        text_fp = manifest["steps"]["text"]["fingerprint"]
        dict_sha = sha256_file(userdict) if userdict else None

        with step("segmented", layout.segmented, [text_fp, dict_sha]) as run:
            if run:
                _, sentences = novel()
                advance = progress("segmenting sentences", len(sentences))
                tokens = tokenize_many(
                    sentences, userdict, workers=config.workers, on_progress=advance
                )
                with open(tx.path(layout.segmented), "w", encoding="utf-8") as f:
                    for toks in tokens:
                        if toks:
                            f.write(" ".join(toks) + "\n")
                manifest["counts"].update(
                    tokens=sum(map(len, tokens)), word_types=len({w for t in tokens for w in t})
                )

        with step("pairs", layout.pairs, [text_fp, dict_sha, config.min_pairs]) as run:
            if run:
                n, sentences = novel()
                advance = progress("finding dialogue", 1)
                result = extract_dialogue(
                    n.paragraphs,
                    lambda s: tokenize(s, userdict),
                    n_sentences=len(sentences),
                    min_pairs=config.min_pairs,
                )
                advance(1)
                _segment_pairs(result.pairs, userdict, config.workers, progress)
                write_pairs(tx.path(layout.pairs), result.pairs)
                manifest["counts"].update(
                    utterances=result.utterances,
                    utterances_with_speaker=result.with_speaker,
                    pairs=len(result.pairs),
                    pairs_from_sentences=result.fallback,
                )

        seg_fp = manifest["steps"]["segmented"]["fingerprint"]
        w2v = config.word2vec
        with step("vectors", layout.vectors, [seg_fp, w2v.to_dict()]) as run:
            if run:
                advance = progress("training word2vec", w2v.epochs)
                kv = train_word2vec(
                    tx.current(layout.segmented),
                    tx.path(layout.vectors),
                    w2v,
                    on_epoch=advance,
                )
                manifest["counts"].update(vocabulary=len(kv), vector_size=kv.vector_size)

        _write_manifest(tx.path(layout.manifest), manifest)
    return PrepareResult(layout=layout, manifest=manifest, steps=reports)


def _userdict(config: PrepareConfig, layout: CorpusLayout) -> Path | None:
    if config.userdict:
        path = Path(config.userdict)
        if not path.is_file():
            raise ChatbotError(f"no such user dictionary: {path}")
        return path
    return layout.userdict if layout.userdict.is_file() else None


def _config_dict(config: PrepareConfig, userdict: Path | None) -> dict[str, Any]:
    d = asdict(config)
    d["userdict"] = str(userdict) if userdict else None
    return d


def _fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")


def _segment_pairs(
    pairs: list[Pair], userdict: Path | None, workers: int, progress: ProgressFactory
) -> None:
    texts = sorted({t for p in pairs for t in (p.query, p.reply)})
    advance = progress("segmenting dialogue", len(texts))
    tokens = dict(zip(texts, tokenize_many(texts, userdict, workers=workers, on_progress=advance)))
    for p in pairs:
        p.query_tokens = tokens[p.query]
        p.reply_tokens = tokens[p.reply]
