#!/usr/bin/env python
"""Time to first paint and to model-ready for the chat app.

    .venv/bin/python scripts/bench_tui.py [MODEL_DIR] [--runs 3]

Runs the real app headless (Textual's test driver, 80x24) in a fresh process per run,
so imports are counted: first paint = the main screen is composed and mounted; ready =
the model has loaded in its worker and the chat can answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time

from chatbot.layout import ModelLayout

START = time.perf_counter()


async def measure(model: str, data_dir: str) -> dict:
    from chatbot.tui.app import ChatApp

    app = ChatApp(model, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        first = time.perf_counter() - START
        while app.bot is None:
            await pilot.pause(0.01)
        ready = time.perf_counter() - START
    return {"first_paint": first, "ready": ready}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", nargs="?", default="corpus/hongloumeng/model")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not ModelLayout.at(args.model).exists():
        print(f"skip: no model at {args.model}")
        return 0
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(asyncio.run(measure(args.model, tmp))))
        return 0
    rows = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, args.model, "--child"],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for key in ("first_paint", "ready"):
        values = [r[key] for r in rows]
        print(
            f"{key:12s} median {statistics.median(values):.2f} s  (runs: "
            + ", ".join(f"{v:.2f}" for v in values)
            + ")"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
