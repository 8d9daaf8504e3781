"""A base model that has read a library: ``chatbot pretrain BOOKS... --out BASE``.

One novel is a small corpus; a base reads many. Each book goes through the same
pipeline as ``chatbot prepare`` (cached per book under ``cache``: a re-run skips books
already prepared; a corpus folder that ``chatbot prepare`` wrote is read as it is, so a
machine with only prepared books needs no segmenter), one word2vec is trained over all
of them (the base's table), and the model learns next-word prediction on their running
text and then their dialogue pairs, each book split on its own by position. ``chatbot
train CORPUS --from BASE`` fine-tunes it to one novel. Under ``torchrun`` rank 0
prepares and the others wait.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from chatbot.config import ModelCard, TrainConfig
from chatbot.errors import ChatbotError
from chatbot.fsutil import atomic_path, ensure_dir, read_json, sha256_file, write_json
from chatbot.layout import NOVEL_SUFFIXES, CorpusLayout, ModelLayout, is_prepared

ProgressFactory = Callable[[str, int | None], Callable[[int], None]]


def find_books(paths: Sequence[str | Path]) -> list[Path]:
    """The books among ``paths``: novel files, and prepared corpus folders (any other
    folder stands for the novel files (.txt, .html) and prepared corpora in it)."""
    books: list[Path] = []
    for p in map(Path, paths):
        if ModelLayout.at(p).exists():  # its vocab.txt is no novel
            raise ChatbotError(f"{p} is a trained model, not a book or a folder of books")
        if is_prepared(p):
            books.append(p)
        elif p.is_dir():
            novels = (q for q in p.iterdir() if q.suffix.lower() in NOVEL_SUFFIXES)
            inside = [*novels, *(q for q in p.iterdir() if is_prepared(q))]
            books += sorted(inside, key=lambda q: q.name)
        elif p.is_file():
            books.append(p)
        else:
            raise ChatbotError(f"no such book or folder: {p}")
    if not books:
        where = ", ".join(map(str, paths))
        raise ChatbotError(f"no .txt books or prepared corpora in {where}")
    names = [book_name(b) for b in books]
    if len(set(names)) != len(names):
        raise ChatbotError("two books have the same name; rename one")
    return books


def book_name(book: Path) -> str:
    """A book's name: its file's stem, or its corpus folder's name."""
    return book.name if is_prepared(book) else book.stem


def corpus_of(book: Path, cache: Path) -> CorpusLayout:
    """Where a book's prepared corpus is: the book itself, or its folder in ``cache``."""
    return CorpusLayout.at(book if is_prepared(book) else cache / book.stem)


def check_apart(out: Path, corpora: Sequence[Path]) -> None:
    """A base goes in a folder of its own: in a prepared corpus (a book's, or any) its
    word2vec would replace the corpus's vectors and its scratch files the corpus's own."""
    if is_prepared(out):
        raise ChatbotError(f"--out {out} is a prepared corpus; give the base a folder of its own")
    for corpus in corpora:
        if out.resolve().is_relative_to(corpus.resolve()):
            raise ChatbotError(f"--out {out} is inside {corpus}, a book's corpus; choose another")


def book_record(book: Path, corpus: CorpusLayout) -> dict[str, Any]:
    """What the base records of a book it read: its name, the novel's hash (as its
    corpus manifest recorded it) and how many tokens and pairs it gave."""
    manifest = read_json(corpus.manifest, "corpus manifest")
    counts = manifest.get("counts", {})
    sha = str(manifest.get("source", {}).get("sha256", ""))
    return {"book": book_name(book), "sha256": sha} | {
        k: counts.get(k, 0) for k in ("tokens", "pairs")
    }


def prepare_library(
    books: Sequence[Path],
    cache: Path,
    out: ModelLayout,
    *,
    workers: int = 0,
    max_vocab: int = 25_000,
    progress: ProgressFactory | None = None,
    keep_vectors: bool = False,
) -> Path:
    """Prepare every book (cached; a prepared corpus is used as it is), train one
    word2vec over all of them into ``out``; return the vectors. With ``keep_vectors`` (a
    resume) vectors made otherwise are an error, never replaced: the run needs its own."""
    from chatbot.dataset import check_corpus
    from chatbot.ingest.vectors import Word2VecConfig, train_word2vec

    progress = progress or (lambda _name, _total: lambda _n: None)
    w2v = Word2VecConfig(workers=workers, max_vocab=max_vocab)
    corpora = []
    advance = progress("preparing books", len(books))
    for book in books:
        if not is_prepared(book):
            from chatbot.ingest.prepare import PrepareConfig, prepare  # jieba: only for .txt

            config = PrepareConfig(workers=workers, word2vec=replace(w2v, max_vocab=0))
            prepare(book, cache / book.stem, config)
        corpus = corpus_of(book, cache)
        check_corpus(corpus, vectors=False)  # a prepared folder may be incomplete
        corpora.append(corpus)
        advance(1)
    ensure_dir(out.root)
    vectors = out.root / "vectors.bin"
    fingerprint = {
        "books": [book_record(b, c)["sha256"] for b, c in zip(books, corpora)],
        # what word2vec reads: a prepared corpus may be segmented otherwise than ours
        "segmented": [sha256_file(c.segmented) for c in corpora],
        "word2vec": w2v.to_dict(),
    }
    stamp = out.root / "vectors.json"
    same = vectors.is_file() and stamp.is_file() and _same(read_json(stamp, "stamp"), fingerprint)
    if not same and keep_vectors:
        raise ChatbotError(
            f"the run in {out.root} read other books or other word2vec settings (--max-vocab, "
            "the books' text); --resume needs the same, or start over with --force"
        )
    if not same:
        joined = out.root / "segmented.txt"
        with atomic_path(joined) as tmp, open(tmp, "w", encoding="utf-8") as f:
            for corpus in corpora:
                f.write(corpus.segmented.read_text(encoding="utf-8"))
        train_word2vec(joined, vectors, w2v, on_epoch=progress("library word2vec", w2v.epochs))
        joined.unlink()
        write_json(stamp, fingerprint)
    return vectors


def _same(stamp: dict[str, Any], fingerprint: dict[str, Any]) -> bool:
    """Whether vectors stamped ``stamp`` are what ``fingerprint`` asks for. The thread
    count is left out: it changes nothing they are made of, and retraining them for it
    would make a resumed run (say, on another machine) refuse its own checkpoint."""

    def settings(d: dict[str, Any]) -> dict[str, Any]:
        w2v = d.get("word2vec")
        return (
            {**d, "word2vec": {k: v for k, v in w2v.items() if k != "workers"}}
            if isinstance(w2v, dict)
            else d
        )

    return settings(stamp) == settings(fingerprint)


def pretrain(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    config: TrainConfig,
    *,
    cache: str | Path = "corpus",
    max_vocab: int = 25_000,
    workers: int = 0,
    resume: bool = False,
    force: bool = False,
    given: Collection[str] | None = None,
    progress: ProgressFactory | None = None,
    on_batch: Callable[[int, int, float], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
):
    """Make a base model in ``out_dir`` from the books in ``paths``; see the module
    docstring. Returns the training result. A base already in ``out_dir`` is replaced
    only with ``force``."""
    from chatbot.dataset import load_data
    from chatbot.distributed import barrier, setup
    from chatbot.train import (
        check_fresh,
        fit,
        holding,
        library_script,
        novel_cased,
        resumed_config,
    )

    out = ModelLayout.at(out_dir)
    books = find_books(paths)
    check_apart(out.root, [corpus_of(b, Path(cache)).root for b in books])
    check_fresh(out, resume, force)
    with holding(out):
        if resume:  # the first run's settings, but those the user typed (``resumed_config``)
            config = resumed_config(out, config, given)
        ranks, device = setup(config.device)
        if ranks.main:
            prepare_library(
                books,
                Path(cache),
                out,
                workers=workers,
                max_vocab=max_vocab,
                progress=progress,
                keep_vectors=resume,
            )
        barrier(ranks)
        corpora = [corpus_of(b, Path(cache)) for b in books]
        vectors = out.root / "vectors.bin"
        read = [book_record(b, c) for b, c in zip(books, corpora)]
        data = load_data(corpora, config, vectors=vectors)
        card = ModelCard(
            config.model,
            config,
            corpus="",
            vectors_sha256=sha256_file(vectors),
            books=read,
            script=library_script(corpora),
            cased=novel_cased(corpora, data.table.words),
        )
        return fit(data, config, out, card, ranks, device, resume, None, on_batch, on_epoch)
