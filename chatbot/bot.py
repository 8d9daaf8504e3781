"""The Chatbot API: text in, a reply out, word by word. Used by the CLI and the TUI.

A ``Chatbot`` is a loaded model plus what replying needs around it: the corpus's
segmentation (so a message is read as the book was) and the model's query length.
How words are chosen is ``chatbot.decode``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from chatbot.checkpoint import load_model
from chatbot.config import DecodeOptions, ModelCard
from chatbot.data import EOS, Example, WordTable, collate, encode_query, encode_reply
from chatbot.decode import beam_search, finish, run
from chatbot.errors import ChatbotError
from chatbot.ingest.textio import join_words
from chatbot.layout import ModelLayout
from chatbot.model import Seq2Seq
from chatbot.objective import reply_log_likelihood

MAX_INPUT_CHARS = 4000  # only the query's last tokens are read; more is wasted work


@dataclass
class Reply:
    words: list[str]
    scores: list[float]  # cosine similarity of each word's output vector to the word
    stop: str  # "end" (the model ended it) or "max_length"
    seconds: float = 0.0
    log_prob: float = 0.0  # model log-probability of the words (and the end)
    query_tokens: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_words(self.words)


class Chatbot:
    """A loaded model, ready to reply. ``Chatbot.load(model_dir)`` once, then ``reply``."""

    def __init__(
        self,
        model: Seq2Seq,
        table: WordTable,
        card: ModelCard,
        root: Path,
        userdict: Path | None = None,
    ):
        # Replying never trains: without gradients the word index stays cached.
        self.model = model.eval().requires_grad_(False)
        self.table = table
        self.card = card
        self.root = root
        self.userdict = userdict
        self.device = next(model.parameters()).device

    @classmethod
    def load(cls, model_dir: str | Path, device: str = "cpu", warm: bool = True) -> Chatbot:
        """Load the model; ``warm`` also loads jieba's dictionary and builds the word
        index now rather than on the first message (the TUI warms them in the background
        after showing "ready")."""
        loaded = load_model(model_dir, device)
        lay = ModelLayout.at(model_dir)
        userdict = lay.userdict if lay.userdict.is_file() else None
        bot = cls(loaded.model, loaded.table, loaded.card, lay.root, userdict)
        if warm:
            bot.warm()
        return bot

    def warm(self) -> None:
        """Do now what the first message would otherwise wait for: load jieba's
        dictionary (~1 s) and build the word index (~50 ms)."""
        self.tokenize("你好")
        self.model.head.warm()

    # ----------------------------------------------------------------- input
    def tokenize(self, text: str) -> list[str]:
        """The message's words, segmented exactly like the corpus was."""
        from chatbot.ingest.segment import tokenize
        from chatbot.ingest.textio import normalise

        if not isinstance(text, str) or not text.strip():
            raise ChatbotError("say something: the message is empty")
        paragraphs = normalise(text[-MAX_INPUT_CHARS:])
        tokens = [t for p in paragraphs for t in tokenize(p, self.userdict)]
        if not tokens:
            raise ChatbotError("say something: the message has no words")
        return tokens

    def _start(self, tokens: list[str]) -> Callable[[int], tuple[Any, Any]]:
        """Encodes the query as n identical rows (beam search decodes n at once)."""
        enc = encode_query(self.table, tokens, self.card.train.max_query)
        ex = Example(enc, [EOS], pair=None)  # type: ignore[arg-type]
        return lambda n: self.model.start(collate([ex] * n, self.table.dim).to(self.device))

    # ---------------------------------------------------------------- output
    @torch.no_grad()
    def reply(self, text: str, options: DecodeOptions | None = None, **kw: Any) -> Reply:
        """The whole reply at once."""
        start = time.perf_counter()
        options = replace(options or DecodeOptions(), **kw)
        tokens = self.tokenize(text)
        if options.strategy == "beam":
            d = beam_search(self.model, self._start(tokens), options)
        else:
            d = finish(self.model, list(self._steps(tokens, options)))
        words = [self.table.words[i] for i in d.ids]
        r = Reply(words, d.scores, d.stop, log_prob=d.log_prob, query_tokens=tokens)
        r.seconds = time.perf_counter() - start
        return r

    @torch.no_grad()  # on a generator: around each step, not between them
    def stream(
        self, text: str, options: DecodeOptions | None = None, **kw: Any
    ) -> Iterator[tuple[str, float]]:
        """Yield (word, cosine score) as soon as each word is decoded. Beam search can
        only know its words at the end, so it yields them then."""
        options = replace(options or DecodeOptions(), **kw)
        tokens = self.tokenize(text)
        if options.strategy == "beam":
            r = self.reply(text, options)
            yield from zip(r.words, r.scores)
            return
        for step in self._steps(tokens, options):
            word = step.words[0]
            if word == EOS:
                return
            yield self.table.words[word], step.scores[0]

    def _steps(self, tokens: list[str], options: DecodeOptions):
        memory, state = self._start(tokens)(1)
        return run(self.model, memory, state, options.max_length, options)

    @torch.no_grad()
    def score_replies(self, query_tokens: list[str], replies: list[list[str]]) -> list[float]:
        """Mean log-probability per word of each reply (and its end) given the query, all
        replies in one batch: how the model ranks replies."""
        enc = encode_query(self.table, query_tokens, self.card.train.max_query)
        examples = [Example(enc, encode_reply(self.table, r, 10_000), None) for r in replies]  # type: ignore[arg-type]
        batch = collate(examples, self.table.dim).to(self.device)
        logp = self.model.log_probs(self.model(batch))  # (N, T, V)
        return reply_log_likelihood(logp, batch.tgt_out).tolist()
