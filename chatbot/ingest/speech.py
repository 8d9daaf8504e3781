"""Where a book's speech is: in quotation marks, or after unquoted speech tags.

Most novels quote their dialogue (“…”, 「…」, "…"), but many classical Chinese texts
(and transcriptions that dropped the marks) write it bare: ``某某道：speech。speech。
narration``. A book whose speech tags (道： 说： 曰：…) are mostly not followed by a
quotation mark is read in ``tags`` mode: the speech after each tag runs to the end of
its sentence and on through the following sentences that read like speech, stopping at
the next tag or at the first sentence this book's own statistics call narration. A
book set out as a script (周朴园：…, HAMLET. …) is read in ``script`` mode
(``chatbot.ingest.script``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.ingest.script import reads_as_script, script_lines
from chatbot.ingest.sentences import (
    EN_VERB,
    QUOTE_OPENERS,
    is_heading,
    quote_spans,
    sentence_bounds,
)

# Verbs that introduce speech, simplified and traditional; a tag is the verb, an
# optional aspect suffix and a colon.
ZH_VERB = (
    r"(?:说道|說道|笑道|问道|問道|答道|回道|叫道|喊道|骂道|罵道|叹道|嘆道|歎道|哭道|忙道|冷笑道"
    r"|说|說|道|问|問|曰|云|答|叫|喊|嚷|骂|罵|叹|嘆|歎|笑|回|告诉|告訴|吩咐|劝|勸|念|唸|啐|央告)"
    r"(?:着|著|了|道)?"
)
TAG_COLON_RE = re.compile(ZH_VERB + r"\s*[：:]\s*")
EN_VERB_RE = re.compile(rf"\b{EN_VERB}\b")
_FAMILY = {
    "“": "“…”",
    '"': '"…"',
    "「": "「…」",
    "『": "『…』",
    "‘": "‘…’",
    "\u201e": "„…“",
}

SPEECH_MODES = ("quotes", "tags", "script")
# A speech that runs on for more sentences than this is more likely narration we missed.
MAX_SPEECH_SENTENCES = 8
MAX_SPEECH_CHARS = 600
# Log-odds by which a sentence right after speech must look like narration to end the
# speech. Measured on the development novel with its quotation marks removed (and its
# line breaks too): bare speech then ends where the quotation did for 88% of 10,260
# utterances (54% if every speech stopped after one sentence, 64% if it ran on to the
# next tag; 86% at 0.5, 88% at 2 with more speeches run into narration).
CONTINUE_PRIOR = 1.5
# First/second-person words: common in speech, rare in narration (Chinese and English).
_PERSONAL = re.compile(r"[我你您咱俺吾汝尔爾朕卿]|\b(?:I|me|my|you|your|we|us|our)\b")


@dataclass(frozen=True)
class SpeechStyle:
    """How a book marks its speech, measured over the whole text."""

    quotes: str  # the commonest marks after speech tags (no tags: of all quotes), or "none"
    tags_quoted: int  # speech tags followed by a quotation mark
    tags_bare: int  # speech tags followed by plain text
    mode: str  # "quotes" (speech is what is quoted) or "tags" (speech follows bare tags)


def speech_style(
    paragraphs: Sequence[str], mode: str | None = None, min_bare: int = 10
) -> SpeechStyle:
    """Read a book as a script when enough of its paragraphs open with a recurring
    speaker's name (``chatbot.ingest.script``); else speech after bare tags when those
    clearly outnumber quoted ones (unless ``mode`` says where speech is)."""
    after = Counter()
    for par in paragraphs:
        for m in TAG_COLON_RE.finditer(par):
            after[par[m.end() : m.end() + 1]] += 1
    quoted = sum(k for ch, k in after.items() if ch in QUOTE_OPENERS)
    bare = sum(k for ch, k in after.items() if ch and ch not in QUOTE_OPENERS)
    family = max((ch for ch in after if ch in QUOTE_OPENERS), key=after.__getitem__, default="")
    if not after:  # no Chinese speech tags (an English book): the commonest opening mark
        openers = Counter(par[a] for par in paragraphs for a, _ in quote_spans(par))
        family = openers.most_common(1)[0][0] if openers else ""
    if mode is None and reads_as_script(paragraphs, script_lines(paragraphs)):
        mode = "script"
    if mode is None:
        mode = "tags" if bare >= min_bare and bare > 2 * quoted else "quotes"
    return SpeechStyle(_FAMILY.get(family, "none"), quoted, bare, mode)


_CLAUSE_END = re.compile(r"[，。！？；、,.!?;]")


def is_verse(text: str) -> bool:
    """A poem quoted in the narration (后人有诗叹曰：…, 诗曰：…), not something said in a
    conversation: four or more clauses, all of five or all of seven characters."""
    clauses = [c for c in _CLAUSE_END.split(text) if c]
    return len(clauses) >= 4 and len({len(c) for c in clauses}) == 1 and len(clauses[0]) in (5, 7)


@dataclass
class BareSpeech:
    """Speech after a bare tag: it starts at ``start`` in paragraph ``paragraph`` (the
    tag is the narration before it there) and ends in paragraph ``last``."""

    paragraph: int
    start: int
    last: int
    text: str
    narration: str  # the tag sentence up to the colon


def bare_speech(paragraphs: Sequence[str], *, soft_breaks: bool) -> list[BareSpeech]:
    """Every speech after a bare tag, in book order.

    ``soft_breaks``: paragraph breaks are our own sentence cuts (a book without line
    breaks), so a speech may run on into the next paragraphs.
    """
    sentences = list(_sentences(paragraphs))
    tagged = [_tag_in(paragraphs[p][a:b]) for p, a, b in sentences]
    cues = _NarrationCues.learn(paragraphs, sentences, tagged)
    out: list[BareSpeech] = []
    for i, (p, a, b) in enumerate(sentences):
        colon = tagged[i]
        if colon is None:
            continue
        par = paragraphs[p]
        start = a + colon
        parts = [par[start:b].strip()]
        last = p
        j = i + 1
        while (
            j < len(sentences)
            and j - i < MAX_SPEECH_SENTENCES
            and tagged[j] is None
            and (sentences[j][0] == p or (soft_breaks and sentences[j][0] == last + 1))
            and sum(map(len, parts)) < MAX_SPEECH_CHARS
        ):
            q, c, d = sentences[j]
            piece = paragraphs[q][c:d].strip()
            if is_heading(paragraphs[q]) or cues.is_narration(piece):
                break
            parts.append(piece)
            last = q
            j += 1
        text = "".join(parts)
        if any(ch.isalnum() for ch in text):
            out.append(BareSpeech(p, start, last, text, par[a : a + colon]))
    return out


def _sentences(paragraphs: Sequence[str]):
    for p, par in enumerate(paragraphs):
        for a, b in sentence_bounds(par):
            if par[a:b].strip():
                yield p, a, b


def _tag_in(sentence: str) -> int | None:
    """Where the speech after the sentence's first bare tag starts, if it has one outside
    quotations and the speech is not itself quoted."""
    spans = quote_spans(sentence)
    for m in TAG_COLON_RE.finditer(sentence):
        if any(a <= m.start() <= b for a, b in spans):
            continue
        rest = sentence[m.end() :]
        if not rest.strip() or rest[0] in QUOTE_OPENERS:
            return None
        return m.end()
    return None


class _NarrationCues:
    """Tells a sentence that ends a bare speech from one that continues it, by the
    book's own statistics: sentence openers (first one and two characters) and
    first/second-person words, compared between sentences known to be speech (the
    first sentence after a tag) and sentences known to be narration (the narration in
    front of a tag, and sentences far from any tag). Naive Bayes, add-one smoothed."""

    def __init__(self, speech: Counter, narration: Counter, n_speech: int, n_narration: int):
        self.speech, self.narration = speech, narration
        self.n_speech, self.n_narration = max(n_speech, 1), max(n_narration, 1)

    @classmethod
    def learn(cls, paragraphs, sentences, tagged) -> _NarrationCues:
        speech: Counter = Counter()
        narration: Counter = Counter()
        n_s = n_n = 0
        near = set()
        for i, colon in enumerate(tagged):
            if colon is not None:
                near.update(range(i, i + MAX_SPEECH_SENTENCES))
        for i, (p, a, b) in enumerate(sentences):
            colon = tagged[i]
            if colon is not None:
                speech.update(_features(paragraphs[p][a + colon : b]))
                narration.update(_features(paragraphs[p][a : a + colon]))
                n_s += 1
                n_n += 1
            elif i not in near:
                narration.update(_features(paragraphs[p][a:b]))
                n_n += 1
        return cls(speech, narration, n_s, n_n)

    def is_narration(self, sentence: str) -> bool:
        score = 0.0
        for f in _features(sentence):
            ps = (self.speech[f] + 1) / (self.n_speech + 2)
            pn = (self.narration[f] + 1) / (self.n_narration + 2)
            score += math.log(pn / ps)
        return score > CONTINUE_PRIOR


def _features(sentence: str) -> list[str]:
    s = sentence.lstrip()
    return [f"1:{s[:1]}", f"2:{s[:2]}", "p:1" if _PERSONAL.search(s) else "p:0"]
