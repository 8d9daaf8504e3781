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
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chatbot import __version__
from chatbot.config import check_bounds, setting
from chatbot.errors import ChatbotError
from chatbot.fsutil import Transaction, ensure_dir, sha256_file
from chatbot.ingest.dialogue import Pair, extract_dialogue, write_pairs
from chatbot.ingest.paragraphs import PARAGRAPH_MODES
from chatbot.ingest.sentences import latin_script, split_sentences
from chatbot.ingest.speech import SPEECH_MODES
from chatbot.ingest.textio import Novel, novel_file, read_novel
from chatbot.ingest.vectors import Word2VecConfig, train_word2vec
from chatbot.layout import CorpusLayout

# Bump when a step's output for the same input and config changes.
PIPELINE_VERSION = 11  # every step's
PAIRS_VERSION = 10  # only pairs.tsv (who is found speaking, how turns pair up)


@dataclass(frozen=True)
class PrepareConfig:
    """Everything ``chatbot prepare`` can be told; saved in the manifest."""

    encoding: str | None = setting(None, "source encoding (default: detect)")
    t2s: bool | None = setting(
        None, "convert Traditional to Simplified Chinese (default: when mostly Traditional)"
    )
    userdict: str | None = setting(
        None,
        "jieba user dictionary: a word per line, optionally its frequency and part of speech "
        "(林黛玉 10 nr), so names stay whole (default: OUT_DIR/userdict.txt when present)",
        metavar="FILE",
    )
    workers: int = setting(0, "processes for segmentation and word2vec; 0 = all cores", at_least=0)
    min_pairs: int = setting(
        50, "with fewer dialogue pairs, pair consecutive sentences instead", at_least=0
    )
    word2vec: Word2VecConfig = field(default_factory=Word2VecConfig)
    paragraphs: str | None = setting(
        None,
        "paragraph layout: lines (one per line), wrapped (hard-wrapped lines, blank line "
        "between paragraphs) or unbroken (no line breaks); default: detect",
        choices=PARAGRAPH_MODES,
    )
    speech: str | None = setting(
        None,
        "where the speech is: quotes (in quotation marks), tags (after unquoted "
        "道：/说：/曰：) or script (lines that open with the speaker's name, as in a play: "
        "周朴园：… or HAMLET. …); default: detect",
        choices=SPEECH_MODES,
    )

    def __post_init__(self) -> None:
        check_bounds(self)
        for name, allowed in (("paragraphs", PARAGRAPH_MODES), ("speech", SPEECH_MODES)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise ChatbotError(f"--{name} must be one of {', '.join(allowed)}, not {value!r}")


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
    """Run the corpus pipeline on one novel; see the module docstring. An output
    directory this call made is removed again when it fails with nothing written."""
    novel_path = novel_file(novel_path)
    root = Path(out_dir or default_out_dir(novel_path))
    made = not root.exists()
    try:
        return _prepare(novel_path, CorpusLayout.at(ensure_dir(root)), config, force, progress)
    except BaseException:
        if made and root.is_dir() and not any(root.iterdir()):
            with contextlib.suppress(OSError):
                root.rmdir()
        raise


def _prepare(
    novel_path: Path,
    layout: CorpusLayout,
    config: PrepareConfig,
    force: bool,
    progress: ProgressFactory | None,
) -> PrepareResult:
    userdict = _userdict(config, layout)
    progress = progress or (lambda _name, _total: lambda _n: None)

    old = {} if force else _load_manifest(layout.manifest)
    source_sha = sha256_file(novel_path)
    was = old.get("source", {})
    if was.get("sha256") not in (None, source_sha) and not _same_file(was.get("path"), novel_path):
        raise ChatbotError(  # two novels called novel.txt would share corpus/novel
            f"{layout.root} holds the corpus of another text ({was.get('path', '?')}); "
            "--force replaces it, or give another output directory"
        )
    manifest: dict[str, Any] = {
        "version": __version__,
        "pipeline_version": PIPELINE_VERSION,
        "pairs_version": PAIRS_VERSION,
        "source": {
            "path": str(novel_path),
            "sha256": source_sha,
            "bytes": novel_path.stat().st_size,
        },
        "config": _config_dict(config, userdict),
        "counts": dict(old.get("counts", {})),
        "dialogue": dict(old.get("dialogue", {})),
        "steps": {},
    }
    if old.get("source", {}).get("sha256") == manifest["source"]["sha256"]:
        for key in _READ_CHOICES:
            if key in old["source"]:
                manifest["source"][key] = old["source"][key]
    reports: list[StepReport] = []
    with Transaction() as tx:

        @functools.cache
        def novel() -> tuple[Novel, list[str]]:
            """The decoded novel and its sentences, read only if a step needs them."""
            n = read_novel(
                novel_path, encoding=config.encoding, t2s=config.t2s, paragraphs=config.paragraphs
            )
            sentences = [s for p in n.paragraphs for s in split_sentences(p)]
            if not sentences:
                raise ChatbotError(f"{novel_path} contains no sentences")
            manifest["source"].update(
                encoding=n.encoding,
                encoding_detected=n.detected_encoding,
                replaced=n.replaced,
                converted_t2s=n.converted_t2s,
                script=n.script,
                paragraphs=n.paragraph_mode,
                wrap_width=n.wrap_width,
                frame=n.frame,
                markup=n.markup,
                title=n.title,
                links=n.links,
                marks=n.marks,
            )
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

        read_deps = [config.encoding, config.t2s, config.paragraphs]
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
                    **dict(
                        zip(("copied_sentences", "copied_passages"), _copied_passages(sentences))
                    ),
                )
        text_fp = manifest["steps"]["text"]["fingerprint"]
        dict_sha = sha256_file(userdict) if userdict else None

        with step("segmented", layout.segmented, [text_fp, dict_sha]) as run:
            if run:
                _, sentences = novel()
                advance = progress("segmenting sentences", len(sentences))
                from chatbot.ingest.segment import tokenize_many  # jieba, only to segment

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

        pair_deps = [text_fp, dict_sha, config.min_pairs, config.speech, PAIRS_VERSION]
        with step("pairs", layout.pairs, pair_deps) as run:
            if run:
                n, sentences = novel()
                advance = progress("finding dialogue", 1)
                result = extract_dialogue(
                    n.paragraphs,
                    n_sentences=len(sentences),
                    min_pairs=config.min_pairs,
                    paragraph_mode=n.paragraph_mode,
                    speech=config.speech,
                    paragraph_turns=n.paragraph_turns,
                )
                advance(1)
                _segment_pairs(result.pairs, userdict, config.workers, progress)
                write_pairs(tx.path(layout.pairs), result.pairs)
                manifest["counts"].update(
                    utterances=len(result.utterances),
                    utterances_with_speaker=result.with_speaker,
                    pairs=len(result.pairs),
                    pairs_from_sentences=result.fallback,
                    dialogue_pairs=result.dialogue_pairs,
                    dialogue_pairs_needed=result.needed,
                )
                style = result.style
                manifest["dialogue"] = {
                    "quotes": style.quotes,
                    "speech": style.mode,
                    "speech_detected": config.speech is None,
                    "tags_quoted": style.tags_quoted,
                    "tags_bare": style.tags_bare,
                    "latin": latin_script(novel()[0].paragraphs),  # how notes give examples
                }

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


# What reading the source decided, kept across runs that skip the text step.
_READ_CHOICES = (
    "encoding",
    "encoding_detected",
    "replaced",
    "converted_t2s",
    "script",
    "paragraphs",
    "wrap_width",
    "frame",
    "markup",
    "title",
    "links",
)


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


def _same_file(recorded: str | None, novel: Path) -> bool:
    """Whether a manifest's source path is this novel's file (edited since: prepared
    again, as the user expects)."""
    return recorded is not None and (
        recorded == str(novel) or Path(recorded).resolve() == novel.resolve()
    )


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
    from chatbot.ingest.segment import tokenize_many  # jieba, only to segment

    texts = sorted({t for p in pairs for t in (p.query, p.reply)})
    advance = progress("segmenting dialogue", len(texts))
    tokens = dict(zip(texts, tokenize_many(texts, userdict, workers=workers, on_progress=advance)))
    for p in pairs:
        p.query_tokens = tokens[p.query]
        p.reply_tokens = tokens[p.reply]


_LAYOUTS = {
    "lines": "one per line",
    "wrapped": "hard-wrapped lines joined again",
    "unbroken": "no line breaks: cut at sentence ends",
}


def summary(manifest: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """What ``prepare`` chose for a book and why it gave the pairs it did: (label, value)
    rows and one-line notes (what to try when the result looks wrong). Pure: reads only
    the manifest, so it also describes an earlier run."""
    src = manifest.get("source", {})
    dia = manifest.get("dialogue", {})
    counts = manifest.get("counts", {})
    rows: list[tuple[str, str]] = []
    notes: list[str] = []

    encoding = str(src.get("encoding", "?"))
    detected = src.get("encoding_detected")
    if detected:
        encoding += f" (detected {detected}, which failed on some bytes)"
        notes.append(f"the bytes are not all valid {detected}; decoded as {src['encoding']}")
    if src.get("replaced"):
        encoding += f" ({src['replaced']} bad byte sequences dropped)"
        notes.append(
            f"{src['replaced']} byte sequences are not valid UTF-8 and were dropped; "
            "the rest of the file is read as it is"
        )
    rows.append(("encoding", encoding))
    back = f" (replies shown in Traditional, {src['script']})" if src.get("script") else ""
    rows.append(("traditional -> simplified", ("yes" + back) if src.get("converted_t2s") else "no"))
    if src.get("markup") == "html":
        rows.append(("markup", "HTML (a web page): tags removed"))
    if src.get("frame"):
        rows.append(("cut away", f"the {src['frame']} header and licence"))
    if src.get("links"):
        n = src["links"]
        rows.append(("web addresses", f"{n} taken out (a download site's)"))

    layout = src.get("paragraphs")
    if layout:
        value = _LAYOUTS.get(layout, layout)
        if layout == "wrapped" and src.get("wrap_width"):
            value += f" (~{src['wrap_width']} columns)"
        rows.append(("paragraphs", f"{layout} ({value})"))
        if layout == "unbroken":
            notes.append(
                "the file has no line breaks, so where a conversation ends is guessed from "
                "the narration between turns"
            )

    quotes, speech = dia.get("quotes"), dia.get("speech")
    if speech:
        if speech != "script":
            read_as = f" (the book's {src['marks']}, read as such)" if src.get("marks") else ""
            rows.append(("quotation marks", (quotes or "none") + read_as))
        how = {
            "quotes": "quoted",
            "tags": "after unquoted speech tags (道：/说：/曰：)",
            "script": "script lines that open with the speaker (周朴园：…, HAMLET. …)",
        }.get(speech, speech)
        forced = "" if dia.get("speech_detected", True) else " (--speech)"
        rows.append(("speech", how + forced))
        if speech == "tags":
            notes.append(
                "speech has no quotation marks: each utterance runs from its tag to the "
                "first sentence that reads like narration, so some are cut short or run on"
            )
        elif speech == "quotes" and dia.get("tags_bare", 0) > dia.get("tags_quoted", 0):
            notes.append("most speech tags are not followed by quotation marks: try --speech tags")

    utterances = counts.get("utterances")
    if isinstance(utterances, int):
        named = counts.get("utterances_with_speaker", 0)
        share = named / utterances if utterances else 0.0
        rows.append(("utterances", f"{utterances:,}, {share:.0%} with a speaker"))
        if utterances and share < 0.5:
            tags = '("…," said Tom)' if dia.get("latin") else "(某某道：)"
            notes.append(
                f"only {share:.0%} of utterances name a speaker: speakers are read from "
                f"speech tags {tags}, which this book rarely has"
            )
    copied, passages = counts.get("copied_sentences"), counts.get("copied_passages")
    if isinstance(copied, int) and isinstance(passages, int) and passages:
        notes.append(
            f"{passages:,} passage{'s' if passages > 1 else ''} ({copied:,} long sentences) "
            "repeat earlier text word for word, as a chapter printed twice does: the pairs "
            "and speaker counts hold both copies (training keeps copies of the held-out "
            "end out)"
        )
    pairs = counts.get("pairs")
    if isinstance(pairs, int):
        if counts.get("pairs_from_sentences"):
            rows.append(("pairs", f"{pairs:,} from consecutive sentences (too little dialogue)"))
            notes.append(
                _few_pairs_note(
                    layout,
                    speech,
                    utterances,
                    bool(dia.get("latin")),
                    counts,
                    int(manifest.get("config", {}).get("min_pairs", 50)),
                )
            )
        else:
            rows.append(("pairs", f"{pairs:,} from dialogue"))
    return rows, notes


# A sentence this long said twice word for word is a copy, not a habit of speech; so
# many in a row repeating an earlier run, a passage printed twice.
_LONG_SENTENCE = 16
_MIN_PASSAGE = 5


def _copied_passages(sentences: list[str]) -> tuple[int, int]:
    """(sentences, passages): long sentences that repeat an earlier passage in order,
    in runs of at least ``_MIN_PASSAGE`` (short ones between may differ). Gutenberg's
    儒林外史 prints its chapter 21 twice; the development novel, 17 sentences of its
    last chapter again in chapter 55."""
    first: dict[str, int] = {}
    runs: list[int] = []
    run, last = 0, (-10, -10)  # the run's length, and where its last copy was (i, j)
    for i, text in enumerate(sentences):
        if len(text) < _LONG_SENTENCE:
            continue
        j = first.setdefault(text, i)
        if j == i:
            continue
        if 0 < i - last[0] <= 3 and 0 < j - last[1] <= 3:
            run += 1
        else:
            runs.append(run)
            run = 1
        last = (i, j)
    runs.append(run)
    long = [r for r in runs if r >= _MIN_PASSAGE]
    return sum(long), len(long)


def speakers_row(corpus: str | Path, n: int = 6) -> tuple[str, str] | None:
    """("who speaks most", the speakers of the most replies in the corpus's pairs), or
    None when no reply has a speaker."""
    from chatbot.ingest.dialogue import read_pairs

    pairs_file = CorpusLayout.at(corpus).pairs
    if not pairs_file.is_file():
        return None
    counts = Counter(p.reply_speaker for p in read_pairs(pairs_file) if p.reply_speaker)
    top = counts.most_common(n)
    row = ", ".join(f"{name} ({c:,})" for name, c in top)
    return ("who speaks most (replies)", row) if top else None


def _few_pairs_note(
    layout: str | None,
    speech: str | None,
    utterances: Any,
    latin: bool = False,
    counts: dict[str, Any] | None = None,
    min_pairs: int = 50,
) -> str:
    """What to try when a book gave too few dialogue pairs: where speech was found but
    the book is short, a lower --min-pairs; else another way to read speech or lines."""
    counts = counts or {}
    found = f"found {utterances:,} utterances" if isinstance(utterances, int) else "found"
    have, needed = counts.get("dialogue_pairs"), counts.get("dialogue_pairs_needed")
    keep = ""
    if isinstance(have, int) and isinstance(needed, int):
        found += f" and {have:,} dialogue pairs, fewer than {needed:,}"
        share = math.ceil(0.02 * int(counts.get("sentences") or 0))  # extract_dialogue's
        if have and needed <= min_pairs and have >= share:  # the floor, not the share
            keep = f"--min-pairs {have} keeps the dialogue pairs found"
            if 2 * have >= needed:  # speech was read: the text is short
                return f"too few dialogue pairs for a book ({found}): {keep}"
    if speech == "quotes" and latin:
        hint = "speech is read between quotation marks (\"…\" or '…')"
    elif speech == "quotes":
        hint = "if speech follows 道：/说： without quotation marks, try --speech tags"
    else:
        hint = "if speech is in quotation marks, try --speech quotes"
    if layout == "lines":
        hint += "; if one paragraph spans several lines, try --paragraphs wrapped"
    return f"too few dialogue pairs ({found}): {hint}" + (f"; {keep}" if keep else "")
