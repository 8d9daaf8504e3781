"""The Chatbot API: text in, a reply out, word by word. Used by the CLI and the TUI.

Greedy decoding and sampling ask the model for the likeliest words only
(``Seq2Seq.top``: the exact cosine-nearest rows of the word table, found through the
int8 word index); the reply's log-probability, which needs every word's score, comes
from one product for all steps once the reply is done. Beam search scores all beams
against the whole table with one matrix product per step. The guards (repetition
penalty, no-repeat n-grams, length limits) are a bias on the log-probabilities, so
they only re-rank the cosine scores.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from chatbot.checkpoint import load_model
from chatbot.config import DecodeOptions
from chatbot.data import BOS, EOS, WordTable, collate, encode_query
from chatbot.errors import ChatbotError
from chatbot.ingest.textio import join_words
from chatbot.layout import ModelLayout
from chatbot.model import Seq2Seq, reply_log_likelihood

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


@dataclass
class _Step:
    """One decoded word: its id, cosine, the guards' bias on its log-probability, and
    the output vector it was read from (for the log-probability, computed later)."""

    word: int
    cos: float
    bias: float
    out: torch.Tensor
    forced: bool = False  # an end forced because every word was banned


@dataclass
class _Hyp:
    """A beam hypothesis: word ids, their cosines, guarded and raw log-probabilities."""

    ids: list[int]
    cos: list[float]
    score: float
    raw: float


class Chatbot:
    """A loaded model, ready to reply. ``Chatbot.load(model_dir)`` once, then ``reply``."""

    def __init__(
        self,
        model: Seq2Seq,
        table: WordTable,
        config: dict,
        root: Path,
        userdict: Path | None = None,
    ):
        # Replying never trains: without gradients the word index stays cached.
        self.model = model.eval().requires_grad_(False)
        self.table = table
        self.config = config
        self.root = root
        self.userdict = userdict
        self.max_query = int(config.get("train", {}).get("max_query", 40))
        self.device = next(model.parameters()).device

    @classmethod
    def load(cls, model_dir: str | Path, device: str = "cpu", warm: bool = True) -> Chatbot:
        """Load the model; ``warm`` also loads jieba's dictionary and builds the word
        index now rather than on the first message (the TUI warms them in the background
        after showing "ready")."""
        loaded = load_model(model_dir, device)
        lay = ModelLayout.at(model_dir)
        userdict = lay.userdict if lay.userdict.is_file() else None
        bot = cls(loaded.model, loaded.table, loaded.config, lay.root, userdict)
        if warm:
            bot.warm()
        return bot

    def warm(self) -> None:
        """Do now what the first message would otherwise wait for: load jieba's
        dictionary (~1 s) and build the word index (~50 ms)."""
        self.tokenize("你好")
        if self.model.config.head == "vector":
            self.model.index()

    # ----------------------------------------------------------------- input
    def tokenize(self, text: str) -> list[str]:
        """The query's words, segmented exactly like the corpus was."""
        from chatbot.ingest.segment import tokenize
        from chatbot.ingest.textio import normalise

        if not isinstance(text, str) or not text.strip():
            raise ChatbotError("say something: the message is empty")
        paragraphs = normalise(text[-MAX_INPUT_CHARS:])
        tokens = [t for p in paragraphs for t in tokenize(p, self.userdict)]
        if not tokens:
            raise ChatbotError("say something: the message has no words")
        return tokens

    def _batch(self, tokens: list[str], copies: int = 1):
        from chatbot.data import Example

        enc = encode_query(self.table, tokens, self.max_query)
        ex = Example(enc, [EOS], pair=None)  # type: ignore[arg-type]
        return collate([ex] * copies, self.table.dim).to(self.device)

    # ---------------------------------------------------------------- output
    def reply(self, text: str, options: DecodeOptions | None = None, **kw) -> Reply:
        """The whole reply at once."""
        start = time.perf_counter()
        options = replace(options or DecodeOptions(), **kw)
        tokens = self.tokenize(text)
        if options.strategy == "beam":
            r = self._beam(tokens, options)
        else:
            said, _, raw, stop = self._decode_all(tokens, options)
            words = [self.table.words[s.word] for s in said]
            r = Reply(words, [s.cos for s in said], stop, log_prob=raw)
        r.seconds = time.perf_counter() - start
        r.query_tokens = tokens
        return r

    def stream(
        self, text: str, options: DecodeOptions | None = None, **kw
    ) -> Iterator[tuple[str, float]]:
        """Yield (word, cosine score) as soon as each word is decoded. Beam search can
        only know its words at the end, so it yields them then."""
        options = replace(options or DecodeOptions(), **kw)
        tokens = self.tokenize(text)
        if options.strategy == "beam":
            r = self._beam(tokens, options)
            yield from zip(r.words, r.scores)
            return
        for s in self._decode(tokens, options):
            if s.word == EOS:
                return
            yield self.table.words[s.word], s.cos

    @torch.no_grad()
    def _decode(self, tokens: list[str], o: DecodeOptions) -> Iterator[_Step]:
        """Greedy (strategy greedy) or top-k sampling, one word per step, the end of the
        reply last. Each step asks only for the likeliest words (``Seq2Seq.top``): the
        reply's log-probability needs every word's score, and ``_decode_all`` gets those
        for all steps in one product once the reply is done."""
        gen = torch.Generator(device="cpu")
        if o.seed is not None:
            gen.manual_seed(o.seed)
        else:
            gen.seed()
        scale = float(self.model.score_scale)
        memory, state = self.model.start(self._batch(tokens))
        prev = torch.tensor([BOS], device=self.device)
        said: list[int] = []
        k = 1 if o.strategy == "greedy" else o.top_k
        for t in range(o.max_length):
            out, state = self.model.step(prev, state, memory)
            b = self._bias(said, o, t)
            bias = torch.from_numpy(b).to(self.device)
            cos, ids = (x[0].tolist() for x in self.model.top(out, k, bias))
            logits = [c * scale + float(b[i]) for c, i in zip(cos, ids)]  # log-probs + const
            if logits[0] == float("-inf"):  # every word banned: end the reply
                end_cos = float(self.model.scores(out)[0, EOS])
                yield _Step(EOS, end_cos, 0.0, out, forced=True)
                return
            pick = 0
            if o.strategy != "greedy":
                probs = torch.softmax(torch.tensor(logits) / o.temperature, dim=-1)
                pick = int(torch.multinomial(probs, 1, generator=gen))
            word = ids[pick]
            yield _Step(word, cos[pick], float(b[word]), out)
            if word == EOS:
                return
            said.append(word)
            prev = torch.tensor([word], device=self.device)

    @torch.no_grad()
    def _decode_all(
        self, tokens: list[str], o: DecodeOptions
    ) -> tuple[list[_Step], float, float, str]:
        """The whole ``_decode`` reply: its words (without the end), its guarded and raw
        log-probabilities (the end included; a forced end scores 0, as the only word
        left) from one product over all steps, and why it stopped."""
        steps = list(self._decode(tokens, o))
        stop = "end" if steps and steps[-1].word == EOS else "max_length"
        said = steps[:-1] if stop == "end" else steps
        if not steps:
            return said, 0.0, 0.0, stop
        logp = self.model.log_probs(torch.cat([s.out for s in steps]))
        ids = torch.tensor([s.word for s in steps], device=logp.device)
        raw = logp.gather(1, ids[:, None])[:, 0].tolist()
        guarded = [0.0 if s.forced else r + s.bias for r, s in zip(raw, steps)]
        return said, sum(guarded), sum(raw), stop

    def _bias(self, said: list[int], o: DecodeOptions, t: int) -> np.ndarray:
        """What the guards add to one step's log-probabilities (V,): minus the log of the
        repetition penalty for a word already said, -inf for a word that would repeat an
        n-gram, and for the end before the minimum length."""
        bias = np.zeros(self.model.config.outputs, dtype=np.float32)  # NumPy: ~1 µs a call
        if said and o.repetition_penalty > 1:
            bias[list(set(said))] = -math.log(o.repetition_penalty)
        n = o.no_repeat_ngram
        if n > 0 and len(said) >= n - 1:
            prefix = tuple(said[len(said) - n + 1 :]) if n > 1 else ()
            banned = [
                said[i + n - 1]
                for i in range(len(said) - n + 1)
                if tuple(said[i : i + n - 1]) == prefix
            ]
            bias[banned] = -np.inf
        if t < o.min_length:
            bias[EOS] = -np.inf
        return bias

    @torch.no_grad()
    def _beam(self, tokens: list[str], o: DecodeOptions) -> Reply:
        """Beam search, ranked by the guarded log-probabilities; all beams are scored
        with one matrix product per step. Returns the best finished hypothesis."""
        k = o.beam
        memory, state = self.model.start(self._batch(tokens, copies=k))
        prev = torch.full((k,), BOS, device=self.device)
        beams = [_Hyp([], [], 0.0, 0.0)]
        finished: list[tuple[_Hyp, str]] = []
        for t in range(o.max_length):
            out, state = self.model.step(prev, state, memory)
            cos = self.model.scores(out)
            logp = self.model.log_probs_from_scores(cos)
            candidates = []
            for b, h in enumerate(beams):
                guarded = logp[b] + torch.from_numpy(self._bias(h.ids, o, t)).to(logp.device)
                if torch.isinf(guarded).all():  # every word banned: end the reply
                    guarded[EOS] = 0.0
                top = guarded.topk(min(k, guarded.numel()))
                for lp, w in zip(top.values.tolist(), top.indices.tolist()):
                    if lp != float("-inf"):
                        candidates.append((h.score + lp, b, w))
            candidates.sort(key=lambda c: -c[0])
            new_beams, rows = [], []
            for score, b, w in candidates:
                h = beams[b]
                nxt = _Hyp(
                    [*h.ids, w], [*h.cos, float(cos[b, w])], score, h.raw + float(logp[b, w])
                )
                if w == EOS:
                    finished.append((_Hyp(h.ids, h.cos, score, nxt.raw), "end"))
                else:
                    new_beams.append(nxt)
                    rows.append(b)
                if len(new_beams) == k:
                    break
            # Log-probabilities only fall: once a finished reply beats every live beam,
            # no live beam can catch up.
            best_done = max((f.score for f, _ in finished), default=float("-inf"))
            if not new_beams or best_done >= new_beams[0].score:
                break
            beams = new_beams
            pad = k - len(rows)  # fewer live beams than k: repeat the last one
            rows_t = torch.tensor(rows + rows[-1:] * pad, device=self.device)
            state = tuple(s[:, rows_t] for s in state)
            prev = torch.tensor(
                [h.ids[-1] for h in beams] + [beams[-1].ids[-1]] * pad, device=self.device
            )
        if not finished:  # nothing ended within max_length: the best cut-off hypothesis
            finished = [(h, "max_length") for h in beams]
        # A beam can prune the greedy path and end worse than it; the greedy reply is one
        # more candidate, so beam search never scores below greedy decoding.
        finished.append(self._greedy_hypothesis(tokens, o))
        best, stop = max(finished, key=lambda f: f[0].score)
        return Reply([self.table.words[i] for i in best.ids], best.cos, stop, log_prob=best.raw)

    def _greedy_hypothesis(self, tokens: list[str], o: DecodeOptions) -> tuple[_Hyp, str]:
        said, guarded, raw, stop = self._decode_all(tokens, replace(o, strategy="greedy"))
        return _Hyp([s.word for s in said], [s.cos for s in said], guarded, raw), stop

    @torch.no_grad()
    def score_replies(self, query_tokens: list[str], replies: list[list[str]]) -> list[float]:
        """Mean log-probability per word of each reply (and its end) given the query, all
        replies in one batch: how the model ranks replies."""
        from chatbot.data import Example, encode_reply

        enc = encode_query(self.table, query_tokens, self.max_query)
        examples = [Example(enc, encode_reply(self.table, r, 10_000), None) for r in replies]  # type: ignore[arg-type]
        batch = collate(examples, self.table.dim).to(self.device)
        logp = self.model.log_probs(self.model(batch))  # (N, T, V)
        return reply_log_likelihood(logp, batch.tgt_out).tolist()
