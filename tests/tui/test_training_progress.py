"""What the training screen's headline says through a whole run, epoch by epoch."""

from chatbot.tui.training import Progress, new_job, run
from tests.conftest import tiny


def test_the_headline_follows_the_run_and_never_shows_a_stale_epoch(story_corpus, tmp_path):
    job = new_job("story", story_corpus, tmp_path / "m", tiny(text_epochs=1, max_epochs=2), None)
    progress = Progress(job)
    seen: list[tuple[str, str]] = []
    run(progress, on_change=lambda: seen.append((progress.state, progress.headline())))
    assert progress.state == "done", progress.message
    lines = [h for _, h in seen]
    assert not any("batch 0/" in h for h in lines)
    assert "training story: running text epoch 1 of ≤1 · batch 1/" in "\n".join(lines)
    saved = [h for state, h in seen if state == "saved"]
    going_on = "· the next epoch or the test split…"
    assert saved[0] == f"training story: running text epoch 1 saved {going_on}"
    assert "training story: epoch 1 saved · the best epoch so far answers two questions…" in saved
    assert saved[-1] == f"training story: epoch 2 saved {going_on}"
    assert [s for s, _ in seen].index("saved") < [s for s, _ in seen].index("done")
    assert lines[-1].startswith("story is ready: 2 epochs")
    assert progress.samples and progress.samples[-1][0] == "epoch 2"
