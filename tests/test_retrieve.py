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


def test_the_index_scores_as_bm25_written_out_does():
    """Against BM25 computed document by document, on documents full of ties."""
    import math
    import random
    from collections import Counter

    rng = random.Random(0)
    vocab = list("甲乙丙丁戊己庚辛壬癸的了，。")
    docs = [[rng.choice(vocab) for _ in range(rng.randint(0, 9))] for _ in range(300)]
    index = OverlapIndex(docs)
    counts = [Counter(w for w in d if w not in "，。") for d in docs]
    lengths = [sum(c.values()) for c in counts]
    mean = sum(lengths) / len(lengths)

    def bm25(query, i):
        total = 0.0
        for w in set(query) - set("，。"):
            df = sum(w in c for c in counts)
            if counts[i][w]:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                c = counts[i][w]
                total += idf * c * 2.2 / (c + 1.2 * (0.25 + 0.75 * lengths[i] / mean))
        return total

    for _ in range(30):
        query = [rng.choice(vocab) for _ in range(rng.randint(1, 4))]
        scored = [(i, bm25(query, i)) for i in range(len(docs))]
        want = sorted([x for x in scored if x[1] > 0], key=lambda x: (-x[1], x[0]))
        for k in (1, 7, 400):
            got = index.search(query, k)
            assert [i for i, _ in got] == [i for i, _ in want[:k]]
            assert all(abs(a - b) < 1e-9 for (_, a), (_, b) in zip(got, want[:k]))
