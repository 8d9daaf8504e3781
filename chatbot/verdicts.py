"""What a blind reader said of a judged set: ``verdicts.json`` checked against the set's
``key.json`` (written by ``chatbot.judge``), then scored: per system, each criterion's
mean, the share rated >= 4 and the share picked best, each with a 95% bootstrap interval
over items, and pairwise win rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json
from chatbot.metrics import bootstrap


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

    criteria = key["criteria"]
    entries = data.get("items")
    if not isinstance(entries, list):
        raise bad('expected {"items": [...]} (see rubric.md)')
    by_item: dict[int, dict] = {}
    for e in entries:
        if not isinstance(e, dict) or not isinstance(e.get("item"), int):
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
                elif not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 5:
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


def score_set(verdicts: Verdicts, reps: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Per system: each criterion's mean, the share rated >= 4 on the last criterion
    (relevance for replies), the share picked best, each with its 95% bootstrap interval;
    and for each pair of systems the share of items where the first scores higher
    (criteria summed; a tie counts half)."""

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
    return {
        "items": len(verdicts.ratings),
        "criteria": verdicts.criteria,
        "systems": systems,
        "wins": wins,
    }
