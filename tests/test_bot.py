"""The Chatbot API and the reply/eval commands, on a tiny model trained in the session."""

import json
import subprocess

import pytest

from chatbot.bot import Chatbot, DecodeOptions, join_words, line_key
from chatbot.errors import ChatbotError
from chatbot.ingest.textio import ends_sentence
from chatbot.metrics import bleu
from tests.conftest import LINES, run_cli

PLAIN = dict(repetition_penalty=1.0, no_repeat_ngram=0, min_length=0)


@pytest.fixture(scope="module")
def bot(echo_model):
    return Chatbot.load(echo_model)


def test_greedy_reply_is_the_learned_answer(bot):
    r = bot.reply(LINES[0], strategy="greedy", **PLAIN)
    assert r.text == LINES[6]
    assert r.stop == "end"
    assert len(r.scores) == len(r.words) and all(-1 <= s <= 1.0001 for s in r.scores)


def test_stream_yields_the_same_words_one_by_one(bot):
    opts = DecodeOptions(strategy="sample", seed=5)
    streamed = list(bot.stream(LINES[1], opts))
    assert [w for w, _ in streamed] == bot.reply(LINES[1], opts).words


def test_seeded_sampling_is_reproducible_and_seeds_differ(bot):
    opts = dict(strategy="sample", temperature=3.0, top_k=50)
    a = [bot.reply(LINES[2], seed=s, **opts).words for s in range(6)]
    b = [bot.reply(LINES[2], seed=s, **opts).words for s in range(6)]
    assert a == b
    assert len({tuple(x) for x in a}) > 1  # a hot temperature really samples


def test_top_k_one_is_greedy(bot):
    greedy = bot.reply(LINES[3], strategy="greedy").words
    assert bot.reply(LINES[3], strategy="sample", top_k=1, seed=9).words == greedy


def test_reply_log_prob_is_the_model_likelihood_of_its_words(bot):
    """Decoding asks only for the likeliest words and computes the log-probabilities
    after the reply; they must be what teacher forcing gives for the same words."""
    for q in LINES[:4]:
        r = bot.reply(q, strategy="greedy", **PLAIN)
        assert r.stop == "end"
        (mean,) = bot.score_replies(r.query_tokens, [r.words])
        assert r.log_prob == pytest.approx(mean * (len(r.words) + 1), abs=1e-4)


def test_replies_do_not_depend_on_the_int8_pass(bot, monkeypatch):
    """The float32-only index (CUDA, CPUs without fbgemm) gives the very same replies."""
    from chatbot.lookup import WordIndex

    head = bot.model.head
    if not head.index().fast:
        pytest.skip("no int8 kernel here: every reply already takes the float32 path")
    queries = [*LINES[:4], "完全没见过的一句话。"]
    options = [dict(strategy="greedy"), dict(seed=3, temperature=2.0, top_k=5)]
    with_int8 = [bot.reply(q, **o) for q in queries for o in options]
    plain = WordIndex(head.index().unit, head.never_idx, int8=False)
    monkeypatch.setattr(head, "index", lambda: plain)
    without = [bot.reply(q, **o) for q in queries for o in options]
    assert [(r.words, r.stop) for r in with_int8] == [(r.words, r.stop) for r in without]
    for a, b in zip(with_int8, without):
        assert a.scores == pytest.approx(b.scores, abs=1e-5)
        assert a.log_prob == pytest.approx(b.log_prob, abs=1e-4)


def test_beam_scores_at_least_as_well_as_greedy(bot):
    for q in [*LINES[:6], "完全没见过的一句话。"]:
        g = bot.reply(q, strategy="greedy", **PLAIN)
        b = bot.reply(q, strategy="beam", beam=4, **PLAIN)
        assert b.log_prob >= g.log_prob - 1e-5


def test_no_repeat_ngram_and_length_limits(bot):
    for seed in range(20):
        r = bot.reply(
            LINES[seed % 12],
            strategy="sample",
            temperature=5.0,
            top_k=30,
            seed=seed,
            no_repeat_ngram=1,
            repetition_penalty=1.0,
            max_length=12,
        )
        assert len(set(r.words)) == len(r.words)  # no word (1-gram) twice
        assert len(r.words) <= 12
        r2 = bot.reply(LINES[seed % 12], strategy="sample", seed=seed, no_repeat_ngram=2)
        bigrams = list(zip(r2.words, r2.words[1:]))
        assert len(set(bigrams)) == len(bigrams)
    long = bot.reply(
        LINES[0],
        strategy="greedy",
        min_length=20,
        max_length=25,
        **{k: v for k, v in PLAIN.items() if k != "min_length"},
    )
    assert len(long.words) >= 20
    assert bot.reply(LINES[0], strategy="greedy", min_length=0, max_length=2).stop == "max_length"


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 30,
        "\x00\x07\u202e控制字符\ufeff",
        "x" * 200_000,
        "中" * 200_000,
        "Hello there, 你好！",
    ],
)
def test_hostile_inputs_never_raise(bot, text):
    r = bot.reply(text, seed=1)
    assert isinstance(r.words, list)


@pytest.mark.parametrize("text", ["", "   \n\t", "\x00\x01"])
def test_empty_input_is_a_clear_error(bot, text):
    with pytest.raises(ChatbotError, match="say something"):
        bot.reply(text)


def test_bad_options_are_clear_errors():
    for bad in (
        dict(strategy="magic"),
        dict(temperature=0),
        dict(top_k=0),
        dict(repetition_penalty=0.5),
        dict(min_length=-1),
    ):
        with pytest.raises(ChatbotError):
            DecodeOptions(**bad)


def test_gold_reply_ranks_first(bot):
    scores = bot.score_replies(
        list(bot.tokenize(LINES[0])), [bot.tokenize(x) for x in (LINES[6], LINES[7], LINES[8])]
    )
    assert scores[0] == max(scores)


def test_join_words():
    assert join_words(["hello", "world", "，", "我", "好", "ok"]) == "hello world，我好ok"
    # A model trained on text with half-width marks still writes the full-width ones.
    assert join_words(["我", "来", ",", "好", ".", "ok", "."]) == "我来，好。ok."
    assert join_words(["他", "说", "‘", "来", "’", ",", "好"]) == "他说‘来’，好"
    assert join_words(["什么", "?", "!", "在", "10", ":", "30"]) == "什么？！在10:30"
    # English: a space after a mark, none before it, a capital after a sentence's end
    # (not after Mr.).
    assert join_words(["hello", ",", "world", ".", "i", "am", "3.14", "!", "yes"]) == (
        "hello, world. I am 3.14! Yes"
    )
    assert join_words(["ask", "mr", ".", "smith", ".", "now"]) == "ask mr. smith. Now"
    assert ends_sentence("He left.") and ends_sentence("He said, “Go.”")
    assert ends_sentence("un café.") and join_words(["un", "café", ".", "über"]) == "un café. Über"
    assert not ends_sentence("Ask Mr.") and not ends_sentence("he said,")
    # Accented Latin words are Latin words: spaced, and capitalised after a sentence.
    assert join_words(["café", "au", "lait", ".", "über", "déjà", "vu"]) == (
        "café au lait. Über déjà vu"
    )
    # Speech verbs after ? or ! are a tag whose quotation marks segmentation dropped.
    words = ["where", "?", "said", "tom", ".", "said", "no", "!", "cried", "she", "!", "go"]
    assert join_words(words) == "where? said tom. Said no! cried she! Go"


def test_bleu_on_hand_made_examples():
    assert bleu([["a", "b", "c"]], [["a", "b", "c"]]) == pytest.approx(1.0)
    assert bleu([["x", "y"]], [["a", "b"]]) == 0.0
    # 1-gram precision 2/3, 2-gram 1/2, no brevity penalty (hyp longer than ref).
    assert bleu([["a", "b", "d"]], [["a", "b"]]) == pytest.approx((2 / 3 * 1 / 2) ** 0.5)
    # Brevity penalty exp(1 - 4/2) when the hypothesis is half the reference.
    assert bleu([["a", "b"]], [["a", "b", "c", "d"]]) == pytest.approx(2.718281828**-1)


def test_reply_cli(echo_model, capsys, monkeypatch):
    r = run_cli(
        ["reply", echo_model, LINES[0], "--strategy", "greedy", "--json"], capsys, monkeypatch
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["reply"] == LINES[6] and len(out["scores"]) == len(out["words"])


def test_reply_cli_answers_each_line_of_standard_input_with_one_line(
    echo_model, capsys, monkeypatch
):
    """A script pairs input and output lines: a blank line gets a blank one, a bad line
    an error on stderr and a blank one; text in another encoding needs --encoding."""

    def reply(data: bytes, *args: str) -> subprocess.CompletedProcess:
        return run_cli(["reply", "--model", echo_model, *args], capsys, monkeypatch, data)

    gbk = LINES[1].encode("gbk") + b"\n"
    lines = f'{LINES[0]}\n\n{LINES[1]}\n{{"message": 1}}\n'.encode() + gbk
    r = reply(lines, "--strategy", "greedy")
    out, err = r.stdout.splitlines(), r.stderr
    assert r.returncode == 2 and "Traceback" not in err
    assert len(out) == 5 and out[1] == out[3] == out[4] == "" and out[0] and out[2]
    assert '"message" must be a string' in err
    assert "not UTF-8; say its encoding with --encoding" in err
    r = reply(gbk, "--strategy", "greedy", "--encoding", "gbk", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["query"] == LINES[1]
    assert json.loads(r.stdout)["reply"] == out[2]
    utf16 = f"{LINES[0]}\n{LINES[1]}\n".encode("utf-16")  # no line cut between its bytes
    r = reply(utf16, "--strategy", "greedy", "--encoding", "utf-16")
    assert r.returncode == 0 and r.stdout.splitlines() == [out[0], out[2]]
    r = reply(gbk, "--encoding", "nosuch")
    assert r.returncode == 2 and "unknown encoding 'nosuch'" in r.stderr


def test_eval_cli_writes_a_report(echo_model, capsys):
    r = run_cli(["eval", echo_model, "--strategy", "greedy"], capsys)
    assert r.returncode == 0, r.stderr
    report = json.loads((echo_model / "eval.json").read_text(encoding="utf-8"))
    m = report["model"]
    assert m["hits_at_1"] > 0.5 and m["top1"] > 0.8 and m["bleu2"] > 0.5
    assert 0 <= m["repeated"] <= 1
    assert "chat_repeats" not in m  # four test pairs: no 10-message chat to play
    assert {"bleu2", "distinct2", "degenerate"} <= report["retrieval"].keys()
    assert "Hits@1" in r.stdout


def test_sample_and_rank_keeps_the_likeliest_of_its_draws(bot):
    opts = dict(strategy="sample", temperature=2.0, top_k=20, seed=3, **PLAIN)
    draws = [bot.reply(LINES[2], **{**opts, "seed": 3 + k}) for k in range(4)]
    ranked = bot.reply(LINES[2], rank=4, **opts)
    best = max(draws, key=lambda r: r.log_prob / (len(r.words) + 1))
    assert ranked.words == best.words
    assert list(bot.stream(LINES[2], rank=4, **opts)) == list(zip(ranked.words, ranked.scores))


def test_sample_and_rank_by_mutual_information_picks_among_its_draws(bot):
    opts = dict(strategy="sample", temperature=2.0, top_k=20, seed=3, **PLAIN)
    draws = {tuple(bot.reply(LINES[2], **{**opts, "seed": 3 + k}).words) for k in range(4)}
    for weight in (0.5, 1.0, 3.0):
        assert tuple(bot.reply(LINES[2], rank=4, mmi=weight, **opts).words) in draws


def test_a_chat_never_hears_the_same_line_twice_while_another_candidate_is_left(bot):
    from chatbot.cast import Conversation

    first = bot.reply(LINES[0])  # beam search, the default
    chat = Conversation((LINES[0], first.text))
    again = bot.reply(LINES[0], conversation=chat)
    assert again.words and line_key(again.text) != line_key(first.text)
    # spaces, case, quotes and the closing punctuation do not hide a repeat, and a line
    # the user said counts too
    said = "“" + " ".join(first.text[:-1]).upper() + "！”"
    assert bot.reply(LINES[0], conversation=Conversation((said, "别的话"))).text != first.text
    # without a history the reply is the model's first choice again
    assert bot.reply(LINES[0]).text == first.text


def test_each_retry_says_something_new_after_beam_search_has_said_all_it_had(bot):
    from chatbot.cast import Conversation

    for strategy in ("beam", "greedy", "sample"):  # beam 4: four candidates, then draws
        said: list[str] = []
        for _ in range(6):
            chat = Conversation(retried=tuple(said))
            r = bot.reply(LINES[0], seed=0, strategy=strategy, conversation=chat)
            assert r.words and line_key(r.text) not in map(line_key, said), strategy
            said.append(r.text)
        assert bot.reply(LINES[0], seed=0, strategy=strategy).text == said[0]  # starts over
        streamed = [
            w for w, _ in bot.stream(LINES[0], seed=0, strategy=strategy, conversation=chat)
        ]
        assert line_key(join_words(streamed)) not in map(line_key, said[:-1]), strategy
    # a reply cut short by the retry: what it showed is enough to tell it apart
    from chatbot.decode import Decoded

    first = bot.reply(LINES[0]).words
    d = Decoded(bot.table.ids(first), [0.0] * len(first), 0.0, 0.0, "end")
    assert bot._stale(d, LINES[1], Conversation(retried=(join_words(first[:5]),)))
    assert not bot._stale(d, LINES[1], Conversation(retried=(first[0],)))  # 我: too short
    assert not bot._stale(d, LINES[1], Conversation(retried=("别的话。",)))
    assert bot._stale(d, LINES[1], Conversation(history=(join_words(first),)))


def test_line_key_keeps_only_what_a_line_says():
    assert line_key("你说的很是。") == line_key("你说的很是！")
    assert line_key("i don't know.") == line_key("“I DON’T know!”")
    assert line_key("你说") != line_key("你说的")


def test_chat_repeats_counts_a_line_the_bot_said_earlier_in_the_chat(bot):
    from chatbot.data import Encoded, Example
    from chatbot.evaluate import chat_repeats
    from chatbot.ingest.dialogue import Pair

    def message(q: str) -> Example:
        return Example(Encoded([], [], []), [], Pair(q, "", 0, query_tokens=list(q)))

    chat = [message(q) for q in LINES[:5] * 2]  # each message twice
    greedy = chat_repeats(bot, [chat], DecodeOptions(strategy="greedy", **PLAIN))
    # the second time the same answer would come, a redraw says another line where this
    # tiny model has one (it has learned one answer per message, so not always)
    assert 0 < greedy < 5 / 10
    assert chat_repeats(bot, [chat], DecodeOptions(strategy="beam")) <= greedy
    assert chat_repeats(bot, [], DecodeOptions()) is None


def test_a_message_in_traditional_characters_is_read_as_the_novel_was(bot):
    from chatbot.ingest.textio import to_traditional

    traditional = to_traditional(LINES[0])
    assert traditional != LINES[0]
    assert bot.tokenize(traditional) == bot.tokenize(LINES[0])
    assert bot.reply(traditional, strategy="greedy", **PLAIN).text == LINES[6]


def test_a_model_of_a_traditional_novel_shows_its_words_in_traditional(bot):
    from dataclasses import replace

    from chatbot.cast import Conversation
    from chatbot.ingest.textio import to_traditional

    assert bot.shown("我们去看戏") == "我们去看戏"  # a novel read as it was
    converted = Chatbot(bot.model, bot.table, replace(bot.card, script="s2tw"), bot.root)
    assert converted.shown("我们去看戏") == "我們去看戲"
    # What it said, shown in Traditional, is still what it said: no repeat in a chat.
    first = converted.reply(LINES[0])
    assert converted.show(first.words) == to_traditional(first.text, "s2tw") != first.text
    chat = Conversation((LINES[0], converted.show(first.words)))
    assert line_key(converted.reply(LINES[0], conversation=chat).text) != line_key(first.text)


def test_an_english_model_writes_words_in_the_case_of_its_novel(bot):
    from dataclasses import replace

    english = Chatbot(bot.model, bot.table, replace(bot.card, cased={"tom": "Tom"}), bot.root)
    assert english.show(["tom", "is", "here", ".", "he", "sings", "."]) == "Tom is here. He sings."
    assert not bot.latin and bot.show(["ok", "，", "好"]) == "ok，好"  # a Chinese model
    english.latin = True  # the model of an English novel starts its replies with a capital
    assert english.show(["where", "is", "tom", "?"]) == "Where is Tom?"
