"""Two small demos that train the scratch models with SGD and print how they learn."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from chatbot.scratch.lstm import LSTM, sigmoid
from chatbot.scratch.rnn import RNN, sgd

BITS = 8


def _bits(n: np.ndarray) -> np.ndarray:
    """Little-endian bits (least significant first), shape (BITS, len(n))."""
    return (n[None, :] >> np.arange(BITS)[:, None]) & 1


def _number(bits: np.ndarray) -> np.ndarray:
    return (bits * (1 << np.arange(BITS))[:, None]).sum(axis=0)


class Adder:
    """A vanilla RNN reads two numbers bit by bit (least significant first) and emits the
    sum's bit at each step: it has to learn to carry."""

    def __init__(self, hidden: int = 16, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.rnn = RNN(2, hidden, self.rng)
        k = 1.0 / np.sqrt(hidden)
        self.out = {"w": self.rng.uniform(-k, k, (1, hidden)), "b": np.zeros(1)}

    def predict(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        xs = np.stack([_bits(a), _bits(b)], axis=-1).astype(float)  # (T, B, 2)
        hs, _ = self.rnn.forward(xs)
        return _number((sigmoid(hs @ self.out["w"].T + self.out["b"])[..., 0] > 0.5).astype(int))

    def step(self, a: np.ndarray, b: np.ndarray, lr: float) -> float:
        xs = np.stack([_bits(a), _bits(b)], axis=-1).astype(float)
        target = _bits(a + b).astype(float)[..., None]  # (T, B, 1)
        hs, cache = self.rnn.forward(xs)
        y = sigmoid(hs @ self.out["w"].T + self.out["b"])
        n = a.size
        dlogits = (y - target) / n  # binary cross-entropy through the sigmoid
        grads, _ = self.rnn.backward(dlogits @ self.out["w"], cache)
        out_grads = {
            "w": np.einsum("tbo,tbh->oh", dlogits, hs),
            "b": dlogits.sum(axis=(0, 1)),
        }
        sgd(self.rnn.params, grads, lr, clip=5.0)
        sgd(self.out, out_grads, lr)
        return float(np.abs(y - target).sum() / n)


def adder(
    iterations: int = 10_000,
    batch: int = 16,
    lr: float = 0.3,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> float:
    """Train the adder; return its accuracy on 1,000 held-out sums it never trained on."""
    model = Adder(seed=seed)
    rng = model.rng
    half = 1 << (BITS - 1)  # a + b must fit in 8 bits
    every = rng.permutation(half * half)
    held, train = every[:1000], every[1000:]
    errors = []
    start = time.perf_counter()
    for it in range(1, iterations + 1):
        a, b = np.divmod(rng.choice(train, batch), half)
        errors.append(model.step(a, b, lr))
        if it % 1000 == 0:
            x, y = (int(v) for v in np.divmod(rng.choice(held), half))
            pred = int(model.predict(np.array([x]), np.array([y]))[0])
            log(
                f"iter {it:6d}  error {np.mean(errors[-1000:]):.3f}  "
                f"{x:3d} + {y:3d} = {pred:3d} {'ok' if pred == x + y else f'(want {x + y})'}"
            )
    a, b = np.divmod(held, half)
    acc = float(np.mean(model.predict(a, b) == a + b))
    seconds = time.perf_counter() - start
    log(f"held-out accuracy on {len(held)} new sums: {acc:.1%}  ({seconds:.1f} s)")
    return acc


def loss_curve(losses: list[float], width: int = 60, height: int = 8) -> str:
    """The loss on a log scale as a small text chart: a person reads a curve faster than
    a column of numbers."""
    logs = np.log10(np.maximum(np.asarray(losses), 1e-12))
    cols = np.array_split(logs, min(width, len(logs)))
    ys = np.array([c.mean() for c in cols])
    lo, hi = ys.min(), ys.max()
    levels = np.round((ys - lo) / (hi - lo + 1e-12) * (height - 1)).astype(int)
    rows = []
    for r in reversed(range(height)):
        label = (
            f"{10 ** (lo + (hi - lo) * r / (height - 1)):9.2e} |"
            if r in (0, height - 1)
            else " " * 10 + "|"
        )
        rows.append(label + "".join("*" if lv == r else " " for lv in levels))
    rows.append(" " * 10 + "+" + "-" * len(levels) + f"> {len(losses)} iterations")
    return "\n".join(rows)


def memorise(
    iterations: int = 300, lr: float = 0.1, seed: int = 0, log: Callable[[str], None] = print
) -> list[float]:
    """An LSTM learns to output a fixed target sequence (on its first hidden unit) from
    fixed random inputs: the smallest possible sequence-learning task."""
    rng = np.random.default_rng(seed)
    target = np.array([-0.5, 0.2, 0.1, -0.5])
    xs = rng.uniform(-1, 1, (len(target), 1, 50))
    lstm = LSTM(50, 100, rng)
    losses = []
    for it in range(iterations):
        hs, cache = lstm.forward(xs)
        err = hs[:, 0, 0] - target
        losses.append(float(np.sum(err**2)))
        dhs = np.zeros_like(hs)
        dhs[:, 0, 0] = 2 * err
        grads, _ = lstm.backward(dhs, cache)
        sgd(lstm.params, grads, lr)
        if it % 100 == 0 or it == iterations - 1:
            log(f"iter {it:5d}  loss {losses[-1]:.2e}  output {np.round(hs[:, 0, 0], 3).tolist()}")
    return losses


def first_primes(n: int) -> np.ndarray:
    primes: list[int] = []
    k = 2
    while len(primes) < n:
        if all(k % p for p in primes if p * p <= k):
            primes.append(k)
        k += 1
    return np.array(primes, dtype=float)


def primes(
    iterations: int = 3000,
    window: int = 5,
    hidden: int = 32,
    lr: float = 0.2,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> list[float]:
    """An LSTM reads ``window`` consecutive primes (scaled to [0, 1]) and predicts the next."""
    rng = np.random.default_rng(seed)
    p = first_primes(200)
    scale = p.max()
    seqs = np.stack([p[i : i + window] for i in range(len(p) - window)]) / scale  # (N, W)
    nxt = p[window:] / scale  # (N,)
    xs = seqs.T[:, :, None]  # (W, N, 1)
    lstm = LSTM(1, hidden, rng)
    head = {"w": rng.uniform(-0.1, 0.1, (1, hidden)), "b": np.zeros(1)}
    losses = []
    for it in range(iterations):
        hs, cache = lstm.forward(xs)
        pred = hs[-1] @ head["w"].T + head["b"]  # (N, 1)
        err = pred[:, 0] - nxt
        losses.append(float(np.mean(err**2)))
        dpred = (2 * err / len(err))[:, None]
        dhs = np.zeros_like(hs)
        dhs[-1] = dpred @ head["w"]
        grads, _ = lstm.backward(dhs, cache)
        sgd(lstm.params, grads, lr, clip=1.0)
        sgd(head, {"w": dpred.T @ hs[-1], "b": dpred.sum(axis=0)}, lr)
        if it % 500 == 0 or it == iterations - 1:
            log(f"iter {it:5d}  mse {losses[-1]:.2e}")
    for k in (0, len(nxt) // 2, len(nxt) - 1):
        shown = ", ".join(str(int(v)) for v in p[k : k + window])
        log(f"after {shown}: predicted {pred[k, 0] * scale:7.1f}, next prime {int(p[k + window])}")
    return losses
