"""Judged evaluation: what a reader thinks of the replies, measured blind.

``make_set`` samples test pairs and writes, into one directory:

- ``items.md``: for each item the message (and who answers whom, where the book says),
  then one candidate per system under neutral letters shuffled per item: the book's
  own reply ("gold"), the model's, the retrieval baseline's and any other system's;
- ``rubric.md``: the criteria with an anchor for every score, and the verdicts schema;
- ``key.json``: which letter is which system. The reader never sees it.

A reader (a person, or any blind reader given only items.md and rubric.md) returns
``verdicts.json``, which ``chatbot.verdicts`` checks against the key and scores. Sets
quote the novel: keep them out of git (under corpus/ or a temporary folder); only scores
are committed.
"""

from __future__ import annotations

import json
import random
import shlex
from dataclasses import asdict, dataclass, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatbot.config import DecodeOptions
from chatbot.errors import ChatbotError
from chatbot.fsutil import ensure_dir, write_json
from chatbot.ingest.sentences import join_sentences, latin_script
from chatbot.verdicts import KEY_VERSION, RETRIEVAL, retrieval_name

if TYPE_CHECKING:
    from chatbot.bot import Chatbot
    from chatbot.ingest.dialogue import Pair

MAX_GOLD_WORDS = 60
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GOLD, MODEL = "gold", "model"
MAX_RETRIEVED = 8  # lines per item beside the others: more tires the reader

# Every criterion a set can ask for: what it measures and an anchor for each score.
CRITERIA: dict[str, tuple[str, list[str]]] = {
    "fluency": (
        "Is it natural, grammatical text in the register of the novel, whatever it says?",
        [
            "1: not language: a string of words or fragments that form no sentence",
            "2: broken: some phrases make sense, but the whole does not read as a sentence",
            "3: understandable, with clear errors or awkward, unnatural wording",
            "4: natural, with a small slip or an odd word",
            "5: reads as if a good writer of this novel wrote it",
        ],
    ),
    "coherence": (
        "Does it go on from this passage: the same scene, people and thread of events?",
        [
            "1: unrelated to the passage",
            "2: shares a word or a name with the passage, but no thread",
            "3: the same scene or people, but a jump or a contradiction",
            "4: goes on from the passage, with something slightly off",
            "5: exactly how the passage could go on",
        ],
    ),
    "relevance": (
        "Does it fit as a reply to this message, said by these speakers (where shown)?",
        [
            "1: unrelated to the message, or no reply at all",
            "2: a stock line that could answer almost anything, or barely touches the message",
            "3: related to the message, but an odd or partial answer",
            "4: a fitting reply, with something slightly off",
            "5: exactly what one could expect this speaker to answer here",
        ],
    ),
    "character": (
        "Does it sound like this speaker talking to this person: their voice, manners, "
        "standing and relation to each other, as far as the set shows them?",
        [
            "1: could not be this speaker, or speaks to the wrong person",
            "2: a voice that fits no one in particular",
            "3: could be this speaker, nothing marks it as theirs",
            "4: sounds like this speaker, with something slightly off",
            "5: unmistakably this speaker, talking to this person",
        ],
    ),
}

EARLIER_TURNS = 2  # persona sets show this many turns said before the message


@dataclass(frozen=True)
class System:
    """One source of candidates: the book ("gold"), the retrieval baseline, or a model
    directory decoded with ``options``."""

    name: str
    model: str | None = None
    options: DecodeOptions | None = None  # None: the mode's default decoding
    quote: bool = False  # the book's line that the model ranks best (``Chatbot.quote``)

    def to_dict(self) -> dict[str, Any]:
        options = None if self.options is None else asdict(self.options)
        d = {"name": self.name, "model": self.model, "options": options}
        return d | {"quote": True} if self.quote else d


def parse_system(spec: str, defaults: DecodeOptions | None = None) -> System:
    """``NAME=MODEL_DIR[:DECODING FLAGS]`` (e.g. ``beam=corpus/x/model:--strategy beam``),
    ``retrieval``, or ``NAME=retrieval@MODEL_DIR``: the book's line the model ranks best
    among the retrieval baseline's shortlist. Flags change ``defaults`` (the reply
    decoding unless given; ``CONTINUE_OPTIONS`` for continuations)."""
    if spec == RETRIEVAL:
        return System(RETRIEVAL)
    name, eq, rest = spec.partition("=")
    if not eq or not name or not rest:
        raise ChatbotError(f"--system {spec!r}: write NAME=MODEL_DIR[:decoding flags]")
    if rest.startswith(f"{RETRIEVAL}@"):
        model = rest.removeprefix(f"{RETRIEVAL}@")
        if not model:
            raise ChatbotError(f"--system {spec!r}: write NAME=retrieval@MODEL_DIR")
        return System(name, model, quote=True)
    model, _, flags = rest.partition(":")
    options = _decode_flags(flags, spec, defaults or DecodeOptions()) if flags.strip() else None
    return System(name, model, options)


def _decode_flags(flags: str, spec: str, defaults: DecodeOptions) -> DecodeOptions:
    import argparse

    from chatbot.cli.options import add_options, from_args

    parser = argparse.ArgumentParser(prog=f"--system {spec}", add_help=False, exit_on_error=False)
    add_options(parser, DecodeOptions)
    parser.set_defaults(**asdict(defaults))
    try:
        args, unknown = parser.parse_known_args(shlex.split(flags))
    except (argparse.ArgumentError, ValueError) as e:
        raise ChatbotError(f"--system {spec!r}: {e}") from None
    if unknown:
        raise ChatbotError(f"--system {spec!r}: unknown decoding flags {' '.join(unknown)}")
    return from_args(DecodeOptions, args)


def _book_line(text: str, tokens: list[str], bot: Chatbot, limit: int = MAX_GOLD_WORDS) -> str:
    """A line of the book as the reader sees it: whole, or cut at a sentence end within
    ``limit`` words (written as ``bot`` writes, so a cut line reads like the others)."""
    from chatbot.data import cut_reply

    return text if len(tokens) <= limit else bot.show(cut_reply(tokens, limit), novel_script=False)


@dataclass
class Item:
    item: int
    position: int
    prompt: str  # the message, or the passage to continue
    candidates: dict[str, str]  # system name -> text
    speakers: str = ""  # "X answers Y", where the book says
    earlier: tuple[str, ...] = ()  # turns said before the message, oldest first


@dataclass(frozen=True)
class Mode:
    """What a set asks the reader about: the prompt's label, what the candidates are,
    the criteria."""

    name: str
    prompt: str
    candidates: str
    criteria: tuple[str, ...]


MODES = {
    "reply": Mode("reply", "Message", "candidate replies", ("fluency", "relevance")),
    "continue": Mode(
        "continue", "Passage", "candidate continuations (the next words)", ("fluency", "coherence")
    ),
    "persona": Mode(
        "persona", "Message", "candidate replies", ("fluency", "relevance", "character")
    ),
}
CONTINUATION_WORDS = 60
EMPTY = {  # what a set of each mode draws from, when the test part has none
    "reply": "dialogue pairs",
    "continue": f"passages of running text with {CONTINUATION_WORDS} words after them",
    "persona": "pairs whose speaker and addressee the book names (a speaker the model knows)",
}


def make_set(
    model_dir: str | Path,
    out_dir: str | Path,
    *,
    n: int = 60,
    seed: int = 0,
    systems: list[System] | None = None,
    corpus_dir: str | Path | None = None,
    mode: str = "reply",
    retrieved: int = 1,
) -> Path:
    """Write items.md, rubric.md and key.json for ``n`` items from the test part of the
    model's corpus (see the module docstring); the same arguments give the same set.

    ``reply``: test pairs; candidates are the book's reply, the model's, the retrieval
    baseline's and each other system's. ``retrieved`` > 1 adds the replies BM25 ranks
    2nd to ``retrieved``-th (distinct lines; systems retrieval2, retrieval3, ...): the
    best of them per item is what a perfect re-ranker of that shortlist could reach.
    ``continue``: passages of the test part's running text; candidates are the book's
    next 60 words and each model's."""
    from chatbot.bot import Chatbot
    from chatbot.evaluate import corpus_of

    if mode not in MODES:
        raise ChatbotError(f"mode must be one of {', '.join(MODES)}")
    replies = mode != "continue"
    if not 1 <= retrieved <= MAX_RETRIEVED:
        raise ChatbotError(f"--retrieved must be from 1 to {MAX_RETRIEVED}")
    if retrieved > 1 and not replies:
        raise ChatbotError("--retrieved lists the book's lines for a message: not with continue")
    lines = [System(retrieval_name(r)) for r in range(1, retrieved + 1)] if replies else []
    base = [System(MODEL, str(model_dir)), *lines]
    systems = base + list(systems or [])
    names = [GOLD] + [s.name for s in systems]
    if len(set(names)) != len(names):
        raise ChatbotError(f"system names must differ: {', '.join(names)}")
    if mode == "continue" and (RETRIEVAL in names or any(s.quote for s in systems)):
        raise ChatbotError(
            "retrieval answers messages with the book's lines; it cannot continue text"
        )
    if n < 1:
        raise ChatbotError("--n must be at least 1")
    bots = {s.model: Chatbot.load(s.model) for s in systems if s.model}
    main = bots[str(model_dir)]
    corpus = corpus_of(main, corpus_dir)
    if replies:
        persona = mode == "persona"
        items = _reply_items(main, corpus, n, seed, systems, bots, persona, retrieved)
    else:
        items = _continuation_items(main, corpus, n, seed, systems, bots)
    if not items:
        raise ChatbotError(f"the test part of {corpus.root} has no {EMPTY[mode]}")
    return write_set(out_dir, items, MODES[mode], seed=seed, systems=systems, model=str(model_dir))


def _options(s: System, k: int, default: DecodeOptions) -> DecodeOptions:
    """A system's decoding (else ``default``), seeded per item when it names no seed:
    the same set each time."""
    o = s.options or default
    return o if o.seed is not None else replace(o, seed=k)


def _reply_items(main, corpus, n, seed, systems, bots, persona=False, retrieved=1) -> list[Item]:
    """Test pairs and their replies. ``persona``: only pairs whose speaker and addressee
    the book names (the speaker one of ``main``'s cast, if it has one), shown with the
    turns said before the message (each model reads as many of them as it was trained
    to)."""
    from chatbot.data import conversation_of, dialogue
    from chatbot.ingest.dialogue import read_pairs
    from chatbot.retrieve import OverlapIndex

    train_config = main.card.train
    if persona:
        train_config = replace(train_config, context=max(train_config.context, EARLIER_TURNS))
    d = dialogue(read_pairs(corpus.pairs), main.table, train_config, main.cast)
    train, test = d.train, d.test
    eligible = [e for e in test if 0 < len(e.pair.reply_tokens) <= MAX_GOLD_WORDS]
    if persona:  # both named, and the speaker one of the cast when the model has one
        eligible = [
            e
            for e in eligible
            if e.pair.reply_speaker
            and e.pair.query_speaker
            and (len(main.cast) <= 1 or main.cast.row(e.pair.reply_speaker))
        ]
    chosen = random.Random(seed).sample(eligible, min(n, len(eligible)))
    index = OverlapIndex([e.pair.query_tokens for e in train])
    ranks = {retrieval_name(r): r - 1 for r in range(1, retrieved + 1)}
    items = []
    for k, ex in enumerate(chosen, 1):
        p = ex.pair
        candidates = {GOLD: p.reply}
        found = _retrieved(index, train, p.query_tokens, retrieved)
        for s in systems:
            if s.name in ranks:
                best = found[ranks[s.name]]
                candidates[s.name] = _book_line(best.reply, best.reply_tokens, main)
            elif s.quote:
                bot = bots[s.model]
                lines = bot.quote(p.query, 1, conversation_of(ex, bot.cast), corpus.root)
                text, tokens = (
                    (lines[0].text, lines[0].tokens)
                    if lines
                    else (train[0].pair.reply, train[0].pair.reply_tokens)
                )
                candidates[s.name] = _book_line(text, tokens, main)
            else:
                bot = bots[s.model]
                r = bot.reply(
                    p.query, _options(s, k, DecodeOptions()), conversation_of(ex, bot.cast)
                )
                candidates[s.name] = bot.show(r.words, novel_script=False) or "(no reply)"
        speakers = ""
        if p.reply_speaker or p.query_speaker:
            speakers = f"{p.reply_speaker or 'someone'} answers {p.query_speaker or 'someone'}"
        earlier = ex.history[len(ex.history) - EARLIER_TURNS :] if persona else ()
        items.append(Item(k, p.position, p.query, candidates, speakers, earlier))
    return items


def _retrieved(index, train, tokens: list[str], k: int) -> list[Pair]:
    """The pairs of the ``k`` best training queries for ``tokens`` with distinct replies,
    best first (the first training pairs where fewer match)."""
    hits = (train[i].pair for i, _ in index.search(tokens, 8 * k))
    found: list[Pair] = []
    seen: set[str] = set()
    for pair in chain(hits, (e.pair for e in train)):
        if pair.reply not in seen:
            seen.add(pair.reply)
            found.append(pair)
            if len(found) == k:
                return found
    return found + found[-1:] * (k - len(found))  # a book of fewer distinct replies


def _continuation_items(main, corpus, n, seed, systems, bots) -> list[Item]:
    """Passages of about ``text_source`` words ending at a sentence end in the test part
    of the running text, far enough from its end for the book's next 60 words."""
    from chatbot.config import CONTINUE_OPTIONS
    from chatbot.data import read_running_text, text_split
    from chatbot.ingest.dialogue import read_pairs

    _, _, test = text_split(corpus, read_pairs(corpus.pairs), main.card.train)
    sentences = read_running_text(corpus)
    with open(corpus.text, encoding="utf-8") as f:
        raw = f.read().split("\n")[: len(sentences)]
    latin = latin_script(raw)
    first = len(sentences) - _sentences_holding(sentences, len(test))
    source = main.card.train.text_source
    starts = []  # (first sentence of the passage, first sentence after it)
    for end in range(first + 1, len(sentences)):
        words, begin = 0, end
        while begin > first and words < source:
            begin -= 1
            words += len(sentences[begin])
        after = sum(len(s) for s in sentences[end:])
        if words >= source // 2 and after >= CONTINUATION_WORDS:
            starts.append((begin, end))
    chosen = random.Random(seed).sample(starts, min(n, len(starts)))
    items = []
    for k, (begin, end) in enumerate(chosen, 1):
        passage = join_sentences(raw[begin:end], latin)
        following = [t for s in sentences[end:] for t in s][:CONTINUATION_WORDS]
        candidates = {GOLD: main.show(following, novel_script=False)}
        for s in systems:
            options = _options(s, k, CONTINUE_OPTIONS)
            written = bots[s.model].write_on(passage, CONTINUATION_WORDS, options)
            words = [w for w, _ in written]
            candidates[s.name] = bots[s.model].show(words, novel_script=False) or "(nothing)"
        items.append(Item(k, end, passage, candidates))
    return items


def _sentences_holding(sentences: list[list[str]], tokens: int) -> int:
    """How many of the last sentences hold the last ``tokens`` tokens."""
    total = count = 0
    for s in reversed(sentences):
        if total >= tokens:
            break
        total += len(s)
        count += 1
    return count


def write_set(
    out_dir: str | Path,
    items: list[Item],
    mode: Mode,
    *,
    seed: int,
    systems: list[System],
    model: str,
) -> Path:
    """Shuffle each item's candidates under letters and write the three files."""
    out = ensure_dir(out_dir)
    rng = random.Random(seed * 7919 + 1)
    keys, blocks = [], []
    for it in items:
        names = list(it.candidates)
        rng.shuffle(names)
        letters = dict(zip(LETTERS, names))
        keys.append({"item": it.item, "position": it.position, "letters": letters})
        speakers = f"**Speakers:** {it.speakers}\n\n" if it.speakers else ""
        if it.earlier:
            speakers += "**Said before:**\n\n" + "".join(f"> {t}\n\n" for t in it.earlier)
        options = "\n".join(
            f"- **{letter}:** {it.candidates[name]}" for letter, name in letters.items()
        )
        blocks.append(
            f"## Item {it.item}\n\n{speakers}**{mode.prompt}:** {it.prompt}\n\n{options}\n"
        )
    (out / "items.md").write_text(
        f"# Reading set: {len(items)} items\n\nRead rubric.md first. Each item shows a "
        f"{mode.prompt.lower()} from a novel and {mode.candidates} under letters.\n\n"
        + "\n".join(blocks),
        encoding="utf-8",
    )
    (out / "rubric.md").write_text(rubric(mode.criteria, len(items)), encoding="utf-8")
    write_json(
        out / "key.json",
        {
            "version": KEY_VERSION,
            "mode": mode.name,
            "seed": seed,
            "model": model,
            "criteria": list(mode.criteria),
            "systems": [{"name": GOLD}] + [s.to_dict() for s in systems],
            "items": keys,
        },
    )
    return out


def rubric(criteria: tuple[str, ...], n: int) -> str:
    parts = [
        "# How to rate\n",
        f"items.md holds {n} items. In each, rate every candidate on its own, on each "
        "criterion below, with a whole number from 1 to 5, then pick the one best candidate "
        "of the item. Candidates come from different sources and their order is random; "
        "judge only what is written. Texts are in the novel's language and period style: "
        "old-fashioned wording is not an error.\n",
    ]
    for name in criteria:
        question, anchors = CRITERIA[name]
        parts.append(f"## {name}\n\n{question}\n\n" + "\n".join(f"- {a}" for a in anchors) + "\n")
    example = {
        "items": [
            {
                "item": 1,
                "ratings": {
                    "A": {c: 4 for c in criteria},
                    "B": {c: 2 for c in criteria},
                },
                "best": "A",
            }
        ]
    }
    parts.append(
        "## What to return\n\nA file `verdicts.json`: one entry per item, every letter of the "
        "item rated on every criterion, `best` one of its letters. For example:\n\n"
        f"```json\n{json.dumps(example, indent=2)}\n```\n"
    )
    return "\n".join(parts)
