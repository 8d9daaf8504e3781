import codecs

import pytest

from chatbot.errors import ChatbotError
from chatbot.ingest.textio import (
    decode_bytes,
    is_heading,
    is_mostly_traditional,
    normalise,
    quote_spans,
    read_novel,
    split_sentences,
)

SIMPLIFIED = "他说：“今天天气很好，我们去公园散步吧。”她点点头，说：“好的，我们这就出发。”" * 20
TRADITIONAL = (
    "他說：「今天天氣很好，我們去公園散步吧。」她點點頭，說：「好的，我們這就出發。」" * 20
)


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
    with pytest.raises(ChatbotError, match="not a regular file"):
        read_novel(tmp_path)
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
    assert [par2[a : b + 1] for a, b in quote_spans(par2)] == ['“走罢。"']
    # Apostrophes are not closing quotes.
    par3 = "‘It’s late,’ she said."
    assert [par3[a : b + 1] for a, b in quote_spans(par3)] == ["‘It’s late,’"]


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
    assert not is_heading(
        "第二天一早，他就出门了，走了很远很远的路，一直走到了城门口才停下来歇息片刻。" * 2
    )
    assert not is_heading("他说第一回见面就很喜欢。")
