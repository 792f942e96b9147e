"""How wall-clock and cost move with GPU count, parameters or tokens, with the current scenario marked.

The plot is drawn by plotext at the widget's size. Below ``MIN_SIZE`` it shows one line instead
(plotext fails on tiny canvases), and any drawing error becomes a line of text, never a crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from costcalc.base.parse import format_count
from costcalc.commands.sweep import SweepResult
from costcalc.commands.sweep import sweep as costcalc_sweep
from costcalc.data.catalog import Catalog
from costcalc.estimator.input_fields import sweepable
from costcalc.estimator.inputs import SHAPE_FIELDS
from costcalc.estimator.result import Estimate

__all__ = ["AXES", "MIN_SIZE", "CostPlot", "Sweep", "sweep"]

#: Axis name -> (label, the values swept, log-spaced).
AXES = {
    "gpus": ("GPUs", np.geomspace(64, 16384, 9)),
    "params": ("parameters", np.geomspace(1e9, 1e12, 10)),
    "tokens": ("tokens", np.geomspace(1e11, 3e13, 10)),
}
#: The smallest plot area (columns, rows) plotext can draw axes, ticks and a curve in.
MIN_SIZE = (40, 10)


@dataclass(frozen=True, eq=False)
class Sweep:
    """The current inputs swept along one axis (``costcalc.sweep``), and where the current scenario sits."""

    axis: str
    xs: np.ndarray
    result: SweepResult
    x0: float

    def _series(self, key: str, unit: str) -> list[float] | None:
        values = np.asarray(self.result.values[key].m_as(unit), dtype=float)
        return None if not np.all(np.isfinite(values)) else values.tolist()

    def days(self) -> list[float] | None:
        return self._series("wall_clock_days", "day")

    def cost_musd(self) -> list[float] | None:
        return self._series("cost_usd", "MUSD")


def sweep(inputs: dict[str, Any], current: Estimate, axis: str, catalog: Catalog) -> Sweep:
    """The current inputs along ``axis`` (the others held), with ``costcalc.sweep``."""
    _label, xs = AXES[axis]
    given = {k: v for k, v in inputs.items() if k != axis}
    if axis == "gpus":
        given.pop("nodes", None)
        xs = np.unique(np.round(xs))
        x0 = float(current.scenario.gpus.m_as("GPU")) if current.scenario.gpus is not None else 1024.0
    elif axis == "params":
        for name in ("model", "active_params", "config_file", *SHAPE_FIELDS):
            given.pop(name, None)
        x0 = float(current.scenario.params.m_as("parameter"))
        given.setdefault("tokens", float(current.scenario.tokens.m_as("token")))
    else:
        x0 = float(current.scenario.tokens.m_as("token"))
    if axis != "gpus" and "nodes" not in given:
        given.setdefault("gpus", 1024)
    result = costcalc_sweep({axis: xs}, catalog=catalog, **given)
    column = result.columns[axis]
    assert not isinstance(column, list)  # a swept quantity
    return Sweep(axis, np.asarray(column.m_as(sweepable()[axis]), dtype=float), result, x0)


def ticks(xs: np.ndarray) -> tuple[list[float], list[str]]:
    """Five log-spaced ticks over the axis, labelled as people write counts: 1B, 5.6B, 32B."""
    values = np.geomspace(float(xs.min()), float(xs.max()), 5).tolist()
    labels = [format_count(v, 2) for v in values]
    return values, [label if "e" not in label else format_count(v, 3) for label, v in zip(labels, values, strict=True)]


def _log(values: list[float]) -> list[float]:
    """log10, the y axes' scale (drawn by hand: plotext's own log y scale fails when redrawn)."""
    return [math.log10(max(v, 1e-12)) for v in values]


def _log_ticks(values: list[float]) -> tuple[list[float], list[str]]:
    """Four ticks over the values' log range, labelled with the values themselves."""
    low, high = min(_log(values)), max(_log(values))
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    positions = np.linspace(low, high, 4).tolist()
    return positions, [f"{10**p:.3g}" for p in positions]


#: The share of the plot's height between the two bands.
BAND_GAP = 0.1


def band(low: float, high: float, upper: bool) -> tuple[float, float]:
    """Axis limits that put a curve spanning ``low..high`` in the upper or the lower part of the plot.

    Days and cost move together along parameters or tokens (both grow with the compute), so on
    axes scaled each to its own curve the two curves would lie on top of each other. Days get the
    upper part (left axis), cost the lower (right axis); ``BAND_GAP`` of the height separates them.
    """
    span = max(high - low, 1e-9)
    extra = span * (1 + BAND_GAP) / (1 - BAND_GAP)  # the curve fills (1 - BAND_GAP) / 2 of the axis
    return (low - extra, high) if upper else (low, high + extra)


class CostPlot(PlotextPlot):
    """Wall-clock (left axis, upper band) and cost (right axis, lower band) against the chosen input;
    every axis log-scaled."""

    shown: tuple[Sweep | None, Estimate | None] = (None, None)

    def draw(self, data: Sweep | None, current: Estimate | None) -> None:
        self.shown = (data, current)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if data is None or current is None:
            plt.title("no estimate to plot")
            self.refresh()
            return
        label = AXES[data.axis][0]
        plt.title("days (left axis, upper) and cost $M (right axis, lower); log; o = current")
        plt.xscale("log")
        xs = data.xs.tolist()
        for values, side in ((data.days(), "left"), (data.cost_musd(), "right")):
            if values is not None:
                plt.plot(xs, _log(values), yside=side, marker="braille")  # no legend: plotext's fails at some sizes
                positions, labels = _log_ticks(values)
                low, high = band(positions[0], positions[-1], upper=side == "left")  # never overlapping
                plt.ylim(low, high, yside=side)  # type: ignore[arg-type]  # plotext's stub is wrong
                plt.yticks(positions, labels, yside=side)  # type: ignore[arg-type]  # plotext's stub is wrong
        if data.axis == "gpus" and current.wall_clock is not None:
            plt.scatter([data.x0], _log([float(current.wall_clock.m_as("day"))]), marker="o", yside="left")
        elif current.cost is not None:
            plt.scatter([data.x0], _log([float(current.cost.m_as("USD")) / 1e6]), marker="o", yside="right")
        plt.xticks(*ticks(data.xs))
        plt.xlabel(f"{label} (log)")
        self.refresh()

    def render(self) -> RenderResult:
        width, height = self.size
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            return Text(f"Too small to plot: needs {MIN_SIZE[0]}x{MIN_SIZE[1]}.", style="dim", no_wrap=True)
        try:
            return super().render()
        except Exception:  # a failed build leaves plotext's figure half transformed: draw it afresh
            self.draw(*self.shown)
        try:
            return super().render()
        except Exception as err:  # plotext fails on some canvas sizes: say so instead of crashing
            return Text(f"The plot cannot be drawn at {width}x{height} ({type(err).__name__}).", style="dim")
