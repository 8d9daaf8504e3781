"""Pre-training a base across processes (torchrun, DDP over gloo) takes the same steps
as one process on the same global batches, and a novel fine-tunes from the base."""

import json
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from chatbot.config import ModelCard
from chatbot.layout import ModelLayout
from tests.conftest import LINES, NAMES

# Exactness needs what is drawn per process switched off: dropout, sampled rows, and the
# unlikelihood terms (means over each process's own rows). The generated books repeat
# their lines, so they keep the held-out end's repeats (--repeats), as tiny() does.
SAME_STEPS = [
    *("--hidden 16 --encoder-layers 1 --dropout 0 --batch-size 8 --sample 4").split(),
    *("--text-epochs 1 --text-mix 0 --negatives 0 --max-epochs 1").split(),
    *("--unlikelihood 0 --rollout 0 --max-vocab 400 --workers 1 --repeats").split(),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Two small generated books with different people and lines."""
    root = tmp_path_factory.mktemp("library")
    for k in range(2):
        lines = []
        for i in range(40):
            a, b = NAMES[(i + k) % 6], NAMES[(i + k + 1) % 6]
            lines += [
                f"{a}道：“{LINES[(i + k) % 12]}”",
                f"{b}笑道：“{LINES[(i + 3 * k + 5) % 12]}”",
                "众人说笑了一回，各自散去。",
            ]
        (root / f"book{k}.txt").write_text("\n".join(lines), encoding="utf-8")
    return root


def pretrain(library, out, cache, processes):
    launcher = [sys.executable, "-m", "chatbot"]
    if processes > 1:
        launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        launcher += ["--nproc-per-node", str(processes), "-m", "chatbot"]
    cmd = [*launcher, "pretrain", str(library), "--out", str(out), "--cache", str(cache)]
    r = subprocess.run(cmd + SAME_STEPS, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


@pytest.fixture(scope="module")
def base(library, tmp_path_factory):
    """A base pre-trained by one process."""
    root = tmp_path_factory.mktemp("base")
    pretrain(library, root / "one", root / "cache", 1)
    return root / "one"


def test_two_processes_take_the_steps_of_one(library, base, tmp_path):
    two = pretrain(library, tmp_path / "two", tmp_path / "cache", 2)
    assert "test split" in two.stdout  # rank 0 reports once
    assert two.stdout.count("test split") == 1
    assert "find_unused_parameters" not in two.stderr  # every parameter has a gradient
    assert two.stdout.count("the library") == 1  # what each book gave, after training
    (row,) = [x for x in two.stdout.splitlines() if "book1" in x]
    book = ModelCard.read(tmp_path / "two").books[1]
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert book["pairs"] > 0 and cells == ["book1", f"{book['tokens']:,}", str(book["pairs"])]
    a = load_file(str(ModelLayout.at(base).checkpoint))
    b = load_file(str(ModelLayout.at(tmp_path / "two").checkpoint))
    assert a.keys() == b.keys()
    for k in a:
        if k.startswith("model."):
            torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-5, msg=k)
    card = ModelCard.read(tmp_path / "two")
    assert [b["book"] for b in card.books] == ["book0", "book1"]
    assert all(len(b["sha256"]) == 64 for b in card.books)
    assert card.script == "" and card.cased == {}  # Simplified Chinese books
    rows = [
        json.loads(x) for x in ModelLayout.at(tmp_path / "two").metrics.read_text().split("\n") if x
    ]
    assert [r["phase"] for r in rows] == ["text", "dialogue"]


def test_prepared_books_pretrain_as_their_novels_do_without_the_segmenter(base, tmp_path):
    """The corpus folders the base's run prepared, given instead of the novels: the same
    base, step for step, and neither jieba nor the novels are needed (a GPU machine may
    have neither); with the library's word vectors carried along, nor is gensim."""
    import shutil

    cache = base.parent / "cache"
    run = (
        "import sys; from chatbot.cli import main; code = main(sys.argv[1:]); "
        "assert not {'jieba', 'gensim'} & set(sys.modules), 'jieba or gensim imported'; "
        "raise SystemExit(code)"
    )
    out = tmp_path / "prepared"
    out.mkdir()
    for name in ("vectors.bin", "vectors.json"):
        shutil.copy(base / name, out / name)
    cmd = [sys.executable, "-c", run, "pretrain", *sorted(map(str, cache.iterdir()))]
    r = subprocess.run([*cmd, "--out", str(out), *SAME_STEPS], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    a = load_file(str(ModelLayout.at(base).checkpoint))
    b = load_file(str(ModelLayout.at(out).checkpoint))
    for k in a:
        if k.startswith("model."):
            torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)
    assert ModelCard.read(out).books == ModelCard.read(base).books


def test_library_vectors_follow_the_segmented_text_and_bad_corpora_are_named(base, tmp_path):
    """Word vectors are reused only for the same segmented text: a prepared corpus may be
    segmented otherwise (a user dictionary) than the novel's hash says. A prepared folder
    missing a file is a one-line error."""
    import shutil

    from chatbot.errors import ChatbotError
    from chatbot.fsutil import read_json
    from chatbot.pretrain import prepare_library

    books = []
    for book in sorted((base.parent / "cache").iterdir()):
        books.append(shutil.copytree(book, tmp_path / "lib" / book.name))
    out = ModelLayout.at(tmp_path / "out")
    prepare_library(books, tmp_path / "cache", out, workers=1, max_vocab=400)
    stamp = read_json(out.root / "vectors.json", "stamp")
    prepare_library(books, tmp_path / "cache", out, workers=1, max_vocab=400)
    assert read_json(out.root / "vectors.json", "stamp") == stamp
    with open(books[0] / "segmented.txt", "a", encoding="utf-8") as f:
        f.write("新 的 一句 。\n")
    prepare_library(books, tmp_path / "cache", out, workers=1, max_vocab=400)
    again = read_json(out.root / "vectors.json", "stamp")
    assert again["books"] == stamp["books"] and again["segmented"] != stamp["segmented"]
    (books[1] / "pairs.tsv").unlink()
    with pytest.raises(ChatbotError, match="pairs.tsv"):
        prepare_library(books, tmp_path / "cache", out, workers=1, max_vocab=400)


def test_a_resumed_base_keeps_its_word_vectors(base, library):
    from chatbot.errors import ChatbotError
    from chatbot.fsutil import sha256_file
    from chatbot.pretrain import pretrain as pretrain_base
    from tests.conftest import tiny

    vectors = sha256_file(base / "vectors.bin")
    with pytest.raises(ChatbotError, match="other word2vec settings"):  # --max-vocab 25000
        pretrain_base([library], base, tiny(), cache=base.parent / "cache", resume=True, given=())
    assert sha256_file(base / "vectors.bin") == vectors  # never rebuilt under the run


def test_a_novel_fine_tunes_from_the_base(base, story_file, tmp_path):
    from chatbot.bot import Chatbot
    from chatbot.data import MARKERS, SPECIALS
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig
    from chatbot.train import train
    from tests.conftest import tiny

    w2v = Word2VecConfig(epochs=2, min_count=1, workers=1)  # the base's 200 dimensions
    novel = prepare(story_file, tmp_path / "novel", PrepareConfig(word2vec=w2v)).layout.root
    config = tiny(hidden=99, max_epochs=1)  # the base's architecture wins
    train(novel, config, model_dir=tmp_path / "m", base=base)
    card = ModelCard.read(tmp_path / "m")
    assert card.model.hidden == 16 and card.base == str(base)
    m = card.mapping
    assert m["shared_words"] >= 50 and 0 < m["held_out_cosine"] <= 1
    # the table holds the novel's words only: the base's rows of them and the mapped rest
    assert m["base_words_kept"] == m["shared_words"]
    assert card.model.vocab_size == len(SPECIALS) + m["shared_words"] + m["added_words"] + len(
        MARKERS
    )
    assert Chatbot.load(tmp_path / "m").reply(LINES[0], seed=1).words
    # a bare resume (no --from) goes on fine-tuning from the same base
    more = tiny(max_epochs=2, patience=100)
    train(novel, more, model_dir=tmp_path / "m", resume=True, given={"max_epochs"})
    assert ModelCard.read(tmp_path / "m").base == str(base)


def test_a_base_without_characters_gains_them_saying_what_it_said(base, story_file, tmp_path):
    from dataclasses import replace

    from chatbot.checkpoint import load_model
    from chatbot.data import batches
    from chatbot.dataset import load_data
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig
    from chatbot.layout import CorpusLayout
    from chatbot.train import from_base, train
    from tests.conftest import tiny

    w2v = Word2VecConfig(epochs=2, min_count=1, workers=1)
    novel = prepare(story_file, tmp_path / "novel", PrepareConfig(word2vec=w2v)).layout.root
    loaded = load_model(base, "cpu")
    cpu = torch.device("cpu")

    def start(characters: int):
        config = replace(tiny(characters=characters, min_lines=1), model=loaded.card.model)
        data = load_data([CorpusLayout.at(novel)], config, base=loaded.table)
        return from_base(loaded.model, config, data, cpu).eval(), data

    plain, _ = start(0)
    grown, data = start(3)
    assert grown.config.characters > 1 and not plain.config.characters
    batch = next(batches(data.train, 8, data.table.dim, torch.Generator().manual_seed(0)))
    assert (batch.speaker > 0).any()  # real characters speak in it
    with torch.no_grad():
        torch.testing.assert_close(grown(batch), plain(batch))
    train(novel, tiny(characters=3, min_lines=1), model_dir=tmp_path / "c", base=base)
    assert ModelCard.read(tmp_path / "c").model.characters > 1
