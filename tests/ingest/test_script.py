"""Books set out as scripts: each turn opens with who speaks (plays, chat-log passages)."""

import itertools

from chatbot.ingest.dialogue import extract_dialogue
from chatbot.ingest.prepare import PrepareConfig, prepare, summary
from chatbot.ingest.textio import read_novel
from chatbot.ingest.vectors import Word2VecConfig
from chatbot.layout import CorpusLayout
from tests.conftest import LINES, NAMES, make_story

SMALL = PrepareConfig(word2vec=Word2VecConfig(vector_size=16, epochs=2, min_count=1, workers=1))


def chinese_play(acts: int = 5) -> tuple[str, list[tuple[str, str]]]:
    """A generated play: acts of lines 名字：话 with stage directions, and the
    (speaker, words) of each line in order."""
    paragraphs, spoken = [], []
    for act in range(acts):
        paragraphs += [f"第{'一二三四五'[act]}幕", "（客厅里，天快黑了。）"]
        for i in range(12):
            who = NAMES[(i + act) % 3]
            words = LINES[(i + 5 * act) % 12]
            aside = "（低声）" if i % 4 == 1 else ""
            paragraphs.append(f"{who}{aside}：{words}")
            spoken.append((who, words))
            if i % 5 == 2:
                paragraphs.append(f"（{NAMES[3]}端茶上。）")
        paragraphs.append("幕落。")
    return "\n".join(paragraphs), spoken


def test_a_chinese_play_gives_every_line_with_its_speaker(tmp_path):
    text, spoken = chinese_play()
    (tmp_path / "play.txt").write_text(text, encoding="gb18030")
    result = prepare(tmp_path / "play.txt", tmp_path / "c", SMALL)
    rows = dict(summary(result.manifest)[0])
    assert rows["speech"].startswith("script lines")
    assert rows["utterances"] == f"{len(spoken)}, 100% with a speaker"
    pairs = CorpusLayout.at(tmp_path / "c").pairs.read_text(encoding="utf-8").splitlines()[1:]
    got = [tuple(p.split("\t")[1:5]) for p in pairs]
    # each act's 12 lines give 11 pairs, across the tea being brought in, not across acts
    expected = []
    for act in range(5):
        lines = spoken[12 * act : 12 * (act + 1)]
        expected += [(q[0], r[0], q[1], r[1]) for q, r in itertools.pairwise(lines)]
    assert got == expected
    assert not any("低声" in g[3] or "低声" in g[2] for g in got)


def test_an_english_play_with_names_on_their_lines_or_before_a_full_stop():
    paragraphs = ["ACT I", "SCENE I. A room in the castle."]
    for i in range(24):
        who = ["HAMLET", "HORATIO", "MARCELLUS"][i % 3]
        if i % 2:
            paragraphs += [f"{who}.", f"My lord, this is line {i}.", "And it goes on."]
        else:
            paragraphs.append(f"{who}. [Aside] My lord, this is line {i}.")
        if i == 5:
            paragraphs.append("[Enter Ghost.]")
    result = extract_dialogue(paragraphs, n_sentences=80, min_pairs=5)
    assert result.style.mode == "script" and not result.fallback
    speakers = [(p.query_speaker, p.reply_speaker) for p in result.pairs]
    assert len(result.pairs) == 23 and speakers[0] == ("HAMLET", "HORATIO")
    assert result.pairs[0].reply == "My lord, this is line 1. And it goes on."
    assert result.pairs[1].query == result.pairs[0].reply
    assert all("Aside" not in p.query + p.reply for p in result.pairs)


def test_novels_with_quoted_or_tagged_speech_are_not_scripts(tmp_path):
    (tmp_path / "story.txt").write_text(make_story(4, seed=2), encoding="utf-8")
    novel = read_novel(tmp_path / "story.txt")
    assert extract_dialogue(novel.paragraphs, n_sentences=100).style.mode == "quotes"
    tagged = [f"{NAMES[i % 3]}道：{LINES[i % 12]}" for i in range(40)]
    assert extract_dialogue(tagged, n_sentences=40).style.mode == "tags"
    quoted = [f"{NAMES[i % 3]}：“{LINES[i % 12]}”" for i in range(40)]  # 名字：“话” is quoted
    assert extract_dialogue(quoted, n_sentences=40).style.mode == "quotes"


def test_what_a_review_found_reads_as_it_should():
    # Chapters headed by a character's name, with quoted dialogue: a novel, not a play.
    pov = []
    for k in range(30):
        pov += [["ARYA", "JON", "SANSA"][k % 3], "The wind came down from the hills."]
        for i in range(8):
            pov.append(f"“{LINES[(i + k) % 12]}” said {['Tom', 'Ann'][i % 2]}.")
        pov.append("Night fell over the castle and nobody spoke again.")
    assert extract_dialogue(pov, n_sentences=400).style.mode == "quotes"
    # Chat-log lines in a novel that quotes its speech: the quoted dialogue stays.
    chat = []
    for k in range(8):
        chat += [f"王胖子：{LINES[k % 12]}", f"李四：{LINES[(k + 1) % 12]}"]
        chat += [f"“{LINES[(k + 2) % 12]}”他问。", f"“{LINES[(k + 3) % 12]}”她答。"] * 2
    assert extract_dialogue(chat, n_sentences=100).style.mode == "quotes"
    # Names that end like a speech verb (赵云, 笑笑) are speakers in a play.
    play = [f"{['赵云', '刘备', '笑笑'][i % 3]}：{LINES[i % 12]}" for i in range(30)]
    result = extract_dialogue(play, n_sentences=30, min_pairs=5)
    assert result.style.mode == "script" and len(result.pairs) == 29
    assert {p.reply_speaker for p in result.pairs} == {"赵云", "刘备", "笑笑"}


def test_an_english_play_keeps_its_scenes_titles_and_directions_apart():
    paragraphs = []
    for act in ("I", "II"):
        paragraphs += [f"ACT {act}", "SCENE I. A room in the house."]
        for i in range(12):
            who = ["MRS. HIGGINS", "MRS. PEARCE", "MR. DOOLITTLE"][i % 3]
            paragraphs += [f"{who}.", f"Line {i} of act {act}."]
            if i == 4:
                paragraphs += ["Enter Ghost.", "The ghost walks slowly.", "_Exit._"]
    result = extract_dialogue(paragraphs, n_sentences=80, min_pairs=5)
    assert result.style.mode == "script"
    assert len(result.pairs) == 22  # 11 an act: none across the act's heading
    assert [(p.query_speaker, p.reply_speaker) for p in result.pairs[:2]] == [
        ("MRS. HIGGINS", "MRS. PEARCE"),
        ("MRS. PEARCE", "MR. DOOLITTLE"),
    ]
    assert all("Ghost" not in p.reply and "Exit" not in p.reply for p in result.pairs)
    assert not any("act I." in p.query and "act II." in p.reply for p in result.pairs)


def test_no_pair_runs_across_a_chapter_heading_in_a_book_without_line_breaks():
    paragraphs = [
        "“明日还来么？”宝玉问道。",
        "“来的，”黛玉道。",
        "第二回 风雨",
        "黛玉笑道：“下雨了。”",
    ]
    pairs = extract_dialogue(
        paragraphs, n_sentences=4, min_pairs=1, paragraph_mode="unbroken"
    ).pairs
    assert [(p.query, p.reply) for p in pairs] == [("明日还来么？", "来的。")]


def test_a_quoting_novels_group_chat_gives_pairs_beside_its_quoted_dialogue():
    paragraphs = []
    for k in range(10):
        paragraphs += [f"“{LINES[k % 12]}”他问。", f"“{LINES[(k + 1) % 12]}”她答。"]
        paragraphs.append("他打开手机，群里正热闹。")
        paragraphs += [
            f"{['王胖子', '李四', '小美'][i % 3]}：{LINES[(k + i) % 12]}" for i in range(4)
        ]
        paragraphs.append("他笑了笑，把手机放下。")
        paragraphs.append("正是：一山未过一山迎。")  # a formula alone: no speech
    result = extract_dialogue(paragraphs, n_sentences=120, min_pairs=5)
    assert result.style.mode == "quotes"
    chat = [p for p in result.pairs if p.reply_speaker in ("王胖子", "李四", "小美")]
    assert len(chat) == 30  # three of each group's four lines answer the one before
    assert (chat[0].query_speaker, chat[0].reply_speaker) == ("王胖子", "李四")
    assert len(result.pairs) == 40  # and each quoted exchange
    assert not any("一山未过" in p.reply for p in result.pairs)


def test_a_two_line_chat_counts_when_the_book_names_both_speakers():
    paragraphs = []
    for k in range(8):
        paragraphs += [f"张三道：“{LINES[k % 12]}”", f"李四笑道：“{LINES[(k + 1) % 12]}”"]
        paragraphs.append("两人各自拿起手机。")
        paragraphs += [f"张三：{LINES[(k + 2) % 12]}", f"李四：{LINES[(k + 3) % 12]}"]
        paragraphs += [
            "天黑了。",
            f"王胖子：{LINES[k % 12]}",
            f"赵六：{LINES[(k + 4) % 12]}",
            "完了。",
        ]
    pairs = extract_dialogue(paragraphs, n_sentences=80, min_pairs=5).pairs
    assert len(pairs) == 16  # the quoted exchange and the named pair's chat, 8 each
    assert {(p.query_speaker, p.reply_speaker) for p in pairs} == {("张三", "李四")}
    assert (LINES[2], LINES[3]) in {(p.query, p.reply) for p in pairs}  # the first chat
    assert not any(p.reply_speaker == "赵六" for p in pairs)  # names it never tags
