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
_INNER_OPEN, _INNER_CLOSE = "“«„", "”»"  # a quotation inside a dash speech


@dataclass(frozen=True)
class Marks:
    """How a book marks speech: ``name`` as the book writes it (shown in the summary),
    ``table`` the characters read as “ ” ‘ ’ (a str.translate table), ``dash`` whether
    paragraphs that open with a dash are speech, ``hyphens`` whether that dash is typed
    -- (as in plain-text e-books)."""

    name: str = ""
    table: dict[int, str] | None = None
    dash: bool = False
    hyphens: bool = False

    def apply(self, text: str) -> str:
        """The book's text with its marks as the parsers read them, the same length."""
        if self.hyphens:
            text = text.replace("--", " —")
        return text.translate(self.table) if self.table else text


def _table(pairs: dict[str, str]) -> dict[int, str]:
    return {ord(k): v for k, v in pairs.items()}


def _nested(text: str) -> dict[str, str]:
    """Inside guillemets, quotation marks are a quotation within the speech: read as
    ‘…’. „…“ (Czech, Russian) closes with “, the French “…” with ”."""
    low_high = text.count("„") > text.count("”")
    return {"„": "‘", "“": "’" if low_high else "‘", "”": "’"}


def book_marks(text: str) -> Marks:
    """The book's speech marks: «…», »…« or „…“ when it has at least ``MIN_MARKS`` of
    them, about as many openers as closers, and more of them than of the other double
    marks (a book that quotes speech “…” and titles «…» keeps its marks); dash dialogue
    when at least ``MIN_MARKS`` paragraphs open with a dash (or --) and more than twice
    as many as the other paragraphs that hold a quotation mark. Books quoted “…” or
    '…', and Chinese books, get no change."""
    if not latin_script([text]):
        return Marks()
    name, table = "", None
    left, right = text.count("«"), text.count("»")
    low, high, closing = text.count("„"), text.count("“"), text.count("”")
    guillemets = left + right
    if (
        min(left, right) >= MIN_MARKS
        and max(left, right) <= 3 * min(left, right)
        and guillemets > low + high + closing
    ):
        if _left_first(text):
            name = "«…»"
            table = _table({"«": "“", "»": "”", "‹": "‘", "›": "’", **_nested(text)})
        else:
            name = "»…«"
            table = _table({"»": "“", "«": "”", "›": "‘", "‹": "’", **_nested(text)})
    elif low >= MIN_MARKS and high >= low / 2 and closing < low / 2 and low + high > guillemets:
        name, table = "„…“", _table({"„": "“", "“": "”", "‚": "‘", "‘": "’"})
    typed = [line.strip() for line in text.splitlines()]
    hyphens = sum(1 for line in typed if line.startswith("--") and line[2:3] != "-")
    marks = Marks(name, table, hyphens=hyphens >= MIN_MARKS)
    dashed = quoted = 0
    for line in marks.apply(text).splitlines():
        if _opens_with_dash(line):
            dashed += 1
        elif any(mark in line for mark in '“"‘'):
            quoted += 1
    if dashed < MIN_MARKS or dashed <= 2 * quoted:
        return Marks(name, table)
    return Marks(f"{name} and — dashes" if name else "— dashes", table, True, marks.hyphens)


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
    the insert's closing dash, to the paragraph's end; a quotation inside it is read as
    ‘…’. A speech opened with a quotation mark that the next paragraph's dash goes on
    from (« Oui, dit-il.\n— Non.) closes at its paragraph's end, so each turn is one
    speech. A line between dashes (— II —) is a heading, not speech."""
    dashed = [_opens_with_dash(par) for par in paragraphs]
    out = []
    for par, dash, next_dash in zip(paragraphs, dashed, [*dashed[1:], False]):
        if dash:
            par = _rewrite(par)
        elif next_dash and par.count("“") > par.count("”"):
            par += "”"
        out.append(par)
    return out


def _opens_with_dash(par: str) -> bool:
    """Opens with one dash (—— is a Chinese book's, or a rule) and is no heading: a
    line between dashes with no small letter (— II —; —Pero yo no quería— is speech)."""
    par = par.strip()
    heading = par[-1:] in DASHES and not any(c.islower() for c in par)
    return par[:1] in DASHES and par[1:2] not in DASHES and not heading


def _rewrite(par: str) -> str:
    """One dash paragraph: its opening dash as “, an insert's dashes as ” and “ (the
    reopening one moved after the insert's full stop: Juan—. Ahora -> Juan. “Ahora,
    the same length; none at the insert's end: Juan—.), its own quotations as ‘…’ (a
    closer nothing opened, a quotation's end from paragraphs before, as a space), and
    a ” at the end while speech is open."""
    chars = list(_inner_quotes(par))
    first = len(par) - len(par.lstrip())
    chars[first] = "“"
    speaking = True
    i = first + 1
    while i < len(chars):
        ch = chars[i]
        if ch in DASHES and speaking and chars[i - 1].isspace():
            chars[i], speaking = "”", False
        elif ch in DASHES and not speaking:
            follow = chars[i + 1] if i + 1 < len(chars) else ""
            after = chars[i + 2] if i + 2 < len(chars) else ""
            ends = not any(c.isalnum() for c in chars[i + 1 :])
            if follow and follow in _PUNCT and (after.isspace() or not after):
                chars[i], chars[i + 1] = follow, " "
                if not ends:
                    chars[i + 2] = "“"
                i += 2
            else:
                chars[i] = " " if ends else "“"
            speaking = not ends
        i += 1
    text = "".join(chars).rstrip()
    return text + "”" if speaking and not text.endswith("”") else text


def _inner_quotes(par: str) -> str:
    """A dash paragraph's quotation marks as ‘’: the “ that opens speech is ours."""
    chars, depth = list(par), 0
    for i, ch in enumerate(chars):
        if ch in _INNER_OPEN:
            chars[i], depth = "‘", depth + 1
        elif ch in _INNER_CLOSE:
            chars[i] = "’" if depth else " "
            depth = max(depth - 1, 0)
    return "".join(chars)
