"""The from-scratch NumPy LSTM/RNN against PyTorch's, in float64."""

import numpy as np
import pytest
import torch

from chatbot.scratch import LSTM, RNN, demos
from chatbot.scratch.__main__ import main as scratch_main

T, B, D, H = 6, 3, 4, 5


def _torch_name(name: str) -> str:
    kind, part = name.split("_")  # w_ih -> weight_ih_l0, b_hh -> bias_hh_l0
    return f"{'weight' if kind == 'w' else 'bias'}_{part}_l0"


def torch_copy(ref: torch.nn.Module, model) -> torch.nn.Module:
    with torch.no_grad():
        for name, value in model.params.items():
            getattr(ref, _torch_name(name)).copy_(torch.from_numpy(value))
    return ref


@pytest.fixture
def rng():
    return np.random.default_rng(42)


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_forward_and_gradients_match_pytorch(kind, rng):
    if kind == "lstm":
        model = LSTM(D, H, rng)
        ref = torch_copy(torch.nn.LSTM(D, H, dtype=torch.float64), model)
    else:
        model = RNN(D, H, rng)
        ref = torch_copy(torch.nn.RNN(D, H, dtype=torch.float64), model)
    xs = rng.normal(size=(T, B, D))
    upstream = rng.normal(size=(T, B, H))  # loss = sum(hs * upstream)

    hs, cache = model.forward(xs)
    grads, dxs = model.backward(upstream, cache)

    x_t = torch.from_numpy(xs).requires_grad_(True)
    out, _ = ref(x_t)
    (out * torch.from_numpy(upstream)).sum().backward()

    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(dxs, x_t.grad.numpy(), rtol=0, atol=1e-6)
    for name, g in grads.items():
        np.testing.assert_allclose(g, getattr(ref, _torch_name(name)).grad.numpy(), atol=1e-6)


def test_lstm_initial_state_and_its_gradient_match_pytorch(rng):
    model = LSTM(D, H, rng)
    ref = torch_copy(torch.nn.LSTM(D, H, dtype=torch.float64), model)
    xs, h0, s0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    hs, cache = model.forward(xs, h0, s0)
    out, (h_n, c_n) = ref(
        torch.from_numpy(xs), (torch.from_numpy(h0)[None], torch.from_numpy(s0)[None])
    )
    np.testing.assert_allclose(hs, out.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(hs[-1], h_n[0].detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(cache.ss[-1], c_n[0].detach().numpy(), atol=1e-6)


def test_lstm_gradients_match_finite_differences(rng):
    model = LSTM(D, H, rng)
    xs = rng.normal(size=(T, B, D))
    upstream = rng.normal(size=(T, B, H))

    def loss() -> float:
        return float(np.sum(model.forward(xs)[0] * upstream))

    _, cache = model.forward(xs)
    grads, _ = model.backward(upstream, cache)
    eps = 1e-6
    for name, param in model.params.items():
        for idx in [tuple(rng.integers(0, s) for s in param.shape) for _ in range(5)]:
            old = param[idx]
            param[idx] = old + eps
            up = loss()
            param[idx] = old - eps
            down = loss()
            param[idx] = old
            assert (up - down) / (2 * eps) == pytest.approx(grads[name][idx], abs=1e-6)


def test_gradient_check_catches_a_broken_backward(rng):
    """The comparison above can fail: a backward pass without the forget-gate path
    through the cell state disagrees with PyTorch."""
    model = LSTM(D, H, rng)
    ref = torch_copy(torch.nn.LSTM(D, H, dtype=torch.float64), model)
    xs = rng.normal(size=(T, B, D))
    upstream = rng.normal(size=(T, B, H))
    _, cache = model.forward(xs)
    cache.gates[:, 1] = 0.0  # pretend every forget gate was closed
    grads, _ = model.backward(upstream, cache)
    x_t = torch.from_numpy(xs)
    out, _ = ref(x_t)
    (out * torch.from_numpy(upstream)).sum().backward()
    assert not np.allclose(grads["w_hh"], ref.weight_hh_l0.grad.numpy(), atol=1e-6)


def test_adder_reaches_full_accuracy_on_held_out_sums():
    lines: list[str] = []
    assert demos.adder(log=lines.append) == 1.0
    assert sum("error" in ln for ln in lines) == 10  # one report per 1000 iterations


def test_primes_and_memorise_losses_fall_100x():
    mem = demos.memorise(log=lambda _s: None)
    assert mem[0] / mem[-1] >= 100
    pr = demos.primes(iterations=1500, log=lambda _s: None)
    assert pr[0] / pr[-1] >= 100


def test_loss_curve_draws_the_ends():
    chart = demos.loss_curve([1.0, 0.1, 0.01, 0.001])
    assert "1.00e+00" in chart and "1.00e-03" in chart and "4 iterations" in chart


def test_scratch_cli(capsys):
    assert scratch_main(["adder"]) == 0
    assert "held-out accuracy" in capsys.readouterr().out
