"""Exact cosine-nearest words, fast on CPU.

Reading a reply out of output vectors means finding, at every step, the table rows
with the highest cosine to the vector. One float32 matrix product does that, but on a
CPU it is bound by memory bandwidth: a 7,500 x 200 table is 6 MB, more than the L2
caches hold, and the product costs 120-250 µs however it is called (MKL, oneDNN,
NumPy, bf16 and packed weights measured alike).

``WordIndex.top`` keeps the answer exact and reads a quarter of the bytes:

1. an int8 copy of the unit rows (1.5 MB, per-row scale) scores every row with one
   fbgemm product (~35 µs);
2. each approximate score is within a known bound of the true cosine: the row's own
   rounding error (its norm, precomputed) plus the query's int8 rounding (at most one
   quantisation step per component, times the row's L1 norm);
3. only rows whose approximate score is within twice that bound of the k-th best can
   be in the true top k; their exact float32 cosines decide (usually a handful of rows).

So the result is the float32 answer, not an approximation of it. Where the int8 kernel
is missing (other CPUs' engines, a future torch without it, CUDA, where the plain
product is fast) the index uses the float32 product alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F

_INT8_ENGINES = ("x86", "fbgemm")
_SLACK = 1e-5  # float32 rounding of the two products, far above what they can differ by


class WordIndex:
    """The rows a reply can use, L2-normalised, searched by cosine.

    ``excluded`` rows (padding, start of reply) are never returned."""

    def __init__(self, rows: torch.Tensor, excluded: torch.Tensor, int8: bool = True):
        self.unit = F.normalize(rows.detach().float(), dim=-1).contiguous()
        self._rows = self.unit.size(0)
        self.excluded = excluded.to(self.unit.device)
        self._packed = None
        if int8 and self.unit.device.type == "cpu":
            self._packed, self._row_err, self._row_l1 = _int8_rows(self.unit)
            self._unit_np = self.unit.numpy()
            self._excluded_np = self.excluded.numpy()
            self._excluded_mask = np.zeros(len(self.unit), dtype=bool)
            self._excluded_mask[self._excluded_np] = True

    def __len__(self) -> int:
        return self._rows

    @property
    def fast(self) -> bool:
        """Whether lookups take the int8 first pass."""
        return self._packed is not None

    def cosines(self, vectors: torch.Tensor) -> torch.Tensor:
        """Exact cosines (..., R) of ``vectors`` (..., D) with every row; excluded rows
        get -inf. One float32 product: what log-probabilities need."""
        cos = F.normalize(vectors, dim=-1) @ self.unit.T
        return cos.index_fill_(-1, self.excluded, float("-inf"))

    def top(
        self, vectors: torch.Tensor, k: int = 1, bias: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``k`` rows with the highest cosine + ``bias`` for each vector (B, D), best
        first: (cosines (B, k), row indices (B, k)). ``bias`` (R,) or (B, R), in cosine
        units, may hold -inf (a banned word); the cosines returned exclude it.

        A single vector takes the int8 first pass. A batch takes the float32 product:
        it reads the table once for all its rows, so it is bound by arithmetic, not by
        memory, and int8 would save little."""
        k = min(k, self._rows)
        if self._packed is not None and vectors.size(0) == 1 and 4 * k <= self._rows:
            return self._top_one(vectors.detach().float(), k, bias)
        score = self.cosines(vectors.float())
        ranked = score if bias is None else score + bias
        idx = ranked.topk(k, dim=-1).indices
        return score.gather(-1, idx), idx

    def _top_one(
        self, vector: torch.Tensor, k: int, bias: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # NumPy for the bookkeeping: each torch call costs ~5-20 µs on a 7,500-row
        # vector, each NumPy call ~1 µs, and there are a dozen of them. The vector goes
        # in unnormalised: cosine ranks rows as unit_row . v does (|v| is one positive
        # factor), so the bound and the bias scale with |v| instead.
        x = vector.reshape(1, -1)
        approx = torch.ops.quantized.linear_dynamic(x, self._packed, True).numpy()[0]
        v = x.numpy()[0]
        norm = max(float(np.sqrt(v @ v)), 1e-12)
        # fbgemm rounds the vector to an int8 grid: a component moves at most one step
        # of it, so a row's product moves at most step x the row's L1 norm.
        step = (max(float(v.max()), 0.0) - min(float(v.min()), 0.0)) / 127
        bound = (self._row_err + _SLACK) * norm + self._row_l1 * step
        b = None if bias is None else bias.reshape(-1).numpy()
        if b is not None:
            approx += b * norm
        approx[self._excluded_np] = -np.inf
        kth = approx.max() if k == 1 else np.partition(approx, -k)[-k]
        # The true k-th best is at least kth - bound, and a row's true score is at most
        # its approximate score + bound: rows below kth - 2 x bound cannot make the top k.
        cand = np.flatnonzero(approx >= kth - 2 * bound)
        cos = (self._unit_np[cand] @ v) / norm
        cos[self._excluded_mask[cand]] = -np.inf
        ranked = cos if b is None else cos + b[cand]
        best = ranked.argmax(keepdims=True) if k == 1 else np.argsort(-ranked, kind="stable")[:k]
        return torch.from_numpy(cos[best][None]), torch.from_numpy(cand[best][None])


def _int8_rows(unit: torch.Tensor):
    """fbgemm-packed int8 rows (symmetric, one scale per row), with the largest rounding
    error norm and L1 norm over the rows; (None, 0, 0) where the kernel is missing or
    breaks the error bound that exactness rests on."""
    if torch.backends.quantized.engine not in _INT8_ENGINES:
        return None, 0.0, 0.0
    scale = (unit.abs().amax(1) / 127).clamp(min=1e-12).double()
    try:
        with warnings.catch_warnings():  # quantized tensors are deprecated, still shipped
            warnings.simplefilter("ignore")
            q = torch.quantize_per_channel(
                unit, scale, torch.zeros_like(scale, dtype=torch.long), 0, torch.qint8
            )
            packed = torch.ops.quantized.linear_prepack(q, None)
            rounded = q.dequantize()
            err = float((unit - rounded).norm(dim=1).max())
            l1 = float(rounded.abs().sum(1).max())
            if not _bound_holds(unit, packed, err, l1):
                return None, 0.0, 0.0
    except Exception:  # any failure of an optional kernel: the float32 product is exact
        return None, 0.0, 0.0
    return packed, err, l1


def _bound_holds(unit: torch.Tensor, packed, err: float, l1: float) -> bool:
    """Check the bound on a few vectors (a few ms, once): a future torch could round the
    query differently, and then the index would no longer be exact."""
    g = torch.Generator().manual_seed(0)
    probe = torch.cat([torch.randn(16, unit.size(1), generator=g), 3 * unit[:16]])
    for v in probe:
        approx = torch.ops.quantized.linear_dynamic(v[None], packed, True)[0]
        step = float(v.max().clamp(min=0) - v.min().clamp(max=0)) / 127
        bound = (err + _SLACK) * float(v.norm()) + l1 * step
        if float((approx - unit @ v).abs().max()) > bound:
            return False
    return True
