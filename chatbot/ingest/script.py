"""Speech set out as a script: each turn a paragraph that opens with who speaks.

Plays, and the chat-log passages of some web novels, write a turn as ``周朴园：你来了。``
or ``HAMLET. To be, or not to be`` (or the name on a line of its own, the speech on the
lines after it). The label is the speaker, so every turn has one. A label counts only
when it recurs (a name speaks many times; ``However: …`` does not), is no speech tag
(``宝玉道：`` belongs to a quoted or bare-tag book) and does not open a quotation. Stage
directions in brackets (``（冷冷地）``, ``[Aside]``) or of their own (``Enter Ghost.``,
``_Exit._``) are not speech. A book is read as a script only when such lines are a good
share of it and outnumber its quotations, so a novel whose chapters are headed by a
character's name (``ARYA``) keeps its quoted dialogue.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from chatbot.ingest.sentences import QUOTE_OPENERS, is_heading, quote_spans

_DIRECTION = r"(?:[（(\[][^）)\]]{0,60}[）)\]])"  # a stage direction in brackets
_ZH_LABEL = re.compile(rf"^([\u4e00-\u9fff·]{{1,8}})[ \t]*{_DIRECTION}?[ \t]*[：:][ \t]*(\S.*)$")
_CAPITALS = r"[A-Z][A-Z'’ .-]{0,29}[A-Z]"  # HAMLET, MRS. HIGGINS
_EN_LABEL = re.compile(  # Title-case words and a colon, or capitals and a full stop
    rf"^((?:[A-Z][\w'’.-]*)(?: [A-Z][\w'’.-]*){{0,2}})[ \t]*{_DIRECTION}?[ \t]*:[ \t]*(\S.*)$"
    rf"|^({_CAPITALS})[ \t]*{_DIRECTION}?[ \t]*\.[ \t]+(\S.*)$"
)
_EN_ALONE = re.compile(rf"^({_CAPITALS})[ \t]*[.:]?$")  # HAMLET. on its own line
_BRACKETED = re.compile(_DIRECTION)
_EN_DIRECTION = re.compile(r"^(?:_.*_\.?|(?:Enter|Re-enter|Exit|Exeunt|Manet|Flourish)\b.*)$")
_TAG_ENDS = ("道", "说", "說", "曰")  # 宝玉道： is a speech tag; 赵云： is a name
MIN_LABEL_USES = 3  # a speaker's name recurs; a phrase before a colon rarely does
MIN_SHARE = 0.2  # of the paragraphs, script lines, for a book to be read as a script
MIN_LINES = 20
# A name alone on its line is a speaker when its speeches are this many paragraphs at
# most (the median): a play's turns are short, a chapter headed by a name is not.
MAX_ALONE_RUN = 12


@dataclass(frozen=True)
class ScriptLine:
    paragraph: int
    speaker: str
    text: str  # the speech, its stage directions taken out
    start: int  # where the speech starts in its paragraph


def _label(paragraph: str) -> tuple[str, int] | None:
    """(speaker, where the speech starts) when ``paragraph`` opens with a label."""
    m = _ZH_LABEL.match(paragraph) or _EN_LABEL.match(paragraph)
    if m is None:
        return None
    name = m.group(1) or m.group(3)
    start = m.start(2) if m.group(1) else m.start(4)
    if is_heading(name) or paragraph[start] in QUOTE_OPENERS or name.endswith(_TAG_ENDS):
        return None
    return name, start


def is_direction(paragraph: str) -> bool:
    """A stage direction of its own: all in brackets, or Enter …/Exit …/_…_."""
    return not _BRACKETED.sub("", paragraph).strip() or bool(_EN_DIRECTION.match(paragraph))


def _alone(paragraph: str) -> str | None:
    """The name when ``paragraph`` is a name in capitals alone on its line."""
    m = _EN_ALONE.match(paragraph)
    return m.group(1) if m and not is_heading(paragraph) else None


def script_lines(paragraphs: Sequence[str]) -> list[ScriptLine]:
    """Every turn of a script, in order: a labelled paragraph, or the paragraphs after a
    name alone on its line up to the next label, name, heading or other narration
    (directions between them aside). Labels that recur fewer than ``MIN_LABEL_USES``
    times are not speakers."""
    alone = {i: name for i, par in enumerate(paragraphs) if (name := _alone(par))}
    found = {i: hit for i, par in enumerate(paragraphs) if i not in alone and (hit := _label(par))}
    uses = Counter(name for name, _ in found.values()) + Counter(alone.values())
    if alone and statistics.median(_runs(paragraphs, alone)) > MAX_ALONE_RUN:
        alone = {}  # names heading chapters, not turns
    lines: list[ScriptLine] = []
    speaker = None  # a name alone on its line speaks the paragraphs after it
    for i, par in enumerate(paragraphs):
        if i in found and uses[found[i][0]] >= MIN_LABEL_USES:
            speaker = None
            _add(lines, i, found[i][0], par, found[i][1])
        elif i in alone:
            speaker = alone[i] if uses[alone[i]] >= MIN_LABEL_USES else None
        elif speaker is not None and is_direction(par):
            continue  # Enter Ghost. inside a speech: it goes on after
        elif speaker is not None and not is_heading(par) and i not in found:
            _add(lines, i, speaker, par, 0)
        else:
            speaker = None
    return lines


def _runs(paragraphs: Sequence[str], alone: dict[int, str]) -> list[int]:
    """How many paragraphs follow each lone name before the next one or a heading."""
    starts = sorted(alone)
    runs = []
    for a, b in zip(starts, [*starts[1:], len(paragraphs)]):
        n = next((k for k in range(a + 1, b) if is_heading(paragraphs[k])), b)
        runs.append(n - a - 1)
    return runs


def _add(lines: list[ScriptLine], i: int, name: str, par: str, start: int) -> None:
    text = re.sub(r"[ \t]{2,}", " ", _BRACKETED.sub("", par[start:])).strip()
    if text.strip("，,。.、…—-！!？? "):
        lines.append(ScriptLine(i, name, text, start))


def chat_runs(
    paragraphs: Sequence[str], known: Collection[str] = (), min_run: int = 3
) -> list[ScriptLine]:
    """The script lines of a book that is not a script but has chat-log passages (a
    group chat in a web novel): runs of at least ``min_run`` labelled paragraphs in a
    row, two speakers or more, or of two when both are ``known`` speakers (the book's
    tags name them). A formula that a story repeats before a verse (正是：, 有诗为证：)
    stands alone, not in such runs."""
    out: list[ScriptLine] = []
    run: list[ScriptLine] = []
    for line in [*script_lines(paragraphs), None]:
        if line is not None and run and line.paragraph == run[-1].paragraph + 1:
            run.append(line)
            continue
        names = {x.speaker for x in run}
        if len(names) >= 2 and (len(run) >= min_run or names <= set(known)):
            out += run
        run = [line] if line is not None else []
    return out


def reads_as_script(paragraphs: Sequence[str], lines: Sequence[ScriptLine]) -> bool:
    """Enough of the book is script lines (at least ``MIN_LINES`` and ``MIN_SHARE`` of
    its paragraphs), and four times as many as paragraphs quoting speech: a novel with
    chat-log passages or name-headed chapters keeps its quoted dialogue."""
    if len(lines) < max(MIN_LINES, MIN_SHARE * len(paragraphs)):
        return False
    quoting = sum(1 for par in paragraphs if quote_spans(par))
    return len(lines) > 4 * quoting


def between_turns(paragraphs: Sequence[str], spoken: Sequence[int]) -> set[int]:
    """The paragraphs, other than the ``spoken`` ones, that take no room between two
    turns: a stage direction or a name alone on its line, whose speech follows. A scene
    goes on across them."""
    said = set(spoken)
    return {
        i
        for i, par in enumerate(paragraphs)
        if i not in said and par and (is_direction(par) or _alone(par))
    }
