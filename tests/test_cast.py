"""Characters: who has a persona, and names typed by a user."""

import pytest

from chatbot.cast import ANYONE, Cast
from chatbot.errors import ChatbotError


def test_the_most_frequent_speakers_get_rows_and_the_rest_share_anyone():
    speakers = ["林黛玉"] * 5 + ["贾宝玉"] * 9 + ["王熙凤"] * 2 + [None] * 4
    cast = Cast.from_speakers(speakers, size=4, min_lines=3)
    assert cast.names == (ANYONE, "贾宝玉", "林黛玉")  # 王熙凤 has too few lines
    assert cast.lines == (0, 9, 5)
    assert cast.row("林黛玉") == 2 and cast.row("王熙凤") == 0 and cast.row(None) == 0
    assert Cast.from_dict(cast.to_dict()) == cast and Cast.from_dict({}) == Cast()


def test_an_unknown_name_is_one_line_naming_close_ones():
    cast = Cast.from_speakers(["林黛玉"] * 5 + ["贾宝玉"] * 9, size=5, min_lines=1)
    assert cast.find("贾宝玉") == 1
    with pytest.raises(ChatbotError, match="did you mean 林黛玉") as e:
        cast.find("黛玉")
    assert "\n" not in str(e.value)
    with pytest.raises(ChatbotError, match="it knows 贾宝玉"):
        cast.find("Elizabeth")


def test_a_fuller_name_finds_the_one_known_name_inside_it():
    cast = Cast.from_speakers(["黛玉"] * 5 + ["宝玉"] * 9 + ["玉"] * 3, size=5, min_lines=1)
    assert cast.find("林黛玉") == cast.row("黛玉")
    assert cast.find("贾宝玉") == cast.row("宝玉")
    with pytest.raises(ChatbotError, match="does not know"):
        cast.find("黛玉宝玉")  # two known names inside: ambiguous


def test_an_english_name_is_found_in_any_case():
    cast = Cast.from_speakers(["Mary"] * 5 + ["Mr. Wilson"] * 9, size=5, min_lines=1)
    assert cast.find("mary") == cast.row("Mary") and cast.find("MR. WILSON") == 1
