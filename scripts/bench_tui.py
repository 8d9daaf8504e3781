#!/usr/bin/env python
"""The chat app's speed: time to first paint and to model-ready, and how responsive the
chat stays while a bot trains in the app.

    .venv/bin/python scripts/bench_tui.py [MODEL_DIR] [--runs 3]
    .venv/bin/python scripts/bench_tui.py [MODEL_DIR] --training [--corpus CORPUS_DIR]

Runs the real app headless (Textual's test driver, 80x24) in a fresh process per run,
so imports are counted: first paint = the main screen is composed and mounted; ready =
the model has loaded in its worker and the chat can answer.

``--training`` starts training on CORPUS_DIR (default corpus/hongloumeng, the app's own
settings) exactly as the new-bot screen does (``ChatApp.start_training``), and types
into the message box while it runs. Key latency: from a key event to the message box
holding the new character; event-loop lag: how late a 20 ms timer fires; reply: from
Enter to the reply's last word (no pacing; median of 5). Each is measured idle first, then during
training; training is stopped at the end (its checkpoint goes to a temporary directory).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from textual import events

from chatbot.cli.common import at_least, given_path, run_script
from chatbot.layout import ModelLayout, default_model, is_prepared

START = time.perf_counter()
QUERY = "你今天去哪里了？"
REPLIES = 5  # replies timed per measurement (the median is reported)


async def measure(model: str, data_dir: str) -> dict:
    from chatbot.tui.app import ChatApp

    app = ChatApp(model, data_dir=data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        first = time.perf_counter() - START
        while app.bot is None:
            await pilot.pause(0.01)
        ready = time.perf_counter() - START
    return {"first_paint": first, "ready": ready}


async def press(app, key: str, done) -> float:
    """Post a key event as the terminal driver does; ms until ``done()`` holds. (Pilot's
    own ``press`` waits for the whole app to go idle, which a training in progress,
    redrawing ten times a second, never lets it do.)"""
    t0 = time.perf_counter()
    app.post_message(events.Key(key, key if len(key) == 1 else None))
    while not done():
        await asyncio.sleep(0.001)
    return (time.perf_counter() - t0) * 1000


async def ask(app) -> float:
    """Send QUERY; ms until the whole reply is there."""
    app.query_one("#prompt").value = QUERY
    replies = len(app.query("Bubble.bot"))
    return await press(
        app, "enter", lambda: len(app.query("Bubble.bot")) > replies and app._live is None
    )


async def responsiveness(app, keys: int) -> dict:
    """Key latencies, timer lateness and one reply's time, in ms."""
    ticks: list[float] = []
    timer = app.set_interval(0.02, lambda: ticks.append(time.perf_counter()))
    prompt = app.query_one("#prompt")
    latencies = []
    for k in range(keys):
        if k % 10 == 0:
            prompt.value = ""
        n = len(prompt.value)
        latencies.append(await press(app, "a", lambda n=n: len(prompt.value) > n))
        await asyncio.sleep(0.03)  # a fast typist: ~30 keys a second
    timer.stop()
    lags = [(b - a - 0.02) * 1000 for a, b in itertools.pairwise(ticks)]
    reply = statistics.median([await ask(app) for _ in range(REPLIES)])
    return {
        "key_median": statistics.median(latencies),
        "key_p95": statistics.quantiles(latencies, n=20)[-1],
        "key_max": max(latencies),
        "lag_median": statistics.median(lags),
        "lag_max": max(lags),
        "reply": reply,
    }


async def during_training(model: str, corpus: str, data_dir: str, keys: int) -> dict:
    from chatbot.tui.app import ChatApp
    from chatbot.tui.training import Job

    app = ChatApp(model, data_dir=data_dir, pace_ms=0)
    async with app.run_test(size=(80, 24)) as pilot:
        while app.bot is None:
            await pilot.pause(0.05)
        await pilot.pause(2.0)  # the bot's warm-up (jieba, word index) is not measured
        await ask(app)  # nor its first reply
        idle = await responsiveness(app, keys)
        job = Job("bench", Path(corpus), Path(data_dir) / "model", app.train_config)
        app.start_training(job)
        await pilot.press("b")  # back to the chat; training goes on
        t0 = time.perf_counter()
        while app.training.batch < 2:  # loading the corpus is not training yet
            if not app.training.running:
                raise SystemExit(f"training ended: {app.training.message}")
            await pilot.pause(0.1)
        loading = time.perf_counter() - t0
        busy = await responsiveness(app, keys)
        batches = app.training.batch
        app.stop_training()
        while app.training.running:
            await pilot.pause(0.1)
    return {"idle": idle, "training": busy, "corpus_load_s": loading, "batches": batches}


def child(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if args.training:
            result = asyncio.run(during_training(args.model, args.corpus, tmp, args.keys))
        else:
            result = asyncio.run(measure(args.model, tmp))
    print(json.dumps(result))
    return 0


def spawn(args: argparse.Namespace, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, args.model, "--child", *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    default = str(default_model() or "corpus/hongloumeng/model")
    ap.add_argument("model", nargs="?", default=default, help="the model the app chats with")
    ap.add_argument("--runs", type=at_least(1), default=3, help="measurements, the median kept")
    ap.add_argument("--training", action="store_true", help="responsiveness while training")
    ap.add_argument("--corpus", default="corpus/hongloumeng", help="what --training trains on")
    ap.add_argument("--keys", type=at_least(1), default=60, help="keys typed per measurement")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not given_path(args.model, default, "model", lambda p: ModelLayout.at(p).exists()):
        return 0
    if args.child:
        return child(args)
    print(f"load average before: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    if args.training:
        if not given_path(args.corpus, "corpus/hongloumeng", "prepared corpus", is_prepared):
            return 0
        extra = ["--training", "--corpus", args.corpus, "--keys", str(args.keys)]
        r = spawn(args, *extra)
        print(
            f"corpus loaded and training started in {r['corpus_load_s']:.1f} s; "
            f"{r['batches']} batches trained while typing"
        )
        print(f"{'ms':18s} {'idle':>8s} {'training':>9s}")
        for key in ("key_median", "key_p95", "key_max", "lag_median", "lag_max", "reply"):
            print(f"{key:18s} {r['idle'][key]:8.1f} {r['training'][key]:9.1f}")
        return 0
    rows = [spawn(args) for _ in range(args.runs)]
    for key in ("first_paint", "ready"):
        values = [r[key] for r in rows]
        print(
            f"{key:12s} median {statistics.median(values):.2f} s  (runs: "
            + ", ".join(f"{v:.2f}" for v in values)
            + ")"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
