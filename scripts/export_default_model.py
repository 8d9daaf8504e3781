#!/usr/bin/env python
"""Package a trained model as the default model shipped with the package, or a base
model (`chatbot pretrain`) as the shipped base a new novel fine-tunes from.

    .venv/bin/python scripts/export_default_model.py MODEL_DIR [OUT_DIR]
    .venv/bin/python scripts/export_default_model.py --base BASE_DIR   # chatbot/base_model

Writes float16 weights (safetensors), the vocabulary, the jieba user dictionary if any,
config.json (with the test-split numbers recorded at training time) and, for a model,
eval.json (`chatbot eval` with the default decoding), into OUT_DIR (default
chatbot/default_model, or chatbot/base_model with --base). Only vectors, weights,
vocabulary and metrics are shipped: never novel text.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from safetensors.torch import load_file, save_file

from chatbot.checkpoint import load_model
from chatbot.cli.common import run_script
from chatbot.evaluate import evaluate_model
from chatbot.fsutil import atomic_path, ensure_dir, read_json, write_json
from chatbot.layout import SHIPPED_BASE, SHIPPED_MODEL, ModelLayout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model", nargs="?", help="the trained model directory (not with --eval-only)")
    ap.add_argument("out", nargs="?", help="where to write it (default: see above)")
    ap.add_argument(
        "--base",
        action="store_true",
        help="MODEL_DIR is a base made by `chatbot pretrain`: no corpus, no eval.json",
    )
    ap.add_argument(
        "--eval-only",
        metavar="CORPUS_DIR",
        help="only recompute OUT's eval.json on CORPUS_DIR's test split (after the corpus "
        "pipeline changed)",
    )
    args = ap.parse_args()
    default = SHIPPED_BASE if args.base else SHIPPED_MODEL
    if args.eval_only:
        return write_eval(ModelLayout.at(args.out or default).existing(), Path(args.eval_only))
    if args.model is None:
        ap.error("MODEL_DIR is required (or --eval-only CORPUS_DIR)")
    # Everything is read and checked before anything is written: a failed export must
    # not leave new weights beside an old vocabulary.
    src = ModelLayout.at(args.model).existing()
    load_model(src.root)  # weights, vocabulary and config agree
    tensors = {
        k: v.half() if v.is_floating_point() else v for k, v in load_file(str(src.weights)).items()
    }
    vocab = src.vocab.read_bytes()
    userdict = src.userdict.read_bytes() if src.userdict.is_file() else None
    config = read_json(src.config, "model config")
    config["weights_dtype"] = "float16"
    out = ModelLayout.at(ensure_dir(args.out or default))
    with atomic_path(out.weights) as tmp:
        save_file(tensors, str(tmp))
    with atomic_path(out.vocab) as tmp:
        tmp.write_bytes(vocab)
    if userdict is not None:
        with atomic_path(out.userdict) as tmp:
            tmp.write_bytes(userdict)
    if args.base:
        write_json(out.config, config)
        print(f"base model in {out.root}: {_megabytes(out)}, {len(config['books'])} books")
        return 0
    config["corpus"] = "corpus/hongloumeng"  # where `make default-model` can rebuild it
    write_json(out.config, config)
    return write_eval(out, Path(src.root).parent)


def write_eval(out: ModelLayout, corpus: Path) -> int:
    """``chatbot eval``'s report of the exported model, without the sample replies."""
    report = evaluate_model(out.root, corpus_dir=corpus)
    for key in ("model_dir", "corpus"):
        report.pop(key, None)
    for system in ("model", "retrieval", "softmax"):
        report.get(system, {}).pop("examples", None)  # sample replies quote the novel
    write_json(out.eval_report, report)
    m = report["model"]
    print(
        f"default model in {out.root}: {_megabytes(out)}; test top-5 {m['top5']:.1%}, "
        f"distinct-2 {m['distinct2']:.3f}, degenerate {m['degenerate']:.1%}"
    )
    return 0


def _megabytes(out: ModelLayout) -> str:
    return f"{sum(p.stat().st_size for p in out.root.iterdir() if p.is_file()) / 1e6:.1f} MB"


if __name__ == "__main__":
    raise SystemExit(run_script(main))
