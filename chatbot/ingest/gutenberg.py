"""The book inside a Project Gutenberg file, without the header and the licence.

Project Gutenberg is where most readers get public-domain novels, English and Chinese
alike, and its files wrap the book in English front matter and a licence of about 350
lines. Left in, they would be read as the novel's own narration and dialogue (the
licence quotes its terms: "Defects", "Right of Replacement or Refund"). The book lies
between the "*** START OF ..." and "*** END OF ..." lines; older files also close it
with a line "End of the Project Gutenberg EBook of ..." before the licence.
"""

from __future__ import annotations

import re

FRAME = "Project Gutenberg"  # what the manifest names as cut away

_START = re.compile(
    r"^[ \t]*\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)", re.I | re.M
)
_END = re.compile(
    r"^[ \t]*\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)", re.I | re.M
)
_END_OLD = re.compile(r"^[ \t]*End of (?:the )?Project Gutenberg", re.I | re.M)
_NEAR = 300  # an "End of the Project Gutenberg EBook" line this close before *** END


def book_span(text: str) -> tuple[int, int] | None:
    """(start, end) of the book in a Project Gutenberg file, else None. The START line
    may wrap (it ends at its closing ***); the *** END line wins over an "End of" line,
    which a compilation may keep for each volume, unless that one stands right before it."""
    # One \n per line end, whatever the file used (old Mac files: CR); same length.
    text = text.replace("\r\n", " \n").replace("\r", "\n")
    start = _START.search(text)
    if start is None:
        return None
    stars = text.find("***", start.end())
    line_end = text.find("\n", start.end())
    wrapped = 0 <= stars < start.end() + 200 and text.count("\n", start.end(), stars) <= 1
    first = stars + 3 if wrapped else line_end
    first = len(text) if first < 0 else first
    end = _END.search(text, first)
    if end is not None:
        old = [m.start() for m in _END_OLD.finditer(text, first, end.start())]
        last = end.start() if not old or end.start() - old[-1] > _NEAR else old[-1]
    else:
        old = [m.start() for m in _END_OLD.finditer(text, first)]
        last = old[-1] if old else len(text)
    return first, last


_TITLE = re.compile(r"^[ \t]*Title:[ \t]*(.+?)[ \t]*$", re.M)


def gutenberg_title(header: str) -> str:
    """The book's title as a Project Gutenberg header gives it ("Title: ..."), or ""."""
    m = _TITLE.search(header)
    return m.group(1).strip() if m else ""
