"""Pinned scenarios side by side, with each cost as a ratio to the first pinned one."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from costcalc.base.errors import one_line
from costcalc.render.numbers import compact
from costcalc_tui.state import Pinned

__all__ = ["COLUMNS", "CompareTable"]

COLUMNS = ("scenario", "GPUs", "GPU-hours", "days", "cost", "vs first pinned", "CO2")


def _gpus(item: Pinned) -> str:
    gpus = item.estimate.scenario.gpus
    return "-" if gpus is None else f"{float(gpus.m_as('GPU')):,.0f}"


class CompareTable(DataTable[str | Text]):
    """One row per pinned scenario; ``vs first pinned`` is the cost ratio to whichever is first now."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns(*COLUMNS)

    def show(self, pinned: list[Pinned]) -> None:
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
            row = (Text(one_line(item.label)), _gpus(item), compact(est.gpu_hours, "gpu_hours"), days, cost, ratio, co2)
            self.add_row(*row)
