#!/usr/bin/env python
"""Record the shipped model's replies (greedy, sampled with seeds, beam) to fixed
messages, so a change that should not alter decoding can be checked against them:

    .venv/bin/python scripts/record_replies.py [MODEL_DIR] [OUT_JSON]

tests/test_decode.py compares today's replies with the recording, word for word, score
for score. Re-record only when the shipped model is rebuilt (the file names the weights'
SHA-256, and the test says when they differ).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from chatbot.bot import Chatbot
from chatbot.cli.common import run_script
from chatbot.config import DecodeOptions
from chatbot.errors import ChatbotError
from chatbot.fsutil import atomic_path, sha256_file
from chatbot.layout import SHIPPED_MODEL, ModelLayout

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "shipped_replies.json"
MESSAGES = [
    "你今天去哪里了？",
    "林妹妹身子可好些了？",
    "老太太叫你过去呢。",
    "你好",
    "这是什么东西？",
    "我明日再来看你。",
    "宝玉，你怎么又哭了？",
    "姐姐吃了饭没有？",
    "外头下雪了。",
]
MODES = {
    "greedy": DecodeOptions(strategy="greedy"),
    "sample seed 1": DecodeOptions(strategy="sample", seed=1),
    "sample seed 7, t 0.7, top-k 8": DecodeOptions(
        strategy="sample", seed=7, temperature=0.7, top_k=8
    ),
    "beam 4": DecodeOptions(strategy="beam", beam=4),
}


def record(model: Path) -> dict:
    bot = Chatbot.load(model)
    replies = []
    for text in MESSAGES:
        for mode, options in MODES.items():
            r = bot.reply(text, options)
            replies.append(
                {"message": text, "mode": mode, "words": r.words, "scores": r.scores}
                | {"stop": r.stop, "log_prob": r.log_prob}
            )
    return {"weights_sha256": sha256_file(ModelLayout.at(model).weights), "replies": replies}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", nargs="?", default=str(SHIPPED_MODEL), help="model directory")
    ap.add_argument("out", nargs="?", default=str(OUT), help="where to write the recording")
    args = ap.parse_args()
    out = Path(args.out)
    if out.is_dir() or not out.parent.is_dir():  # said before the replies are made
        raise ChatbotError(
            f"cannot write {out}: " + ("a folder" if out.is_dir() else "no such folder")
        )
    data = record(Path(args.model))
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(data['replies'])} replies recorded in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
