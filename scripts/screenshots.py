#!/usr/bin/env python
"""SVG screenshots of the real app for the README: the chat, the settings, a new bot
made from a novel, and its training.

    .venv/bin/python scripts/screenshots.py [--model DIR] [--novel NOVEL.txt] [--out DIR]

Runs the app headless (Textual's test driver) with the shipped model and a temporary
data directory, types what a user would, and saves each screen with Textual's own
``save_screenshot``. The new bot is made from NOVEL (default: 鏡花緣 from
../shared/corpus/library, when it is there: the book the shipped base did not read)
with the app's own settings, for ``--epochs`` epochs; the training screenshot is taken
once two epochs are plotted.
Screenshots go to docs/screenshots/ (``--out``), where the README shows them.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from chatbot.cli.common import run_script
from chatbot.layout import SHIPPED_MODEL

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT.parent / "shared" / "corpus" / "library"
QUESTIONS = ("林妹妹身子可好些了？", "宝玉，你今天去哪里了？")
SIZE = (100, 30)
TALL = (100, 40)


async def wait_for(pilot, condition, timeout: float, what: str) -> None:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"timed out waiting for {what}")
        await pilot.pause(0.1)


async def shoot(args: argparse.Namespace, data_dir: Path) -> list[Path]:
    from chatbot.tui.app import ChatApp
    from chatbot.tui.screens import NewBotScreen, SettingsScreen
    from chatbot.tui.training import APP_TRAIN

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    config = replace(APP_TRAIN, max_epochs=args.epochs, max_minutes=0)  # epochs, not time
    app = ChatApp(args.model, data_dir=data_dir, pace_ms=0, train_config=config)

    def save(name: str) -> None:
        app.save_screenshot(f"{name}.svg", str(out))
        saved.append(out / f"{name}.svg")

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.bot is not None, 60, "the model")
        prompt = app.query_one("#prompt")
        for line in ("/seed 1", *QUESTIONS):
            prompt.value = line
            await pilot.press("enter")
            await wait_for(pilot, lambda: app._live is None, 60, "a reply")
        prompt.value = "你昨天去了哪里？"
        await pilot.pause(0.5)
        save("chat")

        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), 10, "settings")
        await pilot.pause(0.3)
        save("settings")
        await pilot.press("escape")

        await pilot.resize_terminal(*TALL)  # room for what the novel gave, and the plot
        prompt.value = f"/newbot {args.novel}"
        await pilot.press("enter")

        def found() -> bool:
            screen = app.screen
            return isinstance(screen, NewBotScreen) and bool(screen.found)

        await wait_for(pilot, found, 600, "the novel to be prepared")
        await pilot.pause(0.3)
        save("newbot")

        await pilot.click("#train")

        def plotted() -> bool:
            t = app.training
            if t is not None and not t.running:
                raise SystemExit(f"training ended before its third epoch: {t.message}")
            return t is not None and len(t.samples) >= 2 and t.batch > t.batches // 3

        await wait_for(pilot, plotted, 60 * 60, "two epochs of training")
        await pilot.pause(0.5)
        save("training")
        app.stop_training()
        await wait_for(pilot, lambda: not app.training.running, 600, "training to stop")
        await pilot.pause(0.2)
    return saved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", default=str(SHIPPED_MODEL), help="the bot to chat with")
    ap.add_argument(
        "--novel", default=str(LIBRARY / "jinghua_yuan.txt"), help="the novel of the new bot"
    )
    ap.add_argument("--epochs", type=int, default=3, help="epochs at most for the new bot")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="where to write")
    args = ap.parse_args()
    if not Path(args.novel).is_file():
        print(f"no novel at {args.novel}; pass --novel NOVEL.txt")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for path in asyncio.run(shoot(args, Path(tmp))):
            print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
