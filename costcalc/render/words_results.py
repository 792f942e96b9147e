"""The words of results and plans: each result's short label, and what a plan answers and how it
split its compute. ``costcalc.render.words`` words the assumptions and re-exports these names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the words read plans; they never build one
    from costcalc.commands.plan import Plan

__all__ = ["SCALING_RULES", "SHORT_LABELS", "plan_how", "plan_title"]


#: Each result's label where columns are few (the TUI's results panel).
SHORT_LABELS = {
    "flops": "FLOPs",
    "gpu_hours": "GPU-hours",
    "wall_clock": "Days",
    "cost": "Cost",
    "energy": "Energy",
    "co2": "CO2e",
}

#: How each allocation rule of a compute-optimal plan is named.
SCALING_RULES = {"hoffmann": "20 tokens per parameter, Hoffmann et al. 2022", "besiroglu": "Besiroglu et al. 2024 fit"}


def plan_title(plan: Plan) -> str:
    """What a plan answers and what binds it: '2M USD (budget binds)'."""
    binds = " binds" if plan.binding in ("budget", "deadline") else ""
    return f"{plan.question} ({plan.binding}{binds})"


def plan_how(plan: Plan) -> str:
    """How a plan split its compute between model size and tokens."""
    if plan.scaling:
        return f"compute-optimal: {SCALING_RULES.get(plan.scaling, plan.scaling)}"
    if plan.range.get("params") is not None:
        return "the largest model for the given tokens"
    if plan.range.get("tokens") is not None:
        return "the most tokens for the given model"
    return "the model and tokens fix the compute"
