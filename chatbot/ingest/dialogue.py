"""Paragraphs -> quoted utterances with speakers -> turns -> query/reply pairs.

A novel's dialogue is its quoted speech. Consecutive utterances in the same or
neighbouring paragraphs are a conversation; a chapter heading or a stretch of
narration ends it. Two utterances by one speaker (a quotation split by its tag,
“…，”她道，“…”) are one turn, not a question and its answer, so speech tags are read
to find speakers. Everything here works on raw text and a ``tokenize`` callable, with
no knowledge of any particular book.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.errors import ChatbotError
from chatbot.ingest.textio import is_heading, quote_spans, split_sentences

Tokenize = Callable[[str], list[str]]
PAIRS_HEADER = [
    "position",
    "query_speaker",
    "reply_speaker",
    "query",
    "reply",
    "query_tokens",
    "reply_tokens",
]

# Chinese speech verbs; a tag is "<who><adverbs><verb>[着/了/道]" right before or after a quote.
_ZH_VERB = (
    r"(?:说道|笑道|问道|答道|回道|叫道|喊道|骂道|叹道|哭道|忙道|冷笑道|说|道|问|曰|云|答|叫|喊|嚷|骂"
    r"|叹|笑|回|告诉|吩咐|劝|念|啐|央告)(?:着|了|道)?"
)
_ZH_BEFORE = re.compile(r"([^。！？；…!?;“”\"「」『』]{1,30}?)" + _ZH_VERB + r"\s*[：:，,]?\s*$")
_ZH_AFTER = re.compile(
    r"^\s*([^。！？；…!?;，,：:“”\"「」『』]{1,20}?)" + _ZH_VERB + r"\s*(?P<end>[：:，,。.！!？?]?)"
)
_EN_VERB = (
    r"(?:said|says|asked|asks|replied|replies|cried|cries|answered|answers|added|shouted|"
    r"whispered|exclaimed|continued|returned|observed|remarked|called|muttered|repeated|began)"
)
_EN_NAME = (
    r"((?:(?:Mr|Mrs|Ms|Miss|Dr|Lady|Lord|Sir|Captain|Colonel)\.? )?[A-Z][\w’'-]+"
    r"|he|she|I|they|we|you)"
)
_EN_BEFORE = re.compile(
    rf"(?:{_EN_NAME} {_EN_VERB}|{_EN_VERB} {_EN_NAME})[^.!?\"”]{{0,30}}?[,:]?\s*$"
)
_EN_AFTER = re.compile(
    rf"^\s*,?\s*(?:{_EN_NAME} {_EN_VERB}|{_EN_VERB} {_EN_NAME})\b(?P<end>[^.!?;:]*[.!?;:,]?)"
)

# Words that can start a speech tag but never name a speaker: pronouns, collective
# nouns and the adverbs/conjunctions that open a clause. Generic Chinese and English.
NOT_SPEAKERS = frozenset(
    (
        "他 她 它 我 你 您 他们 她们 我们 你们 咱们 大家 众人 二人 两人 两个 几个 人 谁 那 这 "
        "那人 这人 这里 那里 因 又 便 忙 只 也 都 却 遂 乃 方 才 就 还 再 且 并 因此 于是 只见 "
        "忽见 因见 忽 一面 一时 此时 当下 随即 接着 说着 正说 一语 听了 听说 听见 笑 问 道 说 回 "
        "答 叫 自己 一个 有人 旁边 后来 然后 "
        "he she i they we you it who someone everyone"
    ).split()
)
# In a whole book a "name" seen in only one tag is more likely a mis-read clause; in a
# short text one sighting is all there is.
MIN_SPEAKER_COUNT = 2
MIN_UTTERANCES_FOR_SPEAKER_COUNT = 100
_SPEECH_END = set("。！？!?…，,.~—-：:；;")
_OPENING_CONTEXT = set('：:，,。！？!?…；;”」』"')


@dataclass
class Utterance:
    """One quotation: its text, where it is, and who said it when a tag tells."""

    text: str
    paragraph: int
    speaker: str | None = None
    continues: bool = False  # same turn as the utterance before (a quotation split by its tag)


@dataclass
class Turn:
    text: str
    paragraph: int
    speaker: str | None


@dataclass
class Pair:
    """A query and the reply that followed it in the book; ``position`` orders the split."""

    query: str
    reply: str
    position: int
    query_speaker: str | None = None
    reply_speaker: str | None = None
    query_tokens: list[str] = field(default_factory=list)
    reply_tokens: list[str] = field(default_factory=list)


@dataclass
class DialogueResult:
    pairs: list[Pair]
    utterances: int
    with_speaker: int
    fallback: bool  # True when the text had too little quoted speech and sentences were paired


def is_speech(paragraph: str, start: int, end: int) -> bool:
    """A quotation is speech, not a quoted term (the so-called “X”), when it follows a
    colon, a comma or the paragraph start, or ends with sentence punctuation."""
    content = paragraph[start + 1 : end].rstrip()
    if not content:
        return False
    before = paragraph[:start].rstrip()
    return not before or before[-1] in _OPENING_CONTEXT or content[-1] in _SPEECH_END


def _tag_speaker(tag: str, tokenize: Tokenize) -> str | None:
    """The first content word of a tag clause, if it can be a speaker's name."""
    m = re.match(_EN_NAME, tag.strip())
    if m and tag.strip()[:1].isascii():
        name = m.group(1)
        return None if name.lower() in NOT_SPEAKERS else name
    for word in tokenize(tag):
        if word in NOT_SPEAKERS:
            continue
        if len(word) >= 2 and not any(c in _SPEECH_END for c in word):
            return word
        if not word.isalnum():
            continue
        return None  # a single character that is not a known clause opener
    return None


def _before_tag(narration: str) -> str | None:
    """The clause that introduces the next quotation (她笑道：/ X said,), if any."""
    m = _ZH_BEFORE.search(narration)
    if m:
        clause = re.split(r"[，,]", m.group(1))
        # "宝玉听了，忙笑道" names the speaker in the first clause of the sentence.
        return next((c for c in clause if c.strip()), None)
    m = _EN_BEFORE.search(narration)
    if m:
        return m.group(1) or m.group(2)
    return None


def _after_tag(narration: str) -> tuple[str | None, str, str]:
    """The tag right after a quotation (”她笑道。/ ," said X.): (clause, its end mark,
    the narration left after it)."""
    m = _ZH_AFTER.match(narration) or _EN_AFTER.match(narration)
    if not m:
        return None, "", narration
    clause = next(g for g in m.groups()[:-1] if g)
    return clause, m.group("end").strip()[-1:], narration[m.end() :]


def _quote_text(par: str, a: int, b: int) -> str:
    closed = par[b] in '”」』’"'
    return par[a + 1 : b if closed else b + 1].strip()


def extract_utterances(paragraphs: Sequence[str], tokenize: Tokenize) -> list[Utterance]:
    """Every spoken quotation in the book, in order, with speakers where tags name them."""
    out: list[Utterance] = []
    for p_index, par in enumerate(paragraphs):
        if is_heading(par):
            continue
        spans = [(a, b) for a, b in quote_spans(par) if is_speech(par, a, b)]
        if not spans:
            continue
        bounds = [0, *(x for a, b in spans for x in (a, b + 1)), len(par)]
        narrations = [par[bounds[2 * i] : bounds[2 * i + 1]] for i in range(len(spans) + 1)]
        prev_tail_is_tag = False  # the narration before this quote is only the last one's tag
        prev_speaker: str | None = None
        for i, (a, b) in enumerate(spans):
            u = Utterance(text=_quote_text(par, a, b), paragraph=p_index)
            before_tag = _before_tag(narrations[i])
            after_tag, end, rest = _after_tag(narrations[i + 1])
            is_last = i == len(spans) - 1
            # ”她道：“ introduces the next quotation; ”她道，“ or ”她道。“ belongs to this one.
            owns_after = after_tag is not None and (is_last or end not in ("：", ":"))
            if before_tag:
                u.speaker = _tag_speaker(before_tag, tokenize)
            elif owns_after:
                u.speaker = _tag_speaker(after_tag, tokenize)
            if prev_tail_is_tag:
                u.continues = True
                u.speaker = u.speaker or prev_speaker
            out.append(u)
            prev_tail_is_tag = owns_after and not rest.strip()
            prev_speaker = u.speaker
    if len(out) >= MIN_UTTERANCES_FOR_SPEAKER_COUNT:
        _clean_speakers(out)
    return out


def _clean_speakers(utterances: list[Utterance]) -> None:
    """Undo the segmenter gluing a name to the next character (宝玉因 for 宝玉 + 因): a
    speaker that is a more frequent speaker plus one character is that speaker. Then drop
    names seen only once."""
    counts = Counter(u.speaker for u in utterances if u.speaker)
    for u in utterances:
        name = u.speaker
        if name and len(name) > 2 and counts[name[:-1]] > counts[name]:
            u.speaker = name[:-1]
    counts = Counter(u.speaker for u in utterances if u.speaker)
    for u in utterances:
        if u.speaker is not None and counts[u.speaker] < MIN_SPEAKER_COUNT:
            u.speaker = None


def make_turns(utterances: Sequence[Utterance]) -> list[Turn]:
    """Merge a speaker's consecutive utterances into one turn."""
    turns: list[Turn] = []
    for u in utterances:
        last = turns[-1] if turns else None
        same_speaker = (
            last is not None
            and u.paragraph - last.paragraph <= 1
            and (u.continues or (u.speaker is not None and u.speaker == last.speaker))
        )
        if last is not None and same_speaker:
            last.text = f"{last.text}{_joiner(last.text, u.text)}{u.text}"
            last.paragraph = u.paragraph
            last.speaker = last.speaker or u.speaker
        else:
            turns.append(Turn(text=u.text, paragraph=u.paragraph, speaker=u.speaker))
    return turns


def _joiner(a: str, b: str) -> str:
    return " " if a[-1:].isascii() and b[:1].isascii() else ""


def pair_turns(turns: Sequence[Turn]) -> list[Pair]:
    """Consecutive turns in the same or neighbouring paragraphs. A heading or any
    narration paragraph between two turns leaves a gap, which ends the conversation."""
    return [
        Pair(q.text, r.text, r.paragraph, q.speaker, r.speaker)
        for q, r in itertools.pairwise(turns)
        if r.paragraph - q.paragraph <= 1 and q.text and r.text
    ]


def sentence_pairs(paragraphs: Sequence[str]) -> list[Pair]:
    """The fallback for a text with almost no quoted speech: each sentence answers the one
    before it, within a chapter."""
    pairs: list[Pair] = []
    prev: str | None = None
    for i, par in enumerate(paragraphs):
        if is_heading(par):
            prev = None
            continue
        for s in split_sentences(par):
            if prev is not None:
                pairs.append(Pair(prev, s, i))
            prev = s
    return pairs


def extract_dialogue(
    paragraphs: Sequence[str],
    tokenize: Tokenize,
    *,
    n_sentences: int,
    min_pairs: int = 50,
    min_share: float = 0.02,
) -> DialogueResult:
    """All query/reply pairs of a book; falls back to consecutive sentences when fewer than
    ``max(min_pairs, min_share * n_sentences)`` dialogue pairs exist."""
    utterances = extract_utterances(paragraphs, tokenize)
    pairs = pair_turns(make_turns(utterances))
    fallback = len(pairs) < max(min_pairs, min_share * n_sentences)
    if fallback:
        pairs = sentence_pairs(paragraphs)
    return DialogueResult(
        pairs=pairs,
        utterances=len(utterances),
        with_speaker=sum(u.speaker is not None for u in utterances),
        fallback=fallback,
    )


def _clean_field(s: str | None) -> str:
    return "" if s is None else s.replace("\t", " ").replace("\n", " ")


def write_pairs(path: str | Path, pairs: Sequence[Pair]) -> None:
    """Write ``pairs.tsv``: a header row, then one tab-separated pair per line."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("\t".join(PAIRS_HEADER) + "\n")
        for p in pairs:
            row = [
                str(p.position),
                _clean_field(p.query_speaker),
                _clean_field(p.reply_speaker),
                _clean_field(p.query),
                _clean_field(p.reply),
                " ".join(p.query_tokens),
                " ".join(p.reply_tokens),
            ]
            f.write("\t".join(row) + "\n")


def read_pairs(path: str | Path) -> list[Pair]:
    """Load ``pairs.tsv`` as written by ``prepare`` (the model stage's input)."""
    path = Path(path)
    if not path.is_file():
        raise ChatbotError(f"no pairs file at {path}; run `chatbot prepare` first")
    pairs: list[Pair] = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != PAIRS_HEADER:
            raise ChatbotError(f"{path} is not a pairs file written by `chatbot prepare`")
        for line_no, line in enumerate(f, start=2):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != len(PAIRS_HEADER):
                raise ChatbotError(f"{path}:{line_no}: expected {len(PAIRS_HEADER)} columns")
            pos, qs, rs, q, r, qt, rt = cols
            pairs.append(Pair(q, r, int(pos), qs or None, rs or None, qt.split(), rt.split()))
    return pairs
