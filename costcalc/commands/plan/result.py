"""The answer to a plan's question: quantities, the estimate of the run they imply, the command to rerun it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from costcalc.base.display import Displayed
from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Quantity
from costcalc.estimator.result import RESULTS, Estimate, result_ranges

__all__ = ["RANGE_UNITS", "Left", "Plan", "Setting", "StagePlan"]

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


#: The units of a fine-tuning setting's figures in ``StagePlan.to_dict``.
_SETTING_UNITS = {"wall_clock_hours": ("wall_clock", "hour"), "cost_usd": ("cost", "USD")}


@dataclass(frozen=True, repr=False)
class Setting:
    """One way to run a fine-tuning stage: method, GPU type and count, the layout that fits, its estimate.

    ``zero`` is the ZeRO stage the memory check used (None: the default, 1); ``recompute`` the
    activation recomputation (the least that fits); ``memory`` and ``capacity`` are memory per GPU
    (quantities).
    """

    method: str
    gpu: str
    gpus: int
    zero: int | None
    recompute: str
    memory: Quantity
    capacity: Quantity
    command: str
    estimate: Estimate

    def figure(self, name: str) -> tuple[float | None, tuple[float, float] | None]:
        """``wall_clock_hours`` or ``cost_usd``: the central value and its range, plain numbers."""
        key, unit = _SETTING_UNITS[name]
        value = getattr(self.estimate, key)
        span = self.estimate.ranges.get(key)
        central = None if value is None else float(value.m_as(unit))
        return central, None if span is None else (float(span.low.m_as(unit)), float(span.high.m_as(unit)))

    def to_dict(self) -> dict[str, Any]:
        """The setting as JSON-ready values: hours, USD, GB per GPU."""
        hours, hours_range = self.figure("wall_clock_hours")
        cost, cost_range = self.figure("cost_usd")
        return {
            "method": self.method,
            "gpu": self.gpu,
            "gpus": self.gpus,
            "zero": 1 if self.zero is None else self.zero,
            "recompute": self.recompute,
            "memory_gb": float(self.memory.m_as("GB")),
            "capacity_gb": float(self.capacity.m_as("GB")),
            "wall_clock_hours": hours,
            "gpu_hours": float(self.estimate.gpu_hours.m_as("GPU_hour")),
            "cost_usd": cost,
            "range": {
                "wall_clock_hours": None if hours_range is None else list(hours_range),
                "cost_usd": None if cost_range is None else list(cost_range),
            },
            "command": self.command,
        }


@dataclass(frozen=True)
class Left:
    """A method on a GPU type the plan leaves out, and why."""

    method: str
    gpu: str
    reason: str


@dataclass(frozen=True, repr=False)
class StagePlan(Displayed):
    """A fine-tuning stage's plan: the settings that fit and meet the limits, cheapest first.

    ``settings[0]`` is the answer; settings without a price come after the priced ones, fastest
    first. ``left_out`` says why each other method and GPU type is not listed.
    """

    question: str
    stage: str
    tokens: Quantity
    seq_len: int
    deadline: Quantity | None
    budget: str | None
    settings: tuple[Setting, ...]
    left_out: tuple[Left, ...]
    notes: tuple[str, ...]

    @property
    def answer(self) -> Setting:
        """The cheapest setting (the plan refuses a question no setting answers)."""
        return self.settings[0]

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-ready values; ``answer`` is ``settings[0]``."""
        return {
            "question": self.question,
            "stage": self.stage,
            "tokens": float(self.tokens.m_as("token")),
            "seq_len": self.seq_len,
            "deadline_hours": None if self.deadline is None else float(self.deadline.m_as("hour")),
            "budget": self.budget,
            "answer": self.answer.to_dict(),
            "settings": [s.to_dict() for s in self.settings],
            "left_out": [{"method": x.method, "gpu": x.gpu, "reason": x.reason} for x in self.left_out],
            "notes": list(self.notes),
        }
