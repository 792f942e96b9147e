"""The Costs tab: the current run priced four ways (cloud on-demand, reserved, market, owned)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from costcalc.commands.costs import CostModel, cost_models
from costcalc.data.catalog import Catalog
from costcalc.estimator.result import Estimate
from costcalc.render.costs import render_cost_models
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import guarded
from costcalc_tui.widgets.results import cost_table, error_text

__all__ = ["CostsPane"]


class CostsPane(Pane):
    """Keeps the priced estimate and its cost models; shows them as a table."""

    FOCUS = "#costs-box"

    def __init__(self, catalog: Catalog) -> None:
        super().__init__("Costs", id="costs")
        self.catalog = catalog
        self.estimate: Estimate | None = None
        self.models: list[CostModel] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="costs-box"):
            yield Static("", id="costs-result")

    def show(self, view: View) -> None:
        target = self.query_one("#costs-result", Static)
        est = view.estimate
        self.estimate, self.models = est, []
        if est is None:
            target.update(Text("no estimate yet", style="dim"))
            return
        models, problem = guarded(lambda: cost_models(est, catalog=self.catalog))
        if models is None:
            target.update(error_text(*(problem or ("costs", "cannot price this scenario"))))
            return
        self.models = models
        target.update(cost_table(est, models))

    def export(self, as_json: bool) -> str:
        if self.estimate is None or not self.models:
            raise ValueError("no costs to export")
        return render_cost_models(self.estimate, self.models, "json" if as_json else "markdown")
