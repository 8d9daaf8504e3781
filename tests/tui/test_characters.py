"""Talking to a character, with the chat as context, and the book's lines a reply
leaned on: the app driven by Pilot with the session's persona model (characters, two
turns of context, one retrieved line)."""

from chatbot.tui.screens import CharacterPicker
from tests.conftest import LINES
from tests.tui.test_app import ask, bubbles, chat, run, say, wait_for


def status(app):
    return str(app.query_one("#status").render())


def test_talk_to_a_character_with_the_chat_as_context(persona_model, data_dir):
    async def first():
        async with chat(persona_model, data_dir, pace_ms=0) as (app, pilot):
            speaker, addressee = app.bot.cast.names[1:3]
            await say(pilot, app, "/as 不存在的人")
            assert "does not know" in status(app) and app.speaker is None
            await say(pilot, app, f"/as {speaker}")
            await say(pilot, app, f"/to {addressee}")
            assert (app.speaker, app.addressee) == (speaker, addressee)
            await say(pilot, app, f"/to {speaker}")
            assert "talk to themselves" in status(app) and app.addressee == addressee
            assert f"talking to {speaker} (you: {addressee})" in app.sub_title
            await ask(pilot, app, LINES[0])
            first = bubbles(app, "bot")[-1]
            assert first.speaker == speaker
            assert str(first.render()).startswith(f"{speaker}：")
            await ask(pilot, app, LINES[1])  # the chat so far is the context
            assert app.conversation.history == (LINES[0], first.plain)
            assert (app.conversation.speaker, app.conversation.addressee) == (speaker, addressee)
            await pilot.press("ctrl+n")  # a new chat: a fresh context, the same character
            await ask(pilot, app, LINES[2])
            assert app.conversation.history == () and app.conversation.speaker == speaker
            return speaker, addressee

    speaker, addressee = run(first())

    async def reopened():
        def ready(app):
            return app.bot is not None and bubbles(app, "bot")

        async with chat(persona_model, data_dir, ready, pace_ms=0) as (app, pilot):
            assert app.speaker == speaker  # the saved chat remembers the character
            assert all(b.speaker == speaker for b in bubbles(app, "bot"))
            await say(pilot, app, "/as")  # alone: a list of the cast
            await wait_for(pilot, lambda: isinstance(app.screen, CharacterPicker))
            await pilot.press("home", "enter")  # "anyone"
            await wait_for(pilot, lambda: app.speaker is None)
            assert f"talking to anyone (you: {addressee})" in app.sub_title

    run(reopened())


def test_a_reply_shows_the_book_lines_it_leaned_on(persona_model, data_dir):
    async def main():
        async with chat(persona_model, data_dir, pace_ms=0) as (app, pilot):
            await ask(pilot, app, LINES[6])
            bubble = bubbles(app, "bot")[-1]
            lines = [g.text for g in app.bot.grounding(app.bot.tokenize(LINES[6]))]
            assert lines and bubble.grounding == lines
            assert "leaned on the book's lines" in str(bubble.tooltip)  # on hover
            assert "↳" not in str(bubble.render())
            await pilot.press("ctrl+g")  # with a key: under each reply
            assert f"↳ {lines[0]}" in str(bubble.render())
            assert lines[0] in status(app)
            assert app.store.messages(app.chat_id)[-1].grounding == lines  # kept

    run(main())


def test_characters_need_a_model_that_has_them(echo_model, data_dir):
    async def main():
        async with chat(echo_model, data_dir, pace_ms=0) as (app, pilot):
            await say(pilot, app, "/as 张三")
            assert "has no characters: /newbot" in status(app) and app.speaker is None
            await pilot.press("ctrl+g")
            assert "without book lines" in status(app)

    run(main())


def test_a_traditional_novel_names_its_characters_in_traditional(persona_model, data_dir, tmp_path):
    import json
    import shutil

    from chatbot.ingest.textio import to_simplified, to_traditional

    model = tmp_path / "traditional"
    shutil.copytree(persona_model, model)
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    (model / "config.json").write_text(json.dumps(config | {"script": "s2t"}))

    async def main():
        async with chat(model, data_dir, pace_ms=0) as (app, pilot):
            name = next(n for n in app.bot.names[1:] if to_simplified([n]) != [n])
            await say(pilot, app, f"/as {to_simplified([name])[0]}")  # typed in Simplified
            assert app.speaker == name
            await ask(pilot, app, to_traditional(LINES[0]))
            assert str(bubbles(app, "bot")[-1].render()).startswith(f"{name}：")

    run(main())


def test_settings_with_characters_fit_a_small_terminal(persona_model, data_dir):
    from chatbot.tui.screens import SettingsScreen

    async def main():
        for size in [(80, 24), (60, 20)]:
            async with chat(persona_model, data_dir, size=size) as (app, pilot):
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
                await pilot.pause(0.1)
                save = app.screen.query_one("#save")
                assert save.region.bottom <= size[1] and save.region.height, size
                await pilot.click("#save")
                await wait_for(pilot, lambda: not isinstance(app.screen, SettingsScreen))

    run(main())


def test_info_lists_who_the_bot_can_be(persona_model):
    from chatbot.bot import Chatbot
    from chatbot.tui.screens.info import info_markdown

    bot = Chatbot.load(persona_model)
    text = info_markdown(bot)
    assert "- characters: " in text and bot.names[1] in text
