"""The learning path: an LSTM and a vanilla RNN written from scratch in NumPy.

Nothing in the product imports this package. It exists for readers who want to see
every gate and every gradient spelled out next to the real thing: the tests copy the
same weights into ``torch.nn.LSTM``/``torch.nn.RNN`` and check that forward outputs and
backpropagated gradients agree to 1e-6 in float64.

    python -m chatbot.scratch adder    # a vanilla RNN learns binary addition
    python -m chatbot.scratch primes   # an LSTM memorises a sequence, predicts primes
"""

from chatbot.scratch.lstm import LSTM
from chatbot.scratch.rnn import RNN, sgd

__all__ = ["LSTM", "RNN", "sgd"]
