import codecs
import os

import pytest

from chatbot.errors import ChatbotError
from chatbot.ingest.links import strip_links
from chatbot.ingest.textio import (
    decode_bytes,
    is_heading,
    is_mostly_traditional,
    normalise,
    quote_spans,
    read_novel,
    split_sentences,
    to_simplified,
    to_traditional,
    traditional_script,
)

SIMPLIFIED = "他说：“今天天气很好，我们去公园散步吧。”她点点头，说：“好的，我们这就出发。”" * 20
TRADITIONAL = (
    "他說：「今天天氣很好，我們去公園散步吧。」她點點頭，說：「好的，我們這就出發。」" * 20
)


def quoted(paragraph: str) -> list[str]:
    """The top-level quotations of a paragraph, marks included."""
    return [paragraph[a : b + 1] for a, b in quote_spans(paragraph)]


@pytest.mark.parametrize(
    ("encoding", "data_encoding"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_decodes_common_encodings(encoding, data_encoding):
    text, used = decode_bytes(SIMPLIFIED.encode(encoding))
    assert text.lstrip("\ufeff") == SIMPLIFIED
    assert used == data_encoding


def test_decodes_english_typed_on_windows():
    # English in a one-byte code page is Windows-1252 (or Latin-1): the detector names
    # cp1250 or cp775 for a few accented loanwords (señor read as seńor).
    english = "“The señor and Zoë,” she said, “naïve as ever, saw the façade.” " * 40
    assert decode_bytes(english.encode("cp1252")) == (english, "cp1252")
    plain = "It was the best of times and the worst; the fiancé went to Zürich. " * 200
    assert decode_bytes(plain.encode("latin-1"))[0] == plain
    # Central European novels keep the detector's pick.
    czech = "Příliš žluťoučký kůň úpěl ďábelské ódy. „Dobrý den,“ řekl. " * 40
    assert decode_bytes(czech.encode("cp1250")) == (czech, "cp1250")
    hungarian = "Az öreg Kovács a kályha mellett ült, és az évekről mesélt. Ő a gyűrűt tartotta.\n"
    assert decode_bytes((hungarian * 100).encode("cp1250")) == (hungarian * 100, "cp1250")


def test_utf8_with_a_few_bad_bytes_is_still_utf8(tmp_path):
    # Files cut or joined carelessly: the detector named these cp1125 (Cyrillic) or
    # nothing at all. A legacy encoding has no valid multi-byte characters among its
    # invalid ones, so cp1252 and GBK still go to the detector.
    chinese = SIMPLIFIED.encode("utf-8")
    cut = chinese[:301] + b"\xff" + chinese[301:]
    text, used = decode_bytes(cut)
    assert used == "utf-8" and text.count("\ufffd") >= 1
    english = "“Where are you going?” asked Mary. “It’s late.”\n".encode() * 50
    assert decode_bytes(english[:900] + b"\x81" + english[900:])[1] == "utf-8"
    ascii_english = ("It was the best of times in the old town. " * 500).encode() + "café".encode()
    cut = ascii_english[:9000] + b"\x92" + ascii_english[9000:]
    assert decode_bytes(cut)[0].endswith("café")
    assert decode_bytes(SIMPLIFIED.encode("gbk"))[1] == "gb18030"
    f = tmp_path / "cut.txt"
    f.write_bytes(cut)
    novel = read_novel(f)
    assert novel.replaced >= 1 and "\ufffd" not in novel.text


def test_a_few_bad_bytes_in_a_given_or_detected_codec_are_dropped_and_counted(tmp_path):
    for codec, text in (("gbk", SIMPLIFIED), ("big5", TRADITIONAL)):
        data = text.encode(codec)
        cut = data[:200] + b"\xff\xff" + data[200:400] + b"\x80" + data[400:]
        f = tmp_path / f"{codec}.txt"
        f.write_bytes(cut * 3)
        novel = read_novel(f, encoding=codec, t2s=False)
        assert novel.encoding == codec and 3 <= novel.replaced <= 9, codec
        assert "\ufffd" not in novel.text
        # Undetected: the detector gives up on a whole with one bad byte; the codec
        # that loses only it, and that it names once it is gone, is used.
        whole = (text * 10).encode(codec)
        f.write_bytes(whole[: len(whole) // 2] + b"\xff" + whole[len(whole) // 2 :])
        novel = read_novel(f, t2s=False)
        assert novel.encoding[:2] == codec[:2] and novel.replaced == 1, codec
        assert novel.text.count(text[:12]) >= 9  # read as written, not as other characters


def test_decodes_big5():
    text, used = decode_bytes(TRADITIONAL.encode("big5"))
    assert text == TRADITIONAL
    assert used.startswith("big5")


def test_explicit_encoding_wins_and_bad_bytes_fail_cleanly():
    data = SIMPLIFIED.encode("gbk")
    assert decode_bytes(data, encoding="gb18030")[0] == SIMPLIFIED
    with pytest.raises(ChatbotError, match="not valid utf-8"):
        decode_bytes(data, encoding="utf-8")
    with pytest.raises(ChatbotError, match="unknown encoding"):
        decode_bytes(data, encoding="no-such-codec")


def test_empty_and_binary_inputs_are_rejected():
    with pytest.raises(ChatbotError, match="empty"):
        decode_bytes(b" \r\n\t ")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    with pytest.raises(ChatbotError, match="binary|encoding"):
        decode_bytes(png)


def test_normalise_cleans_layout_noise():
    raw = (
        "\ufeff　　第一回　开始\r\n\r\n　　他说：ＡＢＣ１２３很好．\r\n\t\u200b  hello   world  \r"
    )
    assert normalise(raw) == ["第一回 开始", "他说：ABC123很好。", "hello world"]


def test_normalise_keeps_chinese_punctuation():
    assert normalise("你好，世界！“是吗？”") == ["你好，世界！“是吗？”"]


def test_half_width_punctuation_in_chinese_text_becomes_full_width():
    # Latin keyboards leave , : ? ! . in Chinese text; after a Chinese character they are
    # the full-width marks (so one mark is one word), elsewhere they stay as they are.
    assert normalise('他道:"来了,快走!真的?好.等等...' + " He said: no. 3.14") == [
        '他道："来了，快走！真的？好。等等……' + " He said: no. 3.14"
    ]
    assert normalise('什么?!他叫"小明",我(注),好 时间:10:30 3.5元') == [
        '什么？！他叫"小明"，我(注)，好 时间：10:30 3.5元'
    ]


def test_the_traditional_standard_a_novel_was_written_in():
    taiwan = ["你為什麼不吃飯？屋裡吃麵。"] * 10
    opencc = ["你爲什麼不喫飯？屋裏喫麪。"] * 10
    assert traditional_script(taiwan, to_simplified(taiwan)) == "s2tw"
    assert traditional_script(opencc, to_simplified(opencc)) == "s2t"
    assert to_traditional("你为什么不吃饭？", "s2tw") == "你為什麼不吃飯？"


def test_traditional_detection_and_conversion(tmp_path):
    assert is_mostly_traditional(TRADITIONAL)
    assert not is_mostly_traditional(SIMPLIFIED)
    assert not is_mostly_traditional("Plain English text only.")
    p = tmp_path / "t.txt"
    p.write_bytes(TRADITIONAL.encode("big5"))
    novel = read_novel(p)
    assert novel.converted_t2s
    assert "说" in novel.text and "說" not in novel.text
    assert not read_novel(p, t2s=False).converted_t2s
    assert "說" in read_novel(p, t2s=False).text


def test_read_novel_errors(tmp_path):
    with pytest.raises(ChatbotError, match="no such file"):
        read_novel(tmp_path / "missing.txt")
    with pytest.raises(ChatbotError, match="is a folder: give the novel's .txt file"):
        read_novel(tmp_path)
    with pytest.raises(ChatbotError, match="cannot read"):  # the OS refuses the name
        read_novel(tmp_path / ("a" * 300))
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(ChatbotError, match="not a regular file"):
        read_novel(tmp_path / "pipe.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ChatbotError, match="empty"):
        read_novel(tmp_path / "empty.txt")
    (tmp_path / "bom.txt").write_bytes(codecs.BOM_UTF8 + b"\r\n")
    with pytest.raises(ChatbotError):
        read_novel(tmp_path / "bom.txt")


def test_quote_spans_handles_mixed_and_nested_quotes():
    par = "他道：“她说‘不去’。”又道：“好"
    spans = quote_spans(par)
    assert [par[a : b + 1] for a, b in spans] == ["“她说‘不去’。”", "“好"]
    # “…" closes a curly quote with a straight one; a stray closer is ignored.
    par2 = '”前言。他道：“走罢。"她笑了。'
    assert quoted(par2) == ['“走罢。"']
    # 「…。" too, unless a 」 closes the corner quote later (then the straight one is nested)
    par4 = '宝玉道：「你来了。"黛玉笑道：「我来了。"众人都笑了。'
    assert quoted(par4) == ['「你来了。"', '「我来了。"']
    assert quoted('他说：「他说"来"。」好') == ['「他说"来"。」']
    # ... or one that does not end a sentence: a quotation inside a speech that runs on
    assert quoted('张三道：「他说"明天来"，我不信。') == ['「他说"明天来"，我不信。']
    # ... but one after a comma that nothing closes ends the speech
    assert quoted('「你来了，"他笑道，「坐吧。"') == ['「你来了，"', '「坐吧。"']
    assert quoted('「你来了，"他笑道。张三道："好。"') == ['「你来了，"', '"好。"']
    # Apostrophes are not closing quotes.
    par3 = "‘It’s late,’ she said."
    assert quoted(par3) == ["‘It’s late,’"]


def test_a_quote_after_a_colon_opens_even_when_the_count_says_close():
    # One stray straight quote would swap speech and narration for the rest of the
    # paragraph; the next quote after a colon puts the count right again.
    par = '他道:"我说了一句."他便走了."众人道:"是."王二道:"走罢."'
    assert quoted(par) == ['"我说了一句."', '"是."', '"走罢."']
    par2 = '她便说道：“奶奶睡呢，"你等着。"丫头说道：“知道了。”'
    assert quoted(par2) == ['“奶奶睡呢，"', "“知道了。”"]
    # A quote after a colon inside a speech that a colon opened is a nested one.
    par3 = '他道:"我说:"不去."你看呢?"众人道:"好."'
    assert quoted(par3) == ['"我说:"不去."你看呢?"', '"好."']
    # ... and so is one inside a speech that opens the paragraph.
    par4 = '"上面写着:"闲人免进"四个字."王二道:"是."'
    assert quoted(par4) == [
        '"上面写着:"闲人免进"四个字."',
        '"是."',
    ]
    # A speech that ends in a colon: the next quote after a colon shows it closed.
    par5 = '他道:"你听我说:"他却走了.李四道:"好."张三道:"行."'
    assert quoted(par5) == ['"你听我说:"', '"好."', '"行."']
    # A corner quote after a colon opens a speech too: the stray straight quote before
    # it opened nothing.
    par7 = '袭人叫他说"好，宝玉便说道：「你回去罢。」王夫人去后，贾母道：「去罢。」'
    assert quoted(par7) == ["「你回去罢。」", "「去罢。」"]
    # ... but one that closes right before a straight quote is nested in it.
    par8 = '他说"这封信上写着：「明日午时，城外相见。」"然后走了。'
    assert quoted(par8) == [par8[2:-5]]
    par9 = '宝玉笑道，"他说：「好。」我不信。"黛玉道，"信罢。"'
    assert quoted(par9) == [
        '"他说：「好。」我不信。"',
        '"信罢。"',
    ]
    # English keeps counting: the rule is for colons of Chinese text.
    par6 = '"Fine:" he said. She said: "Go." He said: "No."'
    assert quoted(par6) == ['"Fine:"', '"Go."', '"No."']


def test_straight_single_speech_marks_are_curled_and_apostrophes_are_not():
    from chatbot.ingest.single_quotes import curl, quotes_speech

    def speeches(par: str) -> list[str]:
        curled = curl(par)
        assert len(curled) == len(par)
        return quoted(curled)

    # British texts typed in ASCII quote speech with ' and write apostrophes with it too.
    par = "'I was goin' home,' he said. 'Give 'em the Joneses' lamp. It's late.' 'Yes.'"
    assert speeches(par) == [
        "‘I was goin' home,’",
        "‘Give 'em the Joneses' lamp. It's late.’",
        "‘Yes.’",
    ]
    assert speeches("''Tis late,' said Tom. The boys' books were wet.") == ["‘'Tis late,’"]
    assert speeches("Tom's and the Joneses' dogs don't bark.") == []
    # An apostrophe that could open has no quote to close it, or is a word of a speech.
    par2 = "He stayed till 'twas dark in the 'sixties. 'I'll take the 'bus,' said Tom."
    assert speeches(par2) == ["‘I'll take the 'bus,’"]
    assert speeches("'We was fishin',' said Tom.") == ["‘We was fishin',’"]
    assert speeches("'Come here' he said. 'Now.'") == ["‘Come here’", "‘Now.’"]
    # Dropped letters inside a speech: a word, not the speech's end.
    assert speeches("'Mornin', Tom,' said he.") == ["‘Mornin', Tom,’"]
    assert speeches("'I'm off. 'Ave a good day,' said Bill.") == ["‘I'm off. 'Ave a good day,’"]
    # Old ASCII texts open with a backtick.
    assert speeches("`Where are you going?' said Alice.") == ["‘Where are you going?’"]
    # A speech going on in the next paragraph, and a nested double quote.
    assert speeches("'It was dark,' said Tom, 'and we had no light.") == [
        "‘It was dark,’",
        "‘and we had no light.",
    ]
    assert speeches("'He said \"go\" to me,' said Tom.") == ['‘He said "go" to me,’']
    # A typeset book writes the apostrophe as ’ too: the same rules read its marks, and
    # its apostrophes come out as '.
    typeset = "‘It’s not my sister’s,’ said Alice. ‘The dogs’ bowls are empty.’"
    assert speeches(typeset) == ["‘It's not my sister's,’", "‘The dogs' bowls are empty.’"]
    # A typeset ‘ is never an apostrophe: it opens wherever it stands, and a quotation
    # still open at the next one, or begun mid-narration, ends at its last ’.
    assert speeches("‘5 pounds, please,’ said the man. He said.‘No.’") == [
        "‘5 pounds, please,’",
        "‘No.’",
    ]
    assert speeches("‘Yes’—he paused—‘I will.’") == ["‘Yes’", "‘I will.’"]
    assert speeches("I saw a large ‘E’ with a small ‘g,’ and a ‘G’ on it.") == [
        "‘E’",
        "‘g,’",
        "‘G’",
    ]
    assert speeches("‘He called me “the ‘expert’”,’ said Tom.") == [
        "‘He called me “the ‘expert’”,’"
    ]
    # A speech goes on into the next paragraph only if that opens a quotation again.
    for par in ("'Go home' was all he said.", "‘Go home’ was all he said."):
        assert quoted(curl(par, "He left.")) == ["‘Go home’"]
        assert quoted(curl(par, "‘And stay there.’")) == ["‘Go home' was all he said."]
    # Whether a book quotes with ' at all is decided for the whole book: one quoted
    # with double quotes keeps its apostrophes and nested 'words'.
    british = ["'Where are you going?' said Tom. 'Home,' said Mary."] * 12
    american = ["\"He called it 'junk' and left,\" said Mary. \"I'm comin',\" said Tom."] * 12
    assert quotes_speech(british) and not quotes_speech(american)
    assert quotes_speech([typeset] * 12)
    assert not quotes_speech(british[:5])
    assert not quotes_speech(["'你去哪里？'李四问道。'Tom.' 'Yes.'"] * 30)  # not Latin script


def test_split_sentences_never_splits_inside_quotes():
    par = "他笑道：“你来了。坐罢！”她便坐下了。过了一会儿……两人都不说话；天黑了"
    assert split_sentences(par) == [
        "他笑道：“你来了。坐罢！”她便坐下了。",
        "过了一会儿……",
        "两人都不说话；",
        "天黑了",
    ]


def test_split_sentences_english():
    par = 'Mr. Smith arrived at 3.15 today. "Is it late? Yes." She left! Did he stay?'
    assert split_sentences(par) == [
        "Mr. Smith arrived at 3.15 today.",
        '"Is it late? Yes." She left!',
        "Did he stay?",
    ]


def test_headings():
    assert is_heading("第十二回 王熙凤毒设相思局")
    assert is_heading("Chapter 3")
    assert is_heading("CHAPTER IV. The Return")
    assert is_heading("正文 第1章 重逢") and is_heading("第三卷 第二十章 归来")
    assert not is_heading("正文写得很好。")
    assert not is_heading(
        "第二天一早，他就出门了，走了很远很远的路，一直走到了城门口才停下来歇息片刻。" * 2
    )
    assert not is_heading("他说第一回见面就很喜欢。")


def test_big5_with_a_cp950_only_character_falls_back_to_cp950(tmp_path):
    # The detector names big5hkscs/cp950 for Big5 bytes; the euro sign (a3e1) is valid
    # cp950 but not big5hkscs, so the first strict try fails and cp950 succeeds.
    text = TRADITIONAL[:300] + "€" + TRADITIONAL[300:]
    data = text.encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5hkscs")
    assert decode_bytes(data) == (text, "cp950")
    (tmp_path / "b.txt").write_bytes(data)
    novel = read_novel(tmp_path / "b.txt", t2s=False)
    assert novel.encoding == "cp950" and novel.detected_encoding == "big5hkscs"
    assert "€" in novel.text


def test_big5_with_kana_that_only_big5_and_cp950_decode():
    text = TRADITIONAL[:200] + "は" + TRADITIONAL[200:]
    decoded, used = decode_bytes(text.encode("big5"))
    assert decoded == text and used in ("cp950", "big5")


def test_a_given_encoding_is_tried_with_its_relatives_then_fails_cleanly():
    data = (TRADITIONAL + "€").encode("cp950")
    assert decode_bytes(data, encoding="big5hkscs") == (TRADITIONAL + "€", "cp950")
    with pytest.raises(ChatbotError, match="not valid utf-16; check --encoding"):
        decode_bytes(SIMPLIFIED.encode("gbk")[:-1], encoding="utf-16")


def test_a_quote_of_the_family_already_open_ends_the_open_one():
    # A speech continued into a new paragraph opens again without closing the last one;
    # with the line breaks lost the two quotations meet.
    par = "他道：「第一段话。「第二段话。」她道：「好。」"
    assert quoted(par) == [
        "「第一段话。",
        "「第二段话。」",
        "「好。」",
    ]


def test_a_stray_opener_does_not_swallow_the_rest_of_a_long_text():
    par = "前言“孤零零的开引号。" + "他道：「你好。」天黑了。" * 40
    assert [par[a : b + 1] for a, b in quote_spans(par, max_quote=100)] == ["「你好。」"] * 40
    assert len(split_sentences(par)) == 1  # within the default bound: one unclosed quote
    long = "前言“孤零零的开引号。" + "他道：「你好。」天黑了。" * 400
    assert len(quote_spans(long)) == 400  # past the bound, the opener is a stray
    assert len(split_sentences(long)) == 401


def test_a_web_page_is_read_as_the_text_it_shows(tmp_path):
    body = "".join(
        f"<p>{name}道：&ldquo;{line}&rdquo;</p>\n"
        for name, line in zip("甲乙丙丁", SIMPLIFIED.split("。"))
    )
    page = (
        "<!DOCTYPE html><html><head><title>第一回</title><style>p {margin: 0}</style>"
        f"<script>var x = '<p>';</script></head><body>{body}<br>完</body></html>"
    )
    f = tmp_path / "chapter.txt"  # saved as .txt, still HTML
    f.write_text(page, encoding="utf-8")
    novel = read_novel(f)
    assert novel.markup == "html" and "<" not in novel.text and "margin" not in novel.text
    assert "甲道：“" in novel.text and novel.paragraphs[-1] == "完"
    plain = tmp_path / "plain.txt"
    plain.write_text("他说 a<b 和 <p> 不是网页。\n" * 20, encoding="utf-8")
    assert read_novel(plain).markup == ""


def test_web_addresses_go_and_the_novels_words_stay():
    gone = (  # a download site's lines
        "天才一秒记住本站地址：https://www.example.la/b/1.html。",
        "手机用户请浏览m.example.cc阅读，体验更好。",  # no \\b between 浏览 and m
        "本站新开书友群，欢迎加入，点此了解！",  # a notice, no address
        "一秒记住【abcd小说网 Abcd.Com】，精彩小说无弹窗免费阅读！",
        "ABCD.COM 最新章节",
        "看最新章节请到abcd.me",
        "本书由某某论坛首发，请勿转载。",
        # spelled out so that filters miss them
        "天才一秒记住本站地址：www点abcd点com",
        "请记住本书首发域名：www。abcd。com。",
        "w w w . a b c d . c o m",
        "ωωω.abcd.com 最新章节",
    )
    for line in gone:
        assert strip_links(line)[0] == "", line
    assert strip_links("第一章 风起（www.example.com）") == ("第一章 风起", 1)
    assert strip_links("他说：“来。”www.example.com 她笑了。") == ("他说：“来。”她笑了。", 1)
    assert strip_links("他点点头，走了出去。www.abcd.com") == ("他点点头，走了出去。", 1)
    assert strip_links("他走进房间，看www.abcd.com见桌上放着信。") == (
        "他走进房间，看见桌上放着信。",
        1,
    )
    assert strip_links("他点点头，走了出去。abcd点com") == ("他点点头，走了出去。", 1)
    assert strip_links("第一章 风起（www点abcd点com）") == ("第一章 风起", 1)
    assert strip_links("I saw www . abc . com and left.") == ("I saw and left.", 1)
    tacked = "他点点头，走了出去，心里却在盘算着明天的事情该怎么办才好呢。"
    assert strip_links(tacked + "（首发网址：www.abcd.com）") == (tacked, 1)
    said = "Go to www.example.org/page (www.example.org) today, he said, and went out."
    assert strip_links(said) == ("Go to today, he said, and went out.", 2)
    assert strip_links("Visit www.abcd.com today, he said.") == ("Visit today, he said.", 1)
    kept = (  # the novel's own words, modern prose included
        "He left.Me too.",
        "He came to the U.S. in May.",
        "She wrote to jane@example.com and waited.",
        "价钱是3.5两银子，No.5 号房。",
        "宝玉道：“你来了。”",
        "他点击了屏幕上的广告。",
        "他在网吧打开网址，点击了一个弹窗广告。",
        "他掏出月票给售票员看了看，本站下车的人很多。",
        "这场比赛他首发出场，赛后拍了一支广告。",
        "本书由他亲手写成。",
        "约翰·史密斯三点com来。",  # no letters before 点: a time, not a domain
        "他说三点钟来。Com on, she said.",
        "“本站的书友都来了，点此便知。”他笑道。",  # speech
    )
    for line in kept:
        assert strip_links(line) == (line, 0), line


def test_utf8_read_with_another_given_encoding_is_an_error(tmp_path):
    """UTF-8 read as UTF-16 decodes without an error into a page of rare characters."""
    path = tmp_path / "novel.txt"
    path.write_text("宝玉道：“你来了。”\n" * 30, encoding="utf-8")
    with pytest.raises(ChatbotError, match="is UTF-8, which --encoding utf-16 reads as other"):
        read_novel(path, encoding="utf-16")
    assert read_novel(path, encoding="utf-8").encoding == "utf-8"
    ascii_only = tmp_path / "plain.txt"
    ascii_only.write_text('"Come in," she said.\n' * 30, encoding="ascii")
    assert read_novel(ascii_only, encoding="gbk").paragraphs  # reads the same either way
