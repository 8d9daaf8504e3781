"""``chatbot judge make|score``: blind reading sets and their judged scores."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chatbot.cli.options import HelpFormatter
from chatbot.errors import ChatbotError
from chatbot.fsutil import read_json


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "judge",
        help="judged evaluation: make a blind reading set, score a reader's verdicts",
        description="What a reader thinks of the replies, measured blind. `make` writes "
        "items.md (what the reader sees), rubric.md and key.json (which letter is which, "
        "never shown); a reader returns verdicts.json; `score` reports the judged scores. "
        "Sets quote the novel: keep them out of git (under corpus/ or a temp folder).",
        formatter_class=HelpFormatter,
    )
    judge_sub = p.add_subparsers(
        dest="judge_command", metavar="STEP", required=True, help="make a set, or score it"
    )
    make = judge_sub.add_parser(
        "make",
        help="write a blind set from the test split",
        description="Sample test pairs of MODEL_DIR's corpus and write, per item, the "
        "message, the book's own reply and one reply per system (the model, the retrieval "
        "baseline, each --system), shuffled under neutral letters: items.md, rubric.md and "
        "key.json in OUT_DIR. With --mode continue, passages of the test part's running "
        "text and continuations instead. The same seed gives the same set.",
        formatter_class=HelpFormatter,
    )
    make.add_argument("model", metavar="MODEL_DIR", help="the model judged as system 'model'")
    make.add_argument("out", metavar="OUT_DIR", help="where the set is written")
    make.add_argument("--n", type=int, default=60, help="items (test pairs) in the set")
    make.add_argument("--seed", type=int, default=0, help="which pairs, and their letters")
    make.add_argument(
        "--system",
        action="append",
        default=[],
        metavar="NAME=MODEL_DIR[:FLAGS]",
        help="one more system: a model decoded with FLAGS (e.g. "
        "'beam=corpus/x/model:--strategy beam --beam 4'), or NAME=retrieval@MODEL_DIR: "
        "the book's line that model ranks best among retrieval's shortlist; repeatable",
    )
    make.add_argument("--corpus", help="corpus directory (default: the model's)")
    make.add_argument(
        "--retrieved",
        type=int,
        default=1,
        metavar="K",
        help="show the book's lines that BM25 ranks 1st to K-th for the message (systems "
        "retrieval, retrieval2, ...; at most 8; reply and persona sets): `score` then "
        "reports each item's best line, what a perfect re-ranker of that shortlist could reach",
    )
    make.add_argument(
        "--mode",
        choices=("reply", "continue", "persona"),
        default="reply",
        help="reply: messages and replies, rated for fluency and relevance; continue: "
        "passages of the book's running text and their next 60 words, rated for fluency "
        "and coherence; persona: messages and replies with who speaks to whom, rated for "
        "fluency, relevance and fitting the character",
    )
    make.add_argument(
        "--force",
        action="store_true",
        help="replace a judged set already in OUT_DIR (its verdicts and scores are deleted)",
    )
    make.set_defaults(func=run_make)
    score = judge_sub.add_parser(
        "score",
        help="score a reader's verdicts.json",
        description="Check OUT_DIR/verdicts.json against key.json and print, per system, "
        "the mean of each criterion, the share rated >= 4 on the last (relevance, or "
        "coherence) and the share picked best, with 95% bootstrap intervals, and pairwise "
        "win rates. Writes scores.json (no novel text) into OUT_DIR.",
        formatter_class=HelpFormatter,
    )
    score.add_argument("out", metavar="OUT_DIR", help="a set made by `chatbot judge make`")
    score.add_argument("--verdicts", help="the verdicts file (default OUT_DIR/verdicts.json)")
    score.add_argument(
        "--reps", type=int, default=2000, metavar="N", help="bootstrap resamples (100 to 100000)"
    )
    score.set_defaults(func=run_score)


MAX_REPS = 100_000  # resamples: beyond, the intervals stop moving and memory runs out


def run_make(args: argparse.Namespace) -> int:
    from chatbot.config import CONTINUE_OPTIONS, DecodeOptions
    from chatbot.judge import make_set, parse_system

    held = [n for n in ("key.json", "verdicts.json") if (Path(args.out) / n).exists()]
    if held and not args.force:
        raise ChatbotError(
            f"{args.out} already holds a judged set ({held[0]}; a new key would no longer "
            "match verdicts given on it); --force replaces it, or choose another OUT_DIR"
        )
    if args.n < 1:
        raise ChatbotError("--n must be at least 1")
    defaults = CONTINUE_OPTIONS if args.mode == "continue" else DecodeOptions()
    systems = [parse_system(s, defaults) for s in args.system]
    out = make_set(
        args.model,
        args.out,
        n=args.n,
        seed=args.seed,
        systems=systems,
        corpus_dir=args.corpus,
        mode=args.mode,
        retrieved=args.retrieved,
    )
    for old in ("verdicts.json", "scores.json"):  # of the old set: they would be read
        (out / old).unlink(missing_ok=True)  # against the new key (kept if making failed)
    made = len(read_json(out / "key.json", "judge key")["items"])
    fewer = f" (all the test split has; --n asked for {args.n})" if made < args.n else ""
    print(f"wrote {made} items{fewer}: {out}/items.md, rubric.md (for the reader) and key.json")
    return 0


def run_score(args: argparse.Namespace) -> int:
    from chatbot.fsutil import write_json
    from chatbot.verdicts import read_verdicts, score_set

    if not 100 <= args.reps <= MAX_REPS:
        raise ChatbotError(f"--reps must be from 100 to {MAX_REPS} (bootstrap resamples)")
    report = score_set(read_verdicts(args.out, args.verdicts), reps=args.reps)
    write_json(Path(args.out) / "scores.json", report)
    print_scores(report)
    return 0


def interval(s: dict, percent: bool = False) -> str:
    if percent:
        return f"{s['mean']:.0%} [{s['low']:.0%}, {s['high']:.0%}]"
    return f"{s['mean']:.2f} [{s['low']:.2f}, {s['high']:.2f}]"


def print_scores(report: dict) -> None:
    console = Console(markup=False)
    criteria = report["criteria"]
    main = criteria[-1]
    table = Table(title=f"judged blind: {report['items']} items (mean [95% bootstrap interval])")
    table.add_column("system")
    for c in criteria:
        table.add_column(c, justify="right")
    table.add_column(f"{main} >= 4", justify="right")
    table.add_column("picked best", justify="right")
    for name, s in report["systems"].items():
        table.add_row(
            name,
            *(interval(s[c]) for c in criteria),
            interval(s[f"{main}_4plus"], True),
            interval(s["best"], True),
        )
    console.print(table)
    names = list(report["systems"])
    wins = Table(title="row beats column (criteria summed; ties count half)")
    wins.add_column("")
    for n in names:
        wins.add_column(n, justify="right")
    for a in names:
        wins.add_row(a, *("-" if a == b else interval(report["wins"][a][b], True) for b in names))
    console.print(wins)
    if "ceiling" in report:
        c = report["ceiling"]
        best = Table(title="what a perfect re-ranker could reach")
        best.add_column("each item's best of")
        for col in criteria:
            best.add_column(col, justify="right")
        best.add_column(f"{main} >= 4", justify="right")
        best.add_row(
            f"the {len(c['systems'])} retrieved lines",
            *(interval(c[col]) for col in criteria),
            interval(c[f"{main}_4plus"], True),
        )
        console.print(best)
