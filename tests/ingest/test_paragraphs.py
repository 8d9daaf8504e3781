"""Paragraph layouts: one per line, hard-wrapped, and no line breaks at all."""

import random
import textwrap

from chatbot.ingest.paragraphs import LONG_LINE, split_paragraphs
from chatbot.ingest.sentences import is_heading, quote_spans
from chatbot.ingest.textio import clean_line
from tests.conftest import LINES, NAMES, NARRATION, make_story

EN_LINES = [
    "Where are you going so late in the evening, with the lamp and the old coat?",
    "To the mill by the river, because I promised the miller I would help him tonight.",
    "Then take the lamp with you, and do not forget to come back before the bells ring.",
    "I never forget anything, as you very well know, but the road is long and dark.",
]


def wrapped_english(n: int = 60, seed: int = 0) -> tuple[str, list[str]]:
    """Paragraphs of dialogue between blank lines, hard-wrapped at 70 columns, and the
    quotations they hold."""
    rng = random.Random(seed)
    paragraphs, quotes = [], []
    for i in range(n):
        if i % 10 == 0:
            paragraphs.append(f"CHAPTER {i // 10 + 1}")
        q = rng.choice(EN_LINES)
        quotes.append(q)
        who = rng.choice(["Mary", "Tom", "Mr. Brown"])
        paragraphs.append(f'"{q}" said {who}, who stood by the window of the little room.')
        if i % 4 == 3:
            paragraphs.append(
                "The rain fell on the old house by the river, and the wind moved in the "
                "trees beyond the garden wall for a long time."
            )
    text = "\n\n".join("\n".join(textwrap.wrap(p, 70)) for p in paragraphs) + "\n"
    return text, quotes


def test_hard_wrapped_english_is_joined_and_keeps_every_quotation_whole():
    text, quotes = wrapped_english()
    layout = split_paragraphs(text, clean_line)
    assert layout.mode == "wrapped" and 60 <= layout.wrap_width <= 70
    said = [p for p in layout.texts if " said " in p]
    assert len(said) == len(quotes)
    for par, q in zip(said, quotes):
        (a, b), *_ = quote_spans(par)
        assert par[a + 1 : b] == q  # whole, joined with single spaces
    assert all(text.startswith(p[:10], o) for o, p in zip(layout.offsets, layout.texts))


def test_a_wrapped_book_of_mostly_one_line_speeches_is_still_wrapped():
    """Nineteen paragraphs in twenty a short speech: few lines reach the wrap width, but
    the lines a block goes on after all do."""
    rng = random.Random(1)
    paragraphs = []
    for i in range(400):
        if i % 20 == 0:
            words = " ".join(EN_LINES).split()  # 320 characters: five wrapped lines
            paragraphs.append(" ".join(words[i // 20 :] + words[: i // 20]))
        else:
            paragraphs.append(f'"{rng.choice(["Yes", "No", "Why not"])}," said Tom.')
    text = "\n\n".join(textwrap.fill(p, 70) for p in paragraphs)
    layout = split_paragraphs(text, clean_line)
    assert layout.mode == "wrapped"
    assert layout.texts == paragraphs
    one_per_line = "\n\n".join(paragraphs)  # the same book, not wrapped: lines
    assert split_paragraphs(one_per_line, clean_line).mode == "lines"
    # indented paragraphs, no blank lines: most lines are indented, yet an indent still
    # begins a paragraph
    indented = "\n".join(textwrap.fill(p, 70, initial_indent="    ") for p in paragraphs)
    layout = split_paragraphs(indented, clean_line)
    assert layout.mode == "wrapped" and layout.texts == paragraphs


def test_wrapped_chinese_with_indented_paragraphs_joins_without_spaces():
    rng = random.Random(1)
    paragraphs = [
        f"{rng.choice(NAMES)}道：“{rng.choice(LINES)}{rng.choice(LINES)}”{rng.choice(NARRATION)}"
        for _ in range(40)
    ]
    lines = []
    for p in paragraphs:
        body = "\u3000\u3000" + p
        lines += [body[i : i + 20] for i in range(0, len(body), 20)]
    layout = split_paragraphs("\r\n".join(lines), clean_line)
    assert layout.mode == "wrapped"
    assert layout.texts == paragraphs


def test_wrapped_lines_join_as_the_paragraph_was_typed():
    # The marks of Chinese text meet without a space at a line break, and a half-width
    # full stop alone at the start of a line is Chinese punctuation once joined.
    lines = ["\u3000\u3000他说的`春-`红-`香-", "`玉-是什么字．我不", "知道．", ""] * 4
    lines += ["\u3000\u3000Then the old man said,", '"Come in." And', "she came in.", ""] * 4
    layout = split_paragraphs("\n".join(lines), clean_line, "wrapped")
    assert layout.texts[0] == "他说的`春-`红-`香-`玉-是什么字。我不知道。"
    assert layout.texts[-1] == 'Then the old man said, "Come in." And she came in.'


def test_one_paragraph_per_line_stays_as_it_is():
    story = make_story()
    layout = split_paragraphs(story, clean_line)
    assert layout.mode == "lines"
    assert layout.texts == [clean_line(x) for x in story.split("\r\n") if clean_line(x)]


def test_a_book_without_line_breaks_is_cut_into_sentences_never_inside_a_quotation():
    stories = (make_story(chapters=10, seed=s) for s in range(4))
    book = "".join(s.replace("\r\n", "").replace("\u3000", "") for s in stories)
    assert len(book) > 4 * LONG_LINE
    layout = split_paragraphs(book, clean_line)
    assert layout.mode == "unbroken"
    assert max(map(len, layout.texts)) <= LONG_LINE
    assert "".join(layout.texts) == book
    for par in layout.texts:
        assert par.count("“") == par.count("”")  # every quotation within one piece
    assert all(book[o] == p[0] for o, p in zip(layout.offsets, layout.texts))


def test_a_book_without_line_breaks_keeps_its_chapter_headings_apart():
    # Each chapter ends on a speech, and its heading is glued to the next one's.
    chapters = []
    for c in range(1, 9):
        turns = "".join(
            f"{NAMES[i % 3]}问道：“{LINES[i % len(LINES)]}”{NAMES[(i + 1) % 3]}答道：“好。”"
            + (NARRATION[i % len(NARRATION)] if i < 14 else "")
            for i in range(15)
        )
        volume = f"第{c // 4 + 1}卷　风云　" if c % 4 == 1 else ""  # a volume's, right before
        chapters.append(f"{volume}第{c}章　风起　{turns}")
    book = "".join(chapters)
    assert len(book) > LONG_LINE
    layout = split_paragraphs(book, clean_line)
    assert layout.mode == "unbroken"
    headings = [p for p in layout.texts if is_heading(p)]
    assert headings == [  # the space cleaned
        *("第1卷 风云", "第1章 风起", "第2章 风起", "第3章 风起", "第4章 风起"),
        *("第2卷 风云", "第5章 风起", "第6章 风起", "第7章 风起", "第8章 风起"),
    ]
    assert all(book[o] == p[0] for o, p in zip(layout.offsets, layout.texts))
    # A sentence that opens like a heading, with speech in it, is a sentence.
    assert not is_heading("第二节课下课后，周文轩问道：“作业写完了吗？”")
    assert is_heading("第四十六回施慈悲仙子降妖话说道姑道：“不消焦心。”")  # glued


def test_a_chapter_title_glued_to_its_text_still_ends_the_chapter():
    # 第2章 风起林远问道：… : no space after the title, so only the number is cut out
    # (the title stays with the chapter's first sentence); 第3节课 and 第一回合 are no
    # chapters.
    chapters = [
        f"第{c}章　风起"
        + "".join(f"{NAMES[i % 3]}问道：“{LINES[i % len(LINES)]}”" for i in range(80))
        + "第3节课上完了。第一回合他就输了。"
        for c in range(1, 4)
    ]
    book = "".join(chapters)
    assert len(book) > LONG_LINE
    layout = split_paragraphs(book, clean_line)
    headings = [p for p in layout.texts if is_heading(p)]
    assert headings == ["第1章", "第2章", "第3章"]
    assert layout.texts[layout.texts.index("第2章") + 1].startswith("风起")
    # a glued title that starts as 第一回合 does is still a heading after 章
    assert is_heading("第三章合作") and not is_heading("第一回合他就输了。")


def test_a_forced_layout_wins():
    story = make_story()
    assert split_paragraphs(story, clean_line, "unbroken").mode == "unbroken"
    assert split_paragraphs(story, clean_line, "wrapped").mode == "wrapped"
