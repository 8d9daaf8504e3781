"""python -m chatbot.scratch {adder,primes}: the from-scratch demos."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chatbot.scratch import demos


def run(demo: str, seed: int = 0) -> int:
    if demo == "adder":
        print("A vanilla RNN (16 hidden units) learns 8-bit binary addition, bit by bit.")
        acc = demos.adder(seed=seed)
        return 0 if acc == 1.0 else 1
    print("1. An LSTM learns to output a fixed sequence from random inputs.")
    mem = demos.memorise(seed=seed)
    print(demos.loss_curve(mem))
    print(f"loss fell {mem[0] / mem[-1]:.3g}x\n")
    print("2. An LSTM predicts the next prime from the 5 before it (scaled to [0, 1]).")
    pr = demos.primes(seed=seed)
    print(demos.loss_curve(pr))
    print(f"loss fell {pr[0] / pr[-1]:.3g}x")
    return 0 if min(mem[0] / mem[-1], pr[0] / pr[-1]) >= 100 else 1


def _seed(text: str) -> int:
    """A seed NumPy's generators take: a whole number from 0 to 2**32 - 1."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= seed < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**32 - 1, not {seed}")
    return seed


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="python -m chatbot.scratch")
    parser.description = (
        "NumPy LSTM and RNN written from scratch (forward and backward by hand), trained with "
        "SGD. 'adder': a vanilla RNN learns binary addition; 'primes': an LSTM memorises a "
        "sequence and predicts the next prime."
    )
    parser.add_argument(
        "demo",
        choices=("adder", "primes"),
        help="adder: RNN learns 8-bit addition; primes: LSTM memorises and predicts primes",
    )
    parser.add_argument(
        "--seed", type=_seed, default=0, help="seed of weights and data (0 to 2**32 - 1)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args.demo, args.seed)


if __name__ == "__main__":
    sys.exit(main())
