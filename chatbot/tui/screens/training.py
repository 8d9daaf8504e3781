"""/train: a bot being made: the epoch's progress bar with its ETA, validation
perplexity and top-5 per epoch as a live plot, and the two fixed questions answered
after each epoch. Training runs in the app's worker, so this screen can be left (the
chat goes on) and opened again."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar, Static
from textual_plotext import PlotextPlot

from chatbot.tui.curves import draw
from chatbot.tui.training import Progress


def samples_table(progress: Progress, last: int = 2) -> Table:
    """The fixed questions and the replies of the last ``last`` epochs."""
    table = Table(show_header=False, expand=True, box=None, padding=(0, 1))
    table.add_column("epoch", style="dim", no_wrap=True)
    table.add_column("exchange")
    if not progress.samples:
        table.add_row("", "replies to two fixed questions appear after each epoch")
    for epoch, pairs in progress.samples[-last:]:
        for k, (question, reply) in enumerate(pairs):
            # Text, not markup: a reply may hold the book's brackets ("[" is no tag)
            exchange = Text.assemble((question, "bold"), f" → {reply}")
            table.add_row(Text(epoch if k == 0 else ""), exchange)
    return table


class TrainingScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,b", "dismiss", "back to chat (training goes on)"),
        Binding("s", "stop", "stop (keeps the last epoch)"),
    ]

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress
        self._drawn_rows = -1

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide tall"):
            yield Label(f"Training a bot on {self.progress.job.novel}", id="title", markup=False)
            yield Static("", id="headline", markup=False)
            yield ProgressBar(id="epoch-bar", show_eta=True)
            yield PlotextPlot(id="curves")
            yield Static("", id="samples")
            with Horizontal(id="buttons"):
                yield Button("Back to chat", id="hide", compact=True)
                yield Button("Stop", id="stop", variant="error", compact=True)
                yield Button("Resume", id="resume", variant="primary", compact=True)
                yield Button("Close", id="close", compact=True)

    def on_mount(self) -> None:
        self.update_from(self.progress)

    def update_from(self, progress: Progress) -> None:
        """Redraw from the training's progress (the app calls this on each change)."""
        if progress is not self.progress:  # a resumed run: its own plot
            self._drawn_rows = -1
        self.progress = progress
        if not self.is_mounted:
            return  # on_mount draws it
        running = progress.running
        self.query_one("#headline", Static).update(progress.headline())
        bar = self.query_one("#epoch-bar", ProgressBar)
        bar.display = running
        if progress.batches:  # the batches of this epoch; the ETA restarts with each
            bar.update(total=progress.batches, progress=progress.batch)
        if len(progress.rows) != self._drawn_rows:
            self._drawn_rows = len(progress.rows)
            plot = self.query_one(PlotextPlot)
            draw(plot.plt, progress.rows, "validation per epoch")
            plot.refresh()
        self.query_one("#samples", Static).update(samples_table(progress))
        self.query_one("#stop", Button).display = running
        self.query_one("#hide", Button).display = running
        self.query_one("#resume", Button).display = progress.state == "stopped" and bool(
            progress.saved_epochs
        )
        self.query_one("#close", Button).display = not running

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "stop":
            self.action_stop()
        elif button == "resume":
            self.app.resume_training()  # type: ignore[attr-defined]
        else:
            self.dismiss()

    def action_stop(self) -> None:
        """S: stop a running training (the last finished epoch is kept); close a
        finished one's screen. Esc only hides the screen, as it does every dialog's."""
        if self.progress.running:
            self.app.stop_training()  # type: ignore[attr-defined]
        else:
            self.dismiss()
