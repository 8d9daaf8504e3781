"""The settings the chat app keeps between starts: pure logic, no screen."""

import json

from chatbot.config import DecodeOptions
from chatbot.tui.prefs import STORY_WORDS, Prefs
from chatbot.tui.store import Store


def test_prefs_round_trip_through_the_store(tmp_path):
    prefs = Prefs(DecodeOptions(strategy="sample", temperature=0.5, seed=3), True, 120, True)
    Store(tmp_path).set_setting("prefs", prefs.to_json())
    assert Prefs.from_json(Store(tmp_path).setting("prefs")) == (prefs, None)
    assert Store(tmp_path / "new").setting("prefs") is None
    assert Prefs.from_json(None) == (Prefs(), None)


def test_damaged_or_newer_prefs_fall_back_part_by_part():
    assert Prefs.from_json("{oops")[0] == Prefs()
    assert "not JSON" in Prefs.from_json("{oops")[1]
    assert Prefs.from_json("[1]")[0] == Prefs()
    assert Prefs.from_json("[" * 100_000)[0] == Prefs()  # nested past the parser's depth
    assert "decoding" in Prefs.from_json('{"options": null}')[1]
    # a newer app's keys are ignored without a word
    newer = {"options": {"beam": 6, "halo": 1}, "writing": True, "colour": "red"}
    assert Prefs.from_json(json.dumps(newer)) == (Prefs(DecodeOptions(beam=6), True), None)
    # a bad group drops that group only, and says which
    bad = {"options": {"beam": 0}, "writing": "yes", "story_words": 10**9, "show_lines": True}
    prefs, problem = Prefs.from_json(json.dumps(bad))
    assert prefs == Prefs(show_lines=True) and prefs.story_words == STORY_WORDS
    assert "decoding" in problem and "writing" in problem and "story_words" in problem
    assert "\n" not in problem
