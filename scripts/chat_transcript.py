#!/usr/bin/env python
"""A real transcript of the chat app: drives ``chatbot chat`` headless with Textual's
Pilot (the same keys a user types), optionally as a character, and prints the chat as the
app exports it (Ctrl+E).

    .venv/bin/python scripts/chat_transcript.py MODEL_DIR [--as NAME] [--to NAME] MESSAGE...

Every message is sent in one chat, so later replies read the earlier turns (for models
trained with --context). The README's transcripts are this script's output.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from chatbot.cli.common import run_script
from chatbot.errors import ChatbotError


async def transcript(
    model: str, messages: list[str], speaker: str | None, addressee: str | None
) -> str:
    from chatbot.tui.app import ChatApp
    from chatbot.tui.export import to_markdown

    data = Path(tempfile.mkdtemp(prefix="transcript-"))
    app = ChatApp(model, data_dir=data, pace_ms=0)

    async def until(condition, timeout: float = 120.0) -> None:
        start = time.monotonic()
        while not condition():
            if time.monotonic() - start > timeout:
                raise SystemExit("the app did not answer in time")
            await pilot.pause(0.05)

    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: app.bot is not None)
        prompt = app.query_one("#prompt")
        commands = [f"/as {speaker}"] * bool(speaker) + [f"/to {addressee}"] * bool(addressee)
        for text in [*commands, *messages]:
            prompt.value = text  # set directly: Pilot cannot press every CJK key
            await pilot.press("enter")
            await pilot.pause(0.2)
            await until(lambda: app._live is None)
        await pilot.pause(0.5)
        return to_markdown("chat", app.store.messages(app.chat_id))


def check_cast(model: str, *names: str | None) -> None:
    """The model is there and knows each name given (before the app waits on it)."""
    from chatbot.bot import Chatbot

    bot = Chatbot.load(model)
    for name in filter(None, names):
        if len(bot.cast) <= 1:
            raise ChatbotError(f"{model} has no characters: --as and --to need a model that has")
        bot.character(name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", help="a trained model directory")
    ap.add_argument("messages", nargs="+", help="what the user says, in order")
    ap.add_argument("--as", dest="speaker", help="the character the bot speaks as (/as)")
    ap.add_argument("--to", dest="addressee", help="the character the user is (/to)")
    args = ap.parse_args()
    check_cast(args.model, args.speaker, args.addressee)  # the app would only say so in its status
    print(asyncio.run(transcript(args.model, args.messages, args.speaker, args.addressee)))
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
