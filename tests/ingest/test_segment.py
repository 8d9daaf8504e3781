from chatbot.ingest.segment import tokenize, tokenize_many


def test_chinese_is_segmented_by_jieba():
    assert tokenize("我们去公园散步吧。") == ["我们", "去", "公园", "散步", "吧", "。"]


def test_english_words_stay_whole_and_lower_cased():
    assert tokenize("Hello, Mr. Darcy! It’s a well-known truth, isn't it? 3.14") == [
        "hello", ",", "mr.", "darcy", "!", "it's", "a", "well-known", "truth", ",",
        "isn't", "it", "?", "3.14",
    ]  # fmt: skip
    # A title keeps its full stop before a name only: no sentence ends inside Mr. Darcy.
    assert tokenize("Ask Dr. Watson. Or ask the mr. Ask Mr.") == [
        "ask", "dr.", "watson", ".", "or", "ask", "the", "mr", ".", "ask", "mr", ".",
    ]  # fmt: skip


def test_mixed_text_drops_spaces_and_quote_marks():
    assert tokenize("他说：“OK，我们走 Python 版本。”") == [
        "他", "说", "：", "ok", "，", "我们", "走", "python", "版本", "。",
    ]  # fmt: skip


def test_user_dictionary_is_honoured(tmp_path):
    text = "贾小宝和林小妹去看戏"
    assert "贾小宝" not in tokenize(text)
    d = tmp_path / "userdict.txt"
    d.write_text("贾小宝 100 nr\n林小妹 100 nr\n", encoding="utf-8")
    words = tokenize(text, d)
    assert "贾小宝" in words and "林小妹" in words


def test_parallel_equals_serial():
    texts = [f"第{i}句：今天天气很好，我们去公园散步吧。Hello world {i}." for i in range(12000)]
    done: list[int] = []
    parallel = tokenize_many(texts, workers=2, on_progress=done.append)
    assert sum(done) == len(texts)
    assert parallel == tokenize_many(texts, workers=1)
    assert parallel[5] == tokenize(texts[5])


def test_cased_forms_are_how_the_book_writes_a_word_inside_a_sentence():
    from chatbot.ingest.words import cased_forms

    sentences = [
        '"Where are you going, Tom?" asked Mary. "It is late."',
        "The mill is old, I think. I know Tom well.",
        "Then the Mill burned, and the mill was gone; then the mill stood again.",
        "Mr. Brown said I’m late.",
    ]
    keep = {"tom", "mary", "i", "the", "mill", "then", "where", "brown", "mr", "i'm"}
    # "The", "Then", "Where" only start sentences; "Mill" is once of three; a name after
    # Mr. is inside the sentence.
    assert cased_forms(sentences, keep) == {
        "tom": "Tom",
        "mary": "Mary",
        "i": "I",
        "brown": "Brown",
        "i'm": "I'm",
    }
