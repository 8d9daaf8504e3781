"""The settings of every stage after ``prepare``, as frozen dataclasses with no torch
import, so ``--help`` shows defaults without loading torch.

Each field carries its help text as metadata (``setting``): the CLI builds its options
from these classes (``chatbot.cli.options``), so an option cannot exist without help.
``ModelCard`` is the one typed reader of a trained model's ``config.json``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json
from chatbot.layout import ModelLayout

HEADS = ("vector", "softmax")
LOSSES = ("cosine-softmax", "mse", "cosine")
STRATEGIES = ("greedy", "sample", "beam")


INT_MAX = 2**31 - 1  # any whole-number setting: torch sizes and counts stay below it
SEED_MAX = 2**32 - 1  # numpy's generators (word2vec, shuffles) take no larger seed
MAX_BEAM = 64  # beams or drawn replies: beyond, a reply takes minutes and reads no better
MAX_WORDS = 1000  # words in one reply or one window of writing on


def offset_seed(seed: int | None, k: int) -> int | None:
    """The ``k``-th seed after ``seed`` (a retry's, a draw's), wrapping round within
    what a generator takes: the highest seed a user may type has successors too."""
    return None if seed is None else (seed + k) % (SEED_MAX + 1)


def setting(default: Any, help: str, **meta: Any) -> Any:
    """A dataclass field with its help text (and ``choices``, ``metavar``, ``group``,
    ``cli=False``: see ``chatbot.cli.options``; bounds ``at_least``, ``above``,
    ``at_most``: see ``check_bounds``)."""
    return field(default=default, metadata={"help": help, **meta})


def _shown(value: float) -> str:
    """A value for a one-line message: 10**400 is not printed digit by digit."""
    return (
        "a number that long" if isinstance(value, int) and value.bit_length() > 64 else str(value)
    )


def check_types(settings: Any) -> None:
    """A one-line error for a field whose value is not of its annotated type (a config
    file edited by hand: "hidden": "256", "title": 5): such values otherwise fail deep in
    torch, or in the app when it shows them."""
    hints = _hints(type(settings))
    for f in fields(settings):
        value = getattr(settings, f.name)
        if not _fits(value, hints[f.name]):
            kind = type(value).__name__
            raise ChatbotError(
                f"{f.name.replace('_', ' ')} has the wrong type ({kind} {value!r:.40})"
            )


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The class's annotations, evaluated once: every ``replace`` of a setting checks
    them, and evaluating them is most of what that costs."""
    return typing.get_type_hints(cls)


def _fits(value: Any, hint: Any) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint in (int, float):  # an int is a float too; a bool is neither
        return isinstance(value, hint if hint is int else int | float) and not isinstance(
            value, bool
        )
    if hint in (bool, str):
        return isinstance(value, hint)
    if origin is dict:
        kinds = args or (Any, Any)
        return isinstance(value, dict) and all(
            _fits(k, kinds[0]) and _fits(v, kinds[1]) for k, v in value.items()
        )
    if origin is list:
        kind = args[0] if args else Any
        return isinstance(value, list) and all(_fits(v, kind) for v in value)
    if dataclasses.is_dataclass(hint):
        return isinstance(value, hint)
    return True  # Any


def check_bounds(settings: Any) -> None:
    """A one-line error for a number field that is not finite or lies outside its
    bounds: a NaN rate or a negative count would otherwise end in a traceback deep in
    torch or gensim, or train nonsense without a word."""
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        cli = f.metadata.get("cli", True)
        name = "--" + f.name.replace("_", "-") if cli else f.name.replace("_", " ")
        at_least, above, at_most = (f.metadata.get(k) for k in ("at_least", "above", "at_most"))
        if at_most is None and isinstance(value, int):
            at_most = INT_MAX
        # an int is finite (and may be too large to become a float: 10**400)
        if isinstance(value, float) and not math.isfinite(value):
            raise ChatbotError(f"{name} must be a finite number, not {value}")
        if at_least is not None and value < at_least:
            raise ChatbotError(f"{name} must be at least {at_least}, not {_shown(value)}")
        if above is not None and value <= above:
            raise ChatbotError(f"{name} must be above {above}, not {_shown(value)}")
        if at_most is not None and value > at_most:
            raise ChatbotError(f"{name} must be at most {at_most}, not {_shown(value)}")


@dataclass(frozen=True)
class ModelConfig:
    """The architecture; ``vocab_size``, ``dim`` and ``output_size`` come from the data."""

    vocab_size: int = setting(0, "rows of the word table", cli=False, at_least=0)
    dim: int = setting(0, "word-vector dimension (the table's)", cli=False, at_least=0)
    hidden: int = setting(
        256, "LSTM units (per direction in the encoder)", at_least=1, at_most=16384
    )
    encoder_layers: int = setting(
        2,
        "stacked bidirectional LSTM layers reading the query",
        at_least=1,
        at_most=16,
    )
    decoder_layers: int = setting(
        1, "stacked LSTM layers writing the reply", at_least=1, at_most=16
    )
    dropout: float = setting(
        0.2, "dropout on embeddings, between layers and before the output", at_least=0
    )
    head: str = setting(
        "vector",
        "vector: a word vector per step, read out by cosine-nearest lookup; "
        "softmax: an ordinary softmax layer (the reference)",
        choices=HEADS,
    )
    loss: str = setting(
        "cosine-softmax",
        "objective of the vector head: a softmax over scaled cosines, or regression "
        "to the target vector (mse is the classic recipe; it collapses)",
        choices=LOSSES,
    )
    train_table: bool = setting(True, "fine-tune the word2vec table (shared by input and output)")
    copy: bool = setting(True, "vector head: the output may point at the query's word vectors")
    prior: bool = setting(
        True, "vector head: learn word frequency in a training-only bias, not in the vectors"
    )
    output_size: int = setting(
        0, "replies use the table's first N rows (0 = all)", cli=False, at_least=0
    )
    segments: int = setting(
        1,
        "source segment kinds (message, context, grounding); 1 = the message only",
        cli=False,
        at_least=1,
    )
    characters: int = setting(0, "rows of the persona embeddings (0 = none)", cli=False, at_least=0)
    persona: int = setting(
        64,
        "size of each character's embedding, for speaker and addressee (see --characters)",
        at_least=1,
        at_most=4096,
    )

    def __post_init__(self) -> None:
        check_types(self)
        if self.head not in HEADS:
            raise ChatbotError(f"head must be one of {', '.join(HEADS)}")
        if self.loss not in LOSSES:
            raise ChatbotError(f"loss must be one of {', '.join(LOSSES)}")
        check_bounds(self)
        if not 0 <= self.dropout < 1:
            raise ChatbotError("dropout must be in [0, 1)")

    @property
    def outputs(self) -> int:
        return self.output_size or self.vocab_size

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """Everything ``chatbot train`` can be told; saved in the model's config.json."""

    model: ModelConfig = field(default_factory=ModelConfig)
    reply_vocab: bool = setting(
        True,
        "replies use only words seen in training replies (a word never seen in a reply "
        "cannot be learned as one; lookup gets cheaper)",
        group="data",
    )
    max_query: int = setting(40, "tokens kept from the end of a query", group="data", at_least=1)
    max_reply: int = setting(30, "tokens kept from the start of a reply", group="data", at_least=1)
    valid_share: float = setting(
        0.05,
        "share of pairs held out for validation (before test)",
        group="data",
        above=0,
        at_most=0.5,
    )
    test_share: float = setting(
        0.05,
        "share of pairs held out for testing (the book's end)",
        group="data",
        at_least=0,
        at_most=0.5,
    )
    repeats: bool = setting(
        False,
        "train also on the pairs (and sentences of 8+ words) that the held-out end repeats "
        "word for word, once each, as a passage printed twice does; off, such a copy stays "
        "unseen, so the test scores measure lines the model never read",
        group="data",
    )
    freq_weight: float = setting(
        0.15,
        "weight target words by count**-x (Jiang et al. 2019), so frequent words stop "
        "dominating the gradient",
        group="objective",
        at_least=0,
    )
    contrast: float = setting(
        0.0,
        "weight of the loss that makes a reply likelier after its own query",
        group="objective",
        at_least=0,
    )
    unlikelihood: float = setting(
        1.0,
        "weight of the penalty on words the reply already said",
        group="objective",
        at_least=0,
    )
    rollout: float = setting(
        1.0,
        "weight of the penalty on loops in the model's own greedy replies",
        group="objective",
        at_least=0,
    )
    text_epochs: int = setting(
        3,
        "epochs of next-word prediction on the book's running text (its training part) "
        "before the dialogue pairs: replies read as sentences (judged fluency 3.35 vs "
        "2.77 without)",
        group="running text",
        at_least=0,
    )
    text_mix: float = setting(
        0.5,
        "running-text windows mixed into each dialogue epoch, as a share of its pairs "
        "(keeps the model able to write the story on)",
        group="running text",
        at_least=0,
    )
    text_source: int = setting(
        40,
        "tokens of the passage read before each window",
        group="running text",
        at_least=1,
    )
    text_target: int = setting(30, "tokens each window predicts", group="running text", at_least=1)
    negatives: int = setting(
        2048,
        "on running text (and dialogue without unlikelihood, rollout and contrast), "
        "estimate the word loss over the targets and this many sampled rows instead of "
        "every row of the word table (0 = exact; sampled is twice as fast)",
        group="running text",
        at_least=0,
    )
    ground: int = setting(
        0,
        "retrieved training replies the encoder reads beside each message (0 = none): "
        "the reply leans on lines of the book",
        group="grounding",
        at_least=0,
        at_most=64,
    )
    ground_gold: float = setting(
        0.3,
        "share of training pairs that read their own reply (a few words dropped) instead "
        "of a retrieved one, so the model learns to copy what fits",
        group="grounding",
        at_least=0,
        at_most=1,
    )
    ground_drop: float = setting(
        0.1,
        "share of training pairs that read no retrieved reply, so the model also answers "
        "without one",
        group="grounding",
        at_least=0,
        at_most=1,
    )
    characters: int = setting(
        0,
        'persona embeddings (0 = none): one shared by everyone ("anyone"), the rest '
        "for the N-1 most frequent speakers",
        group="characters and context",
        at_least=0,
        at_most=10000,
    )
    min_lines: int = setting(
        20,
        "training replies a speaker needs for an embedding of its own",
        group="characters and context",
        at_least=1,
    )
    context: int = setting(
        0,
        "earlier turns of the conversation read before the message (0 = none)",
        group="characters and context",
        at_least=0,
        at_most=64,
    )
    speaker_contrast: float = setting(
        1.0,
        "with characters: weight of the loss that makes a reply likelier said by its own "
        "speaker than by another",
        group="characters and context",
        at_least=0,
    )
    batch_size: int = setting(
        64, "pairs per batch", group="optimisation", at_least=1, at_most=65536
    )
    lr: float = setting(
        2e-3,
        "Adam learning rate (halved when validation stalls)",
        group="optimisation",
        above=0,
    )
    clip: float = setting(1.0, "gradient norm clipping", group="optimisation", above=0)
    max_epochs: int = setting(
        40,
        "dialogue epochs at most (0 with --text-epochs: running text only, e.g. a base model)",
        group="optimisation",
        at_least=0,
    )
    patience: int = setting(
        3,
        "epochs without a better validation score before stopping",
        group="optimisation",
        at_least=1,
    )
    lr_patience: int = setting(
        2,
        "epochs without a better score before halving the rate",
        group="optimisation",
        at_least=1,
    )
    max_minutes: float = setting(
        0.0,
        "optional wall-clock cap, counted across resumes: no epoch starts that would "
        "overrun it (0 = none; training ends by epochs and early stopping)",
        group="optimisation",
        at_least=0,
    )
    sample: int = setting(
        200,
        "validation queries decoded greedily after each epoch",
        group="optimisation",
        at_least=0,
    )
    seed: int = setting(
        1,
        "seed of initialisation, shuffling and dropout",
        group="optimisation",
        at_least=0,
        at_most=SEED_MAX,
    )
    device: str = setting(
        "auto", "auto (CUDA when present, else CPU), cpu, cuda, cuda:1, ...", group="optimisation"
    )

    def __post_init__(self) -> None:
        check_types(self)
        check_bounds(self)
        if self.max_epochs < (0 if self.text_epochs else 1):
            raise ChatbotError(
                "max epochs must be >= 1 (or 0 with --text-epochs: running text only)"
            )
        if self.valid_share + self.test_share > 0.5:
            raise ChatbotError("--valid-share and --test-share together must be at most 0.5")

    def model_config(
        self, vocab_size: int, dim: int, output_size: int = 0, characters: int = 0
    ) -> ModelConfig:
        return replace(
            self.model,
            vocab_size=vocab_size,
            dim=dim,
            output_size=output_size,
            segments=3 if self.ground or self.context else 1,
            characters=characters,
        )

    def to_dict(self) -> dict[str, Any]:
        """The training settings without the architecture (saved beside it)."""
        d = asdict(self)
        d.pop("model")
        return d

    @classmethod
    def saved(cls, d: dict[str, Any], model: dict[str, Any] | None = None) -> TrainConfig:
        """The settings a checkpoint recorded: one saved before ``repeats`` existed
        trained on the held-out end's copies, and its resume goes on doing so. (A model
        card is read as it is, so an old model is evaluated against the training part
        without the copies, as a new one is.)"""
        return cls.from_dict({"repeats": True, **d}, model)

    @classmethod
    def from_dict(
        cls, d: dict[str, Any], model: dict[str, Any] | None = None, strict: bool = False
    ) -> TrainConfig:
        """From saved settings or overrides; architecture fields may sit in ``model``,
        under ``d["model"]`` or among the training settings (as older models saved
        them). Unknown keys are ignored, or with ``strict`` an error."""
        arch = {f.name for f in fields(ModelConfig)}
        own = {f.name for f in fields(cls)} - {"model"}
        unknown = set(d) - arch - own - {"model"}
        if strict and unknown:
            raise ChatbotError(f"unknown training settings: {', '.join(sorted(unknown))}")
        nested = d.get("model") if isinstance(d.get("model"), dict) else {}
        m = {k: v for k, v in {**d, **nested, **(model or {})}.items() if k in arch}
        return cls(ModelConfig(**m), **{k: v for k, v in d.items() if k in own})


# Decoding settings that only one strategy reads; set under another they change nothing.
STRATEGY_ONLY = {"temperature": "sample", "top_k": "sample", "beam": "beam"}


def unread_settings(strategy: str, names: Iterable[str]) -> dict[str, str]:
    """Of the decoding settings ``names``, those ``strategy`` does not read, each with
    the strategy that does (the CLI and the chat app say so rather than drop them)."""
    return {n: STRATEGY_ONLY[n] for n in names if STRATEGY_ONLY.get(n, strategy) != strategy}


@dataclass(frozen=True)
class DecodeOptions:
    """How to turn the model's output vectors into words."""

    strategy: str = setting(
        "beam",
        "greedy, sample (top-k) or beam search (for replies, readers judged beam search "
        "far more fluent and relevant than sampling; `continue` samples by default)",
        choices=STRATEGIES,
    )
    temperature: float = setting(1.0, "sampling temperature: lower is closer to greedy", above=0)
    top_k: int = setting(
        20, "sample among this many cosine-nearest words", at_least=1, at_most=1000
    )
    beam: int = setting(4, "hypotheses kept by beam search", at_least=1, at_most=MAX_BEAM)
    repetition_penalty: float = setting(
        1.5, "a word already said is this many times less likely", at_least=1
    )
    no_repeat_ngram: int = setting(
        2, "never repeat an n-gram of this size (0 = off)", at_least=0, at_most=MAX_WORDS
    )
    min_length: int = setting(
        6,
        "words before the reply may end, capped at --max-length (the book's replies average ~15)",
        at_least=0,
        at_most=MAX_WORDS,
    )
    max_length: int = setting(30, "words at most", at_least=1, at_most=MAX_WORDS)
    seed: int | None = setting(
        None, "same seed + same input = same words (default: random)", at_least=0, at_most=SEED_MAX
    )
    rank: int = setting(
        1,
        "sample: draw this many replies and keep the one the model finds likeliest per word, "
        "or by --mmi (sample-and-rank; 1 = off)",
        at_least=1,
        at_most=MAX_BEAM,
    )
    mmi: float = setting(
        0.0,
        "beam, or sample with --rank: keep the reply with the most log p(reply | message) "
        "- MMI x log p(reply) under the model's own language model, so stock replies that "
        "fit anything lose "
        "(Li et al. 2016; 0 = off)",
        at_least=0,
    )

    def __post_init__(self) -> None:
        check_types(self)
        if self.strategy not in STRATEGIES:
            raise ChatbotError(f"strategy must be one of {', '.join(STRATEGIES)}")
        check_bounds(self)
        if self.rank > 1 and self.strategy != "sample":
            raise ChatbotError("--rank draws several replies: it needs --strategy sample")
        if self.mmi and not (self.strategy == "beam" or self.rank > 1):
            raise ChatbotError("--mmi chooses among replies: it needs beam search or --rank")


# Writing on from a passage: sampling a little cooler than replies, with guards that let
# running text repeat what prose repeats (particles, punctuation, short phrases). Beam
# search per window (--strategy beam) read a little more coherent to a reader (set c2:
# 1.93 vs 1.68 of 5, fluency equal at 2.0) but says the same phrases across passages
# (distinct-2 0.39 vs 0.69) and sometimes a word three times in a row.
MAX_STORY_WORDS = 1000  # words written on at a time: beyond, a typo that runs for hours
CONTINUE_OPTIONS = DecodeOptions(
    strategy="sample",
    temperature=0.8,
    repetition_penalty=1.2,
    no_repeat_ngram=4,
    min_length=0,
    max_length=30,
)


@dataclass(frozen=True)
class ModelCard:
    """A trained model's ``config.json``, typed: what it is and how it was made."""

    model: ModelConfig
    train: TrainConfig
    corpus: str = ""
    vectors_sha256: str = ""
    table_fingerprint: str = ""
    package_version: str = ""
    split: dict[str, int] = field(default_factory=dict)
    best_epoch: int | None = None
    trainable_parameters: int | None = None
    test: dict[str, float] = field(default_factory=dict)
    weights_dtype: str = "float32"
    cast: dict[str, list] = field(default_factory=dict)  # chatbot.cast.Cast.to_dict()
    books: list[dict[str, Any]] = field(default_factory=list)  # a base: what it read
    base: str = ""  # a fine-tuned model: the base it started from
    base_books: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, float] = field(default_factory=dict)  # how well its words were mapped
    # the novel was in Traditional characters (read as Simplified): the OpenCC config
    # (s2t, s2tw, s2hk) that shows what the model writes as the novel was written
    script: str = ""
    # Latin words as the novel writes them inside a sentence, where not lower case (the
    # model reads and writes lower case): {"tom": "Tom", "i": "I"}
    cased: dict[str, str] = field(default_factory=dict)
    title: str = ""  # the novel's title as its file gave it (《红楼梦》, Gutenberg's Title:)

    @classmethod
    def read(cls, root: str | Path) -> ModelCard:
        """Read ``root``'s config.json; a missing or malformed one is a ChatbotError."""
        path = ModelLayout.at(root).existing().config
        return cls.from_dict(read_json(path, "model config"), path)

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: Path | str = "config.json") -> ModelCard:
        names = {f.name for f in fields(cls)} - {"model", "train"}
        for key in ("model", "train"):
            if not isinstance(d.get(key, {}), dict):
                raise ChatbotError(f"{path} is not a valid model config ({key} must be an object)")
        try:
            model = ModelConfig(**d["model"])
            train = TrainConfig.from_dict(d.get("train", {}), d["model"])
            return cls(model, train, **{k: v for k, v in d.items() if k in names})
        except (KeyError, TypeError, AttributeError, ChatbotError) as e:
            raise ChatbotError(f"{path} is not a valid model config ({e})") from None

    def __post_init__(self) -> None:
        check_types(self)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["train"] = self.train.to_dict()
        return d
