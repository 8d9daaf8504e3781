"""A vanilla (Elman) RNN in NumPy, and the SGD step shared by the scratch models.

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

The same layout as ``torch.nn.RNN`` (tanh), so the tests can compare them directly.
Without the LSTM's gated cell, the backward pass multiplies by W_hh and tanh' at every
step, which is why plain RNNs forget over long spans: fine for an 8-bit adder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class Recurrent:
    """Parameters shared by both layers: PyTorch's layout and init, U(-1/sqrt(H), 1/sqrt(H)),
    with ``GATES`` blocks of rows (4 for an LSTM), so weights copy 1:1 into torch."""

    GATES = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ):
        rng = rng or np.random.default_rng(0)
        k = 1.0 / np.sqrt(hidden_size)
        n = self.GATES * hidden_size
        self.hidden_size = hidden_size
        self.params = {
            "w_ih": rng.uniform(-k, k, (n, input_size)).astype(dtype),
            "w_hh": rng.uniform(-k, k, (n, hidden_size)).astype(dtype),
            "b_ih": rng.uniform(-k, k, n).astype(dtype),
            "b_hh": rng.uniform(-k, k, n).astype(dtype),
        }


@dataclass
class RNNCache:
    xs: np.ndarray  # (T, B, D)
    hs: np.ndarray  # (T + 1, B, H), hs[0] = h0


class RNN(Recurrent):
    GATES = 1

    def forward(self, xs: np.ndarray, h0: np.ndarray | None = None) -> tuple[np.ndarray, RNNCache]:
        T, B, _ = xs.shape
        p = self.params
        hs = np.zeros((T + 1, B, self.hidden_size), dtype=xs.dtype)
        if h0 is not None:
            hs[0] = h0
        for t in range(T):
            hs[t + 1] = np.tanh(xs[t] @ p["w_ih"].T + p["b_ih"] + hs[t] @ p["w_hh"].T + p["b_hh"])
        return hs[1:], RNNCache(xs, hs)

    def backward(
        self, dhs: np.ndarray, cache: RNNCache
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        p = self.params
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        dxs = np.zeros_like(cache.xs)
        dh_next = np.zeros_like(dhs[0])
        for t in reversed(range(len(dhs))):
            dz = (dhs[t] + dh_next) * (1.0 - cache.hs[t + 1] ** 2)
            grads["w_ih"] += dz.T @ cache.xs[t]
            grads["w_hh"] += dz.T @ cache.hs[t]
            grads["b_ih"] += dz.sum(axis=0)
            grads["b_hh"] += dz.sum(axis=0)
            dxs[t] = dz @ p["w_ih"]
            dh_next = dz @ p["w_hh"]
        return grads, dxs


def sgd(
    params: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    lr: float,
    clip: float | None = None,
) -> None:
    """Plain SGD in place, with optional clipping of the global gradient norm."""
    scale = 1.0
    if clip is not None:
        norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
        if norm > clip:
            scale = clip / norm
    for k, g in grads.items():
        params[k] -= lr * scale * g
