"""The Chatbot API: text in, a reply out, word by word. Used by the CLI and the TUI.

A ``Chatbot`` is a loaded model plus what replying needs around it: the corpus's
segmentation (so a message is read as the book was) and the model's query length.
How words are chosen is ``chatbot.decode``.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from chatbot.cast import FIRST_MESSAGE, Cast, Conversation
from chatbot.checkpoint import load_model
from chatbot.config import CONTINUE_OPTIONS, DecodeOptions, ModelCard, offset_seed
from chatbot.data import (
    BOS,
    CONT,
    EOS,
    SEP,
    Example,
    WordTable,
    collate,
    encode_query,
    encode_reply,
    split_examples,
)
from chatbot.decode import Decoded, beam_search, finish, run
from chatbot.errors import ChatbotError
from chatbot.ingest.dialogue import read_pairs
from chatbot.ingest.sentences import capitalised
from chatbot.ingest.textio import in_novel_script, join_words, to_simplified
from chatbot.ingest.words import language
from chatbot.layout import CorpusLayout, ModelLayout
from chatbot.model import Seq2Seq
from chatbot.objective import reply_log_likelihood
from chatbot.rerank import Reranker
from chatbot.retrieve import Retriever

MAX_INPUT_CHARS = 4000  # only the query's last tokens are read; more is wasted work
_CHAPTER_END = ("下回分解",)  # the closing formula of Chinese vernacular fiction
_MARK = re.compile(r"[^\w\s]+")  # a punctuation word: 。 ， ？ …… , ? !
_SENTENCE_INNER = frozenset("，,、：:；;—-《「『“‘(（")  # marks a passage may stop at mid-sentence
_OPEN_ENDS = frozenset("，,、：:；;")  # a reply ending on one reads as cut off

# When every beam candidate was retried, sample-and-rank says something new: eight draws
# at T 0.7 among the 10 nearest words, the likeliest per word kept (set s5: as fluent as
# beam search, 4.02 vs 4.08 of 5, though less often relevant).
RETRY = {"strategy": "sample", "temperature": 0.7, "top_k": 10, "rank": 8}
# A retried reply cut this short (characters, marks aside) is told by its start; a
# shorter one (我) would rule out every reply that starts the same way.
MIN_RETRIED_PREFIX = 4


def chapter_ends(words: list[str]) -> bool:
    """Whether the text written so far just ended a chapter: the closing formula, or a
    chapter heading starting after the last sentence end."""
    from chatbot.ingest.textio import is_heading

    tail = join_words(words[-12:])
    if any(tail.rstrip("。！？!?.”」").endswith(f) for f in _CHAPTER_END):
        return True
    last = re.split(r"[。！？!?…]", join_words(words[-40:]))[-1].strip()
    return bool(last) and is_heading(last)


def training_examples(
    card: ModelCard, table: WordTable, corpus: str | Path | None = None
) -> list[Example] | None:
    """The training pairs of the corpus a model was trained on (or ``corpus``), as it
    read them; None where the corpus is not there (the package ships no novel text)."""
    pairs_file = CorpusLayout.at(corpus or card.corpus).pairs
    if not pairs_file.is_file():
        return None
    return split_examples(read_pairs(pairs_file), table, card.train)[0]


@dataclass
class Grounding:
    """A line of the book a grounded reply leaned on: a training pair's reply."""

    text: str
    tokens: list[str]
    position: int  # where the pair is in the book (its paragraph)
    score: float  # how well it matched the message (BM25, or the reranker's score)


@dataclass
class Reply:
    words: list[str]
    scores: list[float]  # cosine similarity of each word's output vector to the word
    stop: str  # "end" (the model ended it) or "max_length"
    seconds: float = 0.0
    log_prob: float = 0.0  # model log-probability of the words (and the end)
    query_tokens: list[str] = field(default_factory=list)
    grounding: list[Grounding] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The model's words joined, as the corpus writes them (lower-case Latin,
        Simplified): what metrics compare; ``Chatbot.show`` is what a user reads."""
        return join_words(self.words)


def line_key(text: str) -> str:
    """What two lines share when they say the same thing: their letters and digits,
    cleaned as the corpus was (full-width as ASCII) and lowercased; spaces, quotes and
    punctuation ("你说的很是。" and "你说的很是！") aside. No segmentation needed."""
    from chatbot.ingest.textio import normalise

    return "".join(c for c in "".join(normalise(text)).lower() if c.isalnum())


class Chatbot:
    """A loaded model, ready to reply. ``Chatbot.load(model_dir)`` once, then ``reply``."""

    def __init__(
        self,
        model: Seq2Seq,
        table: WordTable,
        card: ModelCard,
        root: Path,
        userdict: Path | None = None,
        retriever: Retriever | None = None,
    ):
        # Replying never trains: without gradients the word index stays cached.
        self.model = model.eval().requires_grad_(False)
        self.table = table
        self.card = card
        self.root = root
        self.userdict = userdict
        self.device = next(model.parameters()).device
        self.retriever = retriever
        self._reranker: Reranker | None = None
        self.latin = language(table.words[:2000]) == "en"  # an English novel's model
        # Rows that are punctuation only: the guards never put two in a row.
        outputs = table.words[: model.outputs]
        self.marks = frozenset(i for i, w in enumerate(outputs) if _MARK.fullmatch(w))
        # Marks a reply does not end on: a sentence goes on after them.
        self.open_ends = frozenset(i for i, w in enumerate(outputs) if w in _OPEN_ENDS)

    @classmethod
    def load(
        cls,
        model_dir: str | Path,
        device: str = "cpu",
        warm: bool = True,
        corpus: str | Path | None = None,
    ) -> Chatbot:
        """Load the model; ``warm`` also loads jieba's dictionary and builds the word
        index now rather than on the first message (the TUI warms them in the background
        after showing "ready"). A grounded model retrieves from the training pairs of
        ``corpus`` (default: the corpus it was trained on) when they are there, and
        answers without grounding when they are not (the package ships no novel text)."""
        loaded = load_model(model_dir, device)
        lay = ModelLayout.at(model_dir)
        userdict = lay.userdict if lay.userdict.is_file() else None
        retriever = None
        if loaded.card.train.ground:
            examples = training_examples(loaded.card, loaded.table, corpus)
            if examples is not None:
                retriever = Retriever([e.pair for e in examples])  # type: ignore[misc]
        bot = cls(loaded.model, loaded.table, loaded.card, lay.root, userdict, retriever)
        if warm:
            bot.warm()
        return bot

    def grounding(self, tokens: list[str]) -> list[Grounding]:
        """The book's lines a grounded model reads beside this message (none for an
        ungrounded model, or without its corpus)."""
        if self.retriever is None:
            return []
        hits = self.retriever.search(tokens, self.card.train.ground)
        pairs = self.retriever.pairs
        return [
            Grounding(pairs[i].reply, pairs[i].reply_tokens, pairs[i].position, score)
            for i, score in hits
        ]

    def quote(
        self,
        text: str,
        k: int = 1,
        conversation: Conversation = FIRST_MESSAGE,
        corpus: str | Path | None = None,
    ) -> list[Grounding]:
        """The ``k`` training replies of the book that best answer the message: a BM25
        shortlist of pairs whose queries match it, ordered by this model's ranking score
        (``chatbot.rerank``). Needs the corpus the model was trained on (or ``corpus``,
        read on the first call)."""
        tokens = self.tokenize(text)
        if self._reranker is None:  # built once: its marginals are cached across messages
            train = training_examples(self.card, self.table, corpus)
            if train is None:
                where = CorpusLayout.at(corpus or self.card.corpus).root
                raise ChatbotError(
                    f"no pairs.tsv at {where}: quoting the book needs the corpus the model "
                    "was trained on"
                )
            self._reranker = Reranker(self.model, self.table.dim, train)
        hits = self._reranker.search(self._example(tokens, (), conversation), tokens, k)
        pairs = [self._reranker.train[i].pair for i, _ in hits]
        return [
            Grounding(p.reply, p.reply_tokens, p.position, s)  # type: ignore[union-attr]
            for p, (_, s) in zip(pairs, hits)
        ]

    def warm(self) -> None:
        """Do now what the first message would otherwise wait for: load jieba's
        dictionary (~1 s) and build the word index (~50 ms)."""
        self.tokenize("你好")
        self.model.head.warm()

    # ----------------------------------------------------------------- input
    def tokenize(self, text: str) -> list[str]:
        """The message's words, segmented exactly like the corpus was. A message typed in
        Traditional characters is read in Simplified, as ``prepare`` reads a Traditional
        novel, when that leaves fewer of its words unknown to the model."""
        from chatbot.ingest.segment import tokenize
        from chatbot.ingest.textio import normalise

        if not isinstance(text, str) or not text.strip():
            raise ChatbotError("say something: the text is empty")
        paragraphs = normalise(text[-MAX_INPUT_CHARS:])
        tokens = [t for p in paragraphs for t in tokenize(p, self.userdict)]
        if not tokens:
            raise ChatbotError("say something: the text has no words")
        unknown = self._unknown(tokens)
        if unknown and (simplified := to_simplified(paragraphs)) != paragraphs:
            converted = [t for p in simplified for t in tokenize(p, self.userdict)]
            if self._unknown(converted) < unknown:
                return converted
        return tokens

    def _unknown(self, tokens: list[str]) -> int:
        return sum(t not in self.table.index for t in tokens)

    # ------------------------------------------------------- what the user sees
    def cased(self, word: str, first: bool = False) -> str:
        """A word the model wrote as its novel writes it: Latin words in their case
        (tom -> Tom, i -> I), and the ``first`` word of an English reply with a capital."""
        word = self.card.cased.get(word, word)
        return capitalised(word) if first and self.latin else word

    def in_script(self, text: str) -> str:
        """Text of the corpus (a word, a name, a line of the book) in the script of the
        novel: a novel read in Traditional characters is shown in them again."""
        return in_novel_script(text, self.card.script)

    def shown(self, word: str, first: bool = False) -> str:
        """A word the model wrote, as the user reads it (``cased``, then ``in_script``)."""
        return self.in_script(self.cased(word, first))

    def show(self, words: Sequence[str], novel_script: bool = True) -> str:
        """A reply as the user reads it, word by word as the app streams it; without
        ``novel_script``, in the corpus's script (as ``chatbot judge`` shows the book)."""
        pieces = [self.cased(w, first=i == 0) for i, w in enumerate(words)]
        return join_words([self.in_script(p) for p in pieces] if novel_script else pieces)

    @property
    def cast(self) -> Cast:
        """Who the model can speak as (the first row is anyone), named as its corpus
        names them (in Simplified for a novel read in Traditional)."""
        return Cast.from_dict(self.card.cast)

    @property
    def names(self) -> tuple[str, ...]:
        """The cast's names as the user reads them, row by row (``in_script``)."""
        return tuple(self.in_script(n) for n in self.cast.names)

    def character(self, name: str) -> int:
        """The cast row of a name typed in either script; an unknown name is a one-line
        error naming the closest ones (``Cast.find``)."""
        for names in (self.names, self.cast.names):
            if name in names:
                return names.index(name)
        return self.cast.find(to_simplified([name])[0], self.in_script)

    def _rows(self, conversation: Conversation) -> tuple[int, int]:
        """The persona rows of the conversation's speaker and addressee."""
        names = (conversation.speaker, conversation.addressee)
        if not self.model.config.characters:
            if any(names):
                raise ChatbotError("this model has no characters; train it with --characters N")
            return 0, 0
        speaker, addressee = (self.character(n) if n else 0 for n in names)
        if speaker and speaker == addressee:
            raise ChatbotError(
                f"{self.names[speaker]} cannot answer themselves: choose two different characters"
            )
        return speaker, addressee

    def _example(
        self,
        tokens: list[str],
        grounding: Sequence[Grounding] = (),
        conversation: Conversation = FIRST_MESSAGE,
    ) -> Example:
        """The message as the model reads it: after the turns before it, beside its
        grounding, for its speaker and addressee."""
        train = self.card.train
        context: list[str] = []
        turns = [w for w in map(self._turn_words, conversation.history) if w]
        for words in turns[len(turns) - train.context :]:
            context += ([SEP] if context else []) + words
        lines = [g.tokens for g in grounding]
        enc = encode_query(self.table, tokens, train.max_query, context=context, grounding=lines)
        speaker, addressee = self._rows(conversation)
        return Example(enc, [EOS], None, speaker=speaker, addressee=addressee)

    def _start(
        self,
        tokens: list[str],
        grounding: Sequence[Grounding] = (),
        conversation: Conversation = FIRST_MESSAGE,
    ) -> Callable[[int], tuple[Any, Any]]:
        """``_example``, encoded as n identical rows (beam search decodes n at once)."""
        ex = self._example(tokens, grounding, conversation)
        return lambda n: self.model.start(collate([ex] * n, self.table.dim).to(self.device))

    # ---------------------------------------------------------------- output
    @torch.no_grad()
    def reply(
        self,
        text: str,
        options: DecodeOptions | None = None,
        conversation: Conversation = FIRST_MESSAGE,
        **kw: Any,
    ) -> Reply:
        """The whole reply at once."""
        start = time.perf_counter()
        options = replace(options or DecodeOptions(), **kw)
        tokens = self.tokenize(text)
        grounding = self.grounding(tokens)
        start_fn = self._start(tokens, grounding, conversation)
        d = self._decode(start_fn, options, text, conversation)
        if self._stale(d, text, conversation):
            # nothing new to say (a retry, or a line the chat said, from greedy decoding
            # or a fixed seed): draws with other seeds say something else
            turns = len(conversation.retried) + len(conversation.history) + 1
            seed = offset_seed(options.seed, turns * RETRY["rank"])
            retry = replace(options, **RETRY, seed=seed)
            d = self._decode(start_fn, retry, text, conversation)
        r = Reply(self._words_of(d), d.scores, d.stop, log_prob=d.log_prob, query_tokens=tokens)
        r.grounding = grounding
        r.seconds = time.perf_counter() - start
        return r

    def _decode(
        self,
        start_fn: Callable[[int], tuple[Any, Any]],
        options: DecodeOptions,
        text: str,
        conversation: Conversation,
    ) -> Decoded:
        """The reply ``options`` choose, avoiding what the chat said (``_unsaid``)."""
        if options.strategy == "beam":
            candidates = beam_search(
                self.model, start_fn, options, marks=self.marks, open_ends=self.open_ends
            )
            candidates = self._unsaid(candidates, text, conversation)
            return self._mmi(candidates, options.mmi) if options.mmi else candidates[0]
        drawn = []
        memory, state = start_fn(1)  # encoded once; every draw starts from it
        for k in range(options.rank if options.strategy == "sample" else 1):
            seed = offset_seed(options.seed, k)
            o = replace(options, seed=seed)
            steps = run(
                self.model,
                memory,
                state,
                o.max_length,
                o,
                marks=self.marks,
                open_ends=self.open_ends,
            )
            drawn.append(finish(self.model, list(steps)))
        drawn = self._unsaid(drawn, text, conversation)
        if options.mmi:
            return self._mmi(drawn, options.mmi)
        return max(drawn, key=lambda c: c.log_prob / (len(c.ids) + 1))

    def _words_of(self, d: Decoded) -> list[str]:
        return [self.table.words[i] for i in d.ids]

    def _turn_words(self, text: str) -> list[str]:
        """A turn of the chat as words; none for a blank one (a cancelled reply)."""
        try:
            return self.tokenize(text)
        except ChatbotError:
            return []

    def _unsaid(
        self, candidates: list[Decoded], text: str, conversation: Conversation
    ) -> list[Decoded]:
        """The candidates that do not repeat the message ``text``, a turn of the
        conversation or a reply the user retried (all of them, if every one does). The
        model gives the same few lines to many messages, and in a chat a line said twice
        reads as a broken bot."""
        fresh = [d for d in candidates if not self._stale(d, text, conversation)]
        return fresh or candidates

    def _stale(self, d: Decoded, text: str, conversation: Conversation) -> bool:
        """Whether ``d`` says the message or a turn again, or begins as a retried reply
        did (a retry may come while the reply it rejects is still being shown)."""
        key = self._said_key(self._text(d))
        said, retried = _said_keys(text, conversation)
        return key in said or any(
            len(r) >= MIN_RETRIED_PREFIX and key.startswith(r) for r in retried
        )

    def _text(self, d: Decoded) -> str:
        return join_words(self._words_of(d))

    @staticmethod
    def _said_key(text: str) -> str:
        """``line_key`` in Simplified: the chat shows a Traditional novel's lines in
        Traditional, and a user may type either."""
        return line_key(to_simplified([text.replace("\n", " ")])[0])

    def _mmi(self, candidates: list[Decoded], weight: float) -> Decoded:
        """The candidate with the most mutual information with the message: its
        log-probability minus ``weight`` x its log-probability as running text after an
        empty passage (the model's language model; a model that never read running text
        falls back to a reply to an empty message)."""
        if len(candidates) < 2:
            return candidates[0]
        try:
            start = (
                self.table.marker(CONT)
                if self.card.train.text_epochs or self.card.train.text_mix
                else BOS
            )
        except ChatbotError:
            start = BOS
        nothing = encode_query(self.table, [], self.card.train.max_query)
        ends = [EOS] if start == BOS else []
        examples = [Example(nothing, [*d.ids, *ends] or [EOS], None, start) for d in candidates]
        batch = collate(examples, self.table.dim).to(self.device)
        logp = self.model.log_probs(self.model(batch))
        prior = reply_log_likelihood(logp, batch.tgt_out, mean=False).tolist()
        return max(zip(candidates, prior), key=lambda c: c[0].log_prob - weight * c[1])[0]

    @torch.no_grad()  # on a generator: around each step, not between them
    def stream(
        self,
        text: str,
        options: DecodeOptions | None = None,
        conversation: Conversation = FIRST_MESSAGE,
        **kw: Any,
    ) -> Iterator[tuple[str, float]]:
        """Yield (word, cosine score) as soon as each word is decoded. Beam search can
        only know its words at the end, so it yields them then."""
        options = replace(options or DecodeOptions(), **kw)
        tokens = self.tokenize(text)
        if options.strategy == "beam" or options.rank > 1 or conversation != FIRST_MESSAGE:
            # known only at the end (and in a chat, a line it said may be redrawn)
            r = self.reply(text, options, conversation)
            yield from zip(r.words, r.scores)
            return
        memory, state = self._start(tokens, self.grounding(tokens), conversation)(1)
        steps = run(
            self.model,
            memory,
            state,
            options.max_length,
            options,
            marks=self.marks,
            open_ends=self.open_ends,
        )
        for step in steps:
            word = step.words[0]
            if word == EOS:
                return
            yield self.table.words[word], step.scores[0]

    @torch.no_grad()
    def write_on(
        self, text: str, words: int = 60, options: DecodeOptions | None = None, **kw: Any
    ) -> Iterator[tuple[str, float]]:
        """Continue a passage in the book's style, word by word (``Chatbot.stream``'s
        counterpart for running text): windows of the model's ``text_target`` words,
        each read after the last ``text_source`` words so far, never ending inside one.
        Stops after ``words`` words, or where a chapter ends."""
        options = replace(options or CONTINUE_OPTIONS, **kw)
        cont = self.table.marker(CONT)
        train = self.card.train
        tokens = self.tokenize(text)
        written: list[str] = []
        # After a finished sentence the story goes on with a word: a mark first (", Lucy"
        # after "she asked.") would read as the passage's sentence broken off.
        # (in the first window only: a model that writes nothing but marks still ends)
        skip = bool(_MARK.fullmatch(tokens[-1])) and tokens[-1] not in _SENTENCE_INNER
        generator = torch.Generator()
        generator.manual_seed(options.seed) if options.seed is not None else generator.seed()
        while len(written) < words:
            n = min(train.text_target, words - len(written))
            context = (tokens + written)[-train.text_source :]
            ex = Example(encode_query(self.table, context, train.text_source), [EOS], None, cont)
            start = lambda k, ex=ex: self.model.start(  # noqa: E731
                collate([ex] * k, self.table.dim).to(self.device)
            )
            window = replace(options, min_length=n, max_length=n)  # no end inside a window
            recent = self.table.ids(written[-train.text_target :])
            if options.strategy == "beam":  # a window at once: beam search knows it at the end
                d = beam_search(
                    self.model, start, window, first=cont, said=recent, marks=self.marks
                )[0]
                steps = zip(d.ids, d.scores)
            else:
                steps = (
                    (s.words[0], s.scores[0])
                    for s in run(
                        self.model,
                        *start(1),
                        n,
                        window,
                        generator,
                        start=cont,
                        said=recent,
                        marks=self.marks,
                    )
                )
            for word_id, score in steps:
                word = self.table.words[word_id]
                if skip and not written and _MARK.fullmatch(word):
                    continue
                written.append(word)
                yield word, score
                if chapter_ends(written):
                    return
            skip = False

    @torch.no_grad()
    def score_replies(
        self,
        query_tokens: list[str],
        replies: list[list[str]],
        conversation: Conversation = FIRST_MESSAGE,
    ) -> list[float]:
        """Mean log-probability per word of each reply (and its end) given the query, all
        replies in one batch: how the model ranks replies."""
        ex = self._example(query_tokens, self.grounding(query_tokens), conversation)
        examples = [replace(ex, reply=encode_reply(self.table, r, 10_000)) for r in replies]
        batch = collate(examples, self.table.dim).to(self.device)
        logp = self.model.log_probs(self.model(batch))  # (N, T, V)
        return reply_log_likelihood(logp, batch.tgt_out).tolist()


@functools.lru_cache(maxsize=16)
def _said_keys(text: str, conversation: Conversation) -> tuple[frozenset[str], frozenset[str]]:
    """The keys (``Chatbot._said_key``) of what a reply must not say again, and of the
    replies retried: made once per reply, not once per candidate (each key converts its
    turn to Simplified)."""
    retried = frozenset(Chatbot._said_key(t) for t in conversation.retried) - {""}
    said = frozenset(Chatbot._said_key(t) for t in (text, *conversation.history)) - {""}
    return said | retried, retried
