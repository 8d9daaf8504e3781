"""The library novels (one line each, 「…」 or unquoted speech) and the speakers labelled
by hand in tests/data/speaker_labels.tsv (skipped when ../shared is absent)."""

import random
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import extract_dialogue
from chatbot.ingest.sentences import split_sentences
from chatbot.ingest.speaker_check import SpeakerScore, read_labels, score
from chatbot.ingest.textio import decode_bytes, read_novel
from tests.conftest import DEV_NOVEL

pytestmark = pytest.mark.slow

LIBRARY = DEV_NOVEL.parent / "library"
QUOTED = ["ernv_yingxiong_zhuan", "ershinian_mudu", "fengshen_yanyi", "jinghua_yuan"]
QUOTED += ["jingu_qiguan", "sanxia_wuyi"]
UNQUOTED = ["guanchang_xianxing_ji", "xingshi_yinyuan", "rulin_waishi", "suitang_yanyi"]
LABELS = Path(__file__).parents[1] / "data" / "speaker_labels.tsv"


def book_path(book: str) -> Path:
    path = DEV_NOVEL if book == DEV_NOVEL.stem else LIBRARY / f"{book}.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found (it lives in ../shared)")
    return path


@cache
def dialogue(path: Path):
    novel = read_novel(path)
    n = sum(len(split_sentences(p)) for p in novel.paragraphs)
    return novel, extract_dialogue(
        novel.paragraphs, n_sentences=n, paragraph_mode=novel.paragraph_mode
    )


@pytest.mark.parametrize("book", QUOTED + UNQUOTED)
def test_library_novel_gives_dialogue_pairs(book):
    novel, result = dialogue(book_path(book))
    assert novel.paragraph_mode == "unbroken" and not result.fallback
    if book in QUOTED:
        assert result.style.mode == "quotes" and result.style.quotes == "「…」"
        assert len(result.pairs) >= 3000
    else:
        assert result.style.mode == "tags"
        assert len(result.pairs) >= 1500
    assert result.with_speaker >= 0.5 * len(result.utterances)
    speakers = {u.speaker for u in result.utterances}
    assert not speakers & {"却说", "后人", "次日", "须臾", "一日", "那日"}


def test_speakers_labelled_by_hand():
    by_book = defaultdict(list)
    for label in read_labels(LABELS):
        by_book[label.book].append(label)
    assert sum(map(len, by_book.values())) >= 150 and len(by_book) == 3
    total = SpeakerScore()
    for book, labels in by_book.items():
        novel, result = dialogue(book_path(book))
        total += score(labels, novel, result.utterances)
    assert total.found >= 0.95 * total.labelled
    assert total.precision >= 0.9 and total.coverage >= 0.7


def test_excerpts_in_legacy_encodings_decode_exactly():
    """Pieces of real novels as a user might save them: the detector must name a codec
    that gives the text back, also where one sampled chunk of it reads oddly."""
    rng = random.Random(0)
    wrong = []
    for book in QUOTED + UNQUOTED:
        text = book_path(book).read_text(encoding="utf-8")
        for codec in ("big5", "gb18030", "utf-16-le"):
            for n in (300, 1000, 5000):
                for _ in range(4):
                    i = rng.randrange(len(text) - n)
                    try:
                        data = text[i : i + n].encode(codec)
                    except UnicodeEncodeError:  # a character Big5 lacks: not a Big5 file
                        continue
                    try:
                        ok = decode_bytes(data)[0] == text[i : i + n]
                    except ChatbotError:
                        ok = False
                    if not ok:
                        wrong.append((book, codec, n, i))
    assert not wrong
