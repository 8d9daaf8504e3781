#!/usr/bin/env python
"""Package a trained model as the default model shipped with the package.

    .venv/bin/python scripts/export_default_model.py MODEL_DIR [OUT_DIR]

Writes float16 weights (safetensors), the vocabulary, the jieba user dictionary if any,
config.json (with the test-split numbers recorded at training time) and eval.json
(`chatbot eval` with the default decoding), into OUT_DIR (default chatbot/default_model).
Only vectors, weights, vocabulary and metrics are shipped: never novel text.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from chatbot.evaluate import evaluate_model
from chatbot.fsutil import ensure_dir
from chatbot.layout import ModelLayout

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "chatbot" / "default_model"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    args = ap.parse_args()
    src, out = ModelLayout.at(args.model), ModelLayout.at(ensure_dir(args.out))
    tensors = {
        k: v.half() if v.is_floating_point() else v for k, v in load_file(str(src.weights)).items()
    }
    save_file(tensors, str(out.weights))
    shutil.copyfile(src.vocab, out.vocab)
    if src.userdict.is_file():
        shutil.copyfile(src.userdict, out.userdict)
    config = json.loads(src.config.read_text(encoding="utf-8"))
    config["corpus"] = "corpus/hongloumeng"  # where `make default-model` can rebuild it
    config["weights_dtype"] = "float16"
    out.config.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    report = evaluate_model(out.root, corpus_dir=Path(src.root).parent)
    for key in ("model_dir", "corpus"):
        report.pop(key, None)
    for system in ("model", "retrieval", "softmax"):
        report.get(system, {}).pop("examples", None)  # sample replies quote the novel
    (out.root / "eval.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    size = sum(p.stat().st_size for p in out.root.iterdir() if p.is_file())
    m = report["model"]
    print(
        f"default model in {out.root}: {size / 1e6:.1f} MB; test top-5 {m['top5']:.1%}, "
        f"distinct-2 {m['distinct2']:.3f}, degenerate {m['degenerate']:.1%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
