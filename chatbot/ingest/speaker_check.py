"""Speaker attribution scored against speakers labelled by hand.

A label is a position (book and character offset in the decoded file) and the names
that book uses for whoever speaks there, never the text. ``scripts/bench_prepare.py``
and a slow test report precision (named speakers that are right) and coverage
(labelled utterances that got a speaker at all).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chatbot.ingest.dialogue import Utterance
from chatbot.ingest.textio import Novel


@dataclass(frozen=True)
class Label:
    book: str
    offset: int
    names: frozenset[str]  # empty: no one named speaks here


@dataclass
class SpeakerScore:
    labelled: int = 0
    found: int = 0  # labelled positions the pipeline read as speech
    attributed: int = 0  # ... and gave a speaker
    correct: int = 0  # ... the right one

    @property
    def precision(self) -> float:
        return self.correct / self.attributed if self.attributed else 0.0

    @property
    def coverage(self) -> float:
        return self.attributed / self.labelled if self.labelled else 0.0

    def __iadd__(self, other: SpeakerScore) -> SpeakerScore:
        self.labelled += other.labelled
        self.found += other.found
        self.attributed += other.attributed
        self.correct += other.correct
        return self


def read_labels(path: str | Path) -> list[Label]:
    """Rows of ``book<TAB>offset<TAB>name|name…`` (``-`` for no named speaker)."""
    labels = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line.strip() or line.startswith(("#", "book\t")):
            continue
        book, offset, names = line.split("\t")
        labels.append(Label(book, int(offset), frozenset(names.split("|")) - {"-"}))
    return labels


def score(labels: Sequence[Label], novel: Novel, utterances: Sequence[Utterance]) -> SpeakerScore:
    """Compare one book's utterances with its labels. A label matches the utterance whose
    text covers its offset (a couple of characters of slack for a moved quote mark)."""
    spans = sorted(
        (novel.offsets[u.paragraph] + u.start, len(u.text), i) for i, u in enumerate(utterances)
    )
    starts = [s for s, _, _ in spans]
    out = SpeakerScore()
    for label in labels:
        out.labelled += 1
        k = bisect.bisect_right(starts, label.offset + 2) - 1
        if k < 0 or label.offset >= spans[k][0] + spans[k][1]:
            continue
        out.found += 1
        speaker = utterances[spans[k][2]].speaker
        if speaker is not None:
            out.attributed += 1
            out.correct += speaker in label.names
    return out
