"""Web addresses and notices a download site wrote into a novel, taken out.

Novels saved from download sites carry the site's address in the text: a line of its
own (天才一秒记住本站地址：www.example.com), or tucked into a heading or a paragraph
(第一章 风起（www.example.com）), often spelled out so that filters miss it
(www点example点com). Left in, they become narration the model learns and
words in the vocabulary. A novel's own text almost never holds a web address, so every
address is taken out, with a bracket that held only it (or its label: （首发网址：…）).
A paragraph goes altogether when what is left is the site's line: a few words at most,
no speech, and either nothing much or the words sites use of themselves (本站, 请收藏,
最新章节 …). Without an address, a short paragraph with no speech goes when it says two
of the words only sites say (本站长期招收…书友…点此察看详情！). Modern prose says
点击, 广告 and 网址 too, so those count only beside an address.
"""

from __future__ import annotations

import re

from chatbot.ingest.sentences import is_heading

_HOST = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PATH = r"(?:[/?#][A-Za-z0-9\-._~/?#@$&*+=%:]*[A-Za-z0-9/_#=&%-])?"  # ASCII; no end mark
# Bare domains only with endings no English word is, in any case (ABCD.COM); a few
# more in lower case only ("left.Me" is a missing space, abcd.me a site).
_TLD = r"(?i:com|net|org|cn|cc|info|top|xyz|vip|biz)|la|me|tv|io"
# Addresses spelled out so that filters miss them: www点abcd点com, www。abcd。com,
# w w w . a b c d . c o m, ωωω.abcd.com; or a bare domain with 点 for its dot.
_DOT = r"\s?[.。·点點]\s?"
_SPACED = r"[A-Za-z0-9](?:\s[A-Za-z0-9](?![A-Za-z0-9]))+"  # c o m, one letter at a time
_PART = rf"(?:{_SPACED}|[A-Za-z0-9-]+)"
_SPELLED = (
    rf"(?i:w\s?w\s?w|ωωω){_DOT}{_PART}(?:{_DOT}{_PART})+"
    r"|(?<![A-Za-z0-9-])[A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*[点點](?i:com|net|org|cn|cc)(?![A-Za-z0-9])"
)
LINK = re.compile(
    rf"(?i:https?://|www\.){_HOST}{_PATH}"  # a full address, or one that starts www.
    rf"|{_SPELLED}"
    # bounded by what is not part of a domain: Chinese text runs into it (浏览m.x.cc阅读);
    # after @ it is an e-mail address, which stays whole
    rf"|(?<![A-Za-z0-9.@-])[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.(?:{_TLD})"
    rf"(?![A-Za-z0-9-]){_PATH}"
)
_AROUND = re.compile(rf"[ \t]*(?:{LINK.pattern})[ \t]*")
# A bracket left empty, or holding only the label of the address it held (（首发网址：）)
_LABEL = r"(?:[^（）()【】\[\]「」『』《》<>\s]{0,10}[：:])?"
_LEFT_BRACKETS = re.compile(rf"[ \t]*[（(【\[「『《<][ \t]*{_LABEL}[ \t]*[）)】\]」』》>]")
_WORD_CHAR = re.compile(r"\w")
_QUOTE = re.compile(r"[“”「」『』\"‘’]")  # speech: the novel's own words
SITE_LINE = 20  # at most this many letters left beside an address: maybe the site's line
BARE = 4  # at most this many letters left beside an address: nothing but the address
SITE_NOTICE = 100  # characters at most, for a notice without an address
# What only download sites say of themselves (Simplified and Traditional).
_SITE_WORDS = re.compile(
    "本站|书友|書友|点此|點此|最新章节|最新章節|手机阅读|手機閱讀|全文阅读|全文閱讀"
    "|免费阅读|免費閱讀|无弹窗|無彈窗|笔趣阁|筆趣閣|推荐票|推薦票|求收藏|请收藏|請收藏|求月票"
    "|最快更新|更新最快|阅读体验|閱讀體驗|小说网|小說網|txt下载|txt下載|百度搜索"
    "|本书由|本書由|请勿转载|請勿轉載|转载请注明|轉載請註明|电子书下载|電子書下載|更多精彩"
)
# What sites say, and prose too: it counts only beside an address.
_NEAR_ADDRESS = re.compile(
    "网址|網址|地址|域名|首发|首發|访问|訪問|浏览|瀏覽|记住|記住|收藏|点击|點擊|广告|廣告|手机版|手機版"
)


def strip_links(paragraph: str) -> tuple[str, int]:
    """(``paragraph`` without its web addresses, how many there were, a site's notice
    counting as one). "" when the paragraph was the site's line."""
    left, found = _AROUND.subn(_gap, paragraph)
    if not found:
        return ("", 1) if _site_notice(paragraph) else (paragraph, 0)
    left = _LEFT_BRACKETS.sub("", left).strip()
    if _site_notice(left):
        return "", found
    letters = len(_WORD_CHAR.findall(left))
    if _QUOTE.search(left) or is_heading(left) or letters > SITE_LINE:
        return left, found
    talks_like_a_site = _SITE_WORDS.search(left) or _NEAR_ADDRESS.search(left)
    return ("", found) if letters <= BARE or talks_like_a_site else (left, found)


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
