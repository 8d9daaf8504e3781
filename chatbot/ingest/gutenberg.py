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
    r"^[ \t]*\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK.*$", re.I | re.M
)
_END = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK"
    r"|End of (?:the )?Project Gutenberg(?:'s|’s)? (?:E-?Book|E-?Text|Etext)?).*$",
    re.I | re.M,
)


def book_span(text: str) -> tuple[int, int] | None:
    """(start, end) of the book in a Project Gutenberg file, else None."""
    start = _START.search(text)
    if start is None:
        return None
    end = _END.search(text, start.end())
    return start.end(), end.start() if end else len(text)
