"""A long job whose stderr is a log file still shows how far it is and its ETA."""

import io

from rich.console import Console

from chatbot.cli import common


def test_progress_logs_plain_lines_with_eta_when_not_a_terminal(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=log, width=100))
    with common.progress(every=0.0) as bar:
        task = bar.add_task("epoch 1", total=4)
        for done in range(1, 5):
            bar.update(task, completed=done)
    lines = [x for x in log.getvalue().splitlines() if "epoch 1" in x]
    assert len(lines) >= 4
    assert "4/4" in lines[-1] and "eta" in lines[-1]


def test_progress_is_silent_between_intervals(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=log, width=100))
    with common.progress(every=3600.0) as bar:
        task = bar.add_task("epoch 1", total=4)
        bar.update(task, completed=1)
    assert log.getvalue() == ""  # not even a blank line, which would come before an error
