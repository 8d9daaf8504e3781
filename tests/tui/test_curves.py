"""Training curves from metrics.jsonl: the numbers, and the plot as text."""

import json
import re

from chatbot.tui.curves import curves, read_metrics, render

ROWS = [
    {"phase": "text", "epoch": 1, "valid_ppl": 300.0, "valid_top5": 0.20},
    {"phase": "dialogue", "epoch": 1, "valid_ppl": 160.5, "valid_top5": 0.405},
    {"phase": "dialogue", "epoch": 2, "valid_ppl": 127.1, "valid_top5": 0.421},
]


def plain(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_points_per_epoch_in_training_order():
    c = curves(ROWS)
    assert c.labels == ["t1", "1", "2"]
    assert c.ppl == [300.0, 160.5, 127.1]
    assert [round(v, 1) for v in c.top5] == [20.0, 40.5, 42.1]
    assert curves([{"epoch": 1}]).ppl == [None]  # a row without validation numbers


def test_a_torn_last_line_is_skipped(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + '\n{"phase": "dia', "utf-8")
    assert read_metrics(path) == ROWS
    assert read_metrics(tmp_path / "missing.jsonl") == []


def test_the_plot_has_both_axes_its_legend_and_epoch_labels():
    text = plain(render(ROWS, width=60, height=14))
    lines = text.splitlines()
    assert len(lines) == 14 and max(map(len, lines)) <= 60
    assert "valid perplexity" in text and "valid top-5 %" in text
    assert "300.0" in text and "20.0" in text  # left axis: perplexity, right: top-5
    assert re.search(r"t1\s+1\s+2", text)
    assert "no finished epoch yet" in plain(render([], width=60, height=10))
