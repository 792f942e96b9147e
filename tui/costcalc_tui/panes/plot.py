"""The Plot tab: days and cost along GPUs, parameters or tokens, the other inputs held."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Select, Static

from costcalc.data.catalog import Catalog
from costcalc.render.sweep import render_sweep
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import guarded
from costcalc_tui.widgets.plot import AXES, CostPlot, Sweep, sweep
from costcalc_tui.widgets.results import error_text

__all__ = ["PlotPane"]


class PlotPane(Pane):
    """Sweeps the current scenario along the chosen axis and plots it; errors show under the plot."""

    FOCUS = "#axis"

    def __init__(self, catalog: Catalog) -> None:
        super().__init__("Plot", id="plot")
        self.catalog = catalog
        self.axis = "gpus"
        self.view: View | None = None
        self.sweep: Sweep | None = None

    def compose(self) -> ComposeResult:
        options = [(Text(label), key) for key, (label, _) in AXES.items()]
        yield Select(options, value=self.axis, allow_blank=False, compact=True, id="axis")
        yield CostPlot(id="chart")
        yield Static("", id="plot-error")

    @on(Select.Changed, "#axis")
    def _axis(self, event: Select.Changed) -> None:
        event.stop()
        self.axis = str(event.value)
        if self.view is not None:
            self.show(self.view)

    def show(self, view: View) -> None:
        self.view = view
        current = view.estimate
        problem = None
        if current is None:
            self.sweep = None
        else:
            self.sweep, problem = guarded(lambda: sweep(view.inputs, current, self.axis, self.catalog))
        self.query_one(CostPlot).draw(self.sweep, current)
        self.query_one("#plot-error", Static).update("" if problem is None else error_text(*problem))

    def export(self, as_json: bool) -> str:
        if self.sweep is None:
            raise ValueError("no plot to export")
        text = render_sweep(self.sweep.result, "json" if as_json else "markdown")
        return text if isinstance(text, str) else "".join(chunk for chunk, _ in text)
