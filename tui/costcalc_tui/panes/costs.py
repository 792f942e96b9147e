"""The Costs tab: the current run priced four ways (cloud on-demand, reserved, market, owned), and a
fine-tuning stage's hosted prices per training token, as ``costcalc costs`` shows them."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from costcalc.commands.costs import CostModel, cost_models
from costcalc.commands.hosted import HostedTuning, hosted_tuning
from costcalc.data.catalog import Catalog
from costcalc.estimator.result import Estimate
from costcalc.render.costs import render_cost_models
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import guarded
from costcalc_tui.widgets.results import cost_table, error_text, hosted_table

__all__ = ["CostsPane"]


class CostsPane(Pane):
    """Keeps the priced estimate and its cost models; shows them as a table."""

    FOCUS = "#costs-box"

    def __init__(self, catalog: Catalog) -> None:
        super().__init__("Costs", id="costs")
        self.catalog = catalog
        self.estimate: Estimate | None = None
        self.models: list[CostModel] = []
        self.hosted: HostedTuning | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="costs-box"):
            yield Static("", id="costs-result")

    def show(self, view: View) -> None:
        target = self.query_one("#costs-result", Static)
        est = view.estimate
        self.estimate, self.models, self.hosted = est, [], None
        if est is None:
            target.update(Text("no estimate yet", style="dim"))
            return
        models, problem = guarded(lambda: cost_models(est, catalog=self.catalog))
        if models is None:
            target.update(error_text(*(problem or ("costs", "cannot price this scenario"))))
            return
        self.models = models
        hosted, problem = guarded(lambda: hosted_tuning(est, self.catalog))
        self.hosted = hosted
        shown: list[Group | Text] = [cost_table(est, models)]
        if hosted is not None:
            shown += [Text(""), hosted_table(hosted)]
        elif problem is not None:
            shown += [Text(""), error_text(*problem)]
        target.update(Group(*shown))

    def export(self, as_json: bool) -> str:
        if self.estimate is None or not self.models:
            raise ValueError("no costs to export")
        return render_cost_models(self.estimate, self.models, "json" if as_json else "markdown", self.hosted)
