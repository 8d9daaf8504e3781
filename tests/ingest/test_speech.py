"""Speech without quotation marks: the text after bare speech tags (某某道：…)."""

import random

from chatbot.ingest.dialogue import extract_dialogue
from chatbot.ingest.sentences import split_sentences
from chatbot.ingest.speech import speech_style
from chatbot.ingest.textio import normalise
from tests.conftest import LINES, NAMES, NARRATION, make_story

VERBS = ["道", "笑道", "问道", "说", "叹道"]


def bare_book(exchanges: int = 150, seed: int = 0) -> tuple[str, list[tuple[str, str]]]:
    """Narration, then two people talking with no quotation marks; and (speaker,
    speech) of every utterance, in order."""
    rng = random.Random(seed)
    lines, spoken = [], []
    for i in range(exchanges):
        if i % 20 == 0:
            lines.append(f"第{i // 20 + 1}回 {rng.choice(NAMES)}进城")
        if i % 3 == 0:  # a stretch of narration, as real books have
            lines.append("".join(rng.choice(NARRATION) for _ in range(12)))
        a, b = rng.sample(NAMES, 2)
        first = rng.choice(LINES) + rng.choice(LINES)  # a speech of two sentences
        second = rng.choice(LINES)
        spoken += [(a, first), (b, second)]
        lines.append(
            rng.choice(NARRATION)
            + rng.choice(NARRATION)
            + f"{a}{rng.choice(VERBS)}：{first}{b}{rng.choice(VERBS)}：{second}"
        )
    return "\n".join(lines), spoken


def extract(paragraphs, mode="lines"):
    n = sum(len(split_sentences(p)) for p in paragraphs)
    return extract_dialogue(paragraphs, n_sentences=n, paragraph_mode=mode)


def test_speech_after_bare_tags_runs_to_the_first_narration_sentence():
    text, spoken = bare_book()
    result = extract(normalise(text))
    assert result.style.mode == "tags" and result.style.quotes == "none"
    got = [(u.speaker, u.text) for u in result.utterances]
    assert len(got) == len(spoken)
    assert sum(g == s for g, s in zip(got, spoken)) >= 0.9 * len(spoken)
    assert not result.fallback and len(result.pairs) >= len(spoken) // 2 - 10


def test_bare_speech_in_a_book_without_line_breaks():
    text, spoken = bare_book()
    from chatbot.ingest.paragraphs import split_paragraphs
    from chatbot.ingest.textio import clean_line

    layout = split_paragraphs(text.replace("\n", ""), clean_line, "unbroken")
    result = extract(layout.texts, "unbroken")
    texts = [u.text for u in result.utterances]
    assert sum(t == s for t, (_, s) in zip(texts, spoken)) >= 0.9 * len(spoken)
    assert not result.fallback


def test_quoted_books_and_forced_modes():
    paragraphs = normalise(make_story())
    assert speech_style(paragraphs).mode == "quotes"
    assert speech_style(paragraphs).quotes == "“…”"
    assert speech_style(paragraphs, mode="tags").mode == "tags"
    text, _ = bare_book(20)
    assert speech_style(normalise(text), mode="quotes").mode == "quotes"
