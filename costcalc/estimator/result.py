"""The estimate a user gets back: quantities, their ranges and the assumptions behind them.

Data only: how an estimate is shown lives in ``costcalc.render`` (the notebook's ``_repr_html_``
and ``str()`` hand over to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from costcalc.base.display import Displayed
from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.units import Quantity
from costcalc.estimator.scenario import Assumption, Scenario
from costcalc.formulas.memory import MemoryBreakdown
from costcalc.schemas.thresholds import ComputeThreshold

__all__ = ["Estimate", "Range", "ThresholdCrossing"]


class Range(NamedTuple):
    """Low and high ends of a quantity's range (nominal 10th and 90th percentiles)."""

    low: Any
    high: Any


def _number(q: Quantity | None, unit: str) -> float | list[float] | None:
    if q is None:
        return None
    m = np.asarray(q.m_as(unit), dtype=float)
    return m.tolist() if m.ndim else float(m)


@dataclass(frozen=True)
class ThresholdCrossing:
    """Whether a run's training compute crosses a regulatory threshold (an array of answers for a sweep)."""

    threshold: ComputeThreshold
    crossed: Any

    def to_dict(self) -> dict[str, Any]:
        """``{name, flop, crossed, source, date, status}``, JSON-safe."""
        crossed = np.asarray(self.crossed, dtype=bool)
        t = self.threshold
        return {
            "name": t.name,
            "flop": float(t.flop.m_as("FLOP")),
            "crossed": crossed.tolist() if crossed.ndim else bool(crossed),
            "source": t.source,
            "date": t.adopted.isoformat(),
            "status": t.status,
        }


@dataclass(frozen=True, repr=False)
class Estimate(Displayed):
    """Training FLOPs, GPU-hours, wall-clock, cost, energy and CO2, as pint quantities.

    Fields that cannot be computed from what is known (wall-clock without a GPU count, cost
    without a price, energy without a power figure) are None, and an assumption says why.
    ``ranges`` maps each field name to its ``Range``; ``to_dict()`` is JSON-safe.
    """

    flops: Quantity
    hardware_flops: Quantity
    gpu_hours: Quantity
    wall_clock: Quantity | None
    cost: Quantity | None
    energy: Quantity | None
    co2: Quantity | None
    ranges: dict[str, Range]
    scenario: Scenario
    assumptions: tuple[Assumption, ...]
    memory: MemoryBreakdown | None = None
    percentiles: dict[str, tuple[Any, Any, Any]] | None = None
    thresholds: tuple[ThresholdCrossing, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: numbers in the units named by their keys, ranges as [low, high]."""
        out: dict[str, Any] = {}
        ranges: dict[str, Any] = {}
        for field, spec in RESULT_FIELDS.items():
            out[spec.key] = _number(getattr(self, field), spec.unit)
            span = self.ranges.get(field)
            ranges[spec.key] = None if span is None else [_number(span.low, spec.unit), _number(span.high, spec.unit)]
        out["range"] = ranges
        if self.percentiles is not None:
            out["p50"] = {
                RESULT_FIELDS[field].key: _number(p50, RESULT_FIELDS[field].unit)
                for field, (_p10, p50, _p90) in self.percentiles.items()
            }
        out["units"] = {spec.key: spec.unit for spec in RESULT_FIELDS.values()}
        out["memory"] = None if self.memory is None else self.memory.to_dict()
        out["evidence"] = [
            {
                "id": r.id,
                "name": r.name,
                "accelerator": r.accelerator,
                "generation": r.generation,
                "active_params": r.params,
                "moe": r.moe,
                "precision": r.precision,
                "implied_mfu": r.implied_mfu,
                "weight": r.weight,
            }
            for r in self.scenario.evidence
        ]
        out["inputs"] = dict(self.scenario.inputs)
        out["assumptions"] = [a.model_dump() for a in self.assumptions]
        out["thresholds"] = [t.to_dict() for t in self.thresholds]
        return out

    def to_records(self) -> list[dict[str, float | None]]:
        """One flat record per scenario (one for a scalar estimate, one per element of a sweep):
        each result and its range ends in the units of ``to_dict``, plus the swept inputs."""
        flat: dict[str, np.ndarray] = {}
        for name, value in self.scenario.inputs.items():
            if isinstance(value, list):
                flat[name] = np.asarray(value, dtype=float).reshape(-1)
        for field, spec in RESULT_FIELDS.items():
            value, span = getattr(self, field), self.ranges.get(field)
            if value is not None:
                flat[spec.key] = np.asarray(value.m_as(spec.unit), dtype=float).reshape(-1)
            if span is not None:
                flat[f"{spec.key}_low"] = np.asarray(span.low.m_as(spec.unit), dtype=float).reshape(-1)
                flat[f"{spec.key}_high"] = np.asarray(span.high.m_as(spec.unit), dtype=float).reshape(-1)
        rows = max(len(v) for v in flat.values())
        columns = {k: np.broadcast_to(v, (rows,)) if v.size in (1, rows) else v for k, v in flat.items()}
        return [{k: float(v[i]) for k, v in columns.items()} for i in range(rows)]

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame (pandas is optional: ``pip install 'costcalc[pandas]'``)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("to_pandas needs pandas: pip install 'costcalc[pandas]'") from err
        return pd.DataFrame.from_records(self.to_records())
