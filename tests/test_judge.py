"""Judged evaluation: blind sets (shuffling, seeds, nothing revealing), and scores."""

import json
from dataclasses import replace

import pytest

from chatbot.config import CONTINUE_OPTIONS, DecodeOptions
from chatbot.errors import ChatbotError
from chatbot.judge import (
    MODES,
    Item,
    System,
    make_set,
    parse_system,
    write_set,
)
from chatbot.metrics import bootstrap
from chatbot.verdicts import read_verdicts, score_set
from tests.conftest import LINES, run_cli


@pytest.fixture(scope="module")
def judge_set(echo_model, echo_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("judge") / "set"
    beam = System("beam", str(echo_model), DecodeOptions(strategy="beam"))
    make_set(echo_model, out, n=8, seed=3, systems=[beam], corpus_dir=echo_corpus)
    return out


def key_of(out):
    return json.loads((out / "key.json").read_text(encoding="utf-8"))


def verdicts_where(out, score_of, best_of=None):
    """Verdicts rating each system ``score_of[name]`` on every criterion."""
    key = key_of(out)
    items = []
    for k in key["items"]:
        letters = k["letters"]
        ratings = {x: {c: score_of[n] for c in key["criteria"]} for x, n in letters.items()}
        best = next(x for x, n in letters.items() if n == (best_of or "gold"))
        items.append({"item": k["item"], "ratings": ratings, "best": best})
    return {"items": items}


def write(out, data):
    (out / "verdicts.json").write_text(json.dumps(data), encoding="utf-8")


def test_set_shows_the_reader_nothing_but_texts(judge_set, echo_model):
    items = (judge_set / "items.md").read_text(encoding="utf-8")
    rubric = (judge_set / "rubric.md").read_text(encoding="utf-8")
    for secret in ("gold", "retrieval", "beam", "model", str(echo_model), "key.json", "system"):
        assert secret not in items.lower() and secret not in rubric.lower(), secret
    key = key_of(judge_set)
    assert len(key["items"]) == items.count("## Item ")
    names = {s["name"] for s in key["systems"]}
    assert names == {"gold", "model", "retrieval", "beam"}
    for k in key["items"]:
        assert set(k["letters"].values()) == names
        assert set(k["letters"]) == set("ABCD")
    # shuffled per item: the book's reply is not always under the same letter
    gold_letters = {next(x for x, n in k["letters"].items() if n == "gold") for k in key["items"]}
    assert len(gold_letters) > 1


def test_same_seed_same_set_other_seed_other_set(judge_set, echo_model, echo_corpus, tmp_path):
    beam = System("beam", str(echo_model), DecodeOptions(strategy="beam"))
    again = make_set(
        echo_model, tmp_path / "a", n=8, seed=3, systems=[beam], corpus_dir=echo_corpus
    )
    for name in ("items.md", "rubric.md", "key.json"):
        assert (again / name).read_bytes() == (judge_set / name).read_bytes(), name
    other = make_set(
        echo_model, tmp_path / "b", n=8, seed=4, systems=[beam], corpus_dir=echo_corpus
    )
    assert key_of(other)["items"] != key_of(judge_set)["items"]


def test_scores_follow_the_verdicts(judge_set):
    write(judge_set, verdicts_where(judge_set, {"gold": 5, "retrieval": 4, "model": 2, "beam": 2}))
    report = score_set(read_verdicts(judge_set), reps=200)
    n = len(key_of(judge_set)["items"])
    assert report["items"] == n
    s = report["systems"]
    assert s["gold"]["fluency"] == {"mean": 5.0, "low": 5.0, "high": 5.0}
    assert s["model"]["relevance"]["mean"] == 2.0
    assert s["retrieval"]["relevance_4plus"]["mean"] == 1.0
    assert s["gold"]["best"]["mean"] == 1.0 and s["beam"]["best"]["mean"] == 0.0
    assert report["wins"]["gold"]["model"]["mean"] == 1.0
    assert report["wins"]["model"]["beam"]["mean"] == 0.5  # all ties


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_n():
    assert bootstrap([3.0] * 10) == (3.0, 3.0)
    small = bootstrap([1.0, 5.0] * 5, reps=2000)
    large = bootstrap([1.0, 5.0] * 200, reps=2000)
    assert small[0] < 3.0 < small[1] and large[0] < 3.0 < large[1]
    assert large[1] - large[0] < (small[1] - small[0]) / 3
    assert bootstrap([1.0, 5.0] * 5, seed=1) == bootstrap([1.0, 5.0] * 5, seed=1)


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda v: v["items"].pop(), r"item \d+ has no verdict \(\d+ of \d+ rated\)"),
        (lambda v: v["items"][0]["ratings"]["A"].update(fluency=6), "item 1, A: fluency must be"),
        (lambda v: v["items"][1]["ratings"]["B"].pop("relevance"), "item 2, B: relevance is miss"),
        (
            lambda v: v["items"][1]["ratings"]["B"].update(fluncy=3),
            "item 2, B: 'fluncy' is not a criterion",
        ),
        (
            lambda v: [v["items"].pop(), v["items"][0].update(best="Z")],
            r"item 1: best must be .* \(and 1 more: item \d+ has no verdict",
        ),
        (lambda v: v["items"][2]["ratings"].pop("C"), "item 3 must rate letters"),
        (lambda v: v["items"][0].update(best="Z"), "item 1: best must be one of"),
        (lambda v: v["items"].append(dict(v["items"][0])), "item 1 is rated twice"),
        (lambda v: v["items"].append({**v["items"][0], "item": 99}), "item 99 is not in the set"),
        (lambda v: v.pop("items"), "expected"),
    ],
)
def test_bad_verdicts_name_the_item(judge_set, spoil, message):
    v = verdicts_where(judge_set, {"gold": 5, "retrieval": 4, "model": 2, "beam": 2})
    spoil(v)
    write(judge_set, v)
    with pytest.raises(ChatbotError, match=message):
        read_verdicts(judge_set)


def test_unreadable_verdicts_and_bad_systems_are_one_line_errors(judge_set):
    (judge_set / "verdicts.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ChatbotError, match="not a valid verdicts file"):
        read_verdicts(judge_set)
    for spec, message in [
        ("beam", "NAME=MODEL_DIR"),
        ("b=dir:--strategy magic", "invalid choice"),
        ("b=dir:--frobnicate 3", "unknown decoding flags"),
    ]:
        with pytest.raises(ChatbotError, match=message):
            parse_system(spec)
    q = parse_system("ranked=retrieval@some/dir")
    assert (q.name, q.model, q.quote, q.options) == ("ranked", "some/dir", True, None)
    with pytest.raises(ChatbotError, match="retrieval@MODEL_DIR"):
        parse_system("ranked=retrieval@")
    s = parse_system("cool=some/dir:--temperature 0.5 --top-k 5")
    assert (s.name, s.model, s.options.temperature, s.options.top_k) == ("cool", "some/dir", 0.5, 5)
    assert s.options.strategy == DecodeOptions().strategy


def test_continuation_systems_change_the_continuation_defaults():
    """``chatbot continue --rank 8`` samples; so must a continuation set's ``--rank 8``."""
    s = parse_system("r=some/dir:--rank 8", CONTINUE_OPTIONS)
    assert s.options == replace(CONTINUE_OPTIONS, rank=8)


def test_judge_cli_end_to_end(echo_model, echo_corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the score table on one line per system

    def chatbot(*args):
        return run_cli(["judge", *args], capsys)

    out = tmp_path / "set"
    r = chatbot("make", str(echo_model), str(out), "--n", "4", "--corpus", str(echo_corpus))
    assert r.returncode == 0, r.stderr
    r = chatbot("score", str(out))
    assert r.returncode == 2 and "no verdicts file" in r.stderr and "Traceback" not in r.stderr
    write(out, verdicts_where(out, {"gold": 5, "retrieval": 3, "model": 1}))
    r = chatbot("score", str(out), "--reps", "0")
    assert r.returncode == 2 and "--reps must be" in r.stderr and "Traceback" not in r.stderr
    r = chatbot("score", str(out), "--reps", "100")
    assert r.returncode == 0, r.stderr
    assert "gold" in r.stdout and "5.00 [5.00, 5.00]" in r.stdout
    assert json.loads((out / "scores.json").read_text())["systems"]["model"]["fluency"]["mean"] == 1
    r = chatbot("make", str(echo_model), str(out), "--n", "4", "--corpus", str(echo_corpus))
    assert r.returncode == 2 and "already holds a judged set" in r.stderr  # the key is kept
    r = chatbot(
        "make", str(echo_model), str(out), "--n", "4", "--corpus", str(echo_corpus), "--force"
    )
    assert r.returncode == 0 and not (out / "verdicts.json").exists()  # not read on a new key


def test_persona_set_names_speakers_shows_earlier_turns_and_asks_for_character(
    echo_model, echo_corpus, tmp_path
):
    out = make_set(echo_model, tmp_path / "p", n=6, seed=1, corpus_dir=echo_corpus, mode="persona")
    key = key_of(out)
    assert key["criteria"] == ["fluency", "relevance", "character"]
    items = (out / "items.md").read_text(encoding="utf-8").split("## Item ")[1:]
    assert items and all("**Speakers:**" in it and " answers " in it for it in items)
    assert "## character" in (out / "rubric.md").read_text(encoding="utf-8")
    item = Item(
        1, 0, "去不去？", {"gold": "去。", "model": "不去。"}, "甲 answers 乙", ("一", "二")
    )
    shown = write_set(tmp_path / "w", [item], MODES["persona"], seed=1, systems=[], model="m")
    text = (shown / "items.md").read_text(encoding="utf-8")
    assert text.index("**Said before:**") < text.index("> 一") < text.index("> 二")
    assert text.index("> 二") < text.index("**Message:** 去不去？")


def test_a_quoting_system_answers_with_the_books_lines(echo_model, echo_corpus, tmp_path):
    ranked = parse_system(f"ranked=retrieval@{echo_model}")
    out = make_set(
        echo_model, tmp_path / "q", n=4, seed=2, systems=[ranked], corpus_dir=echo_corpus
    )
    items = (out / "items.md").read_text(encoding="utf-8").split("## Item ")[1:]
    for item, k in zip(items, key_of(out)["items"]):
        letter = next(x for x, n in k["letters"].items() if n == "ranked")
        line = item.split(f"- **{letter}:** ")[1].split("\n")[0]
        assert line in LINES
    with pytest.raises(ChatbotError, match="cannot continue"):
        make_set(echo_model, tmp_path / "c", n=2, systems=[ranked], mode="continue")


def test_a_continuation_passage_keeps_the_spaces_between_english_sentences():
    from chatbot.ingest.sentences import join_sentences, latin_script

    english = ['"Indeed?" asked Mary.', "There was a smell.", "“Yes.”"]
    chinese = ["他说OK", "3个人来了。", "“你好。”", "“再见。”黛玉说。"]
    assert latin_script(english) and not latin_script(chinese)  # decided for the book
    assert join_sentences(english, True) == '"Indeed?" asked Mary. There was a smell. “Yes.”'
    assert join_sentences(chinese, False) == "他说OK3个人来了。“你好。”“再见。”黛玉说。"


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda k: k.pop("items"), "it has no items"),
        (lambda k: k.pop("criteria"), "criteria must be a list"),
        (lambda k: k.update(criteria="fluency"), "criteria must be a list"),
        (lambda k: k.pop("systems"), "systems must be a list"),
        (lambda k: k.update(version=99), "version must be 1"),
        (lambda k: k["items"][0]["letters"].update(A="ghost"), "item 1 must give each system"),
        (lambda k: k["items"].append(k["items"][0]), "a number of its own"),
    ],
)
def test_a_damaged_key_is_said_as_such(judge_set, tmp_path, spoil, message):
    """Not a traceback, and not blamed on the reader's verdicts."""
    import shutil

    out = shutil.copytree(judge_set, tmp_path / "set")
    write(out, verdicts_where(out, {"gold": 5, "retrieval": 4, "model": 2, "beam": 2}))
    key = key_of(out)
    spoil(key)
    (out / "key.json").write_text(json.dumps(key), encoding="utf-8")
    with pytest.raises(ChatbotError, match=f"key.json is not a judged set's key .*{message}"):
        read_verdicts(out)


def test_an_item_number_must_be_a_whole_number_not_true(judge_set):
    v = verdicts_where(judge_set, {"gold": 5, "retrieval": 4, "model": 2, "beam": 2})
    v["items"][0]["item"] = True  # == 1 to Python
    write(judge_set, v)
    with pytest.raises(ChatbotError, match="integer 'item'"):
        read_verdicts(judge_set)


def test_make_refuses_stray_verdicts_and_empty_sets(echo_model, echo_corpus, tmp_path, capsys):
    out = tmp_path / "set"
    out.mkdir()
    (out / "verdicts.json").write_text('{"items": []}', encoding="utf-8")
    r = run_cli(["judge", "make", echo_model, out, "--n", "2", "--corpus", echo_corpus], capsys)
    assert r.returncode == 2 and "already holds a judged set (verdicts.json" in r.stderr
    assert (out / "verdicts.json").read_text(encoding="utf-8") == '{"items": []}'


def test_a_set_with_nothing_to_draw_from_is_an_error_not_an_empty_set(tmp_path):
    """A book whose speakers are never named has no persona items."""
    from chatbot.ingest.prepare import PrepareConfig, prepare
    from chatbot.ingest.vectors import Word2VecConfig
    from chatbot.train import train
    from tests.conftest import tiny

    said = [f"{'他' if i % 2 else '她'}道：“{LINES[i % 12]}”" for i in range(90)]
    (tmp_path / "book.txt").write_text("\n".join(said), encoding="utf-8")
    w2v = Word2VecConfig(vector_size=16, epochs=2, min_count=1, workers=1)
    prepare(tmp_path / "book.txt", tmp_path / "c", PrepareConfig(word2vec=w2v))
    train(tmp_path / "c", tiny(max_epochs=1), model_dir=tmp_path / "m")
    with pytest.raises(ChatbotError, match="has no pairs whose speaker and addressee"):
        make_set(tmp_path / "m", tmp_path / "p", n=2, mode="persona")
    assert not (tmp_path / "p").exists()


def test_a_set_can_list_the_books_best_lines_and_score_what_a_reranker_could_reach(
    echo_model, echo_corpus, tmp_path
):
    out = make_set(echo_model, tmp_path / "r", n=4, seed=2, corpus_dir=echo_corpus, retrieved=3)
    key = key_of(out)
    lines = ["retrieval", "retrieval2", "retrieval3"]
    assert [s["name"] for s in key["systems"]] == ["gold", "model", *lines]
    items = (out / "items.md").read_text(encoding="utf-8").split("## Item ")[1:]
    for item, k in zip(items, key["items"]):
        shown = [
            item.split(f"- **{x}:** ")[1].split("\n")[0]
            for x, n in k["letters"].items()
            if n in lines
        ]
        assert len(set(shown)) == 3 and set(shown) <= set(LINES)  # three different lines
    # the 2nd and 3rd lines take turns being the one that fits: each item's best is a 4
    data = verdicts_where(out, {"gold": 5, "model": 2, **dict.fromkeys(lines, 1)})
    for n, (item, k) in enumerate(zip(data["items"], key["items"])):
        fits = "retrieval2" if n % 2 else "retrieval3"
        letter = next(x for x, name in k["letters"].items() if name == fits)
        item["ratings"][letter]["relevance"] = 4
    write(out, data)
    report = score_set(read_verdicts(out), reps=200)
    assert report["systems"]["retrieval2"]["relevance"]["mean"] == 2.5
    ceiling = report["ceiling"]
    assert ceiling["systems"] == lines
    assert ceiling["relevance"]["mean"] == 4.0 and ceiling["relevance_4plus"]["mean"] == 1.0
    assert ceiling["fluency"]["mean"] == 1.0


def test_a_set_of_one_line_per_item_has_no_ceiling_and_bad_counts_are_refused(
    judge_set, echo_model, echo_corpus, tmp_path
):
    write(judge_set, verdicts_where(judge_set, {"gold": 5, "retrieval": 4, "model": 2, "beam": 2}))
    assert "ceiling" not in score_set(read_verdicts(judge_set), reps=200)
    for bad in (0, 9):
        with pytest.raises(ChatbotError, match="--retrieved must be from 1 to 8"):
            make_set(echo_model, tmp_path / "x", n=2, corpus_dir=echo_corpus, retrieved=bad)
    with pytest.raises(ChatbotError, match="not with continue"):
        make_set(
            echo_model, tmp_path / "y", n=2, corpus_dir=echo_corpus, retrieved=2, mode="continue"
        )


def test_judge_cli_shows_the_shortlists_ceiling(
    echo_model, echo_corpus, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")  # each table's title on one line
    out = tmp_path / "set"
    args = ["judge", "make", str(echo_model), str(out), "--n", "3", "--corpus", str(echo_corpus)]
    r = run_cli([*args, "--retrieved", "9"], capsys)
    assert r.returncode == 2 and "--retrieved must be from 1 to 8" in r.stderr
    assert run_cli([*args, "--retrieved", "2"], capsys).returncode == 0
    write(out, verdicts_where(out, {"gold": 5, "model": 1, "retrieval": 2, "retrieval2": 3}))
    r = run_cli(["judge", "score", str(out), "--reps", "100"], capsys)
    assert r.returncode == 0, r.stderr
    assert "perfect re-ranker" in r.stdout and "3.00 [3.00, 3.00]" in r.stdout
