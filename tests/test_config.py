"""Settings: round trips through config.json, older layouts, and clear errors."""

import json

import pytest

from chatbot.config import DecodeOptions, ModelCard, ModelConfig, TrainConfig
from chatbot.errors import ChatbotError
from chatbot.layout import SHIPPED_MODEL, ModelLayout


def test_config_round_trip():
    c = TrainConfig(ModelConfig(hidden=64, head="softmax"), lr=1e-3)
    saved = json.loads(json.dumps(c.to_dict()))
    assert "model" not in saved
    assert TrainConfig.from_dict(saved, c.model.to_dict()) == c
    mc = c.model_config(100, 16)
    assert (mc.vocab_size, mc.dim, mc.hidden) == (100, 16, 64)
    assert ModelConfig(**json.loads(json.dumps(mc.to_dict()))) == mc


def test_older_flat_settings_and_strict_overrides():
    flat = {"hidden": 48, "lr": 0.01, "no_longer_a_setting": 1}
    c = TrainConfig.from_dict(flat)
    assert c.model.hidden == 48 and c.lr == 0.01
    with pytest.raises(ChatbotError, match="no_longer_a_setting"):
        TrainConfig.from_dict(flat, strict=True)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: ModelConfig(head="magic"),
        lambda: ModelConfig(dropout=1.0),
        lambda: TrainConfig(batch_size=0),
        lambda: TrainConfig(lr=0),
        lambda: DecodeOptions(top_k=0),
        lambda: DecodeOptions(min_length=-1),
        lambda: DecodeOptions(max_length=0),
        lambda: DecodeOptions(beam=10_000),  # minutes per reply
        lambda: DecodeOptions(seed=2**64),  # past what a generator takes
        lambda: DecodeOptions(strategy="greedy", rank=4),  # would be ignored
        lambda: DecodeOptions(strategy="greedy", mmi=0.5),
        lambda: TrainConfig(seed=-1),
        lambda: TrainConfig(lr_patience=0),  # bad epochs % 0
        lambda: TrainConfig(clip=-1),
        lambda: TrainConfig(valid_share=0),  # nothing to stop early on
        lambda: TrainConfig(ground_gold=2),  # a share
        lambda: TrainConfig(valid_share=0.3, test_share=0.3),
        lambda: TrainConfig(context=-1),
        lambda: ModelConfig(persona=0),
    ],
)
def test_bad_settings_are_clear_errors(bad):
    with pytest.raises(ChatbotError):
        bad()


def test_a_max_length_below_the_min_length_is_a_short_reply_not_an_error():
    """--max-length 3 alone: the shorter limit wins where the reply is written, and the
    minimum is still there when the maximum goes back up."""
    from chatbot.data import EOS
    from chatbot.decode import guard_bias

    short = DecodeOptions(max_length=3)
    assert short.min_length == DecodeOptions().min_length
    assert guard_bias([5, 6, 7], short, 3, 10)[EOS] == 0  # may end after 3 words
    assert guard_bias([5, 6, 7], DecodeOptions(), 3, 10)[EOS] == float("-inf")


def test_numbers_that_are_not_finite_are_clear_errors():
    for bad in ("nan", "inf"):
        with pytest.raises(ChatbotError, match="finite"):
            DecodeOptions(temperature=float(bad))
        for name in ("lr", "clip", "text_mix", "valid_share", "max_minutes", "freq_weight"):
            with pytest.raises(ChatbotError, match=f"--{name.replace('_', '-')} must be a finite"):
                TrainConfig(**{name: float(bad)})


def test_an_error_names_the_option_its_bound_and_the_value():
    with pytest.raises(ChatbotError, match=r"^--context must be at least 0, not -1$"):
        TrainConfig(context=-1)
    with pytest.raises(ChatbotError, match=r"^--valid-share must be above 0, not 0$"):
        TrainConfig(valid_share=0)
    with pytest.raises(ChatbotError, match=r"^characters must be at least 0, not -2$"):
        ModelConfig(characters=-2)  # not an option of its own: no dashes


@pytest.mark.skipif(not ModelLayout(SHIPPED_MODEL).exists(), reason="no shipped model")
def test_model_card_reads_the_shipped_config():
    card = ModelCard.read(SHIPPED_MODEL)
    assert card.model.vocab_size > 1000 and card.train.max_query == 40
    assert card.test["top5"] > 0.3
    assert ModelCard.from_dict(card.to_dict()) == card


def test_model_card_of_a_broken_config_is_one_line(tmp_path):
    (tmp_path / "config.json").write_text('{"train": {}}', encoding="utf-8")
    with pytest.raises(ChatbotError, match="not a valid model config"):
        ModelCard.read(tmp_path)
    with pytest.raises(ChatbotError, match="no model directory"):
        ModelCard.read(tmp_path / "nowhere")
    with pytest.raises(ChatbotError, match="no model directory"):  # a file, not a model
        ModelCard.read(tmp_path / "config.json")
    with pytest.raises(ChatbotError, match="cannot read"):  # the OS refuses the name
        ModelCard.read(tmp_path / ("a" * 300))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ChatbotError, match="no model config"):
        ModelCard.read(tmp_path / "empty")


def test_a_hand_edited_config_of_the_wrong_types_is_one_clear_error(tmp_path):
    from chatbot.config import offset_seed

    card = ModelCard(ModelConfig(vocab_size=9, dim=4), TrainConfig()).to_dict()
    for path, value, says in (
        (("model", "hidden"), "256", "hidden has the wrong type"),
        (("title",), 5, "title has the wrong type"),
        (("test",), {"top1": "x"}, "test has the wrong type"),
        (("train",), [], "train must be an object"),
    ):
        d = json.loads(json.dumps(card))
        *inner, last = path
        target = d
        for k in inner:
            target = target[k]
        target[last] = value
        with pytest.raises(ChatbotError, match=f"c.json is not a valid model config.*{says}"):
            ModelCard.from_dict(d, "c.json")
    with pytest.raises(ChatbotError, match="must be at most 2147483647, not a number that long"):
        TrainConfig(max_query=10**400)
    assert offset_seed(2**32 - 1, 3) == 2 and offset_seed(None, 3) is None
