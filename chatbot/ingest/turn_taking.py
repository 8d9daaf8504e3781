"""Speakers of English speeches that no tag names, from how novels write conversation.

English novels tag a minority of their speeches by name: the rest stand alone, carry a
pronoun (she said) or sit next to an action (Mary put down her cup. "You are early.").
The conventions that quote attribution relies on (He et al. 2013, Muzny et al. 2017)
name many of them, in this order:

- *action beat*: the character who opens the narration's last sentence right before
  the speech in its paragraph (else the first one right after it) says it;
- *called by name*: who a speech calls by name ("Impossible, Mr. Bennet") says the
  next one, when that stands alone in the very next paragraph;
- *alternation*: in paragraphs of one speech each, one right after another, two people
  take turns: A, B, ? is A's, and so is ?, B, A (again while that names more); in a
  whole run of such paragraphs whose named turns are one person's at even places and
  another's at odd ones, the rest follow suit.

Only characters the book's own tags name twice are candidates. No turn is given the
speaker of the turn right before or after it, nor a name it calls itself; a turn whose
tag describes its speaker (said her mother, they cried) is left to that description; a
pronoun in the tag or the beat (she said; He laughed.) vetoes a character the book
calls the other sex, and a run of alternation where a pronoun contradicts it is not
used. A first-person narrator (I asked; I laughed.) is one side of a conversation that
no one names. Used for Latin-script books only: Chinese tags name their speakers, and
Chinese scenes are seldom two-handed (on the development novel alternation would name
13 of 11,022 speeches).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from chatbot.ingest.sentences import quote_spans
from chatbot.ingest.speakers import TagContext
from chatbot.ingest.speech import EN_VERB

NARRATOR = "\x00I"  # stands for a first-person narrator while turns are taken
MIN_TAGS = 2  # tags naming a character before these rules may name it
MIN_SEX_EVIDENCE = 2  # sentences (or a title) before a character's sex is taken as known
# A sentence's first one or two capitalised words, before a lower-case one.
_SENTENCE_START = re.compile(r"(?:^|[.!?;]['’\"”]?\s+)([A-Z][\w’'.-]*(?: [A-Z][\w’'-]*)?) [a-z]")
_SENTENCE_END = re.compile(r"[.!?;]['’\"”]?\s")
_QUOTES = "\"“”‘’'"
_VERB = re.compile(rf"\b{EN_VERB}\b")
# A tag naming one person by a pronoun; "they cried" is a description, like "his wife".
_PRONOUN_TAG = re.compile(rf"\b(?:(?:[Hh]e|[Ss]he|I) {EN_VERB}|{EN_VERB} (?:he|she|I))\b")
_SAYERS = {"he", "she", "i"}  # what a pronoun tag or beat says of its speaker
_OWN = {"he": {"his", "himself"}, "she": {"herself", "hers"}}
# "her" is hers when a noun follows it (her cup), not when it is an object (asked her to
# dance, gave her the book, looked at her.).
_HER_NOUN = re.compile(
    r"\bher (?!(?:to|a|an|the|and|or|in|on|at|of|for|with|by|from|as|that|this|up|out|"
    r"down|off|away|back|again|so|very|too|not|if|when|but)\b)[a-z]"
)
_TITLES = {
    "he": set("mr sir lord king prince duke count father uncle monsieur".split()),
    "she": set("mrs miss ms lady queen princess duchess countess mother aunt madame".split()),
}
# An inner quotation ('Sit down, Mary,' he said to me): who it calls is not called.
_INNER = re.compile(r"(?:^|(?<=[\s,;:—-]))[‘'](?=\w)[^‘’']*[’'](?=[\s,.;:!?—-]|$)")


class Speech(Protocol):
    text: str
    paragraph: int
    start: int
    speaker: str | None
    continues: bool
    tag: TagContext | None


def name_untagged(speeches: Sequence[Speech], paragraphs: Sequence[str]) -> int:
    """Give speakers to the speeches of an English book that have none (in place), and
    return how many turns were named. A speech that goes on from the one before is the
    same turn."""
    known = Counter(s.speaker for s in speeches if s.speaker and not s.continues)
    names = {n for n, c in known.items() if c >= MIN_TAGS}
    if not names:
        return 0
    turns = _turns(speeches)
    scene = _Scene(turns, paragraphs, names)
    before = sum(scene.speaker(k) is not None for k in range(len(turns)))
    for k, actor in enumerate(scene.actors):
        # One's own action may come between two of one's speeches.
        if scene.speaker(k) is None and actor and scene.may_be(k, actor, neighbours=False):
            _name(turns[k], actor)
    narrated = [scene.speaker(k) is None and scene.said[k] == "i" for k in range(len(turns))]
    for turn, by_narrator in zip(turns, narrated):
        if by_narrator:
            _name(turn, NARRATOR)
    _answer_the_called(scene)
    _take_turns(scene)
    _alternate(scene)
    for turn, by_narrator in zip(turns, narrated):
        if by_narrator:
            _name(turn, None)
    return sum(scene.speaker(k) is not None for k in range(len(turns))) - before


def _turns(speeches: Sequence[Speech]) -> list[list[Speech]]:
    """Speeches grouped as one speaker's turn (a speech split by its tag is one)."""
    turns: list[list[Speech]] = []
    for s in speeches:
        if s.continues and turns:
            turns[-1].append(s)
        else:
            turns.append([s])
    return turns


def _name(turn: list[Speech], speaker: str | None) -> None:
    for s in turn:
        s.speaker = speaker


class _Scene:
    """The turns of a book with what the narration around each says: its action beat,
    the pronoun its tag or beat gives (he, she, i), whether its tag describes its
    speaker, whom it calls by name; and the sex of each known character."""

    def __init__(self, turns: list[list[Speech]], paragraphs: Sequence[str], names: set[str]):
        self.turns = turns
        self.sexes = _sexes(names, paragraphs)
        beats = [_beat(turns, k, paragraphs, names) for k in range(len(turns))]
        self.actors = [actor for actor, _ in beats]
        self.said = [_tag_says(t) or pronoun for t, (_, pronoun) in zip(turns, beats)]
        self.described = [
            self.speaker(k) is None and _described(t, paragraphs) for k, t in enumerate(turns)
        ]
        called = re.compile(
            r"(?:^|[,;:!?—-]\s*)(?:[Mm]y )?(?:[Dd]ear )?("
            + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            + r")\s*(?=[,;:!?.—-]|$)"
        )
        self.called = [_called(t, called) for t in turns]

    def speaker(self, k: int) -> str | None:
        return next((s.speaker for s in self.turns[k] if s.speaker), None)

    def alone(self, k: int) -> bool:
        """Is turn ``k`` the only one in its paragraphs?"""
        t = self.turns
        return (k == 0 or t[k - 1][-1].paragraph != t[k][0].paragraph) and (
            k + 1 == len(t) or t[k + 1][0].paragraph != t[k][-1].paragraph
        )

    def linked(self, a: int, b: int) -> bool:
        """Do turns ``a`` and ``b`` stand alone in paragraphs right after one another?"""
        if not (0 <= a < len(self.turns) and 0 <= b < len(self.turns)):
            return False
        follows = self.turns[b][0].paragraph == self.turns[a][-1].paragraph + 1
        return follows and self.alone(a) and self.alone(b)

    def open(self, k: int) -> bool:
        """May turn-taking name turn ``k``: no one yet, and no description does?"""
        return self.speaker(k) is None and not self.described[k]

    def may_be(self, k: int, name: str, neighbours: bool = True) -> bool:
        """Could ``name`` say turn ``k``: a character, of the sex its pronoun gives, not
        one it calls by name, and (with ``neighbours``) not who says the turn right
        before or after it?"""
        said = self.said[k]
        if name == NARRATOR or name in self.called[k]:
            return False
        if said is not None and self.sexes.get(name, said) != said:
            return False
        return not neighbours or all(
            not self.linked(*pair) or self.speaker(other) != name
            for pair, other in (((k - 1, k), k - 1), ((k, k + 1), k + 1))
        )


def _answer_the_called(scene: _Scene) -> None:
    """Who is called by name in a speech says the next one, when it stands alone in the
    very next paragraph."""
    for k in range(len(scene.turns) - 1):
        who = scene.called[k] - {scene.speaker(k)}
        if len(who) == 1 and scene.open(k + 1) and scene.linked(k, k + 1):
            name = next(iter(who))
            if scene.may_be(k + 1, name):
                _name(scene.turns[k + 1], name)


def _take_turns(scene: _Scene) -> None:
    """Name an unnamed turn after two that alternate (A, B, ?: A) or before them
    (?, B, A: A), sweeping forward and back until that names no more."""
    n = len(scene.turns)

    def other(near: int, far: int) -> str | None:
        a, b = scene.speaker(far), scene.speaker(near)
        return a if a and b and a != b else None

    changed = True
    while changed:
        changed = False
        for k in [*range(n), *reversed(range(n))]:
            if not scene.open(k):
                continue
            guesses = set()
            if scene.linked(k - 2, k - 1) and scene.linked(k - 1, k):
                guesses.add(other(k - 1, k - 2))
            if scene.linked(k, k + 1) and scene.linked(k + 1, k + 2):
                guesses.add(other(k + 1, k + 2))
            guesses.discard(None)
            if len(guesses) == 1:
                name = guesses.pop()
                assert name is not None
                if scene.may_be(k, name):
                    _name(scene.turns[k], name)
                    changed = True


def _alternate(scene: _Scene) -> None:
    """Name the unnamed turns of two-person runs (one turn per paragraph, each right
    after the one before, none describing its speaker): when the named turns are one
    person's at even places and another's at odd ones, and no pronoun says otherwise,
    the rest take turns with them."""
    start = 0
    for k in range(1, len(scene.turns) + 1):
        going_on = k < len(scene.turns) and scene.linked(k - 1, k)
        if going_on and not (scene.described[k] or scene.described[k - 1]):
            continue
        run = [i for i in range(start, k) if scene.alone(i) and not scene.described[i]]
        start = k
        if len(run) < 3:
            continue
        sides = [{scene.speaker(i) for i in run[p::2]} - {None} for p in (0, 1)]
        if any(len(side) != 1 for side in sides) or sides[0] == sides[1]:
            continue
        names = [next(iter(sides[n % 2])) for n in range(len(run))]
        said = [scene.said[i] for i in run]
        if any(s is not None and scene.sexes.get(x, s) != s for x, s in zip(names, said)):
            continue  # someone else speaks in this run
        for i, name in zip(run, names):
            if scene.speaker(i) is None and scene.may_be(i, name):
                _name(scene.turns[i], name)


def _tag_says(turn: list[Speech]) -> str | None:
    """he, she or i when the turn's English tag is that pronoun."""
    tags = (s.tag.text.lower() for s in turn if s.tag is not None and s.tag.english)
    said = next(tags, None)
    return said if said in _SAYERS else None


def _described(turn: list[Speech], paragraphs: Sequence[str]) -> bool:
    """Does the narration in the turn's paragraphs tag a speech by a description (said
    her mother, cried a young Lucas, they cried)? The book then says who speaks: maybe
    a third person, or several, so turn-taking does not."""
    for p in sorted({s.paragraph for s in turn}):
        narration = _outside_quotes(paragraphs[p])
        for m in _VERB.finditer(narration):
            if not _PRONOUN_TAG.search(narration, max(0, m.start() - 5), m.end() + 5):
                return True
    return False


def _outside_quotes(par: str) -> str:
    bounds = [0, *(x for a, b in quote_spans(par) for x in (a, b + 1)), len(par)]
    return " ".join(par[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2))


def _called(turn: list[Speech], called: re.Pattern[str]) -> set[str]:
    """The characters a turn calls by name, outside quotations inside it; a speech that
    is only a name answers with it ("Who came?" "Mary.")."""
    out: set[str] = set()
    for s in turn:
        text = _INNER.sub(" ", s.text)
        names = {m.group(1) for m in called.finditer(text)}
        if len(names) == 1 and text.strip(" .!?,;:").removeprefix("Mr. ") in names:
            continue
        out |= names
    return out


def _beat(
    turns: list[list[Speech]], k: int, paragraphs: Sequence[str], names: set[str]
) -> tuple[str | None, str | None]:
    """Turn ``k``'s action beat: (the known character, or the pronoun: he, she, i) who
    opens the last sentence of the narration right before it in its paragraph, else
    the first one right after it."""
    turn = turns[k]
    first, last = turn[0], turn[-1]
    par = paragraphs[first.paragraph]
    prev = turns[k - 1][-1] if k and turns[k - 1][-1].paragraph == first.paragraph else None
    lo = _end(prev, par) if prev else 0
    subjects = _subjects(par[lo : max(lo, first.start - 1)], names)[-1:]
    if not subjects and last.paragraph == first.paragraph:
        nxt = turns[k + 1][0] if k + 1 < len(turns) else None
        hi = nxt.start - 1 if nxt and nxt.paragraph == last.paragraph else len(par)
        subjects = _subjects(par[min(_end(last, par), hi) : hi], names)[:1]
    return subjects[0] if subjects else (None, None)


def _subjects(narration: str, names: set[str]) -> list[tuple[str | None, str | None]]:
    """Who opens each sentence of ``narration``: (a known name, None), (None, he, she or
    i) for a pronoun, or (None, None) for anyone else (a name the tags never gave, an
    opening word)."""
    out: list[tuple[str | None, str | None]] = []
    for m in _SENTENCE_START.finditer(narration.strip(_QUOTES + " ")):
        words = m.group(1).split(" ")
        two, one = " ".join(words[:2]), words[0]
        name = two if two in names else one if one in names else None
        pronoun = one.lower() if one.lower() in _SAYERS else None
        out.append((name, None if name else pronoun))
    return out


def _end(speech: Speech, par: str) -> int:
    """Where the narration after a speech starts (past its closing mark)."""
    i = speech.start + len(speech.text)
    while i < len(par) and par[i] in _QUOTES + " ":
        i += 1
    return i


def _sexes(names: set[str], paragraphs: Sequence[str]) -> dict[str, str]:
    """The characters the book clearly calls he or she: by a title (Mrs. Bennet), else
    by the possessives in sentences they open (Tom put on his hat; Mary took her cup)."""
    votes: dict[str, Counter[str]] = {n: Counter() for n in names}
    for n in names:
        title = n.split(" ")[0].rstrip(".").lower()
        for sex, titles in _TITLES.items():
            if title in titles and " " in n:
                votes[n][sex] += MIN_SEX_EVIDENCE
    for par in paragraphs:
        for m in _SENTENCE_START.finditer(par):
            words = m.group(1).split(" ")
            two, one = " ".join(words[:2]), words[0]
            name = two if two in names else one if one in names else None
            if name is None:
                continue
            end = _SENTENCE_END.search(par, m.end())
            sentence = par[m.end() - 1 : end.start() if end else len(par)]
            words_in = set(re.findall(r"[a-z]+", sentence))
            his = bool(words_in & _OWN["he"])
            hers = bool(words_in & _OWN["she"]) or bool(_HER_NOUN.search(sentence))
            if his != hers:
                votes[name]["he" if his else "she"] += 1
    out = {}
    for n, v in votes.items():
        (sex, top), *rest = v.most_common(2) or [("", 0)]
        if top >= MIN_SEX_EVIDENCE and top >= 3 * (rest[0][1] if rest else 0):
            out[n] = sex
    return out
