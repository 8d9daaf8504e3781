import dataclasses
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors

from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import read_pairs
from chatbot.ingest.prepare import PrepareConfig, prepare, summary
from chatbot.ingest.textio import read_novel
from chatbot.ingest.vectors import Word2VecConfig, load_vectors
from chatbot.layout import CorpusLayout
from chatbot.train import library_script, novel_cased, novel_script

SMALL = PrepareConfig(word2vec=Word2VecConfig(vector_size=16, epochs=2, min_count=1, workers=1))


def snapshot(root):
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def test_prepare_writes_every_artifact(story_file, tmp_path):
    out = tmp_path / "out"
    result = prepare(story_file, out, SMALL)
    lay = CorpusLayout.at(out)
    for path in (lay.text, lay.segmented, lay.pairs, lay.vectors, lay.manifest):
        assert path.is_file() and path.stat().st_size > 0
    m = json.loads(lay.manifest.read_text(encoding="utf-8"))
    assert m["source"]["encoding"] == "gb18030"
    assert len(m["source"]["sha256"]) == 64
    assert m["counts"]["pairs"] == len(read_pairs(lay.pairs)) > 50
    assert m["counts"]["sentences"] == len(lay.text.read_text(encoding="utf-8").splitlines())
    assert m["config"]["word2vec"]["vector_size"] == 16
    assert set(m["steps"]) == {"text", "segmented", "pairs", "vectors"}
    assert not any(r.skipped for r in result.steps)
    for line in lay.segmented.read_text(encoding="utf-8").splitlines():
        assert line == " ".join(line.split())  # single spaces, no empty tokens
    kv = KeyedVectors.load_word2vec_format(str(lay.vectors), binary=True)
    assert kv.vector_size == 16 and "张三" in kv.key_to_index


def test_pairs_have_speakers_and_tokens(story_file, tmp_path):
    prepare(story_file, tmp_path, SMALL)
    pairs = read_pairs(CorpusLayout.at(tmp_path).pairs)
    assert all(p.query_tokens and p.reply_tokens for p in pairs)
    assert sum(p.reply_speaker is not None for p in pairs) > len(pairs) // 2
    positions = [p.position for p in pairs]
    assert positions == sorted(positions)
    # A quotation split by its tag is one turn: its halves never form a pair.
    assert not any(p.query_speaker and p.query_speaker == p.reply_speaker for p in pairs)


def test_rerun_skips_finished_steps_and_force_redoes_them(story_file, tmp_path):
    prepare(story_file, tmp_path, SMALL)
    again = prepare(story_file, tmp_path, SMALL)
    assert all(r.skipped for r in again.steps)
    changed = PrepareConfig(word2vec=Word2VecConfig(vector_size=8, epochs=1, min_count=1))
    partly = prepare(story_file, tmp_path, changed)
    assert {r.name: r.skipped for r in partly.steps} == {
        "text": True,
        "segmented": True,
        "pairs": True,
        "vectors": False,
    }
    assert load_vectors(CorpusLayout.at(tmp_path).vectors).vector_size == 8
    forced = prepare(story_file, tmp_path, changed, force=True)
    assert not any(r.skipped for r in forced.steps)


def test_deleted_artifact_is_rebuilt(story_file, tmp_path):
    prepare(story_file, tmp_path, SMALL)
    CorpusLayout.at(tmp_path).pairs.unlink()
    result = prepare(story_file, tmp_path, SMALL)
    assert [r.name for r in result.steps if not r.skipped] == ["pairs"]


def test_bad_input_leaves_earlier_results_untouched(story_file, tmp_path):
    out = tmp_path / "out"
    prepare(story_file, out, SMALL)
    before = snapshot(out)
    for bad, match in [
        (b"", "empty"),
        (b"\x00\x01\x02\x03\xff\xfe\x00" * 500, "binary|encoding"),
        ("。。。！！！".encode(), "no sentences|no word"),
    ]:
        f = tmp_path / "bad.txt"
        f.write_bytes(bad)
        with pytest.raises(ChatbotError, match=match):
            prepare(f, out, SMALL, force=True)
        assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_another_novel_replaces_a_corpus_only_with_force(story_file, tmp_path):
    """Two books called novel.txt must not share corpus/novel by accident."""
    out = tmp_path / "out"
    prepare(story_file, out, SMALL)
    before = snapshot(out)
    other = tmp_path / "other" / story_file.name
    other.parent.mkdir()
    other.write_text(story_file.read_text(encoding="gbk") + "\n张三道：“再见。”\n", "utf-8")
    with pytest.raises(ChatbotError, match="holds the corpus of another text .*--force"):
        prepare(other, out, SMALL)
    assert snapshot(out) == before
    prepare(other, out, SMALL, force=True)
    assert json.loads((out / "manifest.json").read_text())["source"]["path"] == str(other)
    other.write_text(other.read_text(encoding="utf-8") + "李四道：“明天见。”\n", "utf-8")
    prepare(other, out, SMALL)  # the same file, edited: prepared again without asking


def test_unwritable_out_dir(story_file, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ChatbotError, match="cannot create directory"):
        prepare(story_file, blocker / "out", SMALL)


def english_book(path, quote: str = '"') -> None:
    """Forty short chapters of a conversation, quoted with ``quote``."""
    lines = []
    for i in range(40):
        lines += [
            f"Chapter {i + 1}",
            "The rain fell on the old house by the river.",
            "{q}Where are you going, Tom?{q} asked Mary. {q}It's late.{q}",
            f"{{q}}To the mill,{{q}} said Tom. {{q}}I promised the Joneses' boy {i}.{{q}}",
            "Mary said, {q}Then take the lamp with you.{q}",
        ]
    path.write_text("\n".join(lines).replace("{q}", quote), encoding="utf-8")


def test_english_novel(tmp_path):
    english_book(tmp_path / "english.txt")
    result = prepare(tmp_path / "english.txt", tmp_path / "en", SMALL)
    assert result.manifest["counts"]["pairs"] >= 80
    assert not result.manifest["counts"]["pairs_from_sentences"]
    seg = (tmp_path / "en" / "segmented.txt").read_text(encoding="utf-8")
    assert "the rain fell on the old house by the river ." in seg
    pairs = read_pairs(tmp_path / "en" / "pairs.tsv")
    assert pairs[0].query_tokens[:4] == ["where", "are", "you", "going"]
    assert {p.reply_speaker for p in pairs} >= {"Tom", "Mary"}
    # A model of it writes the names as the book does (it reads and writes lower case).
    words = ["tom", "mary", "the", "where", "mill"]
    assert novel_cased([CorpusLayout.at(tmp_path / "en")], words) == {"tom": "Tom", "mary": "Mary"}
    # Its notes give English examples, not 道：
    few = {"utterances_with_speaker": 1, "pairs_from_sentences": True}
    _, notes = summary({**result.manifest, "counts": {**result.manifest["counts"], **few}})
    assert any("said Tom" in n for n in notes) and not any("道" in n for n in notes)


def test_english_novel_quoted_with_straight_single_quotes(tmp_path):
    english_book(tmp_path / "british.txt", "'")
    m = prepare(tmp_path / "british.txt", tmp_path / "b", SMALL).manifest
    assert m["source"]["paragraphs"] == "lines" and m["dialogue"]["quotes"] == "‘…’"
    assert m["counts"]["utterances"] == 200 and m["counts"]["pairs"] >= 80
    assert not m["counts"]["pairs_from_sentences"]
    pairs = read_pairs(tmp_path / "b" / "pairs.tsv")
    assert pairs[0].reply == "To the mill. I promised the Joneses' boy 0."  # said Tom. "I
    assert {p.reply_speaker for p in pairs} == {"Tom", "Mary"}
    # The same book with its line breaks lost is cut at sentence ends outside speech.
    one_line = (tmp_path / "british.txt").read_text(encoding="utf-8").replace("\n", " ")
    (tmp_path / "unbroken.txt").write_text(one_line * 3, encoding="utf-8")
    novel = read_novel(tmp_path / "unbroken.txt")
    assert novel.paragraph_mode == "unbroken"
    assert not any(p.startswith(("' ", "’ ")) for p in novel.paragraphs)  # no speech cut


def test_english_novel_typeset_with_curly_single_quotes(tmp_path):
    """‘…’ for speech and ’ for the apostrophe too (the Joneses’ boy): read as the same
    book typed with straight quotes is."""
    english_book(tmp_path / "straight.txt", "'")
    text = (tmp_path / "straight.txt").read_text(encoding="utf-8")
    typeset = re.sub(r"(^|\s)'", r"\1‘", text, flags=re.M).replace("'", "’")
    assert "Joneses’ boy" in typeset
    (tmp_path / "typeset.txt").write_text(typeset, encoding="utf-8")
    straight = prepare(tmp_path / "straight.txt", tmp_path / "s", SMALL).manifest
    curly = prepare(tmp_path / "typeset.txt", tmp_path / "c", SMALL).manifest
    assert curly["dialogue"]["quotes"] == "‘…’"
    assert curly["counts"] == straight["counts"]
    same = [
        (p.query, p.reply, p.query_speaker, p.reply_speaker)
        for p in read_pairs(tmp_path / "s" / "pairs.tsv")
    ]
    assert [
        (p.query, p.reply, p.query_speaker, p.reply_speaker)
        for p in read_pairs(tmp_path / "c" / "pairs.tsv")
    ] == same


def test_traditional_big5_novel_is_converted(tmp_path):
    from chatbot.ingest.textio import TRADITIONAL_SCRIPTS, _opencc, to_traditional
    from tests.conftest import make_story

    traditional = _opencc("s2t").convert(make_story(3))
    f = tmp_path / "big5.txt"
    f.write_bytes(traditional.encode("big5hkscs"))
    result = prepare(f, tmp_path / "t", SMALL)
    assert result.manifest["source"]["converted_t2s"]
    assert result.manifest["source"]["encoding"].startswith("big5")
    text = (tmp_path / "t" / "text.txt").read_text(encoding="utf-8")
    assert "们" in text and "們" not in text
    # A model of it shows its words as the novel was written.
    script = novel_script(CorpusLayout.at(tmp_path / "t"))
    assert script in TRADITIONAL_SCRIPTS
    assert to_traditional("们", script) == "們"
    assert novel_script(CorpusLayout.at(tmp_path / "nothing")) == ""
    # A base model is shown in Traditional only when every book it read was.
    both = [CorpusLayout.at(tmp_path / "t")] * 2
    assert library_script(both) == script
    assert library_script([*both, CorpusLayout.at(tmp_path / "nothing")]) == ""


def test_text_without_dialogue_pairs_sentences(tmp_path):
    from tests.conftest import NARRATION

    f = tmp_path / "plain.txt"
    f.write_text("\n".join(NARRATION * 30), encoding="utf-8")
    result = prepare(f, tmp_path / "p", SMALL)
    assert result.manifest["counts"]["pairs_from_sentences"] is True
    assert result.manifest["counts"]["pairs"] > 100


def test_userdict_in_out_dir_is_used(story_file, tmp_path):
    out = tmp_path / "u"
    out.mkdir()
    (out / "userdict.txt").write_text("赵大娘 100 nr\n王小妹 100 nr\n", encoding="utf-8")
    prepare(story_file, out, SMALL)
    seg = (out / "segmented.txt").read_text(encoding="utf-8").split()
    assert "赵大娘" in seg and "王小妹" in seg


def test_loads_vectors_written_by_the_c_tool(tmp_path):
    # The original word2vec C tool writes "V D\n" then "word <D float32>\n" per word,
    # with "</s>" first.
    words = ["</s>", "天气", "hello"]
    vecs = np.arange(12, dtype=np.float32).reshape(3, 4)
    blob = b"3 4\n" + b"".join(w.encode() + b" " + v.tobytes() + b"\n" for w, v in zip(words, vecs))
    p = tmp_path / "vectors.bin"
    p.write_bytes(blob)
    kv = load_vectors(p)
    assert kv.index_to_key == words
    np.testing.assert_array_equal(kv["天气"], vecs[1])
    # Bytes that are no UTF-8 (a GBK text run through the C tool) decode alike: the
    # first such word keeps its row, so every word has one row, as lookup needs.
    bad = [b"\xff\xfe", b"ok", b"\xfe\xff"]
    p.write_bytes(b"3 4\n" + b"".join(w + b" " + v.tobytes() + b"\n" for w, v in zip(bad, vecs)))
    kv = load_vectors(p)
    assert len(kv) == 2 and "ok" in kv and kv.index_to_key[1] == "ok"
    np.testing.assert_array_equal(kv.vectors, vecs[:2])


def test_loads_what_gensim_writes_without_importing_it(tmp_path):
    # Training and the app load vectors on every start; only making them needs gensim.
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=5)
    words = ["宝玉", "hello", "a", "黛玉"]
    kv.add_vectors(words, np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32))
    p = tmp_path / "vectors.bin"
    kv.save_word2vec_format(str(p), binary=True)
    code = (
        "import sys; from chatbot.ingest.vectors import load_vectors; "
        f"v = load_vectors({str(p)!r}); print(v.index_to_key, 'gensim' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"{words} False"
    np.testing.assert_array_equal(load_vectors(p).vectors, kv.vectors)


def test_corrupt_vectors_fail_cleanly(tmp_path):
    p = tmp_path / "vectors.bin"
    p.write_bytes(b"5 4\n" + b"\x00" * 10)
    with pytest.raises(ChatbotError, match="not a valid word2vec"):
        load_vectors(p)
    p.write_bytes(b"2 4\n" + "字".encode() + b" " + b"\x00" * 16)  # one word of two
    with pytest.raises(ChatbotError, match="too short for the 2 words"):
        load_vectors(p)
    with pytest.raises(ChatbotError, match="no vectors file"):
        load_vectors(tmp_path / "none.bin")
    p.write_bytes(b"")
    with pytest.raises(ChatbotError, match="not a valid word2vec.*empty"):
        load_vectors(p)
    p.write_bytes(b"\x00" * 5000)  # no first line at all
    with pytest.raises(ChatbotError, match="first line is not its word count"):
        load_vectors(p)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "chatbot", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_errors_are_one_line_with_nonzero_exit(tmp_path):
    binary = tmp_path / "img.bin"
    binary.write_bytes(bytes(range(256)) * 50)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for args, word in [
        ((str(tmp_path / "missing.txt"),), "no such file"),
        ((str(binary),), "binary"),
        ((str(empty),), "empty"),
        ((str(tmp_path),), "is a folder"),
        ((str(binary), "--negative", "0"), "add --hs"),
        ((str(binary), "--sample", "-1"), "--sample must be at least 0"),
    ]:
        r = run_cli("prepare", *args, str(tmp_path / "out"))
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and word in lines[0] and lines[0].startswith("error:"), lines


def test_cli_help_and_summary(story_file, tmp_path):
    r = run_cli("prepare", "--help")
    assert r.returncode == 0 and "--userdict" in r.stdout and "--t2s" in r.stdout
    r = run_cli(
        "prepare", str(story_file), str(tmp_path / "o"), "--epochs", "1", "--min-count", "1",
        "--vector-size", "8",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "pairs" in r.stdout and "gb18030" in r.stdout and "who speaks most" in r.stdout


def test_failure_in_a_late_step_rolls_back_the_earlier_ones(story_file, tmp_path):
    out = tmp_path / "out"
    prepare(story_file, out, SMALL)
    before = snapshot(out)
    other = tmp_path / "other.txt"
    other.write_text("张三道：“今天下雨了。”\n李四道：“那就别出门。”", encoding="utf-8")
    impossible = PrepareConfig(word2vec=Word2VecConfig(min_count=10_000, epochs=1))
    with pytest.raises(ChatbotError, match="no word occurs"):
        prepare(other, out, impossible, force=True)
    assert snapshot(out) == before  # text, tokens and pairs of the first novel still agree
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_manifest_records_what_was_chosen_and_summary_shows_it(story_file, tmp_path):
    m = prepare(story_file, tmp_path, SMALL).manifest
    assert m["source"]["paragraphs"] == "lines" and m["source"]["encoding"] == "gb18030"
    assert m["dialogue"]["speech"] == "quotes" and m["dialogue"]["quotes"] == "“…”"
    rows, notes = summary(m)
    assert dict(rows)["speech"] == "quoted" and dict(rows)["quotation marks"] == "“…”"
    assert dict(rows)["paragraphs"].startswith("lines")
    assert dict(rows)["pairs"].endswith("from dialogue") and notes == []
    # A re-run that skips every step still knows what the first run chose.
    assert summary(prepare(story_file, tmp_path, SMALL).manifest) == (rows, notes)


def test_summary_says_why_a_book_gave_few_pairs():
    manifest = {
        "source": {"encoding": "cp950", "encoding_detected": "big5hkscs", "paragraphs": "lines"},
        "dialogue": {"quotes": "none", "speech": "quotes", "tags_quoted": 0, "tags_bare": 40},
        "counts": {"utterances": 3, "utterances_with_speaker": 0, "pairs": 900},
    }
    manifest["counts"]["pairs_from_sentences"] = True
    rows, notes = summary(manifest)
    assert "big5hkscs" in dict(rows)["encoding"]
    assert "consecutive sentences" in dict(rows)["pairs"]
    assert any("--speech tags" in n for n in notes)
    assert any("--paragraphs wrapped" in n for n in notes)
    assert summary({}) == ([("encoding", "?"), ("traditional -> simplified", "no")], [])
    # speech was read, the text is just short: the note says how to keep its dialogue
    manifest["counts"] |= {"dialogue_pairs": 41, "dialogue_pairs_needed": 50}
    note = next(n for n in summary(manifest)[1] if "too few" in n)
    assert "41 dialogue pairs, fewer than 50" in note and "--min-pairs 41" in note
    assert "--speech" not in note
    assert not any("printed twice" in n for n in summary(manifest)[1])
    manifest["counts"] |= {"copied_sentences": 40, "copied_passages": 2}
    assert any("2 passages (40 long sentences)" in n for n in summary(manifest)[1])


def test_a_passage_printed_twice_is_found_and_a_repeated_line_is_not():
    from chatbot.ingest.prepare import _copied_passages

    passage = [f"第{k}句话说得很长很长，长到足以算作一句完整的话。" for k in range(8)]
    habit = "欲知后事如何，且看下回分解，这是每回都有的。"
    book = ["开头。", *passage, habit, "中间的一句很长很长很长很长的话啊。", habit]
    assert _copied_passages(book) == (0, 0)
    assert _copied_passages([*book, "又一回。", *passage[:3], "短。", *passage[3:]]) == (8, 1)


def test_big5_file_with_a_cp950_only_character_prepares_without_encoding(tmp_path):
    from chatbot.ingest.textio import _opencc
    from tests.conftest import make_story

    traditional = _opencc("s2t").convert(make_story(3)).replace("院子", "院子€", 1)
    f = tmp_path / "big5.txt"
    f.write_bytes(traditional.encode("cp950", errors="ignore"))
    result = prepare(f, tmp_path / "b", SMALL)
    assert result.manifest["source"]["encoding"] == "cp950"
    assert result.manifest["counts"]["pairs"] > 50


def test_hard_wrapped_english_novel_keeps_its_quotations(tmp_path):
    import random
    import textwrap

    from tests.ingest.test_paragraphs import EN_LINES

    rng = random.Random(3)
    paragraphs, quotes = [], 0
    for i in range(120):
        if i % 6 == 0:
            paragraphs.append(
                "The rain fell on the old house by the river, and the wind moved in the "
                "trees beyond the garden wall for a long time before anyone spoke."
            )
        who = ("Mary", "Tom")[i % 2]
        q1, q2 = rng.sample(EN_LINES, 2)
        quotes += 2
        paragraphs.append(f'"{q1}" said {who}, turning from the window. "{q2}"')
    f = tmp_path / "wrapped.txt"
    f.write_text("\n\n".join("\n".join(textwrap.wrap(p, 70)) for p in paragraphs) + "\n")
    m = prepare(f, tmp_path / "w", SMALL).manifest
    assert m["source"]["paragraphs"] == "wrapped"
    assert m["counts"]["utterances"] == quotes
    assert not m["counts"]["pairs_from_sentences"] and m["counts"]["pairs"] >= 90
    assert all(p.reply.count('"') == 0 for p in read_pairs(tmp_path / "w" / "pairs.tsv"))


GUTENBERG_HEAD = """The Project Gutenberg eBook of The Mill, by A. Writer

This ebook is for the use of anyone anywhere. You may copy it, give it away or
re-use it under the terms of the "Project Gutenberg License" included with it.

Title: The Mill on the River

*** START OF THE PROJECT GUTENBERG EBOOK THE MILL ON THE
RIVER ***

"""
GUTENBERG_TAIL = """

End of the Project Gutenberg EBook of The Mill on the River

*** END OF THE PROJECT GUTENBERG EBOOK THE MILL ON THE RIVER ***

Updated editions will replace the previous one. "Project Gutenberg" is a registered
trademark, and may not be used if you charge for an eBook, except by following the
terms of the trademark license, including paying royalties.

"Defects," such as a defective or damaged disk, may be returned for a refund.
"""


def test_a_project_gutenberg_file_is_read_without_its_header_and_licence(tmp_path):
    lines = [f'"Where are you going, Tom?" asked Mary. "It is late {i}."' for i in range(60)]
    book = "\n\n".join(lines)
    f = tmp_path / "pg.txt"
    f.write_bytes((GUTENBERG_HEAD + book + GUTENBERG_TAIL).replace("\n", "\r\n").encode())
    novel = read_novel(f)
    assert novel.frame == "Project Gutenberg" and len(novel.paragraphs) == 60
    assert novel.title == "The Mill on the River"  # what /model and the header call it
    text = f.read_bytes().decode()
    assert all(text.startswith(p[:12], o) for o, p in zip(novel.offsets, novel.paragraphs))
    m = prepare(f, tmp_path / "pg", SMALL).manifest
    assert m["source"]["frame"] == "Project Gutenberg"
    assert m["counts"]["utterances"] == 120  # none from the licence
    assert not any("Gutenberg" in line for line in (tmp_path / "pg" / "text.txt").open())
    assert ("cut away", "the Project Gutenberg header and licence") in summary(m)[0]
    plain = tmp_path / "plain.txt"
    plain.write_text(book, encoding="utf-8")
    assert read_novel(plain).frame == "" and len(read_novel(plain).paragraphs) == 60
    assert read_novel(plain).title == ""
    plain.write_text("《小城故事》 无名氏 著\n\n" + book, encoding="utf-8")
    assert read_novel(plain).title == "小城故事"  # a Chinese e-text's first line


def test_the_gutenberg_frame_of_older_files_and_compilations():
    from chatbot.ingest.gutenberg import book_span

    def book(text: str) -> str:
        a, b = book_span(text)
        return text[a:b].strip()

    volumes = (
        "*** START OF THE PROJECT GUTENBERG ETEXT TWO VOLUMES ***\nVolume one.\n"
        "End of the Project Gutenberg EBook of Volume One\n"
        + "Volume two.\n" * 40
        + "*** END OF THE PROJECT GUTENBERG ETEXT TWO VOLUMES ***\nlicence"
    )
    assert book(volumes).endswith("Volume two.")
    old = "*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nThe book.\nEnd of Project Gutenberg's X"
    assert book(old + "\nlicence") == "The book."
    assert book_span("A book that quotes *** START OF nothing.") is None
    assert book(volumes.replace("\n", "\r")).endswith("Volume two.")  # old Mac line ends


def test_book_with_unquoted_speech_prepares_in_tags_mode(tmp_path):
    from tests.ingest.test_speech import bare_book

    f = tmp_path / "bare.txt"
    f.write_text(bare_book()[0], encoding="utf-8")
    m = prepare(f, tmp_path / "t", SMALL).manifest
    assert m["dialogue"]["speech"] == "tags" and m["dialogue"]["quotes"] == "none"
    assert not m["counts"]["pairs_from_sentences"] and m["counts"]["pairs"] > 100
    forced = prepare(f, tmp_path / "t", dataclasses.replace(SMALL, speech="quotes")).manifest
    assert forced["counts"]["pairs_from_sentences"]
    assert any("--speech tags" in n for n in summary(forced)[1])


def test_unknown_layout_or_speech_mode_is_a_one_line_error():
    with pytest.raises(ChatbotError, match="--paragraphs must be one of lines, wrapped, unbroken"):
        PrepareConfig(paragraphs="columns")
    with pytest.raises(ChatbotError, match="--speech must be one of quotes, tags"):
        PrepareConfig(speech="mime")


def test_a_failed_prepare_leaves_no_empty_folder_behind(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("  \n", encoding="utf-8")  # empty: it fails once the folder is made
    with pytest.raises(ChatbotError):
        prepare(f, tmp_path / "new" / "corpus", SMALL)
    assert not (tmp_path / "new" / "corpus").exists()
    (tmp_path / "kept").mkdir()  # a folder that was there stays
    with pytest.raises(ChatbotError):
        prepare(f, tmp_path / "kept", SMALL)
    assert (tmp_path / "kept").is_dir()


def test_a_download_sites_addresses_are_taken_out_and_the_pairs_stay(story, tmp_path):
    lines = story.split("\n")
    noisy = []
    for k, line in enumerate(lines):
        if k % 7 == 3:  # the site's own lines, as download sites write them
            noisy.append("　　天才一秒记住本站地址：ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ")
            noisy.append("请收藏本站：https://m.example.cc/book/12.html 手机版：m.example.cc")
        noisy.append(f"{line}（www.example.com）" if line.startswith("第") else line)
    (tmp_path / "clean.txt").write_text(story, encoding="gbk")
    (tmp_path / "noisy.txt").write_text("\n".join(noisy), encoding="gbk")
    clean = prepare(tmp_path / "clean.txt", tmp_path / "c", SMALL)
    dirty = prepare(tmp_path / "noisy.txt", tmp_path / "d", SMALL)
    text = CorpusLayout.at(tmp_path / "d").text.read_text(encoding="utf-8")
    assert "example" not in text and "本站" not in text and "（" not in text
    assert text == CorpusLayout.at(tmp_path / "c").text.read_text(encoding="utf-8")
    pairs = [(p.query, p.reply) for p in read_pairs(CorpusLayout.at(tmp_path / "d").pairs)]
    assert pairs == [(p.query, p.reply) for p in read_pairs(CorpusLayout.at(tmp_path / "c").pairs)]
    headings = sum(line.startswith("第") for line in lines)
    site_lines = sum(k % 7 == 3 for k in range(len(lines)))
    rows = dict(summary(dirty.manifest)[0])
    found = 3 * site_lines + headings
    assert headings and rows["web addresses"] == f"{found} taken out (a download site's)"
    assert "web addresses" not in dict(summary(clean.manifest)[0])


def test_word2vec_switches_keep_gensims_numbers_in_the_fingerprint():
    """--sg and --hs are switches; recorded as gensim's 0/1, so corpora prepared when
    they were numbers keep their cached word2vec step."""
    assert Word2VecConfig().to_dict()["sg"] == 0 and Word2VecConfig().to_dict()["hs"] == 0
    on = Word2VecConfig(sg=True, hs=True, negative=0).to_dict()
    assert (on["sg"], on["hs"], on["negative"]) == (1, 1, 0)
    with pytest.raises(ChatbotError, match="add --hs"):
        Word2VecConfig(negative=0)
