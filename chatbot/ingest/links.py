"""Web addresses and notices a download site wrote into a novel, taken out.

Novels saved from download sites carry the site's address in the text: a line of its
own (天才一秒记住本站地址：www.example.com), or tucked into a heading or a paragraph
(第一章 风起（www.example.com）). Left in, they become narration the model learns and
words in the vocabulary. A novel's own text almost never holds a web address, so
every address is taken out, with a bracket pair that held only it; a paragraph that is
little more than an address and holds no speech (the site's line) goes altogether,
unless what is left is a heading. So does a short paragraph with no speech that talks
like a site (本站长期招收…书友…点此察看详情！: two of the words sites use of themselves).
"""

from __future__ import annotations

import re

from chatbot.ingest.sentences import is_heading

_STOP = r"\s<>\"'，。、；！？：）)】」』》"  # where an address ends in running text
# Bare domains only with endings no English word is: "left.me" is a missing space.
_TLD = r"com|net|org|cn|cc|info|top|xyz|vip|biz"
LINK = re.compile(
    rf"(?i:https?://|www\.)[^{_STOP}]+"  # a full address, or one that starts www.
    # bounded by what is not part of a domain: Chinese text runs into it (浏览m.x.cc阅读)
    rf"|(?<![a-zA-Z0-9.-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLD})(?![a-zA-Z0-9-])"
    rf"(?:/[^{_STOP}]*)?"
)
_EMPTY_BRACKETS = re.compile(r"[ \t]*[（(【\[「『《<][ \t]*[）)】\]」』》>]")
_AROUND = re.compile(rf"[ \t]*(?:{LINK.pattern})[ \t]*")
_WORD_CHAR = re.compile(r"\w")
_QUOTE = re.compile(r"[“”「」『』\"‘’]")  # speech: the novel's own words
SITE_LINE = 20  # at most this many letters left beside an address: the site's own line
# What download sites say of themselves (Simplified and Traditional). A short paragraph
# with no speech that says two of these is the site's notice, with or without an address.
_SITE_WORDS = re.compile(
    "本站|书友|書友|点此|點此|点击|點擊|网址|網址|域名|首发|首發|最新章节|最新章節|手机阅读|手機閱讀"
    "|推荐票|推薦票|月票|书签|書簽|弹窗|彈窗|广告|廣告|txt下载|txt下載|全文阅读|全文閱讀|笔趣阁|筆趣閣"
)
SITE_NOTICE = 100  # characters at most


def _site_notice(paragraph: str) -> bool:
    if len(paragraph) > SITE_NOTICE or _QUOTE.search(paragraph):
        return False
    return len(set(_SITE_WORDS.findall(paragraph))) >= 2


def _gap(m: re.Match[str]) -> str:
    """What an address leaves: a space between two words of a spaced script, else nothing
    (Chinese text has no spaces to keep)."""
    text, a, b = m.string, m.start(), m.end()
    spaced = a > 0 and b < len(text) and text[a - 1].isascii() and text[b].isascii()
    return " " if spaced and (text[a].isspace() or text[b - 1].isspace()) else ""


def strip_links(paragraph: str) -> tuple[str, int]:
    """(``paragraph`` without its web addresses, how many there were, a site's notice
    counting as one). "" when the paragraph was the site's line."""
    found = len(LINK.findall(paragraph))
    if _site_notice(paragraph):
        return "", max(found, 1)
    if not found:
        return paragraph, 0
    left = _EMPTY_BRACKETS.sub("", _AROUND.sub(_gap, paragraph)).strip()
    short = len(_WORD_CHAR.findall(left)) <= SITE_LINE
    if short and not _QUOTE.search(left) and not is_heading(left):
        return "", found
    return left, found
