"""The word index: its fast lookup must give exactly the float32 answer."""

import pytest
import torch
import torch.nn.functional as F

from chatbot.lookup import WordIndex

EXCLUDED = torch.tensor([0, 1, 3])


def _table(rows: int = 3000, dim: int = 64, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    # clustered rows, like word vectors: many near-ties inside a cluster
    centres = torch.randn(40, dim, generator=g)
    return centres[torch.randint(0, 40, (rows,), generator=g)] + 0.4 * torch.randn(
        rows, dim, generator=g
    )


def _queries(table: torch.Tensor, n: int, seed: int = 1) -> list[torch.Tensor]:
    """Flat (random) vectors and peaked ones (near a row), as a decoder gives both."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        v = torch.randn(1, table.size(1), generator=g)
        if i % 2:
            v = v * 0.3 + table[int(torch.randint(0, len(table), (1,), generator=g))]
        out.append(v)
    return out


def _bias(rows: int, seed: int = 2) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    bias = torch.zeros(rows)
    bias[torch.randint(0, rows, (40,), generator=g)] = -0.05  # repetition penalties
    bias[torch.randint(0, rows, (10,), generator=g)] = float("-inf")  # bans
    return bias


@pytest.fixture(scope="module")
def table():
    return _table()


@pytest.fixture(scope="module")
def index(table):
    ix = WordIndex(table, EXCLUDED)
    if not ix.fast:
        pytest.skip(f"no int8 kernel on engine {torch.backends.quantized.engine}")
    return ix


def _exact(table, v, k, bias=None):
    cos = F.normalize(v, dim=-1) @ F.normalize(table, dim=-1).T
    cos[:, EXCLUDED] = float("-inf")
    ranked = cos if bias is None else cos + bias
    idx = ranked.topk(k, dim=-1).indices
    return cos.gather(-1, idx), idx


@pytest.mark.parametrize("k", [1, 5, 20])
@pytest.mark.parametrize("with_bias", [False, True])
def test_fast_top_equals_the_float32_product(table, index, k, with_bias):
    bias = _bias(len(table)) if with_bias else None
    for v in _queries(table, 300):
        got_cos, got_idx = index.top(v, k, bias)
        want_cos, want_idx = _exact(table, v, k, bias)
        assert torch.allclose(got_cos, want_cos, atol=1e-5)
        # the same rows; a different order only where two scores tie to float precision
        ranked = want_cos if bias is None else want_cos + bias[want_idx]
        ties = (ranked[0, 1:] - ranked[0, :-1]).abs().min() < 1e-5 if k > 1 else False
        assert torch.equal(got_idx, want_idx) or ties


def test_int8_scores_stay_within_the_bound(table, index):
    """The exactness argument rests on this: every approximate score is within the
    bound of the true cosine."""
    worst = 0.0
    for v in _queries(table, 200, seed=5):
        u = F.normalize(v, dim=-1)
        approx = torch.ops.quantized.linear_dynamic(u, index._packed, True)
        step = float(u.max().clamp(min=0) - u.min().clamp(max=0)) / 127
        bound = index._row_err + index._row_l1 * step
        err = (approx - u @ index.unit.T).abs().max().item()
        worst = max(worst, err / bound)
    assert 0 < worst <= 1


def test_excluded_rows_never_returned_even_when_nearest(table, index):
    v = table[1:2].clone()  # row 1 is excluded and is its own nearest row
    _, idx = index.top(v, 5)
    assert not set(idx[0].tolist()) & set(EXCLUDED.tolist())
    assert index.cosines(v)[0, 1] == float("-inf")


def test_everything_banned_gives_minus_infinity_not_an_error(table, index):
    bias = torch.full((len(table),), float("-inf"))
    bias[7] = 0.0
    cos, idx = index.top(table[7:8], 1, bias)
    assert idx.item() == 7
    bias[7] = float("-inf")
    plain = WordIndex(table, EXCLUDED, int8=False)
    for ix in (index, plain):  # both say so the same way: every ranked score is -inf
        cos, idx = ix.top(table[7:8], 3, bias)
        assert idx.shape == (1, 3) and torch.isinf(cos + bias[idx]).all()


def test_batches_and_the_float32_fallback_agree(table, index):
    plain = WordIndex(table, EXCLUDED, int8=False)
    assert not plain.fast
    batch = torch.cat(_queries(table, 16, seed=9))
    bias = _bias(len(table))
    for k in (1, 4):
        a = index.top(batch, k, bias)
        b = plain.top(batch, k, bias)
        c = torch.cat([index.top(v[None], k, bias)[1] for v in batch])
        assert torch.equal(a[1], b[1]) and torch.equal(a[1], c)


def test_small_tables_and_large_k(index):
    tiny = WordIndex(torch.randn(6, 8), torch.tensor([0]))
    cos, idx = tiny.top(torch.randn(1, 8), 50)  # k above the row count
    assert idx.shape == (1, 6) and torch.isinf(cos[0, -1])


def test_the_build_time_check_rejects_a_bound_that_does_not_hold(index):
    """The index checks its bound when built and falls back to float32 if a kernel
    rounds differently; the check must be able to say no."""
    from chatbot.lookup import _bound_holds

    assert _bound_holds(index.unit, index._packed, index._row_err, index._row_l1)
    assert not _bound_holds(index.unit, index._packed, 0.0, 0.0)
