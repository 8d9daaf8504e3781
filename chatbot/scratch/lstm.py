"""An LSTM layer in NumPy with backpropagation through time.

Notation (per time step t, batch rows, hidden size H):

    g = tanh(x W_g + h_prev U_g + b_g)        candidate cell input
    i = sigmoid(x W_i + h_prev U_i + b_i)     input gate
    f = sigmoid(x W_f + h_prev U_f + b_f)     forget gate
    o = sigmoid(x W_o + h_prev U_o + b_o)     output gate
    s = g * i + s_prev * f                    cell state
    h = tanh(s) * o                           hidden state

The cell state is the "constant error carousel": ds flows back to ds_prev multiplied
only by the forget gate, so the error neither explodes nor vanishes through a chain of
tanh derivatives. Weights are stored in PyTorch's layout (rows i, f, g, o stacked into
``w_ih`` of shape (4H, D) and ``w_hh`` of shape (4H, H), two bias vectors), so the same
numbers can be copied into ``torch.nn.LSTM`` and compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chatbot.scratch.rnn import Recurrent


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # numerically stable for large |x|


@dataclass
class LSTMCache:
    xs: np.ndarray  # (T, B, D) inputs
    hs: np.ndarray  # (T + 1, B, H) hidden states, hs[0] = h0
    ss: np.ndarray  # (T + 1, B, H) cell states, ss[0] = s0
    gates: np.ndarray  # (T, 4, B, H) activations i, f, g, o


class LSTM(Recurrent):
    """One LSTM layer; parameters in ``self.params`` (a dict of arrays)."""

    GATES = 4

    def forward(
        self, xs: np.ndarray, h0: np.ndarray | None = None, s0: np.ndarray | None = None
    ) -> tuple[np.ndarray, LSTMCache]:
        """Run the sequence ``xs`` (T, B, D); return hidden states (T, B, H) and a cache."""
        T, B, _ = xs.shape
        H = self.hidden_size
        p = self.params
        hs = np.zeros((T + 1, B, H), dtype=xs.dtype)
        ss = np.zeros((T + 1, B, H), dtype=xs.dtype)
        if h0 is not None:
            hs[0] = h0
        if s0 is not None:
            ss[0] = s0
        gates = np.zeros((T, 4, B, H), dtype=xs.dtype)
        for t in range(T):
            z = xs[t] @ p["w_ih"].T + hs[t] @ p["w_hh"].T + p["b_ih"] + p["b_hh"]
            i = sigmoid(z[:, :H])
            f = sigmoid(z[:, H : 2 * H])
            g = np.tanh(z[:, 2 * H : 3 * H])
            o = sigmoid(z[:, 3 * H :])
            ss[t + 1] = g * i + ss[t] * f
            hs[t + 1] = np.tanh(ss[t + 1]) * o
            gates[t] = (i, f, g, o)
        return hs[1:], LSTMCache(xs, hs, ss, gates)

    def backward(
        self,
        dhs: np.ndarray,
        cache: LSTMCache,
        dh_last: np.ndarray | None = None,
        ds_last: np.ndarray | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Backpropagate ``dhs`` = dLoss/dh_t (T, B, H) through time.

        Returns the parameter gradients (same keys as ``params``) and dLoss/dxs.
        """
        p = self.params
        T, B, H = dhs.shape
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        dxs = np.zeros_like(cache.xs)
        dh_next = np.zeros((B, H), dtype=dhs.dtype) if dh_last is None else dh_last
        ds_next = np.zeros((B, H), dtype=dhs.dtype) if ds_last is None else ds_last
        for t in reversed(range(T)):
            i, f, g, o = cache.gates[t]
            s, s_prev, h_prev = cache.ss[t + 1], cache.ss[t], cache.hs[t]
            dh = dhs[t] + dh_next
            tanh_s = np.tanh(s)
            do = dh * tanh_s
            ds = dh * o * (1.0 - tanh_s**2) + ds_next  # the carousel: + ds from t+1
            di, dg, df = ds * g, ds * i, ds * s_prev
            ds_next = ds * f
            # Through the nonlinearities to the pre-activations, in PyTorch's i, f, g, o order.
            dz = np.concatenate(
                [di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1
            )
            grads["w_ih"] += dz.T @ cache.xs[t]
            grads["w_hh"] += dz.T @ h_prev
            grads["b_ih"] += dz.sum(axis=0)
            grads["b_hh"] += dz.sum(axis=0)
            dxs[t] = dz @ p["w_ih"]
            dh_next = dz @ p["w_hh"]
        return grads, dxs
