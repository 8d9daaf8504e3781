"""Who said it: the speaker named by a speech tag (某某笑道：/ “…”某某道 / "…," said X).

Chinese names are not in any segmenter's dictionary (jieba reads 景兰江 as 景 + 兰江), and
the clause in front of a speech verb also holds narrative words (却说, 次日, 须臾, 后人…)
that differ from book to book. So the names are learned from the book itself
(``NameLexicon``): strings that stand right before a speech verb in many tags, with a
clear left boundary, often as the whole clause before the verb (as a subject does), and
not the words the book puts between names and verbs or in front of names. A tag's
speaker is then the lexicon name next to its verb, or else the first one near a clause
start that is not an object (向宝玉, 叫紫鹃). Nothing here knows any particular book.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from chatbot.ingest.speech import EN_VERB, EN_VERB_RE, ZH_VERB

# 听说 / 听道 / 闻说 is hearing, not speaking: no tag's verb follows these.
_NOT_HEARD = r"(?<!听)(?<!聽)(?<!闻)(?<!聞)"
# The narration in front of a tag's verb, within its sentence.
_ZH_BEFORE = re.compile(
    r"([^。！？；…!?;“”\"「」『』]{0,60})" + _NOT_HEARD + ZH_VERB + r"\s*[：:，,]?\s*$"
)
_ZH_AFTER = re.compile(
    r"^\s*([^。！？；…!?;，,：:“”\"「」『』]{1,20})"
    + _NOT_HEARD
    + ZH_VERB
    + r"\s*(?P<end>[：:，,。.！!？?])"
)
_EN_TITLE = (
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Mme|Mlle|Madame|Monsieur|Lady|Lord|Sir|Captain|Colonel|"
    r"Major|General|Aunt|Uncle|Father|Mother|Professor|Prince|Princess|Count|Countess|"
    r"Duke|Duchess|King|Queen|Reverend|Rev|St)\.? ){0,2}"
)
# A name before the verb is one word (Then Tom said: not "Then Tom"); after it, two
# may follow (said Sir William Lucas), or a capitalised role (said the Hatter: Hatter,
# as "The Hatter said" gives).
_EN_PRONOUN = r"(?:he|she|I|they|we|you)\b"  # "said her mother" is not "said he"
_EN_NAME = rf"({_EN_TITLE}[A-Z][\w’'-]+|{_EN_PRONOUN})"
_EN_NAME_AFTER = rf"(?:the )?({_EN_TITLE}[A-Z][\w’'-]+(?: [A-Z][\w’'-]+)?|{_EN_PRONOUN})"
_EN_BEFORE = re.compile(
    rf"(?:{_EN_NAME} {EN_VERB}|{EN_VERB} {_EN_NAME_AFTER})[^.!?\"”]{{0,30}}?[,:]?\s*$"
)
_EN_AFTER = re.compile(
    rf"^\s*,?\s*(?:(?:the )?{_EN_NAME} {EN_VERB}|{EN_VERB} {_EN_NAME_AFTER})\b"
    r"(?P<end>[^.!?;:]*[.!?;:,]?)"
)

# Pronouns, collective nouns and clause openers that stand where a name would but name
# no one (generic Chinese and English).
NOT_SPEAKERS = frozenset(
    "他 她 它 我 你 您 他们 她们 我们 你们 咱们 大家 众人 二人 两人 两个 几个 人 谁 那人 这人 "
    "那 这 自己 一个 有人 旁边 因此 于是 只见 忽见 因见 一面 一时 此时 当下 随即 接着 说着 "
    "正说 一语 听了 听说 听见 后来 然后 "
    "he she i they we you it who someone everyone "
    "everybody somebody anybody anyone nobody all both".split()
)
# Time, place and manner words, and sayings, that a book may put where a subject stands
# (半晌才道, 外头说道, 常言道) with no comma after them. Only rejected as names: unlike
# pronouns they say nothing of the words around a name (``_fillers``).
_NOT_NAMES = frozenset(
    "半晌 半天 良久 许久 片刻 少顷 须臾 过了一会 外头 里头 外面 里面 外边 里边 门外 窗外 "
    "立刻 立即 随后 猛然 忽然 突然 回头 一行 俗语 常言 古人 叫声 喝声 口称 来报 自思 沉吟".split()
)
# Where someone went before speaking (原要前来看看，只得说道, 上前拱手道): no name starts
# or ends with one.
_MOVES = tuple(
    "前来 前來 前去 过来 過來 过去 過去 出来 出來 出去 进来 進來 进去 進去 上来 上來 上去 "
    "下来 下來 下去 回来 回來 回去 起来 起來 走来 走來 赶来 趕來 上前 向前 近前".split()
)
# Characters no Chinese name contains: pronouns, negations, particles.
_NOT_IN_NAMES = frozenset("我你您他她它咱们了着著不没是在听聽")
# Adverbs and the first halves of compound speech verbs between a subject and its 道 or
# 曰 (宝玉忙笑道, 子牙问曰, 他心里想道); the book's own manner words are learned.
_ADVERBS = re.compile(
    r"(?:连忙|連忙|赶忙|趕忙|急忙|悄悄|故意|特意|笑着|笑著|心中|心里|心裡|心下|口中|口里|口裡|口内|"
    r"嘴里|嘴裡|不觉|不覺|不禁|一面|吩咐|嘱咐|囑咐|告诉|告訴|"
    r"[高低大厉厲轻輕小柔颤顫朗齐齊失悄][声聲]|"
    r"[忙又便因也都乃遂方才就还還再且并並只亦却卻倒正先连連冷陪含微暗想"
    r"笑说說问問答回叫唤喚喊嚷骂罵叹嘆哭喝呼奏禀稟应應念唸])+$"
)
# Descriptions a tag without a subject puts where a name would stand (唬的宝玉忙道,
# 微微的笑道, 喘吁吁的道, 嗤的一声笑道): no name is one character and 的 (土地 is
# someone), doubles a character right before its 的 or 地, or is a sound.
_DESCRIPTION = re.compile(r"^.的$|(.)\1[儿兒]?[的地]$|的一[声聲]$")
# A tag with no one in it goes on with the last speaker when it says so (又道, 还说,
# 接着道), and not when it answers or is many voices (答道, 回道, 应道, 齐声道).
_GOES_ON = re.compile(r"[又还還再]|接着|接著")
_ANSWERS = re.compile(r"[答回应應]|[齐齊]声|[齐齊]聲")
_DEMONSTRATIVES = ("那", "这", "這")
# A name right after one of these is an object (向宝玉道, 叫紫鹃道, 听了宝玉的话).
_OBJECT_MARKERS = frozenset(
    "向对對问問与與和同跟给給把被叫唤喚请請让讓替拉推望瞅瞧看指拍扶劝勸骂罵求谢謝回将將令命了着著"
    "咐嘱囑诉訴教使派差见見朝冲衝瞪盯"
)
# Of these, the ones in front of whom a sentence speaks to (对林远说, 向他道, 跟她讲).
_ADDRESSED = frozenset("向对對与與和同跟给給")
# Of those, the ones that mark nothing else (一同, 和声 and 给他 do).
_SPOKEN_TO = frozenset("向对對跟")
# ... except 见 after these: 只见宝玉走来 has 宝玉 doing the next thing.
_SEEING = frozenset("只忽但乍")
# Clause adverbs no name starts with (又自, 便接口).
_NOT_FIRST = frozenset("又便忙也都就只却卻遂亦才还還再且并並因连連忽这這")
# A name further into its clause than this is someone's object (找一个老婆子).
MAX_OPENER = 2
_CLAUSE_SPLIT = re.compile(r"[，,、：:]")

MAX_NAME = 5
# A longer bounded string wins over the shorter one it ends with when it is at least
# this common next to the shorter one standing alone: 马二先生 over 先生 (rarely a
# clause of its own), but not 又向薛姨妈 over 薛姨妈.
LONGER_NAME_SHARE = 0.3
MIN_ALONE_SHARE = 0.3
# A string seen right after (or before) this many different names is a manner word (or
# an opener), not a name.
FILLER_NAMES = 3
FILLER_SHARE = 0.5
OWN_NAME_SHARE = 0.5
MAX_COMMA_SHARE = 0.25
# A lexicon entry must have been seen before a verb this often; in a short text (fewer
# utterances than MIN_UTTERANCES_FOR_COUNTS) once is all there is.
MIN_TAG_COUNT = 2
MIN_UTTERANCES_FOR_COUNTS = 100


@dataclass(frozen=True)
class TagContext:
    """What a speech tag says about its speaker: the narration in front of the verb
    (Chinese), or the name an English tag gives."""

    text: str
    english: bool = False


def before_tag(narration: str) -> TagContext | None:
    """The tag that introduces the next quotation (她笑道：/ X said,), if any."""
    tail = narration[-80:]
    m = _ZH_BEFORE.search(tail)
    if m:
        return TagContext(m.group(1))
    m = _EN_BEFORE.search(tail)
    # "said Tom, and the old man answered," is someone else's tag.
    if m and len(EN_VERB_RE.findall(tail, m.start())) == 1:
        return TagContext(m.group(1) or m.group(2), english=True)
    return None


# A quotation brought in by a gesture and a colon or comma, with no speech verb (她点点头：
# “好。”, 林远笑了笑，“没事。”), as modern novels write it.
_ZH_CUE = re.compile(r"([\u4e00-\u9fff][^。！？；…!?;“”\"「」『』：:]{0,40})([：:，,])\s*$")
# A clause about a speech that ended or was heard (林远说完，林远话音刚落，听林远这么说，)
# names the one who spoke before, not the one who speaks now (纣王听言 is 纣王 listening).
_ABOUT_SPEECH = re.compile(r"[说說言][完罢罷毕畢]|话音|話音|^[听聽]")


def colon_cue(narration: str) -> tuple[str, str] | None:
    """(the clauses before the colon or comma that bring in the next quotation without a
    speech verb, that mark): 林远对陈默点点头：. Who it names first speaks. Only its whole
    clauses count (a long one is not cut mid-word), and none about speech."""
    m = _ZH_CUE.search(narration[-80:])
    if m is None:
        return None
    clauses = _CLAUSE_SPLIT.split(m.group(1))
    start = max(len(narration) - 80, 0) + m.start(1)
    if start > 0 and "\u4e00" <= narration[start - 1] <= "\u9fff":
        clauses = clauses[1:]  # the window cut into the first clause
    kept = [c for c in clauses if not _ABOUT_SPEECH.search(c)]
    return ("，".join(kept), m.group(2)) if kept else None


def after_tag(narration: str) -> tuple[TagContext | None, str, str]:
    """The tag right after a quotation (”她笑道。/ ," said X.): (context, its end mark,
    the narration left after it)."""
    m = _ZH_AFTER.match(narration)
    english = False
    if not m:
        m = _EN_AFTER.match(narration)
        english = True
    if not m:
        return None, "", narration
    clause = next(g for g in m.groups()[:-1] if g)
    return TagContext(clause, english), m.group("end").strip()[-1:], narration[m.end() :]


def _adjacent(context: str) -> str:
    """The clause right before the verb, without the adverbs in front of the verb."""
    return _ADVERBS.sub("", _CLAUSE_SPLIT.split(context)[-1])[-8:]


class NameLexicon:
    """The names a book gives its speakers, learned from its speech tags and text."""

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(names)
        # 凤姐儿 is 凤姐: one speaker, and no pair in which she answers herself.
        self.canonical = {
            n: n[:-1] for n in self.names if n.endswith("儿") and n[:-1] in self.names
        }

    @classmethod
    def learn(cls, contexts: Iterable[str], text: str, *, short: bool = False) -> NameLexicon:
        """Names from the clauses right before speech verbs, in two rounds. The first
        round's names show which words the book puts between a name and its verb
        (宝玉回头道, 蒋爷高声道: manner words) and in front of a name (当下宝玉道,
        却说宝玉道: openers); the second round strips the manner words and rejects
        both as names."""
        clauses = [c for c in map(_adjacent, contexts) if c]
        whole = Counter(clauses)
        first = _learn_names(clauses, text, short, frozenset())
        manner, openers = _fillers(whole, first | NOT_SPEAKERS)
        clauses = [c for c in (_strip_tail(c, manner, first, text) for c in clauses) if c]
        names = _learn_names(clauses, text, short, manner | openers)
        return cls(w for w in names if not _two_names(w, names))

    def speaker(self, context: str, verb: bool = True) -> str | None:
        """The lexicon name next to the verb, else the first near the start of a clause
        that is not an object. ``verb=False``: a gesture before a colon (林远对陈默点点头),
        where the end of the clause is no subject's place."""
        name = verb and self._next_to_verb(context)
        if not name:
            name, end = self._first(context, gesture=not verb)
            if name and self._together(context, end):
                return None  # 林远和苏晴一起走进来, 宝玉与黛玉齐声道: two say it
        return self.canonical.get(name, name) if name else None

    def _together(self, context: str, end: int) -> bool:
        """Does a marker, another name and a word of togetherness follow ``end``?"""
        if context[end : end + 1] not in _WITH:
            return False
        for k in (2, 3, 4):
            if context[end + 1 : end + 1 + k] in self.names:
                return bool(_TOGETHER.match(context, end + 1 + k))
        return False

    def _next_to_verb(self, context: str) -> str | None:
        adjacent = _adjacent(context)
        for k in range(min(len(adjacent), MAX_NAME), 1, -1):
            w = adjacent[-k:]
            if w in self.names:
                return None if _is_object(adjacent, len(adjacent) - k) else w
        return None

    def _first(self, context: str, gesture: bool = False) -> tuple[str | None, int]:
        """The first name near a clause start that is not an object, and where it ends;
        ``gesture``: not in a clause of time or condition (等林远走后，趁林远不注意，)."""
        start = 0
        for clause in _CLAUSE_SPLIT.split(context):
            offset, start = start, start + len(clause) + 1
            if gesture and clause.startswith(_WHEN):
                continue
            for i in range(min(MAX_OPENER, len(clause) - 2) + 1):
                for k in range(min(MAX_NAME, len(clause) - i), 1, -1):
                    w = clause[i : i + k]
                    if w in self.names:
                        if _is_object(clause, i) or clause[i + k : i + k + 1] == "的":
                            break
                        return w, offset + i + k
        return None, 0


# name + 和/与/同 + name (+ 也/便/就) + 一起/齐声/都…: said together
_WITH = frozenset("和与與同跟及")
_TOGETHER = re.compile(r"[也便就]?(?:一起|一齐|一齊|齐声|齊聲|同时|同時|都|俱)")
# Clauses of time or condition: who they name is not who acts next.
_WHEN = ("等", "待", "趁", "直到", "送走", "目送", "告别", "告別")


def _is_object(text: str, i: int) -> bool:
    """Does the name at ``text[i]`` follow an object marker (向宝玉, 看见宝玉, not 只见宝玉)?"""
    before = text[i - 1] if i else ""
    if before in ("见", "見"):
        return i < 2 or text[i - 2] not in _SEEING
    return before in _OBJECT_MARKERS


def _learn_names(
    clauses: list[str], text: str, short: bool, fillers: frozenset[str]
) -> frozenset[str]:
    """Strings at the end of the clauses with a clear left boundary: no single character
    stands in front of them in more than half of their clauses (兰江 is always 景兰江).
    Kept when they are used like names (``_name_like``)."""
    count: Counter[str] = Counter()
    whole: Counter[str] = Counter()  # clauses that are just this string
    left: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for c in clauses:
        whole[c] += 1
        for k in range(1, min(len(c), MAX_NAME) + 1):
            count[c[-k:]] += 1
            if len(c) > k:
                left[c[-k:]][c[-k - 1]] += 1
    min_count = 1 if short else MIN_TAG_COUNT
    tags: Counter[str] = Counter()
    for c in clauses:
        best = None
        for k in range(2, min(len(c), MAX_NAME) + 1):
            w = c[-k:]
            if count[w] < min_count:
                break
            # An object marker in front (赵小蝶对林远说) bounds a name as well as a
            # clause start does: a character spoken to more than tagged is still one.
            standing = (n for ch, n in left[w].items() if ch not in _ADDRESSED)
            bounded = max(standing, default=0) <= 0.5 * count[w]
            # 向宦成 is 宦成 spoken to, unless the book says it more often (向知府: a surname).
            share = 1.0 if w[0] in _OBJECT_MARKERS else LONGER_NAME_SHARE
            if bounded and (best is None or count[w] >= share * whole[best]):
                best = w
        if best:
            tags[best] += 1

    def alone(w: str) -> float:
        # Spoken to (对林远说) is not standing behind someone else, as a manner word does.
        addressed = sum(left[w][ch] for ch in _SPOKEN_TO)
        return _alone(w, whole) / max(count[w] - addressed, 1)

    return frozenset(
        w
        for w, k in tags.items()
        if k >= min_count and w not in fillers and _name_like(w, alone(w), text)
    )


def _two_names(w: str, names: frozenset[str]) -> bool:
    """Is ``w`` one name, a marker and another (苏晴对林远, 宝玉叫袭人)? A tag that always
    names who is spoken to has its whole clause bounded like a name."""
    return any(
        w[i] in _OBJECT_MARKERS and w[:i] in names and w[i + 1 :] in names
        for i in range(2, len(w) - 2)
    )


def _alone(w: str, whole: Counter[str]) -> int:
    """Clauses that are ``w`` alone, or ``w`` after a demonstrative (那女子道 as 女子道:
    a role noun the book calls its speaker by is a speaker, as 婆子 and 丫头 are)."""
    return whole[w] + sum(whole[d + w] for d in _DEMONSTRATIVES)


def _fillers(whole: Counter[str], names: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(manner words, openers): strings seen right after / right before at least
    FILLER_NAMES different names in the clauses, and more often so than as a clause of
    their own (which a name often is)."""
    after: defaultdict[str, set[str]] = defaultdict(set)
    before: defaultdict[str, set[str]] = defaultdict(set)
    n_after: Counter[str] = Counter()
    n_before: Counter[str] = Counter()
    for c, n in whole.items():
        for k in range(min(len(c) - 1, MAX_NAME), 1, -1):
            if c[:k] in names and len(c) - k <= 4:
                after[c[k:]].add(c[:k])
                n_after[c[k:]] += n
                break
        for k in range(min(len(c) - 1, MAX_NAME), 1, -1):
            if c[-k:] in names and len(c) - k <= 4:
                before[c[:-k]].add(c[-k:])
                n_before[c[:-k]] += n
                break

    def pick(seen: defaultdict[str, set[str]], n_seen: Counter[str]) -> frozenset[str]:
        return frozenset(
            w
            for w, ns in seen.items()
            if len(ns) >= FILLER_NAMES and n_seen[w] >= FILLER_SHARE * whole[w]
        )

    return pick(after, n_after), pick(before, n_before)


def _strip_tail(clause: str, manner: frozenset[str], names: frozenset[str], text: str) -> str:
    """The clause without the manner words and adverbs at its end (宝玉便回头 -> 宝玉),
    unless it is a name of its own: one the book uses about as often as the name it
    starts with (周瑞家的 is someone else than 周瑞; 宝玉回头 is 宝玉)."""
    for k in range(min(4, len(clause)), 0, -1):
        tail, head = clause[-k:], clause[:-k]
        if tail in manner:
            if clause in names and text.count(clause) >= OWN_NAME_SHARE * text.count(head):
                return clause
            return _strip_tail(_ADVERBS.sub("", head), manner, names, text)
    return clause


def _name_like(w: str, alone: float, text: str) -> bool:
    """Is ``w`` used like a name in the book? Names never hold pronoun or particle
    characters. A subject often is the whole clause before its verb (宝玉道), while the
    manner words and verbs learned as strings before 道 follow a subject (宝玉回头道,
    袭人含泪道): ``alone`` is the share of ``w``'s tags where it stands alone. Time
    words open clauses too but are followed by a comma (次日，半晌，) far more often
    than any name (measured: names under 15%, 次日 52%, 半晌 50%)."""
    if (
        w in NOT_SPEAKERS
        or w in _NOT_NAMES
        or w[0] in _NOT_FIRST
        or any(ch in _NOT_IN_NAMES for ch in w)
    ):
        return False
    if w.startswith(_MOVES) or w.endswith(_MOVES):
        return False
    if _DESCRIPTION.search(w):
        return False
    total = text.count(w)
    commas = text.count(w + "，") + text.count(w + ",")
    return alone >= MIN_ALONE_SHARE and commas <= MAX_COMMA_SHARE * total


def goes_on(narration: str) -> bool:
    """Is this narration between two quotations only a tag that goes on with the last
    speaker: no one in it, only adverbs, one of them saying so, and a verb (又道：,
    因又笑道：)? Chinese then leaves the subject of the sentence before, the one who just
    spoke; 答道：/齐声道： would be someone else."""
    m = _ZH_BEFORE.search(narration)
    if m is None or narration[: m.start()].strip(" ，,。．."):
        return False
    context = m.group(1).strip(" ，,、")
    tag = narration[m.start(1) :]
    return (
        not _ADVERBS.sub("", context)
        and bool(_GOES_ON.search(context))
        and not _ANSWERS.search(tag)
    )


_TITLE_WORDS = frozenset(re.findall(r"[A-Z][a-z]+", _EN_TITLE))


def english_aliases(counts: Counter[str]) -> dict[str, str]:
    """Longer forms of an English speaker's name mapped to the shorter one the book's
    tags use as often or more (Sherlock Holmes -> Holmes, Mr. Jabez Wilson -> Mr. Wilson): the same
    title or none, the shorter form's words ending the longer one's. A short form two
    longer ones share (Mycroft Holmes, Sherlock Holmes) stays ambiguous and merges
    nothing; Mrs. Bennet and Jane Bennet are never one (their titles differ)."""

    def parts(name: str) -> tuple[str, tuple[str, ...]]:
        words = name.split()
        if len(words) > 1 and words[0].rstrip(".") in _TITLE_WORDS:
            return words[0].rstrip("."), tuple(words[1:])
        return "", tuple(words)

    claims: defaultdict[str, list[str]] = defaultdict(list)
    for long in counts:
        title, words = parts(long)
        for short in counts:
            t, w = parts(short)
            suffix = t == title and len(w) < len(words) and words[-len(w) :] == w
            # A bare surname must be the book's usual name for them (Holmes), not one
            # used now and then for anyone of the family.
            if suffix and counts[short] >= (1 if title else 2) * counts[long]:
                claims[short].append(long)
    return {longs[0]: short for short, longs in claims.items() if len(longs) == 1}


def english_speaker(name: str) -> str | None:
    """The speaker an English tag names: not a pronoun, nor someone's (said Tom's
    father is the father)."""
    if name.lower() in NOT_SPEAKERS or name.endswith(("'s", "’s")):
        return None
    return name
