"""Snapshot tests of the main screen, settings and help (pytest-textual-snapshot).

Regenerate after an intended UI change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

import time

import pytest

from chatbot.tui.app import ChatApp

SIZE = (80, 24)


@pytest.fixture
def app(echo_model, tmp_path):
    return ChatApp(echo_model, data_dir=tmp_path / "data", pace_ms=0)


async def ready(pilot):
    start = time.monotonic()
    while pilot.app.bot is None and time.monotonic() - start < 60:
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    pilot.app.sub_title = "echo model"  # the path differs per run
    pilot.app.query_one("#status").update("ready")


def test_main_screen(snap_compare, app):
    async def run_before(pilot):
        await ready(pilot)
        pilot.app.query_one("#prompt").value = "你昨天去了哪里？"
        # Until the new value's messages are handled, a loaded machine's screenshot
        # could show the input drawn half-way.
        await pilot.pause()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("key", ["ctrl+s", "f1"], ids=["settings", "help"])
def test_dialog_screen(snap_compare, app, key):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press(key)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
