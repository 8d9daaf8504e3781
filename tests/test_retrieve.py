"""Finding the book's lines that fit a message."""

from chatbot.ingest.dialogue import Pair
from chatbot.retrieve import OverlapIndex, Retriever


def pair(i: int, query: str, reply: str) -> Pair:
    return Pair(query, reply, i, query_tokens=list(query), reply_tokens=list(reply))


def test_more_and_rarer_shared_words_rank_first_and_punctuation_is_ignored():
    index = OverlapIndex([list("今天天气好。"), list("我们去河边。"), list("河边天气好！")])
    assert [i for i, _ in index.search(list("河边好吗？"), k=3)] == [2, 1, 0]
    assert [i for i, _ in index.search(list("河边"), k=3)] == [1, 2]  # a tie: the earlier
    assert index.search(list("。！？")) == []


def test_a_pair_never_reads_its_own_reply_or_its_neighbours():
    pairs = [pair(i, f"问{i % 3}题", f"答{i}") for i in range(40)]
    pairs[20] = pair(20, "河边", "好")
    pairs[5] = pair(5, "河边", "好")  # the same reply elsewhere: not a hint either
    pairs[30] = pair(30, "河边", "走")
    r = Retriever(pairs, near=3)
    assert [i for i, _ in r.search(list("河边"), k=3)] == [5, 20, 30]
    assert [i for i, _ in r.search(list("河边"), k=3, exclude=20)] == [30]
    assert [i for i, _ in r.search(list("河边"), k=3, exclude=32)] == [5, 20]
