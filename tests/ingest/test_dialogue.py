from chatbot.ingest.dialogue import (
    extract_dialogue,
    extract_utterances,
    is_speech,
    make_turns,
    pair_turns,
)
from chatbot.ingest.textio import normalise, split_sentences


def utterances(text: str):
    return extract_utterances(normalise(text))


def speakers_of(*paragraphs: str) -> list[str | None]:
    return [u.speaker for u in utterances("\n".join(paragraphs))]


def spoken(text: str) -> list[tuple[str | None, str]]:
    """(speaker, text) of each turn."""
    return [(t.speaker, t.text) for t in make_turns(utterances(text))]


def test_speaker_before_and_after_the_quote():
    text = "张三笑道：“你来了。”\n“来了，”李四道。\n张三道：“坐。”\n“好。”李四说。"
    us = utterances(text)
    assert [(u.text, u.speaker) for u in us] == [
        ("你来了。", "张三"),
        ("来了，", "李四"),
        ("坐。", "张三"),
        ("好。", "李四"),
    ]


def test_split_quotation_is_one_turn():
    text = "“你去不去，”张三道，“我可要走了。”\n李四道：“不去。”\n张三道：“好。”"
    assert spoken(text) == [
        ("张三", "你去不去，我可要走了。"),
        ("李四", "不去。"),
        ("张三", "好。"),
    ]


def test_a_tag_with_no_one_in_it_goes_on_with_the_last_speaker():
    text = (
        "李四道：“坐。”\n"
        "张三道：“好。”又道：“我坐了。”因又笑道：“茶呢？”\n"
        "李四道：“有。”那人听了，笑道：“我也要。”\n"
        "张三道：“走。”李四连连答应“是”，又回说：“就走。”\n"
        "李四道：“好。”张三道：不好。道：“再说。”"
    )
    assert spoken(text) == [
        ("李四", "坐。"),
        ("张三", "好。我坐了。茶呢？"),
        ("李四", "有。"),
        (None, "我也要。"),
        ("张三", "走。"),
        (None, "就走。"),
        ("李四", "好。"),
        (None, "再说。"),
    ]


def test_only_a_tag_that_says_so_goes_on_with_the_last_speaker():
    from chatbot.ingest.speakers import goes_on

    for tag in ["又道：", "，又道：", "因又笑道：", "還說道：", "又高声道：", "又故意笑道："]:
        assert goes_on(tag), tag
    for tag in ["笑道：", "答道：", "又回道：", "齐声又道：", "那人又道：", "说着，又道："]:
        assert not goes_on(tag), tag
    assert spoken("张三问道：“你是谁？”答道：“我是李四。”") == [
        ("张三", "你是谁？"),
        (None, "我是李四。"),
    ]


def test_what_goes_on_from_a_verse_is_the_reciters():
    text = (
        "黛玉道：“你来了？”\n"
        "宝玉念道：“满纸荒唐言，一把辛酸泪，都云作者痴，谁解其中味。”又道：“这诗好。”"
    )
    assert spoken(text) == [("黛玉", "你来了？"), ("宝玉", "这诗好。")]


def test_same_known_speaker_twice_is_one_turn_and_unknown_speakers_alternate():
    text = "张三道：“一。”\n张三又道：“二。”\n“三？”\n“四。”"
    turns = make_turns(utterances(text))
    assert [t.text for t in turns] == ["一。二。", "三？", "四。"]


def test_narration_and_tags_are_not_part_of_utterances():
    text = "他笑道：“好。”说着便走了。"
    (u,) = utterances(text)
    assert u.text == "好。"


def test_quoted_terms_are_not_speech():
    par = "这就是所谓“通天塔”的由来。"
    a, b = par.index("“"), par.index("”")
    assert not is_speech(par, a, b)
    assert utterances(par) == []
    # Punctuation alone between two quotations (a count of straight quotes gone wrong
    # in a list of names) says nothing.
    par2 = "又有“甲轩”“，”乙榭”等名。"
    a, b = par2.index("“，"), par2.index("”乙")
    assert not is_speech(par2, a, b)
    # An English term printed with its full stop inside; a speech right after its verb.
    for par, speech in [
        ('They called the shed "the Hole." It was dark.', False),
        ('the word "honour," and its price', False),
        ('He shouted "Stop!" and ran.', True),
        ('She said softly "yes."', True),
        ('He said to her "come here."', True),
        ('He called out "stop." and ran.', True),
        ('Then "stop," he cried.', True),
        ('He told them "Go home."', True),
    ]:
        a = par.index('"')
        assert is_speech(par, a, par.index('"', a + 1)) is speech, par
    # A silent reply is still a turn.
    assert spoken("张三道：“你可知道？”李四道：“……”张三道：“说呀！”") == [
        ("张三", "你可知道？"),
        ("李四", "……"),
        ("张三", "说呀！"),
    ]


def test_nested_quotes_stay_inside_the_utterance():
    (u,) = utterances("张三道：“他说‘明天再来’，可是没来。”")
    assert u.text == "他说‘明天再来’，可是没来。"


def test_heading_and_narration_gap_break_conversations():
    text = "\n".join(
        [
            "张三道：“甲。”",
            "李四道：“乙。”",
            "第二回 新的一天",
            "王五道：“丙。”",
            "一段很长的叙述，没有人说话。",
            "赵六道：“丁。”",
            "王五道：“戊。”",
        ]
    )
    paragraphs = normalise(text)
    result = extract_dialogue(paragraphs, n_sentences=10, min_pairs=1)
    assert [(p.query, p.reply) for p in result.pairs] == [("甲。", "乙。"), ("丁。", "戊。")]
    assert [(p.query_speaker, p.reply_speaker) for p in result.pairs] == [
        ("张三", "李四"),
        ("赵六", "王五"),
    ]


def test_english_dialogue_and_speakers():
    text = (
        '"Where are you going?" asked Alice.\n'
        '"To the river," said Bob. "Come with me."\n'
        'Alice said, "Not today."\n'
        '"Then tomorrow," Bob replied.'
    )
    assert spoken(text) == [
        ("Alice", "Where are you going?"),
        ("Bob", "To the river. Come with me."),
        ("Alice", "Not today."),
        ("Bob", "Then tomorrow."),  # the tag's comma does not end a reply
    ]


def test_english_speech_verbs_and_titled_names():
    lines = [
        ('"I do not know," inquired Kitty.', "Kitty"),
        ('"Indeed," rejoined Mr. Collins.', "Mr. Collins"),
        ('"Nonsense," murmured Lydia.', "Lydia"),
        ('"You are right," said Sir William Lucas.', "Sir William Lucas"),
        ('"Very well," Lady Catherine answered.', "Lady Catherine"),
        ('"Oh!" exclaimed Miss Bingley, "how charming."', "Miss Bingley"),
        ('"Come here," cried she.', None),
        ('"Off with his head!" said the Queen.', "Queen"),
        ('"No room!" the Hatter cried.', "Hatter"),
    ]
    for line, speaker in lines:
        assert [u.speaker for u in utterances(line)][:1] == [speaker], line
    # Apostrophes and nested single quotes in a double-quoted book leave speech whole.
    line = 'He went \'round the house. "Mother said \'Wait,\' so I waited," said Tom. "Good."'
    assert [u.speaker for u in utterances(line)] == ["Tom", "Tom"]
    # Before the verb a name is one word: "Then Tom" is no one's name.
    assert [u.speaker for u in utterances('Then Tom said, "Go."')] == ["Tom"]


def test_english_speech_cut_by_narration_is_one_turn():
    # Whoever the tag describes, a speech going on after it is the same speech.
    text = (
        '"My dear," said his lady to him one day, "have you heard the news?"\n'
        '"Aye, so it is," cried her mother, "and I am glad."\n'
        '"Oh! my dear Tom," as she entered the room, "we have had a fine evening."'
    )
    assert [u.continues for u in utterances(text)] == [False, True, False, True, False, True]
    assert [t for _, t in spoken(text)][:1] == ["My dear, have you heard the news?"]
    # "said her mother" is no "said he".
    assert [u.tag for u in utterances('"Well," said her mother.')] == [None]


# Two people whose tags name them twice, then a run of untagged speeches.
CONVERSATION = [
    '"Good morning," said Tom.',
    '"You are early," said Mary.',
    '"The coach was quick," said Tom.',
    '"I am glad of it," said Mary. "Sit down."',
    "Tom took off his hat and put it on his knee.",
    '"Will you stay for dinner?"',  # Mary: the two take turns in this run
    '"I cannot," said Tom.',
    '"Then come tomorrow, Tom."',  # Mary
    '"Perhaps."',  # Tom: who is called answers
    '"You always say so."',  # Mary
    '"And I always come."',  # Tom
    'Mary put down her cup. "Not always."',  # Mary: her action
    '"Pray do come," said her aunt from the door.',  # described: a third person
    '"He will," she said.',
    "Mary was silent. He laughed at her.",
    '"Well then."',
]


def test_english_turn_taking_names_untagged_speeches():
    got = [(u.speaker, u.text) for u in utterances("\n".join(CONVERSATION))]
    assert got == [
        ("Tom", "Good morning,"),
        ("Mary", "You are early,"),
        ("Tom", "The coach was quick,"),
        ("Mary", "I am glad of it,"),
        ("Mary", "Sit down."),
        ("Mary", "Will you stay for dinner?"),
        ("Tom", "I cannot,"),
        ("Mary", "Then come tomorrow, Tom."),
        ("Tom", "Perhaps."),
        ("Mary", "You always say so."),
        ("Tom", "And I always come."),
        ("Mary", "Not always."),
        (None, "Pray do come,"),
        (None, "He will,"),
        (None, "Well then."),
    ]


def test_a_speech_over_paragraphs_is_one_turn():
    # Each paragraph opens the speech again; only the last closes it. A nested ’ at a
    # paragraph's end closes the inner quotation, not the speech.
    text = (
        '"It began in May," said Wilson. "I was at my desk.\n'
        "\"'Good morning,' said he, 'I have news.'\n"
        '"So I went with him."\n'
        '"And then?" said Holmes.'
    )
    assert spoken(text) == [
        (
            "Wilson",
            "It began in May. I was at my desk. 'Good morning,' said he, 'I have "
            "news.' So I went with him.",
        ),
        ("Holmes", "And then?"),
    ]
    # Chinese books follow the same convention, with either kind of mark.
    for o, c in ("「」", "“”"):
        text = f"张三道：{o}第一段，\n{o}第二段。{c}\n{o}那又如何？{c}李四道。"
        assert spoken(text) == [("张三", "第一段，第二段。"), ("李四", "那又如何？")]
    # A quotation with its own tag is another speech, even after a missing closer.
    two = [("张三", "你去吧。"), ("李四", "不去。")]
    assert spoken("张三道：「你去吧。\n李四道：「不去。」") == two
    assert spoken("张三道：「你去吧。\n「不去。」李四道。") == two


def test_a_first_person_narrator_is_a_side_no_one_names():
    text = "\n".join(
        [
            '"Come in," said Holmes.',
            '"Thank you," said Wilson.',
            '"Sit down," said Holmes.',
            '"Where?" said Wilson.',
            "We sat by the fire.",
            '"Is it late?" I asked.',
            '"Not very."',  # Holmes or Wilson: the narrator speaks with either
            '"Then stay," I said.',
            '"I will."',
        ]
    )
    assert [u.speaker for u in utterances(text)][4:] == [None, None, None, None]


def test_a_speech_of_someone_else_is_never_joined_to_the_last():
    cases = [
        # The second quotation has its own tag.
        '"Well," said his father, and Tom answered, "Well what?"',
        # Two tag clauses between them: two speakers.
        '"Good night," said her mother, and her father answered, "Good night, my dear."',
        # A closing mark missing at a paragraph's end, then a tagged reply.
        '"Come here," said Tom. "I want you.\n"What for?" asked Mary.',
        # German „…“ is not a speech left open.
        "„Guten Morgen“, sagte Tom.\n„Guten Morgen“, sagte Maria.",
        # Chinese: a dash and a Latin word do not make an English interruption.
        "宝玉道：“你有没有——”黛玉道：“iPad？没有。”",
        # Lower case goes on only after one clause with at most one speech verb.
        '"It is," said Tom, and Dick, who had been silent, observed, "a fine thing."',
        '"I only meant—" Tom began. Mary cut in: "that you love her? I know."',
        # A named tag followed by another's: the second speech is not Tom's.
        '"Good night," said Tom, and the old man answered, "Good night."',
    ]
    for text in cases:
        assert len(spoken(text)) == 2, text


TWO = '"Yes," said Tom.\n"No," said Mary.\n"Yes," said Tom.\n"No," said Mary.\nIt rained.\n'
# Two sentences each: the book calls Tom "he" and Mary "she".
SEXES = (
    "Tom came in. He was wet. Tom sat. He was tired. Mary rose. She smiled. Mary sat. She sewed.\n"
)


def test_turn_taking_guards():
    def last(text: str, n: int) -> list[str | None]:
        return [u.speaker for u in utterances(text)][-n:]

    # Who a speech calls is not who says it, nor the one after when the name is the
    # answer, or said inside an inner quotation.
    assert last(TWO + '"Who will come?" said Tom.\n"Mary."\n"Good."', 2) == [None, None]
    text = TWO + '"Go on," said Tom.\n"So he said, \'Sit down, Mary,\' and I sat."\n"And?"'
    assert last(text, 1) == [None]
    # "they cried" is several people: no alternation through it.
    assert last(TWO + '"Go?" said Tom.\n"Yes," said Mary.\n"Hurrah!" they cried.\n"Hush!"', 2) == [
        None,
        None,
    ]
    # A beat is the last sentence's subject, whatever it is (Mr. Bennet's full stop ends
    # no sentence), so a speech is not given to its neighbour's speaker by mistake.
    text = TWO + 'Mary laughed. Mr. Bennet, who had been reading, looked up. "What?"'
    assert last(text, 1) == [None]
    assert last(TWO + 'I turned to Mr. Tom in surprise. "Late?"', 1) == [None]
    # Nor is one who says nothing, nor through a tag with a verb of its own.
    assert last(TWO + 'Tom made no answer. "Well?"', 1) == [None]
    text = TWO + '"Go," said Tom.\n"Stop that!" hissed her mother.\n"Why?"'
    assert last(text, 2) == [None, None]
    # A character tagged once is a beat's subject too.
    assert last(TWO + '"Hello," said Frank.\n"Ah," said Tom.\nFrank smiled. "Quite."', 1) == [
        "Frank"
    ]
    # An action beat of the other sex than the tag's pronoun names no one.
    text = TWO + SEXES + 'Mary glared. "Late," he said.'
    assert last(text, 1) == [None]
    # Time passing in the narration starts a new scene: turns do not carry over it.
    run = '"Will you come?" said Tom.\n"I will," said Mary.\n"When?" said Tom.\n"Soon."\n'
    assert last(TWO + run + '"Here I am."\n"At last."', 3) == ["Mary", "Tom", "Mary"]
    for moved_on in (
        'A week later the rain had stopped. "Here I am."',
        '"Here," he said next day.',
    ):
        assert last(TWO + run + moved_on + '\n"At last."', 3) == ["Mary", None, None]
    # A plan or a memory in the narration is no new scene.
    for aside in (
        '"Here." He was to leave the next day.',
        'He yawned: up in the early hours. "Here."',
    ):
        assert last(TWO + run + aside + '\n"At last."', 2) == ["Tom", "Mary"]
    # A run where a pronoun breaks the alternation is left alone.
    text = TWO + "\n".join(
        [
            SEXES,
            '"Hey," Tom said.',
            '"Hey yourself," Mary said.',
            'She dropped her bag. "Long day?"',
            '"The longest."',
            '"Poor thing," she said.',
            '"A drink?" he asked.',
            '"Yes."',
        ]
    )
    assert last(text, 5) == [None, None, None, None, None]


def test_a_first_person_narrator_is_named_by_how_others_call_them():
    speakers = speakers_of(
        "I met Holmes and Lestrade at the door. Later Watson was my name to them.",
        '"Come in," said Holmes.',
        '"Thank you," said Lestrade.',
        '"Is it late?" I asked.',
        '"Not at all, Watson."',
        '"Then I stay," said I.',
        '"Good, Watson."',
        "We sat down.",
        '"Tea?" I asked.',
        '"Yes, Watson, thank you."',
        '"And you, Lestrade?"',
        "I turned to Holmes. Nobody at all had seen Watson since noon.",
    )
    # The narrator's own turns take the name; a speech calling Watson is never his.
    assert [speakers[k] for k in (2, 4, 6)] == ["Watson"] * 3
    assert "Watson" not in [speakers[k] for k in (3, 5, 7)]
    # A title is not the name; nor is an oath.
    speakers = speakers_of(
        "I knocked. The door was opened by Heathcliff, who knew of Lockwood from a letter.",
        '"Come in," said Heathcliff.',
        '"Thank you," I said.',
        '"Sit, Mr. Lockwood."',
        '"Is it cold?" I asked.',
        '"Very, Mr. Lockwood. Oh, God!" said Heathcliff.',
        '"Tea?" I asked.',
        '"No, Mr. Lockwood, thank you," said Heathcliff. He spoke of Lockwood no more.',
        '"Good night," he said.',
    )
    assert [speakers[k] for k in (1, 3, 5)] == ["Lockwood"] * 3
    assert speakers[-1] != "Lockwood"  # "he said" after "I asked": never the narrator


def test_turn_taking_leaves_chinese_alone():
    text = "\n".join(
        [
            "宝玉道：“好。”",
            "黛玉道：“不好。”",
            "宝玉道：“好。”",
            "黛玉道：“不好。”",
            "“是么？”",
            "“是。”",
        ]
    )
    assert [u.speaker for u in utterances(text)][-2:] == [None, None]


def test_text_without_dialogue_falls_back_to_sentences():
    text = "天亮了。鸡叫了。他起床了。\n他走到院子里。太阳出来了。"
    paragraphs = normalise(text)
    n = sum(len(split_sentences(p)) for p in paragraphs)
    result = extract_dialogue(paragraphs, n_sentences=n)
    assert result.fallback
    assert [(p.query, p.reply) for p in result.pairs][:2] == [
        ("天亮了。", "鸡叫了。"),
        ("鸡叫了。", "他起床了。"),
    ]
    assert len(result.pairs) == 4


def test_name_glued_to_the_next_character_is_the_name():
    lines = ["张小三道：“好。”", "李四道：“是。”", "张小三和李四走了一回。"] * 60 + [
        "张小三因道：“走。”",
        "张小三因道：“来。”",
    ]
    speakers = {u.speaker for u in utterances("\n".join(lines))}
    assert speakers == {"张小三", "李四"}


def test_a_story_typed_with_straight_quotes_and_half_width_marks_gives_the_same_pairs():
    from tests.conftest import make_story

    # Each chapter one long paragraph, as many web texts have them.
    story = make_story().replace("\r\n\r\n　　", "").replace("\r\n　　", "")
    typed = story.replace("“", '"').replace("”", '"')
    for full, half in zip("，：？！。", ",:?!."):
        typed = typed.replace(full, half)
    # One closing quote typed twice: the count of straight quotes is wrong after it until
    # the next quote after a colon (without that rule, 12 of 86 pairs were lost).
    stray = typed.replace('没有来."', '没有来.""', 1)

    def pairs(text: str) -> list[tuple]:
        paragraphs = normalise(text)
        n = sum(len(split_sentences(p)) for p in paragraphs)
        result = extract_dialogue(paragraphs, n_sentences=n)
        return [(p.query_speaker, p.query, p.reply_speaker, p.reply) for p in result.pairs]

    original = pairs(story)
    assert len(original) > 50
    assert pairs(typed) == original
    assert sum(p in original for p in pairs(stray)) >= len(original) - 2


def test_a_tag_comma_ends_no_reply_and_joins_no_two_sentences():
    text = (
        '"A little, I confess," she returned.\n'
        '"If you go," said he, "I will follow."\n'
        '"To the river," said Bob. "Come with me."\n'
        '"Very well," said Tom.\n'
        '"Now," said Bob.\n"Then," said Bob, "we go."'
    )
    assert [t for _, t in spoken(text)] == [
        "A little, I confess.",
        "If you go, I will follow.",  # one sentence cut by its tag: the comma stays
        "To the river. Come with me.",
        "Very well.",
        "Now. Then, we go.",  # Bob again in the next paragraph: a new sentence
    ]


def test_an_english_speakers_longer_name_is_the_same_speaker():
    from collections import Counter

    from chatbot.ingest.speakers import english_aliases

    counts = Counter({"Holmes": 9, "Sherlock Holmes": 2, "Mr. Wilson": 2, "Mr. Jabez Wilson": 2})
    counts.update({"Mrs. Bennet": 5, "Jane Bennet": 1, "Bennet": 1})  # Bennet: anyone
    assert english_aliases(counts) == {
        "Sherlock Holmes": "Holmes",
        "Mr. Jabez Wilson": "Mr. Wilson",
    }
    counts["Mycroft Holmes"] = 1  # two Holmeses: which one "Holmes" is, no one can say
    assert "Sherlock Holmes" not in english_aliases(counts)
    text = (
        '"Come," said Sherlock Holmes.\n"Where?" asked Watson.\n"Here," said Holmes.\n'
        '"Why?" asked Watson.\n"You will see," said Holmes.'
    )
    assert [s for s, _ in spoken(text)] == ["Holmes", "Watson"] * 2 + ["Holmes"]


def test_a_reply_over_several_paragraphs_still_answers_the_turn_before_it():
    # Tom's turn runs over two paragraphs; it starts right after Mary's question.
    paragraphs = [
        '"Where are you going?" said Mary.',
        '"To the mill," said Tom. "It is far, and the road is long and dark tonight.',
        '"And I will come back before the bells ring, as I promised."',
        '"Then take the lamp," said Mary.',
    ]
    turns = make_turns(extract_utterances(paragraphs))
    assert [(t.speaker, t.first, t.paragraph) for t in turns] == [
        ("Mary", 0, 0),
        ("Tom", 1, 2),
        ("Mary", 3, 3),
    ]
    pairs = pair_turns(turns)
    assert [(p.query_speaker, p.reply_speaker) for p in pairs] == [("Mary", "Tom"), ("Tom", "Mary")]
    assert pairs[0].position == 2  # where the reply ends: the split's order


def test_an_aside_to_someone_else_is_a_turn_of_its_own():
    # 凤姐 answers 贾母, then turns to 平儿, who answers her: the aside is not part of
    # the answer to 贾母, and 平儿 answers the aside.
    paragraphs = [
        "贾母道：“你们吃了饭没有？”",
        "凤姐道：“早吃过了。”",
        "凤姐又向平儿道：“你去把那箱子拿来。”",
        "平儿笑道：“就去。”",
    ] * 6
    pairs = extract_dialogue(paragraphs, n_sentences=24, min_pairs=1).pairs
    got = {(p.query_speaker, p.reply_speaker, p.query, p.reply) for p in pairs}
    assert ("贾母", "凤姐", "你们吃了饭没有？", "早吃过了。") in got
    assert ("凤姐", "平儿", "你去把那箱子拿来。", "就去。") in got
    assert not any(p.query_speaker == p.reply_speaker for p in pairs)
    assert not any("箱子" in p.reply for p in pairs)


def test_english_cases_a_helper_review_found():
    # A quotation with a tag naming someone else is their turn, not the last one's.
    text = '"Shall we?" said Tom.\n"Ready?" asked Tom. "Ready," said Mary.\n"Go!" said Tom.'
    assert spoken(text) == [("Tom", "Shall we? Ready?"), ("Mary", "Ready."), ("Tom", "Go!")]
    # A pronoun's tag goes on the turn, and so does the speaker's own tag again:
    # the untagged lines after it still alternate.
    assert spoken('"Come here," said Tom. "I want you," he added.') == [
        ("Tom", "Come here. I want you.")
    ]
    text = (
        '"Hello, Mary," said Tom.\n"Hello," said Mary.\n"Come," said Tom, "we must go now."\n'
        '"Why?"\n"Because it is late."'
    )
    assert speakers_of(*text.split("\n"))[2:] == ["Tom", "Tom", "Mary", "Tom"]
    # A speech may end with a quotation of its own.
    text = '"He did," said Martha. "It said, \'Do not look for me.\'"\n"Who?" asked Tim.'
    assert spoken(text)[0] == ("Martha", "He did. It said, 'Do not look for me.'")
    # Someone's father is not someone; titles may be two, and St. is one.
    assert speakers_of(
        '"Come," said Tom\'s father.',
        '"Where?" said St. John.',
        '"Home," replied the Reverend Mr. Collins.',
    ) == [None, "St. John", "Reverend Mr. Collins"]


def test_what_is_thought_written_or_sung_is_not_said():
    text = "林远心想：“她怎么还不走。”便问道：“你还有事吗？”\n苏晴道：“没有了。”"
    assert [u.text for u in utterances(text)] == ["你还有事吗？", "没有了。"]
    for line in (
        "墙上贴着一张纸，写着“闲人免进。”",
        "碑上刻着：“此路不通。”",
        "窗外有人唱道：“月儿弯弯照九州。”",
        "他暗暗思忖道：“这事不妙。”",
        "“She is lying,” Ruth thought.",
    ):
        assert utterances(line) == [], line
    # A tag after thinking it over is speech, and so are 立刻道 and a 问题.
    assert len(utterances("“你来了，”宝玉想了想，说：“坐罢。”")) == 2
    for line in ("他立刻道：“走！”", "他想了想道：“也好。”", "他提出一个问题：“你是谁？”"):
        assert len(utterances(line)) == 1, line
    assert len(utterances("“Come in.” He thought she looked tired.")) == 1  # a new sentence


def test_a_chinese_speech_cut_by_a_gesture_is_one_turn():
    assert spoken("“嗯，”苏晴点点头，“我一早就来。”") == [(None, "嗯，我一早就来。")]
    # Someone else's tag between is their turn.
    assert spoken("“你来了，”宝玉忙起身，黛玉笑道：“来了。”") == [
        (None, "你来了。"),
        ("黛玉", "来了。"),
    ]
