"""Speech marked the ways other European books mark it, read as the “…” that the rest
of ingest knows.

French, Italian and Spanish books quote speech «…», German and Danish ones »…« or
„…“, and many (Spanish, French, Italian, Portuguese) open each speech with a dash:
— Come here, he said. Without this a book quoted «…» gives no speech at all, and in
one quoted „…“ the closing “ opens a speech, so the narration between two speeches is
read as said. The marks are decided once for the whole book (``book_marks``, applied
one character for one, so offsets hold); dash dialogue is rewritten per paragraph
(``dash_speech``), since its speech closes where a narration insert begins or where
the paragraph ends, which no mark says. Only Latin-script books: a Chinese book's
——, and its 《》, are something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.ingest.sentences import latin_script

MIN_MARKS = 20  # marks of a kind before a book counts as quoting with them
DASHES = "—–―"  # em dash, en dash, horizontal bar: what opens a speech in dash dialogue
_PUNCT = ".,;:!?…"


@dataclass(frozen=True)
class Marks:
    """How a book marks speech: ``name`` as the book writes it (shown in the summary),
    ``table`` the characters read as “ ” ‘ ’ (a str.translate table), ``dash`` whether
    paragraphs that open with a dash are speech."""

    name: str = ""
    table: dict[int, str] | None = None
    dash: bool = False


def _table(pairs: dict[str, str]) -> dict[int, str]:
    return {ord(k): v for k, v in pairs.items()}


def _nested(text: str) -> dict[str, str]:
    """Inside guillemets, quotation marks are a quotation within the speech: read as
    ‘…’. „…“ (Czech, Russian) closes with “, the French “…” with ”."""
    low_high = text.count("„") > text.count("”")
    return {"„": "‘", "“": "’" if low_high else "‘", "”": "’"}


def book_marks(text: str) -> Marks:
    """The book's speech marks: «…», »…« or „…“ when it has at least ``MIN_MARKS`` of
    them, about as many openers as closers; dash dialogue when at least ``MIN_MARKS``
    paragraphs open with a dash and more than open with a quotation mark. Books quoted
    “…” or '…', and Chinese books, get no change."""
    if not latin_script([text]):
        return Marks()
    name, table = "", None
    left, right = text.count("«"), text.count("»")
    low, high, closing = text.count("„"), text.count("“"), text.count("”")
    if min(left, right) >= MIN_MARKS and max(left, right) <= 3 * min(left, right):
        if _left_first(text):
            name = "«…»"
            table = _table({"«": "“", "»": "”", "‹": "‘", "›": "’", **_nested(text)})
        else:
            name = "»…«"
            table = _table({"»": "“", "«": "”", "›": "‘", "‹": "’", **_nested(text)})
    elif low >= MIN_MARKS and high >= low / 2 and closing < low / 2:
        name, table = "„…“", _table({"„": "“", "“": "”", "‚": "‘", "‘": "’"})
    lines = [line.lstrip() for line in text.splitlines()]
    dashed = sum(1 for line in lines if line[:1] in DASHES and line[1:2] not in DASHES)
    mapped = text.translate(table) if table else text
    quoted = sum(1 for line in mapped.splitlines() if line.lstrip()[:1] in "“\"'‘")
    dash = dashed >= MIN_MARKS and dashed > quoted
    if dash:
        name = f"{name} and — dashes" if name else "— dashes"
    return Marks(name, table, dash)


def _left_first(text: str) -> bool:
    """«…» rather than »…«: in the lines that hold both, « comes first more often."""
    left = right = 0
    for line in text.splitlines():
        a, b = line.find("«"), line.find("»")
        if a >= 0 and b >= 0:
            left += a < b
            right += b < a
    return left >= right


def dash_speech(paragraphs: Sequence[str]) -> list[str]:
    """Dash dialogue as quotations: a paragraph that opens with a dash is speech, up to
    a dash after a space (a narration insert: —Ven —dijo Juan—. Ahora.) and again after
    the insert's closing dash, to the paragraph's end. A speech opened with a quotation
    mark that the next paragraph's dash goes on from (« Oui, dit-il.\\n— Non.) closes
    at its paragraph's end, so each turn is one speech."""
    out = []
    for i, par in enumerate(paragraphs):
        if _opens_with_dash(par):
            par = _rewrite(par)
        elif (
            i + 1 < len(paragraphs)
            and _opens_with_dash(paragraphs[i + 1])
            and par.count("“") > par.count("”")
        ):
            par += "”"
        out.append(par)
    return out


def _opens_with_dash(par: str) -> bool:
    return par[:1] in DASHES and par[1:2] not in DASHES


def _rewrite(par: str) -> str:
    """One dash paragraph: its opening dash as “, an insert's dashes as ” and “ (the
    reopening one moved after the insert's full stop: Juan—. Ahora -> Juan. “Ahora,
    the same length), and a ” at the end while speech is open."""
    chars = list(par)
    chars[0] = "“"
    speaking = True
    i = 1
    while i < len(chars):
        ch = chars[i]
        if ch in DASHES and speaking and chars[i - 1].isspace():
            chars[i], speaking = "”", False
        elif ch in DASHES and not speaking:
            follow = chars[i + 1] if i + 1 < len(chars) else ""
            after = chars[i + 2] if i + 2 < len(chars) else ""
            if follow and follow in _PUNCT and after.isspace():
                chars[i], chars[i + 1], chars[i + 2] = follow, " ", "“"
                i += 2
            else:
                chars[i] = "“"
            speaking = True
        i += 1
    text = "".join(chars).rstrip()
    return text + "”" if speaking and not text.endswith("”") else text
