"""How wall-clock and cost move with GPU count, parameters or tokens, with the current scenario marked."""

from __future__ import annotations

from typing import Any

import numpy as np
from textual_plotext import PlotextPlot

from costcalc.base.errors import CostcalcError
from costcalc.estimator.api import estimate
from costcalc.estimator.result import Estimate

AXES = {
    "gpus": ("GPUs", np.geomspace(64, 16384, 9)),
    "params": ("parameters", np.geomspace(1e9, 1e12, 10)),
    "tokens": ("tokens", np.geomspace(1e11, 3e13, 10)),
}


def series(inputs: dict[str, Any], current: Estimate, axis: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(x, days, cost in $M, current x) over the axis, in one vectorised estimate."""
    _label, xs = AXES[axis]
    given = {k: v for k, v in inputs.items() if k != axis}
    if axis == "gpus":
        x0 = float(current.scenario.gpus.m_as("GPU")) if current.scenario.gpus is not None else 1024.0
    elif axis == "params":
        given.pop("model", None)
        given.pop("active_params", None)
        x0 = float(current.scenario.params.m_as("parameter"))
        given.setdefault("tokens", float(current.scenario.tokens.m_as("token")))
    else:
        x0 = float(current.scenario.tokens.m_as("token"))
    given.setdefault("gpus", 1024)
    swept = estimate(**{**given, axis: xs})
    days = (
        np.broadcast_to(swept.wall_clock.m_as("day"), xs.shape) if swept.wall_clock is not None else np.zeros_like(xs)
    )
    cost = np.broadcast_to(swept.cost.m_as("USD") / 1e6, xs.shape) if swept.cost is not None else np.zeros_like(xs)
    return xs, np.asarray(days), np.asarray(cost), x0


class CostPlot(PlotextPlot):
    """Wall-clock (left axis) and cost (right axis) against the chosen input, log-scaled."""

    def draw(self, inputs: dict[str, Any], current: Estimate | None, axis: str) -> str | None:
        """Redraw; returns an error message instead of raising when the inputs cannot be swept."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if current is None:
            plt.title("no estimate yet")
            self.refresh()
            return None
        try:
            xs, days, cost, x0 = series(inputs, current, axis)
        except (CostcalcError, ValueError) as err:
            plt.title("cannot plot these inputs")
            self.refresh()
            return str(err)
        label = AXES[axis][0]
        plt.title(f"wall-clock and cost against {label} (o = current)")
        plt.xscale("log")
        plt.plot(xs.tolist(), days.tolist(), label="days", marker="braille")
        plt.plot(xs.tolist(), cost.tolist(), label="cost $M", yside="right", marker="braille")
        if axis == "gpus" and current.wall_clock is not None:
            plt.scatter([x0], [float(current.wall_clock.m_as("day"))], marker="o")
        elif current.cost is not None:
            plt.scatter([x0], [float(current.cost.m_as("USD")) / 1e6], marker="o", yside="right")
        plt.xlabel(label)
        self.refresh()
        return None
