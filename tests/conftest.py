"""Shared fixtures: small novels written here, never copied from a real book, and the
session's one tiny model (``echo_model``, trained once in a few seconds) that every
test of replies, evaluation and the app uses."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from chatbot.config import ModelConfig, TrainConfig
from chatbot.data import WordTable, batches, make_examples
from chatbot.ingest.dialogue import Pair
from chatbot.model import Seq2Seq

if os.environ.get("PYTEST_XDIST_WORKER"):
    # `make test` runs a worker per core: one thread each (and in the CLIs the tests
    # start) beats two threads per worker fighting over the same cores.
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)

DEV_NOVEL = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "hongloumeng.txt"

NAMES = ["张三", "李四", "王小妹", "赵大娘", "陈先生", "刘姑娘"]
VERBS = ["道", "笑道", "问道", "说", "叹道", "忙道"]
LINES = [
    "今天天气很好，我们去河边走走吧。",
    "你昨天去了哪里？我找了你半天。",
    "我去城里买了些茶叶，还给你带了点心。",
    "这件事情你不要告诉别人，我心里有数。",
    "先生说过，读书要用心，不可三心二意。",
    "外面下雨了，你带上伞再出门。",
    "我饿了，厨房里还有饭吗？",
    "你别哭了，明天一切都会好起来的。",
    "这花开得真好看，是谁种的？",
    "我们一起去看戏，好不好？",
    "他说‘明天再来’，可是一直没有来。",
    "老人家身体还好吗？我很想念她。",
]
NARRATION = [
    "院子里的桃花开了，风一吹便落了满地。",
    "天色渐渐暗了下来，屋里点起了灯。",
    "众人说笑了一回，各自散去。",
    "第二天一早，街上已经有了卖菜的人。",
]


def make_story(chapters: int = 6, seed: int = 0) -> str:
    """A Chinese story with chapters, narration, speech tags before and after quotes,
    quotations split by their tag, nested quotes and back-to-back exchanges."""
    rng = random.Random(seed)
    out: list[str] = []
    num = "一二三四五六七八九十"
    for c in range(chapters):
        out.append(f"第{num[c % 10]}回　{rng.choice(NAMES)}进城　{rng.choice(NAMES)}回家")
        out.append("")
        for _ in range(8):
            out.append("　　" + rng.choice(NARRATION) + rng.choice(NARRATION))
            a, b = rng.sample(NAMES, 2)
            out.append(f"　　{a}{rng.choice(VERBS)}：“{rng.choice(LINES)}”")
            out.append(f"　　“{rng.choice(LINES)}”{b}{rng.choice(VERBS)}。")
            out.append(
                f"　　“{rng.choice(LINES)[:-1]}，”{a}{rng.choice(VERBS)}，“{rng.choice(LINES)}”"
            )
            out.append("")
    return "\r\n".join(out) + "\r\n"


@pytest.fixture
def story() -> str:
    return make_story()


@pytest.fixture
def story_file(tmp_path: Path, story: str) -> Path:
    p = tmp_path / "story.txt"
    p.write_bytes(story.encode("gbk"))
    return p


@pytest.fixture
def dev_novel() -> Path:
    if not DEV_NOVEL.is_file():
        pytest.skip(f"development novel not found at {DEV_NOVEL} (it lives in ../shared)")
    return DEV_NOVEL


# A small, fast training setup for tests that must train.
# Tiny models train on dialogue pairs only unless a test asks for running text.
# The generated books repeat their few lines, so they keep the held-out end's repeats.
TINY = dict(
    hidden=32,
    encoder_layers=1,
    dropout=0.0,
    batch_size=8,
    sample=8,
    text_epochs=0,
    text_mix=0.0,
    repeats=True,
)


def tiny(**overrides) -> TrainConfig:
    """``TINY`` with ``overrides`` (architecture and training keys alike)."""
    return TrainConfig.from_dict({**TINY, **overrides}, strict=True)


def small_table(words=("甲", "乙", "丙", "甲乙")) -> WordTable:
    rng = np.random.default_rng(0)
    return WordTable.from_vectors(list(words), rng.normal(size=(len(words), 6)))


def model_and_batch(head="vector", loss="cosine-softmax"):
    """An untrained 8-unit model over ``small_table`` and a one-pair batch."""
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, dropout=0.0, head=head, loss=loss)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors))
    pairs = [Pair("q", "r", 0, query_tokens=["甲", "乙"], reply_tokens=["丙", "甲", "乙丁"])]
    (b,) = list(batches(make_examples(pairs, t, 10, 10), 8, t.dim))
    return m, b


@pytest.fixture(scope="session")
def story_corpus(tmp_path_factory):
    """A prepared corpus of a generated story, with small vectors."""
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig

    root = tmp_path_factory.mktemp("corpus")
    novel = root / "story.txt"
    novel.write_text(make_story(8, seed=3), encoding="utf-8")
    cfg = PrepareConfig(word2vec=Word2VecConfig(vector_size=16, epochs=5, min_count=1, workers=1))
    prepare(novel, root / "c", cfg)
    return root / "c"


@pytest.fixture(scope="session")
def dev_corpus(tmp_path_factory):
    """The development novel, prepared once for the session (skipped when absent)."""
    if not DEV_NOVEL.is_file():
        pytest.skip(f"development novel not found at {DEV_NOVEL} (it lives in ../shared)")
    from chatbot.ingest.prepare import prepare

    out = tmp_path_factory.mktemp("dev") / "hongloumeng"
    prepare(DEV_NOVEL, out)  # all cores: the tests read its pairs, not exact vectors
    return out


@pytest.fixture(scope="session")
def echo_corpus(tmp_path_factory):
    """A book in which every question always gets the same answer: learnable exactly."""
    root = tmp_path_factory.mktemp("echo")
    paragraphs = []
    for _ in range(15):
        for i in range(6):
            paragraphs += [f"张三道：“{LINES[i]}”", f"李四道：“{LINES[i + 6]}”", "天黑了。"]
    (root / "echo.txt").write_text("\n".join(paragraphs), encoding="utf-8")
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig

    cfg = PrepareConfig(word2vec=Word2VecConfig(vector_size=16, epochs=5, min_count=1, workers=1))
    prepare(root / "echo.txt", root / "c", cfg)
    return root / "c"


@pytest.fixture(scope="session")
def echo_model(echo_corpus, tmp_path_factory):
    """The session's tiny model: it has learned the echo book's six exchanges."""
    from chatbot.train import train

    out = tmp_path_factory.mktemp("echo-model")
    cfg = tiny(lr=1e-2, max_epochs=25, patience=100, lr_patience=100)
    train(echo_corpus, cfg, model_dir=out)
    return out


@pytest.fixture(scope="session")
def writer_model(echo_corpus, tmp_path_factory):
    """A tiny model that has also read the echo book's running text: it can write on."""
    from chatbot.train import train

    out = tmp_path_factory.mktemp("writer-model")
    cfg = tiny(lr=1e-2, max_epochs=3, text_epochs=3, text_mix=0.5, negatives=16)
    train(echo_corpus, cfg, model_dir=out)
    return out


@pytest.fixture(scope="session")
def persona_model(story_corpus, tmp_path_factory):
    """A tiny model with everything on: characters, two turns of context and a
    retrieved line beside each message."""
    from chatbot.train import train

    out = tmp_path_factory.mktemp("persona-model")
    cfg = tiny(max_epochs=2, characters=5, min_lines=3, context=2, ground=1)
    train(story_corpus, cfg, model_dir=out)
    return out


def run_cli(args, capsys, monkeypatch=None, stdin: str | bytes = ""):
    """``chatbot ARGS`` in this process (a subprocess would import torch again, seconds
    each): its exit code and what it printed, as subprocess.run returns them."""
    import io
    import subprocess
    import sys

    from chatbot.cli import main

    if monkeypatch is not None:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    try:
        code = main([str(a) for a in args])
    except SystemExit as e:  # argparse's own errors exit 2, as the command would
        code = e.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)
