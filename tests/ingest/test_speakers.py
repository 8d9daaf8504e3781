"""Speaker names learned from the book: whole names, not narrative words or objects."""

import random

from chatbot.ingest.dialogue import extract_utterances
from chatbot.ingest.segment import tokenize
from chatbot.ingest.speakers import NameLexicon
from chatbot.ingest.textio import normalise
from tests.conftest import LINES, NARRATION

# Invented names that jieba cuts apart (景 + 兰舟, 匡 + 远人 ...).
NAMES = ["景兰舟", "匡远人", "牛二先生", "季苇舟", "鲍文山"]


def book(rows, seed: int = 0) -> list[str]:
    """Paragraphs: each row is a tag with {name} in it, followed by a quotation; names
    also turn up in narration, as they do in novels."""
    rng = random.Random(seed)
    out = []
    for i in range(300):
        name = NAMES[i % len(NAMES)]
        out.append(rng.choice(rows).format(name=name) + f"“{rng.choice(LINES)}”")
        if i % 3 == 0:
            out.append(f"{rng.choice(NARRATION)}{name}走了进来，{rng.choice(NAMES)}看见{name}。")
    return normalise("\n".join(out))


def speakers(paragraphs):
    return [u.speaker for u in extract_utterances(paragraphs)]


def test_names_the_segmenter_does_not_know_are_learned_whole():
    assert any(n not in tokenize(f"{n}听了，笑道") for n in NAMES)
    got = speakers(book(["{name}道：", "{name}笑道：", "{name}忙问道："]))
    assert set(got) == set(NAMES)


def test_narrative_and_time_words_in_front_of_a_tag_are_not_speakers():
    rows = [
        "次日，{name}道：",
        "却说{name}道：",
        "须臾，{name}笑道：",
        "{name}道：",
        "一日，{name}说：",
    ]
    poem = "“春风吹过小桥东，细雨飞来满院中。一夜江头花落尽，谁家笛里怨飞鸿。”"
    paragraphs = book(rows) + normalise(f"后人有诗叹曰：{poem}\n" * 10)
    got = speakers(paragraphs)
    assert set(got) - {None} == set(NAMES)
    assert len(got) == 300  # the poems quoted in the narration are not speech


def test_where_someone_went_before_speaking_is_not_a_name():
    rows = [
        "{name}道：",
        "{name}笑道：",
        "上前拱手道：",
        "原要前来看看的，只得说道：",
        "走上前来道：",
    ]
    got = speakers(book(rows))
    assert set(got) - {None} == set(NAMES)


def test_manner_words_between_name_and_verb_are_learned_and_stripped():
    rows = ["{name}回头道：", "{name}拍手笑道：", "{name}道：", "{name}回头看了看，拍手道："]
    assert set(speakers(book(rows))) == set(NAMES)


def test_the_name_next_to_the_verb_wins_and_objects_are_not_speakers():
    rows = ["{name}道：", "{name}笑道："]
    paragraphs = book(rows) + normalise(
        "景兰舟听了，向匡远人笑道：“好。”\n又叫匡远人道：“来。”\n只见鲍文山走来，问季苇舟道：“谁？”"
    )
    assert speakers(paragraphs)[-3:] == ["景兰舟", None, "鲍文山"]


def test_a_character_spoken_to_more_often_than_tagged_is_still_a_speaker():
    # 林远 is 对林远说 (a modern novel's way) more often than 林远道: still a name; the
    # 对 bounds it as a clause start would.
    contexts = ["赵小蝶对林远"] * 9 + ["苏晴对林远"] * 9 + ["林远"] * 13
    contexts += ["赵小蝶"] * 20 + ["苏晴"] * 20 + ["林远笑着对苏晴"] * 5
    names = NameLexicon.learn(contexts, "。".join(contexts)).names
    assert {"林远", "苏晴", "赵小蝶"} <= names


def test_a_book_that_always_says_who_is_spoken_to():
    # A modern novel's tags (苏晴对林远说：, 林远向苏晴道：) name two people in one clause;
    # each name must be learned, and no "name + 对 + name" string. 半晌 and 外头 stand
    # where a subject would, with no comma after them in this book.
    rng = random.Random(1)
    rows = ["{a}对{b}说：", "{a}向{b}道：", "{a}跟{b}说：", "{a}看着{b}，半晌才道：", "{a}笑道："]
    # and no speech verb at all: a gesture and a colon or comma (林远对陈默点点头：)
    rows += ["{a}对{b}点点头：", "{a}看了{b}一眼，皱眉：", "{a}笑了笑，"]
    paragraphs, expected = [], []
    for i in range(400):
        a, b = rng.sample(NAMES, 2)
        paragraphs.append(rng.choice(rows).format(a=a, b=b) + f"“{rng.choice(LINES)}”")
        expected.append(a)
        if i % 10 == 0:
            paragraphs.append(f"外头说道：“{rng.choice(LINES)}”")
            expected.append(None)
    got = speakers(normalise("\n".join(paragraphs)))
    assert got == expected


GESTURES = [  # (paragraph, its speeches' speakers): who a gesture before the speech names
    ("“好。”林远笑道，苏晴却摇摇头：“不行。”", ["林远", "苏晴"]),
    ("林远说完，苏晴点点头，“嗯。”", ["苏晴"]),
    ("林远话音刚落，苏晴就站了起来：“我反对！”", ["苏晴"]),
    ("听林远这么说，苏晴点点头，“嗯。”", ["苏晴"]),
    ("林远最讨厌两个字，“加班”。", [None]),  # a quoted term, not speech after a gesture
    ("“嗯，”苏晴点点头，“我一早就来。”", ["苏晴", "苏晴"]),
    ("林远点点头，“好。”他笑道。", [None]),  # a tag of its own: the gesture is not asked
    ("林远一进门，“林哥好！”众人纷纷道。", [None]),
    ("“你来了？”林远笑着问，她却摇了摇头：“没有。”", ["林远", None]),
    ("“你好，”她说，林远却打断了她，“别说了。”", [None, None]),
    ("林远和苏晴一起走进办公室，林远笑道：“早啊。”", ["林远"]),
    ("林远跟苏晴连招呼都没打，便冷冷道：“让开。”", ["林远"]),
    ("她朝林远点点头：“嗯。”", [None]),
    ("等林远走后，苏晴才松了口气，“总算走了。”", ["苏晴"]),
    ("“你输了。”苏晴闻说，笑道：“未必。”", [None, "苏晴"]),  # 闻说 is hearing
    ("“好。” 林远点点头，“走。”", [None, "林远"]),
    ("苏晴一把抱住林远：“你回来了！”", ["苏晴"]),  # the name at the clause's end is held
    ("林远和苏晴一起走进来，“我们回来了。”", [None]),  # two say it together
    ("林远与苏晴齐声道：“好！”", [None]),
    ("林远和苏晴说：“走罢。”", ["林远"]),  # 和 as "to": he says it to her
]


def test_a_gesture_before_the_speech_names_its_speaker():
    rng = random.Random(0)
    tags = []
    for _ in range(100):
        a, b = rng.sample(["苏晴", "林远", "赵小蝶", "陈默"], 2)
        tags += [f"{a}笑道：“好的。”", f"{b}道：“走罢。”"]
    got = extract_utterances(tags + [p for p, _ in GESTURES])
    by_paragraph = [
        [u.speaker for u in got if u.paragraph == len(tags) + i] for i in range(len(GESTURES))
    ]
    assert by_paragraph == [speakers for _, speakers in GESTURES]


def test_two_names_are_not_one_and_adverbs_do_not_hide_names():
    contexts = ["苏晴对林远"] * 30 + ["林远"] * 20 + ["苏晴"] * 20
    names = NameLexicon.learn(contexts, "。".join(contexts)).names
    assert names == {"苏晴", "林远"}
    # a name before 回头, 突然, 沉吟 is still a name: those words are no names, but
    # they are manner words that follow names, not names that other strings follow
    contexts = ["赵四"] * 3 + ["赵四回头", "赵四突然", "赵四沉吟"] * 2 + ["王五"] * 6
    contexts += ["王五回头", "王五突然", "王五沉吟"]
    names = NameLexicon.learn(contexts, "。".join(contexts)).names
    assert {"赵四", "王五"} <= names and not names & {"回头", "突然", "沉吟"}


def test_lexicon_from_few_tags_in_a_short_text():
    lexicon = NameLexicon.learn(["景兰舟", "匡远人"], "景兰舟道。匡远人道。", short=True)
    assert lexicon.names == {"景兰舟", "匡远人"}
    assert lexicon.speaker("景兰舟听了，向匡远人") == "景兰舟"


def test_a_name_with_a_diminutive_is_the_same_speaker():
    rows = ["{name}道：", "{name}儿笑道："]
    got = speakers(book(rows))
    assert set(got) == set(NAMES)


def test_turning_to_someone_is_not_part_of_their_name():
    rows = ["{name}道：", "{name}笑道："] * 4 + ["{name}听了，向景兰舟道："]
    got = speakers(book(rows))
    assert set(got) == set(NAMES)


def test_descriptions_where_a_tag_has_no_subject_are_not_speakers():
    rows = ["{name}道：", "{name}笑道：", "{name}高声道："]
    described = normalise(
        "众人听了，唬的景兰舟忙道：“不敢。”\n"
        "那人点头，微微的笑道：“好。”\n"
        "喘吁吁的道：“来了。”\n"
        "嗤的一声笑道：“罢了。”\n"
        "有的道：“是。”\n"
    )
    got = speakers(book(rows) + described * 12)
    assert set(got) - {None} == set(NAMES)
    assert got[-5:] == ["景兰舟", None, None, None, None]


def test_a_subject_after_a_demonstrative_counts_as_standing_alone():
    # 女子 is the subject of 那女子道 as much as of 女子道: alone in a quarter of its
    # tags, after 那 in another quarter, it is learned.
    rows = ["{name}道："] * 4 + ["女子道：", "那女子道：", "穿红的女子道：", "一个女子道："]
    got = speakers(book(rows))
    assert "女子" in got
