"""The estimate a user gets back: quantities, ranges, assumptions, and ways to show them."""

from __future__ import annotations

import html
from typing import Annotated, Any, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity
from costcalc.estimator.inputs import Assumption, Scenario
from costcalc.formulas.memory import MemoryBreakdown

__all__ = ["JSON_KEYS", "Assumption", "Estimate", "Range"]

#: Result field -> (JSON key, unit of the JSON number, label shown to people).
JSON_KEYS: dict[str, tuple[str, str, str]] = {
    "flops": ("flops", "FLOP", "Training compute"),
    "hardware_flops": ("hardware_flops", "FLOP", "Hardware FLOPs"),
    "gpu_hours": ("gpu_hours", "GPU_hour", "GPU-hours"),
    "wall_clock": ("wall_clock_days", "day", "Wall-clock"),
    "cost": ("cost_usd", "USD", "Cost"),
    "energy": ("energy_mwh", "MWh", "Energy"),
    "co2": ("co2_t", "tCO2e", "CO2"),
}


#: Why a result can be missing, shown in its place.
_MISSING = {
    "wall_clock": "needs a GPU count (--gpus or --nodes)",
    "cost": "unknown: no price for this accelerator (give --price)",
    "energy": "unknown: no power figure (give --power)",
    "co2": "unknown: no power figure (give --power)",
}


class Range(NamedTuple):
    """Low and high ends of a quantity's range (nominal 10th and 90th percentiles)."""

    low: Any
    high: Any


def _number(q: Quantity | None, unit: str) -> float | list[float] | None:
    if q is None:
        return None
    m = np.asarray(q.m_as(unit), dtype=float)
    return m.tolist() if m.ndim else float(m)


class Estimate(BaseModel):
    """Training FLOPs, GPU-hours, wall-clock, cost, energy and CO2, as pint quantities.

    Fields that cannot be computed from what is known (wall-clock without a GPU count, cost
    without a price, energy without a power figure) are None, and an assumption says why.
    ``ranges`` maps each field name to its ``Range``; ``to_dict()`` is JSON-safe.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    flops: Annotated[Quantity, QuantityOf("FLOP")]
    hardware_flops: Annotated[Quantity, QuantityOf("FLOP")]
    gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour")]
    wall_clock: Annotated[Quantity, QuantityOf("day")] | None
    cost: Annotated[Quantity, QuantityOf("USD")] | None
    energy: Annotated[Quantity, QuantityOf("MWh")] | None
    co2: Annotated[Quantity, QuantityOf("tCO2e", minimum=0.0, inclusive=True)] | None
    ranges: dict[str, Range]
    memory: MemoryBreakdown | None = None
    percentiles: dict[str, tuple[Any, Any, Any]] | None = None
    scenario: Scenario
    assumptions: tuple[Assumption, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: numbers in the units named by their keys, ranges as [low, high]."""
        out: dict[str, Any] = {}
        ranges: dict[str, Any] = {}
        for field, (key, unit, _label) in JSON_KEYS.items():
            out[key] = _number(getattr(self, field), unit)
            span = self.ranges.get(field)
            ranges[key] = None if span is None else [_number(span.low, unit), _number(span.high, unit)]
        out["range"] = ranges
        if self.percentiles is not None:
            out["p50"] = {
                JSON_KEYS[field][0]: _number(p50, JSON_KEYS[field][1])
                for field, (_p10, p50, _p90) in self.percentiles.items()
            }
        out["units"] = {key: unit for key, unit, _ in JSON_KEYS.values()}
        out["memory"] = None if self.memory is None else self.memory.to_dict()
        out["inputs"] = dict(self.scenario.inputs)
        out["assumptions"] = [a.model_dump() for a in self.assumptions]
        return out

    def rows(self) -> list[tuple[str, str, str]]:
        """(label, value, range) for each result, formatted for people."""
        from costcalc.render.estimate import format_quantity

        rows = []
        for field, (_key, _unit, label) in JSON_KEYS.items():
            value = getattr(self, field)
            if field == "hardware_flops" and self.scenario.recompute == "none":
                continue
            if value is None:
                rows.append((label, _MISSING.get(field, "unknown"), ""))
                continue
            span = self.ranges.get(field)
            shown = format_quantity(value, field)
            low_high = (
                ""
                if span is None or _same(span.low, span.high)
                else (f"{format_quantity(span.low, field)} to {format_quantity(span.high, field)}")
            )
            if self.percentiles is not None and field in self.percentiles:
                low_high += f" (P50 {format_quantity(self.percentiles[field][1], field)})"
            rows.append((label, shown, low_high))
        return rows

    def __str__(self) -> str:
        from costcalc.render.estimate import render_table

        return render_table(self)

    def _repr_html_(self) -> str:
        """A table for Jupyter: results with their ranges, then the assumptions."""
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th><td>{html.escape(value)}</td>"
            f"<td>{html.escape(span)}</td></tr>"
            for label, value, span in self.rows()
        )
        notes = "".join(
            f"<tr><td>{html.escape(a.name)}</td><td>{html.escape(a.value)}</td><td>{html.escape(a.basis)}</td></tr>"
            for a in self.assumptions
        )
        return (
            "<table><thead><tr><th>result</th><th>estimate</th><th>range (P10 to P90)</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>"
            "<details><summary>assumptions</summary><table>"
            f"<thead><tr><th>input</th><th>value</th><th>basis</th></tr></thead><tbody>{notes}</tbody></table></details>"
        )


def _same(a: Quantity, b: Quantity) -> bool:
    return bool(np.allclose(np.asarray(a.magnitude), np.asarray(b.to(a.units).magnitude), rtol=1e-12))
