"""Overheads that stretch wall-clock (and the GPU-hours the cluster is held) beyond the efficiency."""

from __future__ import annotations

from costcalc.base.errors import InputError
from costcalc.base.units import Q_
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption, Basis
from costcalc.formulas.memory import MemoryBreakdown
from costcalc.formulas.runtime import overhead_stretch

__all__ = ["overheads"]


def overheads(inputs: EstimateInputs, memory: MemoryBreakdown | None) -> tuple[float, Assumption | None]:
    """The stretch factor from the overheads the user gave, and the assumption that states it.

    All default to none: the calibrated efficiency already contains the restarts, checkpoints,
    evaluation and bubbles of the published runs, so these are for an efficiency you give as a
    steady-state figure, or for a deliberately pessimistic plan.
    """
    goodput = 1.0 if inputs.goodput is None else float(inputs.goodput.m)
    checkpoint = 0.0 if inputs.checkpoint_overhead is None else float(inputs.checkpoint_overhead.m)
    evaluation = 0.0 if inputs.eval_overhead is None else float(inputs.eval_overhead.m)
    if inputs.count_bubble and memory is None:
        raise InputError("count_bubble", "the pipeline bubble needs a memory layout: give a model preset and GPUs")
    bubble = memory.bubble if inputs.count_bubble and memory is not None else 0.0
    stretch = overhead_stretch(goodput=goodput, checkpointing=checkpoint, evaluation=evaluation, bubble=bubble)
    if stretch == 1.0:
        return stretch, None
    parts = {
        "goodput": Q_(goodput, "") if goodput != 1 else None,
        "checkpointing": Q_(checkpoint, "") if checkpoint else None,
        "evaluation": Q_(evaluation, "") if evaluation else None,
        "bubble": Q_(bubble, "") if bubble else None,
    }
    note = Assumption("overheads", Q_(stretch, ""), Basis("stretch", parts), kind="given")
    return stretch, note
