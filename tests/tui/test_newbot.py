"""Making a bot from a novel inside the app, driven by Pilot: pick the file in the tree,
prepare it, train, chat with the new bot; stop training midway and resume it."""

import pytest

from chatbot.ingest.prepare import PrepareConfig
from chatbot.ingest.vectors import Word2VecConfig
from chatbot.layout import ModelLayout
from chatbot.tui.catalog import bots_dir, model_state
from chatbot.tui.curves import read_metrics
from chatbot.tui.screens import ModelPicker, NewBotScreen, TrainingScreen
from tests.conftest import make_story, tiny
from tests.tui.test_app import ask, bubbles, chat, run, say, wait_for

PREPARE = PrepareConfig(
    workers=1, word2vec=Word2VecConfig(vector_size=16, epochs=5, min_count=1, workers=1)
)
NOVEL = "小镇.txt"


@pytest.fixture
def books(tmp_path):
    """A folder with one small generated novel (GBK, as many Chinese files are) and a
    file the tree should not offer."""
    folder = tmp_path / "books"
    folder.mkdir()
    (folder / NOVEL).write_bytes(make_story(4, seed=5).encode("gbk"))
    (folder / "notes.md").write_text("not a novel", encoding="utf-8")
    return folder


def new_bot(model, data_dir, train_config, **kw):
    """The app on a terminal roomy enough for the new-bot screens, once its model is
    loaded, with tiny preparing and training settings."""
    return chat(
        model,
        data_dir,
        size=(110, 40),
        pace_ms=0,
        train_config=train_config,
        prepare_config=PREPARE,
        **kw,
    )


async def prepared(pilot, app):
    """Wait for the new-bot screen to show what it found, its buttons laid out."""

    def found():
        screen = app.screen
        return (
            isinstance(screen, NewBotScreen)
            and screen.query_one("ContentSwitcher").current == "found"
            and screen.query_one("#train").region.area > 0
        )

    await wait_for(pilot, found, timeout=60)


async def click(pilot, selector):
    """Click a button once it is laid out (it may have just been shown)."""

    def shown():
        found = pilot.app.screen.query(selector)
        return bool(found) and found.first().region.area > 0

    await wait_for(pilot, shown)
    assert await pilot.click(selector), f"{selector} is not where a user could click it"


def test_pick_a_novel_prepare_train_and_chat_with_the_new_bot(echo_model, data_dir, books):
    async def main():
        async with new_bot(echo_model, data_dir, tiny(max_epochs=1)) as (app, pilot):
            await say(pilot, app, f"/newbot {books}")
            await wait_for(pilot, lambda: isinstance(app.screen, NewBotScreen))
            tree = app.screen.query_one("#tree")
            await wait_for(pilot, lambda: len(tree.root.children) > 0)
            assert [str(n.label) for n in tree.root.children] == [NOVEL]  # .txt only
            tree.focus()
            await pilot.press("down", "enter")  # the file, picked
            await prepared(pilot, app)
            found = dict(app.screen.found)
            assert found["pairs"] == "64 from dialogue" and "who speaks most (replies)" in found
            assert [kind for kind, _ in app.screen.notes] == ["few pairs"]
            await click(pilot, "#train")  # one epoch: the training screen may come and go
            model = bots_dir(data_dir) / "小镇" / "model"
            await wait_for(pilot, lambda: app.bot is not None and app.bot.root == model, 120)
            assert not isinstance(app.screen, TrainingScreen)  # the new bot opened
            assert len(app.training.rows) == 1 and len(app.training.samples[0][1]) == 2
            assert model_state(model) == "finished"
            assert not bubbles(app, "bot")  # a fresh chat with it
            await ask(pilot, app, "你昨天去了哪里？")
            assert bubbles(app, "bot")[0].words
            await say(pilot, app, "/model")  # listed by novel, date, size and scores
            await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
            labels = [label for _, label in app.screen.models]
            assert any(x.startswith("小镇 (小镇/model)  ·  ") and "test top-5" in x for x in labels)

    run(main())


def test_stop_or_close_midway_keeps_the_last_epoch_and_resume_continues(
    echo_model, data_dir, books
):
    model = bots_dir(data_dir) / "小镇" / "model"

    def epochs():
        return [r["epoch"] for r in read_metrics(ModelLayout(model).metrics)]

    async def stop_resume_close():
        config = tiny(max_epochs=30, patience=100, lr_patience=100)
        async with new_bot(echo_model, data_dir, config, novel=books / NOVEL) as (app, pilot):
            await prepared(pilot, app)  # chat --novel: straight to preparing it
            await click(pilot, "#train")
            await wait_for(pilot, lambda: app.training is not None and app.training.rows, 120)
            await pilot.press("s")  # stop: the last finished epoch is kept
            await wait_for(pilot, lambda: app.training.state == "stopped", 60)
            saved = app.training.saved_epochs
            assert 1 <= saved < 30 and epochs() == list(range(1, saved + 1))
            assert model_state(model) == "unfinished"
            await click(pilot, "#resume")  # offered on the training screen
            await wait_for(pilot, lambda: app.training.saved_epochs > saved, 120)
            assert app.training.running  # the app closes mid-training

    run(stop_resume_close())
    done = epochs()
    assert done == list(range(1, len(done) + 1)) and model_state(model) == "unfinished"

    async def resume_after_restart():
        async with new_bot(echo_model, data_dir, tiny()) as (app, pilot):
            await say(pilot, app, f"/newbot {books / NOVEL}")  # the same novel again
            await prepared(pilot, app)
            assert "Resume" in str(app.screen.query_one("#existing").render())
            app.screen.query_one("#max_epochs").value = str(len(done) + 1)
            app.screen.query_one("#characters").value = "3"  # the run had none
            await click(pilot, "#resume")
            error = app.screen.query_one("#error")
            await wait_for(
                pilot, lambda: "own settings (characters + anyone 0)" in str(error.render())
            )
            app.screen.query_one("#characters").value = "0"
            resume = app.screen.query_one("#resume")
            await wait_for(pilot, lambda: not resume.has_class("-active"))  # ignores clicks
            await click(pilot, "#resume")
            await wait_for(pilot, lambda: app.bot is not None and app.bot.root == model, 120)
            assert epochs() == list(range(1, len(done) + 2))  # continued, nothing redone
            assert model_state(model) == "finished"
            await ask(pilot, app, "你昨天去了哪里？")
            assert bubbles(app, "bot")[0].words

    run(resume_after_restart())


def test_a_path_that_is_no_novel_is_a_one_line_error(echo_model, data_dir, books):
    async def main():
        async with new_bot(echo_model, data_dir, tiny(max_epochs=1)) as (app, pilot):
            await say(pilot, app, f"/newbot {books / 'missing.txt'}")
            await wait_for(pilot, lambda: isinstance(app.screen, NewBotScreen))
            error = app.screen.query_one("#error")
            await wait_for(pilot, lambda: "not a file" in str(error.render()))
            binary = books / "image.txt"
            binary.write_bytes(bytes(range(256)) * 40)
            app.screen.query_one("#path").value = str(binary)
            await click(pilot, "#prepare")
            await wait_for(pilot, lambda: "cannot prepare image.txt" in str(error.render()), 60)
            assert app.screen.query_one("ContentSwitcher").current == "pick"

    run(main())


def test_leaving_the_novel_form_without_a_bot_shows_what_is_missing(data_dir, books, tmp_path):
    """--novel with a model that cannot load: closing the form must not leave a chat
    that answers nothing; the error screen says what to do."""
    from chatbot.tui.screens import ErrorScreen

    def ready(app):
        return isinstance(app.screen, NewBotScreen)

    async def main():
        missing = tmp_path / "no-model"
        async with new_bot(
            missing, data_dir, tiny(max_epochs=1), novel=books / NOVEL, ready=ready
        ) as (app, pilot):
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))

    run(main())


def test_the_training_form_checks_its_numbers():
    from chatbot.errors import ChatbotError
    from chatbot.tui.screens.newbot import train_config_from

    config = train_config_from({"max_epochs": " 3", "max_minutes": "2.5"}, tiny())
    assert (config.max_epochs, config.max_minutes) == (3, 2.5)
    with pytest.raises(ChatbotError, match="epochs at most needs a whole number, not '2.5'"):
        train_config_from({"max_epochs": "2.5"}, tiny())


def test_resume_keeps_the_runs_settings_and_refuses_only_what_was_typed():
    from chatbot.tui.screens.newbot import resume_clash

    shown, run_ = tiny(), tiny(characters=3, context=2)  # a run made with other settings
    assert resume_clash(shown, shown, run_) is None  # the form left alone resumes it
    assert resume_clash(tiny(max_epochs=9, context=2), shown, run_) is None  # agrees
    clash = resume_clash(tiny(characters=5), shown, run_)
    assert clash and "own settings (characters + anyone 3)" in clash


def test_picking_a_novel_again_offers_its_newest_unfinished_and_finished_bots(echo_model, tmp_path):
    import shutil

    from chatbot.tui.training import latest_bots, new_model_dir

    corpus = tmp_path / "corpus"
    assert latest_bots(corpus) == {}
    shutil.copytree(echo_model, corpus / "model")
    assert latest_bots(corpus) == {"finished": corpus / "model"}
    second = new_model_dir(corpus)
    assert second == corpus / "model-2"
    shutil.copytree(echo_model, second)
    ModelLayout(second).checkpoint_state.write_text("{}", encoding="utf-8")
    ModelLayout(second).config.unlink()  # a second bot stopped before its end
    assert latest_bots(corpus) == {"finished": corpus / "model", "unfinished": second}
    assert new_model_dir(corpus) == corpus / "model-3"
    shutil.copytree(echo_model, corpus / "model-3")  # a third, finished: both offered
    assert latest_bots(corpus) == {"finished": corpus / "model-3", "unfinished": second}
