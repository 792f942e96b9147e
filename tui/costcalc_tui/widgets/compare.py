"""Pinned scenarios side by side, with ratios to the first."""

from __future__ import annotations

from textual.widgets import DataTable

from costcalc_tui.state import Pinned
from costcalc_tui.widgets.results import compact

COLUMNS = ("scenario", "GPU-hours", "days", "cost", "vs #1", "CO2")


class CompareTable(DataTable[str]):
    """One row per pinned scenario; ``vs #1`` is the cost ratio to the first pinned."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns(*COLUMNS)

    def refresh_rows(self, pinned: list[Pinned]) -> None:
        self.clear()
        base = pinned[0].estimate if pinned else None
        for item in pinned:
            est = item.estimate
            days = "-" if est.wall_clock is None else f"{float(est.wall_clock.m_as('day')):.1f}"
            cost = "-" if est.cost is None else compact(est.cost, "cost")
            ratio = "-"
            if base is not None and base.cost is not None and est.cost is not None and float(base.cost.m) > 0:
                ratio = f"{float((est.cost / base.cost).m_as('')):.2f}x"
            co2 = "-" if est.co2 is None else f"{float(est.co2.m_as('tCO2e')):.0f} t"
            self.add_row(item.label, compact(est.gpu_hours, "gpu_hours"), days, cost, ratio, co2)
