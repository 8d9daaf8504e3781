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
  another's at odd ones, the rest follow suit. Narration moving the story on in time
  (A week later…; "…," he said the next morning) ends a run: a new scene.

Only characters the book's own tags name are candidates. No turn is given the speaker
of the turn right before or after it (the two would become one turn), nor a name it
calls; a turn whose tag describes its speaker (said her mother, they cried) or whose
beat is someone the tags never name is left alone; a pronoun in the tag or the beat
(she said; He laughed.) vetoes a character the book calls the other sex, and a run of
alternation where a pronoun contradicts it is not used. A first-person narrator (I
asked; I laughed.) is one side of a conversation, named by what the speeches next to
theirs call them ("You see, Watson") when that is clear, else by no one. Used for
Latin-script books only: Chinese tags name their speakers, and Chinese scenes are
seldom two-handed (on the development novel alternation would name 13 of 11,022
speeches).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from chatbot.ingest.sentences import quote_spans
from chatbot.ingest.speakers import TagContext
from chatbot.ingest.speech import EN_VERB, EN_VERB_RE

NARRATOR = "\x00I"  # stands for a first-person narrator while turns are taken
MIN_NARRATOR_CALLS = 3  # calls by name before a first-person narrator is given it
# A word that may be a name (``_proper_nouns`` decides), after a title or not.
_PROPER_NAME = r"(?:(?:Mr|Mrs|Miss|Ms|Dr)\.? )?[A-Z][a-z]+"
# Capitalised words speeches call that are no one's name.
_NOT_NAMES = set(
    "Sir Madam Madame Ma Mam Miss Mister Master Mistress Lord Lady God Heaven Heavens Christ "
    "Jesus Mercy Goodness Doctor Captain Colonel Major General Sergeant Inspector Professor "
    "Father Mother Papa Mamma Mama Mum Dad Uncle Aunt Brother Sister Son Friend Gentlemen "
    "Ladies Boys Girls Monsieur Mademoiselle Mr Mrs Ms Dr Yes No Oh Ah Well Dear".split()
)
MIN_SEX_EVIDENCE = 2  # sentences saying it (or a title) before a character's sex is known
# Where a sentence of narration ends, unless a title's full stop (Mr. Bennet).
_SENTENCE_END = re.compile(r"[.!?;]['’\"”]?\s+")
_TITLE_STOP = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Mme|Mlle|Capt|Col|Gen|Lt|Rev|Prof)\.$")
_QUOTES = "\"“”‘’'"
# A tag naming one person by a pronoun; "they cried" is a description, like "his wife".
_PRONOUN_TAG = re.compile(rf"\b(?:(?:[Hh]e|[Ss]he|I) {EN_VERB}|{EN_VERB} (?:he|she|I))\b")
_A_VOICE = re.compile(rf"\b(?:came|{EN_VERB}) a voice\b|\ba voice (?:came|{EN_VERB})\b")
_SAYERS = {"he", "she", "i"}  # what a pronoun tag or beat says of its speaker
# One who opens a sentence saying this does not speak next (Tom made no answer.).
_SILENT = re.compile(
    r"\b(?:made no (?:answer|reply)|said nothing|did not (?:answer|reply|speak)|"
    r"was silent|kept silent|remained silent)\b"
)
# When a scene starts again later: the next morning, that evening, a week later.
_WHEN = (
    r"(?:(?:the )?(?:next|following) (?:morning|day|evening|night|week)|"
    r"the (?:morning|day) after|later (?:that|in the) (?:day|morning|afternoon|evening|night)|"
    r"that (?:morning|afternoon|evening|night)|in the early hours|"
    r"(?:(?:a|an|one|two|three|four|five|six|a few|some|several) )?"
    r"(?:hours?|days?|weeks?|months?|years?) (?:later|afterwards))"
)
# Narration that moves the story on in time: a sentence opening with it before the
# speech (A week later the rain had stopped. "…"), or a tag followed by it ("…," he
# explained the next morning). Not a plan or a memory inside a sentence (who was to
# sail the next day; she had woken in the early hours): a conversation goes on there.
_START = r"(?:^|[.!?]['’\"”]?\s+)\s*"  # the start of the narration or of a sentence in it
_SCENE_OPENS = re.compile(rf"{_START}{_WHEN}\b", re.I)
_TAG_WHEN = re.compile(
    rf"{_START}[,;]?\s*(?:(?:he|she|I|[A-Z][\w’'-]+) )?{EN_VERB}(?: [A-Z][\w’'-]+)? {_WHEN}\b",
    re.I,
)
_REFLEXIVE = {"himself": "he", "herself": "she"}
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
# An inner quotation ('Don't wait, Mary,' he said to me; "Go," she said): whom it
# calls is not called.
_INNER = re.compile(
    r"(?:^|(?<=[\s,;:—-]))(?:[‘'](?=\w).*?(?:[’'](?=[\s,.;:!?—-]|$)|$)|[“\"][^“”\"]*(?:[”\"]|$))"
)


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
    tagged = Counter(s.speaker for s in speeches if s.speaker and not s.continues)
    if not tagged:
        return 0
    turns = _turns(speeches)
    scene = _Scene(turns, paragraphs, set(tagged))
    before = sum(scene.speaker(k) is not None for k in range(len(turns)))
    for k, actor in enumerate(scene.actors):
        if scene.speaker(k) is None and actor and scene.may_be(k, actor):
            _name(turns[k], actor)
    narrated = [scene.speaker(k) is None and scene.said[k] == "i" for k in range(len(turns))]
    scene.narrator = narrator = _narrator(scene, narrated, set(tagged))
    if narrator:  # who calls the narrator is not the narrator
        for k, turn in enumerate(turns):
            scene.called[k] |= _called(turn, re.escape(narrator))
    for k, turn in enumerate(turns):
        if not narrated[k]:
            continue
        # An "I" beat next to a narrator's turn may be misread: naming both would make
        # them one turn.
        beside = any(scene.linked(min(j, k), max(j, k)) and narrated[j] for j in (k - 1, k + 1))
        own = narrator not in scene.called[k] and (_tag_says(turn) == "i" or not beside)
        _name(turn, narrator if narrator and own else NARRATOR)
    _answer_the_called(scene)
    _take_turns(scene)
    _alternate(scene)
    for turn in turns:
        if turn[0].speaker == NARRATOR:
            _name(turn, None)
    return sum(scene.speaker(k) is not None for k in range(len(turns))) - before


def _narrator(scene: _Scene, narrated: list[bool], tagged: set[str]) -> str | None:
    """A first-person narrator's name: the one the speeches right before and after the
    narrator's call by name ("You see, Watson"; "Mr. Lockwood" calls Lockwood), when
    that is most of what they call and at least ``MIN_NARRATOR_CALLS`` speeches do;
    never a title, an oath (Lord, God) or a word of a name a tag gives. One name for
    the whole book: a frame story's inner narrator may take the outer one's turns."""
    beside = {
        j
        for k, by_narrator in enumerate(narrated)
        if by_narrator
        for j in (k - 1, k + 1)
        if scene.linked(min(j, k), max(j, k)) and not narrated[j]
    }
    taken = {w for name in tagged for w in name.split(" ")}
    votes: Counter[str] = Counter()
    for j in beside:
        called = {n.split(" ")[-1] for n in _called(scene.turns[j], _PROPER_NAME)}
        votes.update(n for n in called if n in scene.propers and n not in _NOT_NAMES | taken)
    if not votes:
        return None
    name, n = votes.most_common(1)[0]
    return name if n >= MIN_NARRATOR_CALLS and n >= 0.5 * sum(votes.values()) else None


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
        """``names``: every character a tag names."""
        self.turns = turns
        self.narrator: str | None = None  # a first-person narrator's name, once known
        pieces = [_narration_pieces(p) for p in paragraphs]  # each paragraph's narration
        self.sexes = _sexes(names, pieces)
        self.propers = propers = _proper_nouns(paragraphs)
        beats = [_beat(turns, k, paragraphs, names, propers) for k in range(len(turns))]
        self.actors = [actor for actor, _, _ in beats]
        self.said = [_tag_says(t) or pronoun for t, (_, pronoun, _) in zip(turns, beats)]
        self.described = [
            self.speaker(k) is None and (stranger or _described(t, pieces))
            for k, (t, (_, _, stranger)) in enumerate(zip(turns, beats))
        ]
        self.time_passes = [_time_passes(t, pieces) for t in turns]
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self.called = [_called(t, alternatives) for t in turns]

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
        return follows and self.alone(a) and self.alone(b) and not self.time_passes[b]

    def open(self, k: int) -> bool:
        """May turn-taking name turn ``k``: no one yet, and no description does?"""
        return self.speaker(k) is None and not self.described[k]

    def may_be(self, k: int, name: str) -> bool:
        """Could ``name`` say turn ``k``: a character, of the sex its pronoun gives, not
        one it calls by name, not who says the turn right before or after it (that
        would make the two one turn)?"""
        said = self.said[k]
        if name == NARRATOR or name in self.called[k]:
            return False
        if name == self.narrator and said in ("he", "she"):
            return False  # "he said" is never the one who says "I"
        if said is not None and self.sexes.get(name, said) != said:
            return False
        return all(
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


def _time_passes(turn: list[Speech], pieces: Sequence[list[str]]) -> bool:
    """Does the narration before the turn's first speech, or the tag right after one of
    its speeches, move the story on in time (``_SCENE_OPENS``, ``_TAG_WHEN``)?"""
    before = pieces[turn[0].paragraph][0]
    tags = (pieces[p][k] for p in {s.paragraph for s in turn} for k in range(1, len(pieces[p])))
    return bool(_SCENE_OPENS.search(before) or _TAG_WHEN.search(before)) or any(
        _TAG_WHEN.match(t) for t in tags
    )


def _tag_says(turn: list[Speech]) -> str | None:
    """he, she or i when the turn's English tag is that pronoun."""
    tags = (s.tag.text.lower() for s in turn if s.tag is not None and s.tag.english)
    said = next(tags, None)
    return said if said in _SAYERS else None


def _described(turn: list[Speech], pieces: Sequence[list[str]]) -> bool:
    """Does the narration in the turn's paragraphs (``pieces``: each paragraph's
    stretches between quotations) tag a speech by a description (said her mother, cried
    a young Lucas, they cried, came a voice)? The book then says who speaks: maybe a
    third person, or several, so turn-taking does not."""
    for p in sorted({s.paragraph for s in turn}):
        text = " ".join(pieces[p])
        if _A_VOICE.search(text):
            return True
        for m in EN_VERB_RE.finditer(text):
            if not _PRONOUN_TAG.search(text, max(0, m.start() - 5), m.end() + 5):
                return True
    return False


def _narration_pieces(par: str) -> list[str]:
    """The stretches of a paragraph between its quotations."""
    bounds = [0, *(x for a, b in quote_spans(par) for x in (a, b + 1)), len(par)]
    return [par[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]


def _called(turn: list[Speech], alternatives: str) -> set[str]:
    """The characters a turn calls by name, outside quotations inside it: after a comma
    and before a comma or the sentence's end ("Impossible, Mr. Bennet, impossible"; "Is
    it so, Elizabeth?"), after "dear", or first and followed by what is said to them
    ("Lizzy, tell your father"). First before "I" (Tom, I think) or alone (the answer to
    "Who came?") it calls no one."""
    t = r"(?:(?:Mr|Mrs|Miss|Ms|Dr)\.? )?"  # "Very rude, Mr. Holmes." calls Holmes
    called = re.compile(
        rf"(?:,\s*|\b[Dd]ear\s+){t}({alternatives})(?=\s*(?:[.!?,]|$))"
        rf"|\b[Dd]ear {t}({alternatives})\b"
        rf"|^(?:[Mm]y )?(?:[Dd]ear )?{t}({alternatives}),\s+(?=[a-z])"
    )
    out: set[str] = set()
    for s in turn:
        text = _INNER.sub(" ", s.text).strip()
        out |= {n for m in called.finditer(text) for n in m.groups() if n}
    return out


Subject = tuple[str | None, str | None, bool]  # (known name, he/she/i, someone else)


def _beat(
    turns: list[list[Speech]],
    k: int,
    paragraphs: Sequence[str],
    names: set[str],
    propers: set[str],
) -> Subject:
    """Turn ``k``'s action beat: who opens the last sentence of the narration right
    before it in its paragraph, else the first one right after it."""
    turn = turns[k]
    first, last = turn[0], turn[-1]
    par = paragraphs[first.paragraph]
    prev = turns[k - 1][-1] if k and turns[k - 1][-1].paragraph == first.paragraph else None
    lo = _end(prev, par) if prev else 0
    subjects = _subjects(par[lo : max(lo, first.start - 1)], names, propers)[-1:]
    if not subjects and last.paragraph == first.paragraph:
        nxt = turns[k + 1][0] if k + 1 < len(turns) else None
        hi = nxt.start - 1 if nxt and nxt.paragraph == last.paragraph else len(par)
        subjects = _subjects(par[min(_end(last, par), hi) : hi], names, propers)[:1]
    return subjects[0] if subjects else (None, None, False)


def _subjects(narration: str, names: set[str], propers: set[str]) -> list[Subject]:
    """Who opens each sentence of ``narration``: a known name; a pronoun (he, she, i);
    someone else (a proper noun the tags never gave); or none of these (an opening word,
    a clause, one who says nothing)."""
    out: list[Subject] = []
    for sentence in _sentences(narration):
        words = [w.strip(",;:—") for w in sentence.split(" ", 2)[:2]]
        two, one = " ".join(words), words[0]
        name = two if two in names else one if one in names else None
        if _SILENT.search(sentence):
            out.append((None, None, False))
        elif name:
            out.append((name, None, False))
        else:
            pronoun = one.lower() if one.lower() in _SAYERS else None
            out.append((None, pronoun, pronoun is None and one in propers))
    return out


def _sentences(narration: str) -> list[str]:
    """The sentences of a stretch of narration (Mr. Bennet ends none)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(narration):
        if not _TITLE_STOP.search(narration[max(0, m.start() - 5) : m.start() + 1]):
            out.append(narration[start : m.start() + 1])
            start = m.end()
    out.append(narration[start:])
    return [t for t in (x.strip(_QUOTES + " ") for x in out) if t]


def _proper_nouns(paragraphs: Sequence[str]) -> set[str]:
    """Capitalised words the book also writes capitalised inside a sentence, twice:
    names, not sentence openers."""
    counts = Counter(m.group(1) for p in paragraphs for m in _INSIDE.finditer(p))
    return {w for w, c in counts.items() if c >= 2}


_INSIDE = re.compile(r"(?<=[a-z,] )([A-Z][a-z]+)\b")


def _end(speech: Speech, par: str) -> int:
    """Where the narration after a speech starts (past its closing mark)."""
    i = speech.start + len(speech.text)
    while i < len(par) and par[i] in _QUOTES + " ":
        i += 1
    return i


def _sexes(names: set[str], pieces: Sequence[list[str]]) -> dict[str, str]:
    """The characters the book clearly calls he or she: by a title (Mrs. Bennet), by a
    reflexive in a sentence they open (Tom hurt himself) or the pronoun that opens the
    next one (Mary sat down. She was tired.), and, counting half, by a possessive in a
    sentence they open (Tom put on his hat). ``pieces``: each paragraph's narration."""
    votes: dict[str, Counter[str]] = {n: Counter() for n in names}
    for n in names:
        title = n.split(" ")[0].rstrip(".").lower()
        for sex, titles in _TITLES.items():
            if title in titles and " " in n:
                votes[n][sex] += 2 * MIN_SEX_EVIDENCE
    for paragraph in pieces:
        for piece in paragraph:
            _vote_sexes(_sentences(piece), names, votes)
    out = {}
    for n, v in votes.items():
        (sex, top), *rest = v.most_common(2) or [("", 0)]
        if top >= 2 * MIN_SEX_EVIDENCE and top >= 3 * (rest[0][1] if rest else 0):
            out[n] = sex
    return out


def _vote_sexes(sentences: list[str], names: set[str], votes: dict[str, Counter[str]]) -> None:
    """Votes for each sentence a character opens that says their sex."""
    for sentence, after in zip(sentences, [*sentences[1:], ""]):
        words = sentence.split(" ", 2)
        two, one = " ".join(words[:2]).rstrip(","), words[0].rstrip(",")
        name = two if two in names else one if one in names else None
        if name is None:
            continue
        words_in = set(re.findall(r"[a-z]+", sentence))
        own = {_REFLEXIVE[w] for w in words_in if w in _REFLEXIVE}
        next_one = after.split(" ", 1)[0].lower()
        if next_one in ("he", "she"):
            own.add(next_one)
        if len(own) == 1:
            votes[name][own.pop()] += 2
            continue
        # A possessive mostly points back at the subject (Tom put on his hat), but not
        # always (Tom took her hand): half the weight.
        his, hers = "his" in words_in, bool(_HER_NOUN.search(sentence))
        if his != hers:
            votes[name]["he" if his else "she"] += 1
