"""Ranking replies for a message: the combined score, and quoting the book with it."""

import pytest
import torch

from chatbot.bot import Chatbot
from chatbot.data import SEP, Example, split_examples
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import read_pairs
from chatbot.layout import CorpusLayout
from chatbot.rerank import Reranker, SharedWords, combined, heard, standardise
from tests.conftest import LINES


def test_standardise_and_combine_weigh_both_signals_equally():
    z = standardise(torch.tensor([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]]))
    assert z[0].tolist() == pytest.approx([-1.0, 0.0, 1.0])
    assert z[1].tolist() == [0.0, 0.0, 0.0]  # nothing to tell apart: no preference
    # PMI in nats and shared words in IDF units: scale does not matter, only rank spread.
    pmi = torch.tensor([-30.0, 0.0, 30.0])
    shared = torch.tensor([3.0, 0.0, 0.1])
    assert combined(pmi, shared).argmax() == 2
    assert torch.allclose(combined(pmi, shared), combined(shared * 7, pmi / 3))


def test_shared_words_count_rare_words_more_and_each_word_once():
    shared = SharedWords([["茶", "我"], ["饭", "我"], ["我"], ["饭"]])
    assert shared(["我", "茶"], ["茶", "茶"]) > shared(["我", "茶"], ["我", "我"]) > 0
    assert shared(["雪"], ["雪"]) > shared(["茶"], ["茶"])  # never seen: rarest of all
    assert shared(["我"], ["茶"]) == 0.0


def test_the_turns_before_the_message_count_as_heard_without_their_separators():
    before = Example(None, [], None, context=["茶", "凉", SEP, "雪"])
    assert heard(["你", "好"], before) == ["你", "好", "茶", "凉", "雪"]
    shared = SharedWords([["茶"], ["我"]])
    assert shared(heard(["我"], before), ["茶"]) > shared(["我"], ["茶"]) == 0.0


def test_pmi_finds_the_learned_reply_and_quote_reorders_only_the_shortlist(echo_model, echo_corpus):
    bot = Chatbot.load(echo_model, corpus=echo_corpus)
    pairs = read_pairs(CorpusLayout.at(echo_corpus).pairs)
    train = split_examples(pairs, bot.table, bot.card.train)[0]
    reranker = Reranker(bot.model, bot.table.dim, train, shortlist=len(train))
    reranker.shared = lambda message, reply: 0.0  # PMI alone decides
    for i in range(6):
        tokens = bot.tokenize(LINES[i])
        [(best, _)] = reranker.search(bot._example(tokens), tokens)
        assert train[best].pair.reply == LINES[i + 6]
    ranked = reranker.search(train[0], tokens, k=len(train))
    assert {i for i, _ in ranked} == {i for i, _ in reranker.retriever.search(tokens, len(train))}
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    lines = bot.quote(LINES[0], k=3, corpus=echo_corpus)
    assert len(lines) == 3 and {g.text for g in lines} <= {p.reply for p in pairs}
    assert [g.score for g in lines] == sorted((g.score for g in lines), reverse=True)


def test_quote_without_the_corpus_is_a_one_line_error(echo_model, tmp_path):
    bot = Chatbot.load(echo_model)
    with pytest.raises(ChatbotError, match="needs the corpus"):
        bot.quote(LINES[0], corpus=tmp_path)


def test_likelihoods_encode_each_query_once_and_match_one_example_at_a_time(
    persona_model, story_corpus
):
    """Ranking pairs few queries with many replies; sharing the encoded query (and
    batching replies by length) must not change any likelihood. A model with a cast,
    context and grounding: every part of the encoder's input counts."""
    from chatbot.data import collate, dialogue
    from chatbot.objective import reply_log_likelihood
    from chatbot.rerank import likelihoods

    bot = Chatbot.load(persona_model, warm=False)
    pairs = read_pairs(CorpusLayout.at(story_corpus).pairs)
    d = dialogue(pairs, bot.table, bot.card.train, bot.cast)
    ex = d.train[:6]
    examples = [Example(q.query, r.reply, r.pair, speaker=q.speaker) for q in ex for r in ex]
    examples += [Example(ex[0].query, ex[1].reply, None, speaker=s) for s in range(3)]
    got = likelihoods(bot.model, examples, bot.table.dim, bot.device, batch_size=4)
    with torch.no_grad():
        one = [
            reply_log_likelihood(
                bot.model.log_probs(bot.model(b := collate([e], bot.table.dim))), b.tgt_out, False
            )
            for e in examples
        ]
    torch.testing.assert_close(got, torch.cat(one), rtol=1e-5, atol=1e-4)
    assert got[-3:].unique().numel() == 3  # the speaker is part of what is encoded
    assert likelihoods(bot.model, [], bot.table.dim, bot.device).numel() == 0
