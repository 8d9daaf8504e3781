#!/usr/bin/env python
"""The judged scores recorded in ``evals/`` as Markdown tables, one per set: each
system's mean score per criterion with its 95% bootstrap interval, and how often the
reader picked it best.

    .venv/bin/python scripts/judged_tables.py [evals/judged-*.json ...]

The README's judged tables are this script's output.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chatbot.cli.common import run_script
from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json


def cell(stat: dict, percent: bool = False) -> str:
    if percent:
        return f"{stat['mean']:.0%} [{stat['low']:.0%}, {stat['high']:.0%}]"
    return f"{stat['mean']:.2f} [{stat['low']:.2f}, {stat['high']:.2f}]"


def table(report: dict, name: str) -> str:
    criteria = report["criteria"]
    described = report.get("set", {}).get("systems", {})
    head = ["system", *criteria, "picked best"]
    lines = [
        f"**{name}** (n = {report['items']})",
        "",
        "| " + " | ".join(head) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |",
    ]
    for system, stats in report["systems"].items():
        label = "the book's own" if system == "gold" else system
        if system in described:
            label += f": {described[system]}"
        row = [label, *(cell(stats[c]) for c in criteria), cell(stats["best"], percent=True)]
        lines.append("| " + " | ".join(row) + " |")
    ceiling = report.get("ceiling")
    if ceiling:  # no pick: a line per item, not a candidate of its own
        label = f"each item's best of {', '.join(ceiling['systems'])}"
        row = [label, *(cell(ceiling[c]) for c in criteria), "–"]
        lines.append("| " + " | ".join(row) + " |")
    command = report.get("set", {}).get("command")
    if command:
        lines += ["", f"`{command}`"]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "files", nargs="*", type=Path, help="judged score files (default: evals/judged-*.json)"
    )
    args = ap.parse_args()
    files = args.files or sorted(Path("evals").glob("judged-*.json"))
    for f in files:
        report = read_json(f, "judged score file")
        if not isinstance(report.get("systems"), dict) or "criteria" not in report:
            raise ChatbotError(f"{f} is not a judged score file (chatbot judge score writes one)")
        print(table(report, f.stem.removeprefix("judged-")), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
