"""What a word is, without the segmenter: the pattern that cuts text into runs (Han
characters for jieba, Latin words, numbers), how a novel writes its Latin words, and
which language a vocabulary is in. Kept apart from ``segment`` so that a model can be
loaded, trained and shown without importing jieba."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Sequence

from chatbot.ingest.sentences import ABBREVIATIONS, HAN

# A title's full stop belongs to it when a name follows (Mr. Crane): as a mark of its own
# it reads as the end of a sentence, to the model and to whoever shows its words.
TITLES = ("Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Capt", "Col", "Gen", "Rev")
_TITLE = "|".join(TITLES + tuple(t.upper() for t in TITLES))

# One run of Han characters (and the CJK punctuation jieba handles well) or one Latin
# token: a title with its full stop, a word with inner apostrophes/hyphens, a number,
# or a single symbol.
RUN_RE = re.compile(
    rf"(?P<han>[{HAN}]+)"
    rf"|(?P<word>(?:{_TITLE})\.(?=\s*[A-Z])"
    r"|[A-Za-z\u00c0-\u024f]+(?:['’\-][A-Za-z\u00c0-\u024f]+)*)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)

# After these a Latin word starts a sentence, so its capital says nothing about the word.
_SENTENCE_OPENERS = frozenset(".?!:;\"“‘「『('")


def cased_forms(sentences: Iterable[str], keep: Container[str]) -> dict[str, str]:
    """How the novel writes the Latin words of ``keep`` (lower-cased tokens) inside a
    sentence, where it differs from lower case: tom -> Tom, i -> I, mr -> Mr. Words
    that start a sentence are not counted; a word needs a majority of its counted uses."""
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        starts, word = True, ""
        for m in RUN_RE.finditer(sentence):
            kind, text = m.lastgroup, m.group()
            if kind == "space":
                continue
            if kind == "word" and not starts:
                surface = text.replace("’", "'")
                if surface.lower() in keep:
                    forms[surface.lower()][surface] += 1
            abbreviation = text == "." and word in ABBREVIATIONS  # Mr. Brown
            starts = kind == "other" and text in _SENTENCE_OPENERS and not abbreviation
            word = text.lower()
    cased = {}
    for word, counts in forms.items():
        form, n = counts.most_common(1)[0]
        if form != word and 2 * n > sum(counts.values()):
            cased[word] = form
    return cased


def language(words: Sequence[str]) -> str:
    """ "zh" when most of the words hold CJK characters, else "en"."""
    cjk = sum(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words)
    return "zh" if cjk * 2 >= len(words) else "en"
