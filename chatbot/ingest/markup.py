"""A novel saved as a web page: its text without the tags.

Readers save chapters from the web as .html (or as .txt that is still HTML). Read as
text, its tags and entities (&ldquo;) would hide the quotation marks and fill the
vocabulary with markup; this keeps what a browser shows, a line per block.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Opening tags of a page, near its start: <!DOCTYPE html>, <html>, <head>, <body>.
_PAGE_RE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_BLOCKS = frozenset("p div br li tr h1 h2 h3 h4 h5 h6 blockquote pre title section article".split())
_HIDDEN = frozenset("script style noscript template".split())


def looks_like_html(text: str) -> bool:
    """A web page: it opens like one (a doctype, <html>, <head> or <body> tag in its
    first 2,000 characters)."""
    return bool(_PAGE_RE.search(text[:2000]))


def html_text(text: str) -> str:
    """What a browser shows of the page: text and entities decoded, a line break at each
    block (paragraph, line break, heading), scripts and styles left out."""
    parser = _Text()
    parser.feed(text)
    parser.close()
    return "".join(parser.out)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)
