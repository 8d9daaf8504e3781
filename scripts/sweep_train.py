#!/usr/bin/env python
"""Train several configurations on one corpus and compare them on the validation and
test splits: how the model's defaults were chosen.

    .venv/bin/python scripts/sweep_train.py CORPUS_DIR '{}' '{"head": "softmax"}' ...

Each argument after CORPUS_DIR is a JSON object of TrainConfig overrides ('{}' = the
defaults). --common applies overrides to every run (e.g. a shorter time budget).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chatbot.cli.common import run_script
from chatbot.config import TrainConfig
from chatbot.errors import ChatbotError
from chatbot.train import train


def overrides_of(text: str, what: str) -> dict:
    """A JSON object of TrainConfig overrides, checked."""
    try:
        d = json.loads(text)
    except ValueError as e:
        raise ChatbotError(f"{what} is not JSON ({e.msg}): {text[:40]}") from None
    if not isinstance(d, dict):
        raise ChatbotError(f'{what} must be a JSON object, like {{"lr": 0.001}}: {text[:40]}')
    TrainConfig.from_dict(d, strict=True)  # unknown names and bad values, before any training
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", help="a prepared corpus (chatbot prepare)")
    ap.add_argument("runs", nargs="+", help="JSON objects of TrainConfig overrides")
    ap.add_argument("--common", default="{}", help="JSON overrides for every run")
    ap.add_argument("--out", help="write one JSON line per run here")
    args = ap.parse_args()
    common = overrides_of(args.common, "--common")
    runs = [overrides_of(spec, "a run") for spec in args.runs]  # all checked before training
    console = Console()
    table = Table(title=f"sweep on {args.corpus}")
    for col in (
        "run",
        "params",
        "epochs",
        "s",
        "val top-5",
        "test top-1",
        "test top-5",
        "degenerate",
        "distinct-2",
        "length",
    ):
        table.add_column(col, justify="right")
    for spec, own in zip(args.runs, runs):
        overrides = {**common, **own}
        config = TrainConfig.from_dict(overrides, strict=True)
        with tempfile.TemporaryDirectory() as tmp:
            rows: list[dict] = []
            result = train(args.corpus, config, model_dir=Path(tmp), on_epoch=rows.append)
        best = max(rows, key=lambda r: r["score"])
        t = result.test
        line = {
            "run": spec,
            "config": overrides,
            "epochs": result.epochs,
            "seconds": result.seconds,
            "params": result.trainable_parameters,
            "best_valid": best,
            "test": t,
        }
        console.print(json.dumps(line, ensure_ascii=False))
        if args.out:
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        table.add_row(
            spec,
            f"{result.trainable_parameters / 1e6:.2f}M",
            f"{result.epochs} ({result.best_epoch})",
            f"{result.seconds:.0f}",
            f"{best['valid_top5']:.1%}",
            f"{t['top1']:.1%}",
            f"{t['top5']:.1%}",
            f"{t['degenerate']:.1%}",
            f"{t['distinct2']:.3f}",
            f"{t['mean_length']:.1f}",
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
