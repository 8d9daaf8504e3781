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
