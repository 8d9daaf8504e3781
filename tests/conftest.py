"""Shared fixtures: small novels written here, never copied from a real book."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

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
    """A tiny model that has learned the echo book's six exchanges."""
    from chatbot.config import TrainConfig
    from chatbot.train import train

    out = tmp_path_factory.mktemp("echo-model")
    cfg = TrainConfig(
        hidden=32,
        encoder_layers=1,
        dropout=0.0,
        batch_size=8,
        sample=8,
        lr=1e-2,
        max_epochs=25,
        patience=100,
        lr_patience=100,
    )
    train(echo_corpus, cfg, model_dir=out)
    return out
