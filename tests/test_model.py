"""The network itself."""

import pytest
import torch

from chatbot.config import ModelConfig
from chatbot.data import BOS
from chatbot.model import Seq2Seq
from tests.conftest import model_and_batch, small_table


@pytest.mark.parametrize("layers", [1, 2])
def test_fast_decoding_step_matches_the_lstm(layers):
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(len(t), t.dim, hidden=8, encoder_layers=1, decoder_layers=layers)
    m = Seq2Seq(mc, torch.from_numpy(t.vectors)).eval()
    _, b = model_and_batch()
    memory, state = m.encode(b)
    prev = torch.tensor([BOS])
    slow, slow_state = m.decode_steps(prev.unsqueeze(1), state, memory)  # grad on: nn.LSTM
    with torch.no_grad():
        fast, fast_state = m.decode_steps(prev.unsqueeze(1), state, memory)
    torch.testing.assert_close(fast, slow.detach(), rtol=1e-5, atol=1e-6)
    for a, s in zip(fast_state, slow_state):
        torch.testing.assert_close(a, s.detach(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("head", ["vector", "softmax"])
def test_the_speaker_reaches_the_output_through_the_voice(head):
    """Who speaks moves the output directly (not only through the decoder LSTM): with
    the decoder blind to the persona, the first step's scores still differ by speaker."""
    t = small_table()
    torch.manual_seed(0)
    mc = ModelConfig(
        len(t), t.dim, hidden=8, encoder_layers=1, dropout=0.0, head=head, characters=3, persona=4
    )
    m = Seq2Seq(mc, torch.from_numpy(t.vectors)).eval()
    _, b = model_and_batch()
    with torch.no_grad():
        m.decoder.weight_ih_l0[:, t.dim :] = 0  # the persona's way in through the LSTM
        outs = []
        for who in (1, 2):
            b.speaker = torch.tensor([who])
            outs.append(m.scores(m(b))[0, 0])
    finite = outs[0].isfinite()
    assert not torch.allclose(outs[0][finite], outs[1][finite])
    with torch.no_grad():
        m.head.voice = None  # without it, the blinded decoder cannot tell them apart
        b.speaker = torch.tensor([1])
        a = m.scores(m(b))[0, 0]
        b.speaker = torch.tensor([2])
        torch.testing.assert_close(a, m.scores(m(b))[0, 0])
