"""The answer to a plan's question: quantities, the estimate of the run they imply, the command to rerun it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from costcalc.base.display import Displayed
from costcalc.base.units import Quantity
from costcalc.estimator.result import Estimate

__all__ = ["RANGE_UNITS", "Plan"]

#: The unit each ranged figure of a plan is reported in (``to_dict``, the renderers).
RANGE_UNITS = {"params": "parameter", "tokens": "token", "gpus": "GPU", "wall_clock_days": "day"}


@dataclass(frozen=True, repr=False)
class Plan(Displayed):
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

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-ready values: counts in parameters, tokens, GPUs and FLOP, days, USD."""
        est = self.estimate.to_dict()
        spans = {name: self.span(name) for name in self.range}
        return {
            "question": self.question,
            "params": float(self.params.m_as("parameter")),
            "tokens": float(self.tokens.m_as("token")),
            "gpus": self.gpu_count,
            "flops": float(self.flops.m_as("FLOP")),
            "wall_clock_days": est["wall_clock_days"],
            "cost_usd": est["cost_usd"],
            "gpu_hours": est["gpu_hours"],
            "binding": self.binding,
            "scaling": self.scaling,
            "range": {
                **{k: None if v is None else list(v) for k, v in spans.items()},
                "wall_clock_days": est["range"]["wall_clock_days"],
                "cost_usd": est["range"]["cost_usd"],
                "gpu_hours": est["range"]["gpu_hours"],
            },
            "command": self.command,
            "estimate": est,
        }
