"""The Compare tab: pinned scenarios side by side; Delete unpins the selected one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from costcalc.render.sweep import render_compare
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import Pins
from costcalc_tui.widgets.compare import CompareTable

__all__ = ["ComparePane"]


class ComparePane(Pane):
    """Shows the pins; ratios are against whichever scenario is pinned first now."""

    FOCUS = "#pinned"
    BINDINGS = [
        Binding("delete", "unpin", "Unpin", id="unpin", tooltip="in Compare: unpin the selected scenario"),
    ]

    def __init__(self, pins: Pins) -> None:
        super().__init__("Compare", id="compare")
        self.pins = pins

    def compose(self) -> ComposeResult:
        yield Static("F6 pins the current scenario; Delete unpins the selected row.", classes="hint")
        yield CompareTable(id="pinned")

    def show(self, view: View) -> None:
        self.query_one(CompareTable).show(self.pins.items)

    def action_unpin(self) -> None:
        table = self.query_one(CompareTable)
        if self.pins.unpin(table.cursor_row) is not None:
            table.show(self.pins.items)

    def export(self, as_json: bool) -> str:
        if not self.pins.items:
            raise ValueError("nothing pinned to export")
        return render_compare([(p.label, p.estimate) for p in self.pins.items], "json" if as_json else "markdown")
