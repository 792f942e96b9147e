"""The answer to a plan's question: quantities, the estimate of the run they imply, the command to rerun it."""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.base.display import Displayed
from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Quantity
from costcalc.estimator.result import RESULTS, Estimate, result_ranges

__all__ = ["RANGE_UNITS", "Plan"]

#: The unit each ranged figure of a plan is reported in (``to_dict``, the renderers).
RANGE_UNITS = {"params": "parameter", "tokens": "token", "gpus": "GPU", "wall_clock_days": "day"}


@dataclass(frozen=True, repr=False)
class Plan(Displayed, Record):
    """A plan: the scenario the question implies, its estimate, and the command to rerun it.

    ``params``, ``tokens``, ``gpus`` and ``flops`` are quantities; ``range`` maps each of
    ``RANGE_UNITS`` to its (low, high) quantities, or None when the figure has no range.
    """

    question: str
    params: Quantity
    tokens: Quantity
    gpus: Quantity | None
    flops: Quantity
    binding: str
    scaling: str | None
    range: dict[str, tuple[Quantity, Quantity] | None]
    command: str
    estimate: Estimate

    def span(self, name: str) -> tuple[float, float] | None:
        """The range of ``name`` as plain numbers in its ``RANGE_UNITS`` unit (for display), or None."""
        r = self.range.get(name)
        unit = RANGE_UNITS[name]
        return None if r is None else (float(r[0].m_as(unit)), float(r[1].m_as(unit)))

    @property
    def gpu_count(self) -> int | None:
        """The GPU count as a whole number, or None when the plan does not fix it."""
        return None if self.gpus is None else round(float(self.gpus.m_as("GPU")))

    FIELDS = (
        Field("question", "question"),
        Field("params", "params", "parameter"),
        Field("tokens", "tokens", "token"),
        Field("gpus", "gpus", "GPU", whole=True),
        Field("flops", "flops", "FLOP"),
        Field("wall_clock_days", "estimate.wall_clock", "day"),
        Field("cost_usd", "estimate.cost", "USD"),
        Field("gpu_hours", "estimate.gpu_hours", "GPU_hour"),
        Field("binding", "binding"),
        Field("scaling", "scaling"),
        Field("range", "spans"),
        Field("command", "command"),
        Field("estimate", "estimate"),
    )

    @property
    def spans(self) -> dict[str, list[float] | None]:
        """Each ranged figure as [low, high] in its ``RANGE_UNITS`` unit, then the estimate's
        wall-clock, cost and GPU-hours ranges (None where a figure has no range)."""
        own = {name: plain(span, RANGE_UNITS[name]) for name, span in self.range.items()}
        by_name = {f.attr: f for f in RESULTS}
        shared = [by_name[name] for name in ("wall_clock", "cost", "gpu_hours")]
        return {**own, **result_ranges(self.estimate.ranges, shared)}
