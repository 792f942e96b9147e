"""``costcalc plan``: inverse questions. What does a budget buy, and how many GPUs meet a deadline?

Budget -> FLOPs: dollars / price = GPU-hours; GPU-hours x peak x MFU = FLOPs. FLOPs ->
model: the compute-optimal parameters and tokens (``costcalc.formulas.scaling``); for a given
model, the most tokens the FLOPs buy (D = C / 6N); for given tokens, the largest model
(N = C / 6D). A fixed model on fixed tokens (a preset's, or ``--tokens``) fixes the compute, and
the plan answers the GPUs a deadline needs or the time a GPU count takes. Deadline -> GPUs:
GPU-hours / deadline, rounded up to whole nodes (8 GPUs, or the node preset's count), so that a
parallel layout can use them. The inverse formulas live in ``costcalc.formulas.runtime`` beside the
forward ones; every answer is run through ``costcalc.estimate`` as a scenario you can rerun, so plan
and estimate cannot disagree.

A fine-tuning stage (``plan_stage``, ``costcalc plan --stage sft``) asks another question: which
method, GPU type and count run it cheapest in memory and by the deadline (``stages``).

Modules: ``question`` (the inputs, validated once), ``rates`` (what a GPU-hour buys, the compute
each limit allows), ``solve`` (allocation and whole-node GPU counts), ``answer`` (the plan itself),
``result`` (``Plan``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from costcalc.commands.plan.answer import plan
from costcalc.commands.plan.result import Plan, StagePlan

if TYPE_CHECKING:
    from costcalc.commands.plan.stages import plan_stage

__all__ = ["Plan", "StagePlan", "plan", "plan_stage"]


def __getattr__(name: str) -> Any:
    """``plan_stage`` on first use: a pre-training plan never loads the fine-tuning memory model."""
    if name == "plan_stage":
        from costcalc.commands.plan.stages import plan_stage

        return plan_stage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
