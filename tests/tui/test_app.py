"""The chat app driven by Textual's Pilot, with a tiny model trained in the session and
an isolated data directory."""

import asyncio
import time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.css.query import NoMatches
from textual.selection import Selection
from textual.widgets.input import Selection as InputSelection

from chatbot.tui.app import ChatApp
from chatbot.tui.prefs import Prefs
from chatbot.tui.screens import ErrorScreen, HelpScreen, SettingsScreen
from chatbot.tui.store import Store
from chatbot.tui.widgets import Bubble
from tests.conftest import LINES


async def wait_for(pilot, condition, timeout=30.0):
    """Until ``condition()`` holds; one that queries a widget not mounted yet (a screen
    still composing, on a busy machine) does not hold yet."""
    start = time.monotonic()
    while not _holds(condition):
        if time.monotonic() - start > timeout:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)


def _holds(condition) -> bool:
    try:
        return bool(condition())
    except NoMatches:
        return False


def bubbles(app, role):
    return [b for b in app.query(Bubble) if b.role == role]


async def say(pilot, app, text):
    """Type a message (set directly: Pilot cannot press every CJK punctuation key)."""
    app.query_one("#prompt").value = text
    await pilot.press("enter")


async def ask(pilot, app, text):
    """Say ``text`` and wait for the whole reply."""
    await say(pilot, app, text)
    await wait_for(pilot, lambda: bubbles(app, "bot") and app._live is None)


@asynccontextmanager
async def chat(model, data_dir, ready=lambda app: app.bot is not None, size=(80, 24), **kw):
    """The app on an 80x24 terminal, once ``ready`` holds (by default: model loaded)."""
    app = ChatApp(model, data_dir=data_dir, **kw)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: ready(app))
        yield app, pilot


def run(coro):
    return asyncio.run(coro)


def test_chat_streams_a_reply_word_by_word(echo_model, data_dir):
    async def main():
        async with chat(echo_model, data_dir, pace_ms=60) as (app, pilot):
            await pilot.press(*"你好")
            await pilot.press("enter")
            await wait_for(
                pilot, lambda: len(bubbles(app, "bot")) == 1 and bubbles(app, "bot")[0].words
            )
            seen = [len(bubbles(app, "bot")[0].words)]
            await wait_for(pilot, lambda: app._live is None, timeout=60)
            seen.append(len(bubbles(app, "bot")[0].words))
            assert seen[0] < seen[1]  # words arrived over time, not all at once
            assert bubbles(app, "user")[0].plain == "你好"

    run(main())


def test_settings_change_the_next_reply(echo_model, data_dir):
    async def main():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            for command in ("/strategy greedy", "/max 3"):
                await pilot.press(*command)
                await pilot.press("enter")
            assert app.options.strategy == "greedy" and app.options.max_length == 3
            await ask(pilot, app, LINES[0])
            assert len(bubbles(app, "bot")[-1].words) == 3
            await pilot.press(*"/temp zero")
            await pilot.press("enter")
            assert "temp" in str(app.query_one("#status").render())

    run(main())


def test_settings_dialog_and_help(echo_model, data_dir):
    async def main():
        async with chat(echo_model, data_dir) as (app, pilot):
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
            app.screen.query_one("#temperature").value = "1.3"
            await pilot.click("#save")
            await wait_for(pilot, lambda: not isinstance(app.screen, SettingsScreen))
            assert app.options.temperature == 1.3
            # The status says what changed, and that beam search does not sample.
            said = str(app.query_one("#status").render())
            assert "temperature=1.3" in said and "apply with /strategy sample" in said
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            body = app.screen.query_one("#help-body")
            await pilot.pause(0.1)
            # It opens at the top, and the keys scroll it.
            assert app.screen.focused is body and body.scroll_y == 0 < body.max_scroll_y
            await pilot.press("pagedown")
            await wait_for(pilot, lambda: body.scroll_y > 0)
            await pilot.press("escape")

    run(main())


def test_commands_export_clear_new_and_history_survives_restart(
    echo_model, data_dir, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # where Ctrl+O writes

    async def first():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            await ask(pilot, app, LINES[1])
            out = tmp_path / "chat.md"
            await pilot.press(*f"/export {out}")
            await pilot.press("enter")
            text = out.read_text(encoding="utf-8")
            assert LINES[1] in text and "**bot**" in text
            app.query_one("#prompt").value = "half typed"
            await pilot.press("up")  # input history
            assert app.query_one("#prompt").value == f"/export {out}"
            await pilot.press("down")  # back to what was being typed
            assert app.query_one("#prompt").value == "half typed"
            await pilot.press("up")
            await pilot.press("enter")  # the same file again: kept, not overwritten
            assert "exists" in str(app.query_one("#status").render())
            await pilot.press("ctrl+o")  # the key works with the message box focused
            assert (tmp_path / f"chat-{app.chat_id}.md").read_text(encoding="utf-8") == text
            return bubbles(app, "bot")[0].plain

    reply = run(first())

    async def second():
        def ready(app):  # the model, and the chat reopened from the store
            return app.bot is not None and bubbles(app, "user")

        async with chat(echo_model, data_dir, ready, pace_ms=0) as (app, pilot):
            assert bubbles(app, "user")[0].plain == LINES[1]
            assert bubbles(app, "bot")[0].plain == reply
            await pilot.press(*"/clear")
            await pilot.press("enter")
            await pilot.pause(0.1)
            status = app.query_one("#status")
            assert not list(app.query(Bubble)) and "cleared" in str(status.render())
            await pilot.press("ctrl+o")  # an empty chat: no file
            assert "nothing to export" in str(status.render())
            await pilot.press("ctrl+n")  # the empty chat is a new one already
            await pilot.pause(0.1)
            assert len(app.store.chats()) == 1
            await ask(pilot, app, LINES[1])
            await pilot.press("ctrl+n")
            await pilot.pause(0.1)
            assert len(app.store.chats()) == 2 and not list(app.query(Bubble))

    run(second())


def test_settings_and_writing_mode_are_kept_for_the_next_start(echo_model, data_dir):
    async def first():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            await ask(pilot, app, LINES[1])
            for line in ("/strategy sample", "/temp 0.5", "/words 80", "/scores on", "/continue"):
                await pilot.press(*line)
                await pilot.press("enter")
            assert "writing" in app.sub_title

    run(first())

    async def second():
        def reopened(app):
            return app.bot is not None and bubbles(app, "bot")

        async with chat(echo_model, data_dir, reopened, pace_ms=0) as (app, pilot):
            o = app.options
            assert (o.strategy, o.temperature, app.story_words) == ("sample", 0.5, 80)
            assert app.writing and app.show_scores and "writing" in app.sub_title
            assert bubbles(app, "bot") and all(b.show_scores for b in bubbles(app, "bot"))
            assert "passage" in app.query_one("#prompt").placeholder
            await pilot.press(*"/chat")
            await pilot.press("enter")

    run(second())
    Store(data_dir).set_setting("prefs", '{"options": {"beam": -1}, "writing": true}')

    async def third():  # a damaged value: the defaults for it, a word, no traceback
        async with chat(echo_model, data_dir, pace_ms=0) as (app, _pilot):
            assert app.options.beam == 4 and app.writing
            assert "decoding" in str(list(app._notifications))

    run(third())
    assert Prefs.from_json(Store(data_dir).setting("prefs"))[1] is None  # said once


@pytest.mark.parametrize("key", ["escape", "ctrl+c"])
def test_escape_or_ctrl_c_stops_a_reply(echo_model, data_dir, key):
    async def main():
        async with chat(echo_model, data_dir, pace_ms=300) as (app, pilot):
            await say(pilot, app, LINES[2])
            await wait_for(pilot, lambda: bubbles(app, "bot") and bubbles(app, "bot")[0].words)
            await pilot.press(key)
            await wait_for(pilot, lambda: app._live is None)
            assert "stopped" in str(app.query_one("#status").render())
            assert len(bubbles(app, "bot")[0].words) < 5
            if key == "ctrl+c":  # with no reply, it says how to quit (and does not)
                await pilot.press("ctrl+c")
                await pilot.pause(0.1)
                assert app.is_running and "Ctrl+Q quits" in str(list(app._notifications))
                bubble = bubbles(app, "bot")[0]  # with a selection, it copies
                app.screen.selections = {bubble: Selection(None, None)}
                shown = app.screen.get_selected_text()
                await pilot.press("ctrl+c")
                await pilot.pause(0.1)
                assert app.clipboard == shown != "" and not app.screen.get_selected_text()
                prompt = app.query_one("#prompt")
                prompt.value = "抄这句"
                prompt.selection = InputSelection(0, 2)
                await pilot.press("ctrl+c")
                await pilot.pause(0.1)
                assert app.clipboard == "抄这"

    run(main())


def test_a_reply_cut_short_is_stored_where_and_as_it_was_shown(echo_model, data_dir):
    """Moving on while a reply streams settles it at once: sending again keeps the
    chat's order, a new chat leaves it in the old one, /clear and Ctrl+R drop it."""

    async def streaming(pilot, app, text):
        await say(pilot, app, text)
        await wait_for(pilot, lambda: app._live is not None and app._live.words)

    def roles(app, chat):
        return [(m.role, m.text) for m in app.store.messages(chat)]

    async def main():
        async with chat(echo_model, data_dir, pace_ms=300) as (app, pilot):
            await streaming(pilot, app, LINES[0])
            await streaming(pilot, app, LINES[1])  # sent while the first reply streams
            first = app.chat_id
            shown = [(b.role, b.plain) for b in app.query(Bubble)]
            assert roles(app, first)[:3] == shown[:3]
            assert [r for r, _ in roles(app, first)] == ["user", "bot", "user"]
            await pilot.press("ctrl+n")  # the second reply, cut short, stays in chat 1
            assert [r for r, _ in roles(app, first)] == ["user", "bot", "user", "bot"]
            assert not roles(app, app.chat_id)
            await streaming(pilot, app, LINES[2])
            await pilot.press("ctrl+r")  # the cut reply is dropped, a new one written
            await wait_for(pilot, lambda: app._live is None)
            assert [r for r, _ in roles(app, app.chat_id)] == ["user", "bot"]
            assert len(bubbles(app, "bot")) == 1
            await streaming(pilot, app, LINES[3])
            await pilot.press(*"/clear")
            await pilot.press("enter")
            await pilot.pause(1.0)  # the reply thread notices it was stopped
            assert not roles(app, app.chat_id) and not list(app.query(Bubble))
            await streaming(pilot, app, LINES[4])
            app.switch_model(app.model_dir)  # the reply keeps its bot and its chat
            await wait_for(pilot, lambda: app.bot is not None)
            assert [r for r, _ in roles(app, app.chat_id)] == ["user", "bot"]
            await streaming(pilot, app, LINES[5])
            last = app.chat_id
            await pilot.press("ctrl+q")  # quitting keeps what was shown, as Esc does
        assert [m.role for m in Store(data_dir).messages(last)][-2:] == ["user", "bot"]

    run(main())


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
def test_error_screen_for_a_missing_or_corrupt_model(echo_model, data_dir, tmp_path, broken):
    import shutil

    target = tmp_path / "model"
    if broken == "corrupt":
        shutil.copytree(echo_model, target)
        (target / "model.safetensors").write_bytes(b"garbage")

    async def main():
        def ready(app):
            return isinstance(app.screen, ErrorScreen) and app.screen.query("#message")

        async with chat(target, data_dir, ready) as (app, pilot):
            text = str(app.screen.query_one("#message").render())
            assert ("no model directory" in text) if broken == "missing" else ("corrupt" in text)
            app.screen.query_one("#quit").press()
            await pilot.pause(0.2)
        assert app.return_code == 2

    run(main())


def test_earlier_chats_can_be_reopened_and_pastes_become_one_line(echo_model, data_dir):
    from textual import events

    from chatbot.tui.screens import ChatPicker

    async def main():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            await ask(pilot, app, LINES[4])
            first = app.chat_id
            await pilot.press("ctrl+n")
            await pilot.pause(0.1)
            assert not list(app.query(Bubble)) and app.chat_id != first
            prompt = app.query_one("#prompt")
            prompt.post_message(events.Paste("第一行，\n第二行\nHello,\nworld\n"))
            await pilot.pause(0.1)
            assert prompt.value == "第一行，第二行Hello, world"  # run on as the book would
            prompt.value = ""
            prompt.post_message(events.Paste("“Come here,”\nsaid Tom. A café\nin Paris."))
            await pilot.pause(0.1)
            assert prompt.value == "“Come here,” said Tom. A café in Paris."
            prompt.value = ""
            prompt.post_message(events.Paste("“你好。”\n“我很好。”他说——\n“不。”"))
            await pilot.pause(0.1)
            assert prompt.value == "“你好。”“我很好。”他说——“不。”"
            prompt.value = "/chats"
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ChatPicker))
            titles = [app.store.chats()[i].id for i in range(2)]
            await pilot.press("down" if titles[0] != first else "up", "enter")
            await wait_for(pilot, lambda: app.chat_id == first)
            assert bubbles(app, "user")[0].plain == LINES[4]

    run(main())


def test_writing_mode_writes_the_story_on_and_chat_mode_replies_again(writer_model, data_dir):
    async def main():
        async with chat(writer_model, data_dir, pace_ms=0) as (app, pilot):
            await say(pilot, app, "/continue")
            assert app.writing and "writes the story on" in app.query_one("#prompt").placeholder
            await say(pilot, app, f"/words {app.options.max_length + 10}")
            await ask(pilot, app, LINES[3])
            assert len(bubbles(app, "bot")[-1].words) == app.options.max_length + 10
            await say(pilot, app, "/seed 1")
            stories = []
            for _ in range(3):  # with a seed too, each retry writes another story
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: app._live is None and bubbles(app, "bot"))
                await wait_for(pilot, lambda: app._live is None)
                stories.append(bubbles(app, "bot")[-1].plain)
            assert len(set(stories)) == 3, stories
            await say(pilot, app, "/chat")
            assert not app.writing
            await ask(pilot, app, LINES[0])  # a reply again: never longer than max length
            assert len(bubbles(app, "bot")[-1].words) <= app.options.max_length

    run(main())


def test_a_traditional_novel_chats_in_traditional(echo_model, data_dir, tmp_path):
    import json
    import shutil

    from chatbot.bot import Chatbot
    from chatbot.ingest.textio import to_simplified, to_traditional

    model = tmp_path / "traditional"
    shutil.copytree(echo_model, model)
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    (model / "config.json").write_text(json.dumps(config | {"script": "s2t"}))
    expected = Chatbot.load(echo_model).reply(LINES[0]).text

    async def main():
        async with chat(model, data_dir, pace_ms=0) as (app, pilot):
            await ask(pilot, app, to_traditional(LINES[0]))
            shown = bubbles(app, "bot")[0].plain
            assert shown == to_traditional(expected) != expected
            assert to_simplified([shown]) == [expected]

    run(main())


def test_a_chat_reopens_with_the_bot_it_was_had_with(echo_model, writer_model, data_dir):
    from chatbot.tui.screens import ChatPicker

    async def first():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            await ask(pilot, app, LINES[4] + "[/]")  # a title with markup in it
            return app.chat_id

    echo_chat = run(first())

    async def other_bot():
        async with chat(writer_model, data_dir, pace_ms=0) as (app, pilot):
            await wait_for(pilot, lambda: app.chat_id is not None)
            assert app.chat_id != echo_chat and not bubbles(app, "user")  # not echo's chat
            await say(pilot, app, "/chats")
            await wait_for(pilot, lambda: isinstance(app.screen, ChatPicker))
            labels = [str(o.prompt) for o in app.screen.query_one("#chats").options]
            assert any(LINES[4][:6] in label and " · " in label for label in labels)
            assert any("[/]" in label for label in labels)  # shown as typed, no crash
            ids = [c.id for c in app.store.chats()]
            await pilot.press(*["down"] * ids.index(echo_chat), "enter")
            await wait_for(pilot, lambda: app.chat_id == echo_chat and app.bot is not None)
            assert app.model_dir.resolve() == echo_model.resolve()
            assert bubbles(app, "user")[0].plain == LINES[4] + "[/]"
            app._reopen = (echo_chat, writer_model)  # left by a load that never came
            app.switch_model(echo_model, fresh_chat=True)  # what a finished training does
            await wait_for(pilot, lambda: app.bot is not None and app.chat_id != echo_chat)
            assert not bubbles(app, "user")  # a fresh chat, not that one

    run(other_bot())


def test_another_bot_picked_in_model_gets_a_chat_of_its_own(echo_model, writer_model, data_dir):
    async def main():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            await wait_for(pilot, lambda: app.chat_id is not None)
            empty = app.chat_id
            await say(pilot, app, "/model /no/such/bot")
            assert "no model directory at /no/such/bot" in str(app.query_one("#status").render())
            bad = data_dir / "not-a-bot"
            bad.mkdir()
            (bad / "config.json").write_text("{}", encoding="utf-8")
            await say(pilot, app, f"/model {bad}")  # it cannot load: the bot stays
            await wait_for(pilot, lambda: app.bot is not None)
            assert "cannot switch" in str(app.query_one("#status").render())
            assert app.model_dir == echo_model and not isinstance(app.screen, ErrorScreen)
            await say(pilot, app, f"/model {writer_model}")  # nothing said yet: the chat
            # goes with the bot (any model directory, not only those /model lists)
            await wait_for(pilot, lambda: app.bot is not None)
            assert app.chat_id == empty
            assert Path(app.store.chat(empty).model).resolve() == writer_model.resolve()
            await ask(pilot, app, LINES[0])
            app.switch_model(echo_model)  # the writer's chat stays the writer's
            await wait_for(pilot, lambda: app.bot is not None and app.chat_id != empty)
            assert Path(app.store.chat(empty).model).resolve() == writer_model.resolve()
            assert Path(app.store.chat(app.chat_id).model).resolve() == echo_model.resolve()
            assert not bubbles(app, "user") and len(app.store.messages(empty)) == 2

    run(main())


def test_a_message_sent_while_the_model_loads_is_answered_once_it_is_ready(echo_model, data_dir):
    async def main():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            app.switch_model(echo_model)  # loading again: no bot until it is ready
            app.send(LINES[0])
            assert app.bot is None and "goes once" in str(app.query_one("#status").render())
            app.send(LINES[1])  # one waits; a second goes back to the input
            assert "already waits" in str(app.query_one("#status").render())
            assert app.query_one("#prompt").value == LINES[1]
            await wait_for(pilot, lambda: bubbles(app, "bot") and app._live is None)
            assert [b.plain for b in bubbles(app, "user")] == [LINES[0]]

    run(main())


def test_what_the_user_types_is_shown_as_typed_never_read_as_markup(echo_model, data_dir):
    """ "[/]" in a command, a path or a huge number crashed the app from its status line."""

    async def main():
        async with chat(echo_model, data_dir) as (app, pilot):
            status = app.query_one("#status")
            await ask(pilot, app, LINES[1])  # something to export
            for line, shown in (
                ("/nosuch[/]", "/nosuch[/]"),
                ("/model /tmp/no[/]where", "no[/]where"),
                ("/export ~nosuchuser9/x.md", "no home folder for ~nosuchuser9"),
                ("/topk " + "9" * 400, "--top-k must be at most 1000, not a number that long"),
                ("/seed 4294967296", "--seed must be at most 4294967295"),
            ):
                await say(pilot, app, line)
                await wait_for(pilot, lambda: shown in str(status.render()))  # noqa: B023
            await say(pilot, app, "/strategy sample")
            await say(pilot, app, "/temp 1e-38")  # as good as greedy: no inf / inf
            await ask(pilot, app, LINES[0])
            assert bubbles(app, "bot")[-1].plain

    run(main())


def test_a_retry_that_fails_keeps_the_reply_it_would_replace(echo_model, data_dir):
    """The stored reply goes only when its retry has words: a retry that failed (here
    one whose model raises, as a damaged one would) used to lose it."""
    from chatbot.errors import ChatbotError

    async def main():
        async with chat(echo_model, data_dir) as (app, pilot):
            await ask(pilot, app, LINES[0])
            kept = app.store.messages(app.chat_id)[-1].text
            stream = app.bot.stream

            def broken(*args, **kw):
                raise ChatbotError("the model cannot answer")

            app.bot.stream = broken
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: app._reply is None)
            assert "the model cannot answer" in str(app.query_one("#status").render())
            assert [m.text for m in app.store.messages(app.chat_id)] == [LINES[0], kept]
            assert bubbles(app, "bot")[-1].plain == kept
            app.bot.stream = stream
            await pilot.press("ctrl+r")  # a retry with words replaces it, once
            await wait_for(pilot, lambda: app._reply is None and bubbles(app, "bot")[-1].words)
            messages = app.store.messages(app.chat_id)
            assert [m.role for m in messages] == ["user", "bot"] and messages[-1].text != kept

    run(main())
