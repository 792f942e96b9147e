"""The estimate a user gets back: quantities, their ranges and the assumptions behind them.

Data only: how an estimate is shown lives in ``costcalc.render`` (the notebook's ``_repr_html_``
and ``str()`` hand over to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from costcalc.base.display import Displayed
from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Quantity
from costcalc.estimator.scenario import Assumption, Scenario
from costcalc.formulas.memory import MemoryBreakdown
from costcalc.schemas.thresholds import ComputeThreshold

__all__ = ["RESULTS", "Estimate", "Range", "ThresholdCrossing", "result_ranges"]


class Range(NamedTuple):
    """Low and high ends of a quantity's range (nominal 10th and 90th percentiles)."""

    low: Any
    high: Any


#: The results of an estimate, exported in the units their keys name (``costcalc.base.labels``).
RESULTS = tuple(Field(spec.key, field, spec.unit) for field, spec in RESULT_FIELDS.items())


def result_ranges(ranges: Mapping[str, Range | None], fields: Iterable[Field] = RESULTS) -> dict[str, Any]:
    """Each result's range as ``[low, high]`` in its unit (None where it has none), keyed like ``to_dict``."""
    return {f.key: plain(ranges.get(f.attr), f.unit) for f in fields}


@dataclass(frozen=True)
class ThresholdCrossing(Record):
    """Whether a run's training compute crosses a regulatory threshold (an array of answers for a sweep)."""

    threshold: ComputeThreshold
    crossed: Any

    FIELDS = (
        Field("name", "threshold.name"),
        Field("flop", "threshold.flop", "FLOP"),
        Field("crossed", "crossed"),
        Field("source", "threshold.source"),
        Field("date", "date"),
        Field("status", "threshold.status"),
    )

    @property
    def date(self) -> str:
        """The day the rule was adopted (ISO)."""
        return self.threshold.adopted.isoformat()


@dataclass(frozen=True, repr=False)
class Estimate(Displayed, Record):
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

    FIELDS = RESULTS

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: the results (``FIELDS``) in the units named by their keys, their ranges as
        [low, high], the medians of a Monte Carlo run, the units, the memory, the evidence, the
        inputs, the assumptions and the compute thresholds."""
        out = super().to_dict()
        out["range"] = result_ranges(self.ranges)
        if self.percentiles is not None:
            units = {f.attr: f for f in self.FIELDS}
            out["p50"] = {
                units[name].key: plain(p50, units[name].unit) for name, (_, p50, _) in self.percentiles.items()
            }
        out["units"] = {f.key: f.unit for f in self.FIELDS}
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
        from costcalc.base.display import in_words  # the renderer words them

        out["assumptions"] = in_words(self, "assumption_records")
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
