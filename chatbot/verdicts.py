"""What a blind reader said of a judged set: ``verdicts.json`` checked against the set's
``key.json`` (written by ``chatbot.judge``), then scored: per system, each criterion's
mean, the share rated >= 4 and the share picked best, each with a 95% bootstrap interval
over items, and pairwise win rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count, takewhile
from pathlib import Path
from typing import Any

from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json
from chatbot.metrics import bootstrap

KEY_VERSION = 1  # what chatbot.judge writes
RETRIEVAL = "retrieval"


def retrieval_name(rank: int) -> str:
    """The system of the book's line BM25 ranks ``rank``-th: retrieval, retrieval2, ..."""
    return RETRIEVAL if rank == 1 else f"{RETRIEVAL}{rank}"


@dataclass
class Verdicts:
    """Checked verdicts, by system name: per item, each system's ratings and the best."""

    systems: list[str]
    criteria: list[str]
    ratings: list[dict[str, dict[str, int]]]  # item -> system -> criterion -> score
    best: list[str]  # item -> system


def read_verdicts(out_dir: str | Path, verdicts: str | Path | None = None) -> Verdicts:
    """``verdicts.json`` checked against ``key.json``; every problem names its item."""
    out = Path(out_dir)
    key = read_json(out / "key.json", "judge key")
    path = Path(verdicts) if verdicts else out / "verdicts.json"
    data = read_json(path, "verdicts file")

    def bad(message: str) -> ChatbotError:
        return ChatbotError(f"{path}: {message}")

    criteria = check_key(key, out / "key.json")
    if not isinstance(data, dict):
        raise bad('expected {"items": [...]} (see rubric.md)')
    entries = data.get("items")
    if not isinstance(entries, list):
        raise bad('expected {"items": [...]} (see rubric.md)')
    by_item: dict[int, dict] = {}
    for e in entries:
        if not isinstance(e, dict) or not _whole(e.get("item")):
            raise bad(f"every entry needs an integer 'item' ({e!r:.60})")
        if e["item"] in by_item:
            raise bad(f"item {e['item']} is rated twice")
        by_item[e["item"]] = e
    wanted = {k["item"] for k in key["items"]}
    if extra := sorted(set(by_item) - wanted):
        raise bad(f"item {extra[0]} is not in the set")
    ratings, best = [], []
    problems: list[str] = []  # all of them at once: a reader's file is fixed in one pass
    for k in key["items"]:
        item, letters = k["item"], k["letters"]
        e = by_item.get(item)
        if e is None:
            problems.append(f"item {item} has no verdict ({len(by_item)} of {len(wanted)} rated)")
            continue
        got = e.get("ratings")
        if not isinstance(got, dict) or set(got) != set(letters):
            have = sorted(got) if isinstance(got, dict) else "none"
            problems.append(f"item {item} must rate letters {sorted(letters)}, has {have}")
            continue
        row: dict[str, dict[str, int]] = {}
        for letter, name in letters.items():
            scores = got[letter] if isinstance(got[letter], dict) else {}
            for c in sorted(set(scores) - set(criteria)):
                problems.append(f"item {item}, {letter}: {c!r} is not a criterion ({criteria})")
            for c in criteria:
                v = scores.get(c)
                if c not in scores:
                    problems.append(f"item {item}, {letter}: {c} is missing")
                elif not _whole(v) or not 1 <= v <= 5:
                    problems.append(
                        f"item {item}, {letter}: {c} must be a whole number 1-5, got {v!r}"
                    )
            row[name] = {c: scores.get(c, 0) for c in criteria}
        if e.get("best") not in letters:
            problems.append(
                f"item {item}: best must be one of {sorted(letters)}, got {e.get('best')!r}"
            )
            continue
        ratings.append(row)
        best.append(letters[e["best"]])
    if problems:
        shown = "; ".join(problems[1:4]) + ("; ..." if len(problems) > 4 else "")
        raise bad(problems[0] + (f" (and {len(problems) - 1} more: {shown})" if shown else ""))
    return Verdicts([s["name"] for s in key["systems"]], criteria, ratings, best)


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_key(key: Any, path: Path) -> list[str]:
    """The key's criteria, once the key is whole: a known version, its systems named
    once each, and per item a number of its own and each system under one letter
    (scoring reads the criteria from the key, so its mode needs no check). A damaged
    key is said as such, not blamed on the reader's verdicts."""

    def bad(message: str) -> ChatbotError:
        return ChatbotError(f"{path} is not a judged set's key ({message}); make the set again")

    if not isinstance(key, dict) or key.get("version") != KEY_VERSION:
        raise bad(f"version must be {KEY_VERSION}")
    criteria = key.get("criteria")
    if (
        not isinstance(criteria, list)
        or not criteria
        or not all(isinstance(c, str) for c in criteria)
    ):
        raise bad("criteria must be a list of names")
    systems = key.get("systems")
    if not isinstance(systems, list) or not all(isinstance(x, dict) for x in systems):
        raise bad("systems must be a list")
    names = [x.get("name") for x in systems]
    if not names or len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise bad("systems must have names, each once")
    items = key.get("items")
    if not isinstance(items, list) or not items:
        raise bad("it has no items")
    seen: set[int] = set()
    for k in items:
        if not isinstance(k, dict) or not _whole(k.get("item")) or k["item"] in seen:
            raise bad(f"every item needs a number of its own ({k!r:.60})")
        seen.add(k["item"])
        letters = k.get("letters")
        if not isinstance(letters, dict) or sorted(letters.values()) != sorted(names):
            raise bad(f"item {k['item']} must give each system one letter")
    return criteria


def score_set(verdicts: Verdicts, reps: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Per system: each criterion's mean, the share rated >= 4 on the last criterion
    (relevance for replies), the share picked best, each with its 95% bootstrap interval;
    and for each pair of systems the share of items where the first scores higher
    (criteria summed; a tie counts half). Where the set lists several of the book's lines
    (retrieval, retrieval2, ...: ``make_set(retrieved=K)``), ``ceiling`` holds the mean of
    each item's best line on each criterion: what a perfect re-ranker of BM25's shortlist
    could reach."""

    def stat(values: list[float]) -> dict[str, float]:
        lo, hi = bootstrap(values, reps, seed)
        return {"mean": sum(values) / len(values), "low": lo, "high": hi}

    main = verdicts.criteria[-1]
    systems: dict[str, Any] = {}
    for s in verdicts.systems:
        rated = [r[s] for r in verdicts.ratings]
        systems[s] = {c: stat([r[c] for r in rated]) for c in verdicts.criteria}
        systems[s][f"{main}_4plus"] = stat([float(r[main] >= 4) for r in rated])
        systems[s]["best"] = stat([float(b == s) for b in verdicts.best])
    wins: dict[str, dict[str, Any]] = {}
    for a in verdicts.systems:
        for b in verdicts.systems:
            if a != b:
                outcome = []
                for r in verdicts.ratings:
                    sa, sb = sum(r[a].values()), sum(r[b].values())
                    outcome.append(1.0 if sa > sb else 0.5 if sa == sb else 0.0)
                wins.setdefault(a, {})[b] = stat(outcome)
    report = {
        "items": len(verdicts.ratings),
        "criteria": verdicts.criteria,
        "systems": systems,
        "wins": wins,
    }
    lines = list(takewhile(verdicts.systems.__contains__, map(retrieval_name, count(1))))
    if len(lines) > 1:  # per item the shortlist's best, criterion by criterion
        best = [
            {c: max(r[n][c] for n in lines) for c in verdicts.criteria} for r in verdicts.ratings
        ]
        ceiling: dict[str, Any] = {"systems": lines}
        ceiling |= {c: stat([b[c] for b in best]) for c in verdicts.criteria}
        ceiling[f"{main}_4plus"] = stat([float(b[main] >= 4) for b in best])
        report["ceiling"] = ceiling
    return report
