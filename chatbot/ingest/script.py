"""Speech set out as a script: each turn a paragraph that opens with who speaks.

Plays, and the chat-log passages of many web novels, write a turn as ``周朴园：你来了。``
or ``HAMLET. To be, or not to be`` (or the name on a line of its own, the speech on the
lines after it). The label is the speaker, so every turn has one. A label counts only
when it recurs (a name speaks many times; ``However: …`` does not), is no speech tag
(``宝玉道：`` belongs to a quoted or bare-tag book) and does not open a quotation. Stage
directions in brackets (``（冷冷地）``, ``[Aside]``) are not speech.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.ingest.sentences import QUOTE_OPENERS, is_heading

_DIRECTION = r"(?:[（(\[][^）)\]]{0,60}[）)\]])"  # a stage direction in brackets
_ZH_LABEL = re.compile(rf"^([\u4e00-\u9fff·]{{1,8}})[ \t]*{_DIRECTION}?[ \t]*[：:][ \t]*(\S.*)$")
_EN_LABEL = re.compile(  # Title-case words and a colon, or capitals and a full stop
    rf"^((?:[A-Z][\w'’.-]*)(?: [A-Z][\w'’.-]*){{0,2}})[ \t]*{_DIRECTION}?[ \t]*:[ \t]*(\S.*)$"
    rf"|^([A-Z][A-Z'’ -]{{1,29}}[A-Z])[ \t]*{_DIRECTION}?[ \t]*\.[ \t]+(\S.*)$"
)
_EN_ALONE = re.compile(r"^([A-Z][A-Z'’ -]{1,29}[A-Z])[ \t]*[.:]?$")  # HAMLET. on its own line
_BRACKETED = re.compile(_DIRECTION)
MIN_LABEL_USES = 3  # a speaker's name recurs; a phrase before a colon rarely does
MIN_SHARE = 0.2  # of the paragraphs, script lines, for a book to be read as a script
MIN_LINES = 20


@dataclass(frozen=True)
class ScriptLine:
    paragraph: int
    speaker: str
    text: str  # the speech, its stage directions taken out
    start: int  # where the speech starts in its paragraph


def _label(paragraph: str, is_tag: re.Pattern[str]) -> tuple[str, int] | None:
    """(speaker, where the speech starts) when ``paragraph`` opens with a label."""
    m = _ZH_LABEL.match(paragraph) or _EN_LABEL.match(paragraph)
    if m is None:
        return None
    name = m.group(1) or m.group(3)
    start = m.start(2) if m.group(1) else m.start(4)
    if is_heading(name) or paragraph[start] in QUOTE_OPENERS or is_tag.search(name + "："):
        return None
    return name, start


def script_lines(paragraphs: Sequence[str], is_tag: re.Pattern[str]) -> list[ScriptLine]:
    """Every turn of a script, in order: a labelled paragraph, or the paragraphs after a
    name alone on its line up to the next label, heading or blank direction. Labels
    that recur fewer than ``MIN_LABEL_USES`` times are not speakers. ``is_tag``
    matches a speech tag's end (道：), which makes a line a tagged speech, not a label."""
    found: list[tuple[int, str, int]] = []
    alone: dict[int, str] = {}
    for i, par in enumerate(paragraphs):
        hit = _label(par, is_tag)
        if hit is not None:
            found.append((i, *hit))
        elif (m := _EN_ALONE.match(par)) and not is_heading(par):
            alone[i] = m.group(1)
    uses = Counter(name for _, name, _ in found) + Counter(alone.values())
    lines: list[ScriptLine] = []
    labelled = {i: (name, start) for i, name, start in found if uses[name] >= MIN_LABEL_USES}
    speaker = None  # a name alone on its line speaks the paragraphs after it
    for i, par in enumerate(paragraphs):
        if i in labelled:
            name, start = labelled[i]
            speaker = None
            _add(lines, i, name, par, start)
        elif i in alone and uses[alone[i]] >= MIN_LABEL_USES:
            speaker = alone[i]
        elif speaker is not None and not is_heading(par) and _BRACKETED.sub("", par).strip():
            _add(lines, i, speaker, par, 0)
        else:
            speaker = None
    return lines


def _add(lines: list[ScriptLine], i: int, name: str, par: str, start: int) -> None:
    text = re.sub(r"[ \t]{2,}", " ", _BRACKETED.sub("", par[start:])).strip()
    if text.strip("，,。.、…—-！!？? "):
        lines.append(ScriptLine(i, name, text, start))


def reads_as_script(paragraphs: Sequence[str], lines: Sequence[ScriptLine]) -> bool:
    """Enough of the book is script lines: at least ``MIN_LINES`` and ``MIN_SHARE`` of
    its paragraphs."""
    return len(lines) >= max(MIN_LINES, MIN_SHARE * len(paragraphs))


def between_turns(paragraphs: Sequence[str], spoken: Sequence[int]) -> set[int]:
    """The paragraphs, other than the ``spoken`` ones, that take no room between two
    turns: a direction in brackets (（四凤下。）, [Exit Ghost.]) or a name alone on its
    line, whose speech follows. A scene goes on across them."""
    said = set(spoken)
    return {
        i
        for i, par in enumerate(paragraphs)
        if i not in said
        and par
        and (not _BRACKETED.sub("", par).strip() or (_EN_ALONE.match(par) and not is_heading(par)))
    }
