"""Choosing a parallel layout: the sensible candidates, the one an estimate uses, the smallest fit.

The memory of one layout is a formula (``costcalc.formulas.memory.breakdown``); this module
searches over layouts with it. An estimate uses ``plan_memory``: a layout the user gave is taken as
it is; otherwise costcalc tries the sensible layouts (sequence parallelism on with tensor
parallelism) and, when recomputation was left open, none, then selective, then full.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.units import Quantity
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption
from costcalc.formulas.flops import Recompute
from costcalc.formulas.memory import MemoryBreakdown, MemoryOptions, breakdown
from costcalc.schemas import AcceleratorSpec, ModelSpec, NodeSpec

__all__ = ["Layout", "LayoutChoice", "find_layouts", "plan_memory", "preferred", "recommended_layouts", "smallest_fit"]


@dataclass(frozen=True)
class Layout:
    """A candidate layout and its breakdown."""

    memory: MemoryBreakdown

    @property
    def label(self) -> str:
        m = self.memory
        ep = f" EP={m.ep}" if m.ep > 1 else ""
        return f"TP={m.tp} PP={m.pp} DP={m.dp}{ep} ZeRO-{m.zero}"


def find_layouts(
    spec: ModelSpec | None,
    params: float,
    accelerator: AcceleratorSpec,
    gpus: int,
    options: MemoryOptions,
    *,
    gpus_per_node: int = 8,
    dtype: str = "bf16",
) -> list[Layout]:
    """Sensible layouts for ``gpus`` GPUs: tensor parallel within a node, pipeline across nodes.

    t runs over powers of two up to the node size, p over powers of two up to the layer count,
    keeping ZeRO stage, micro-batch, recomputation and optimizer from ``options``. Sorted by
    memory headroom (most first); each carries its pipeline bubble.
    """
    found = []
    t = 1
    while t <= min(gpus_per_node, gpus):
        p = 1
        while t * p <= gpus and (spec is None or spec.layers is None or p <= spec.layers):
            candidate = options.model_copy(update={"tp": t, "pp": p, "sp": options.sp and t > 1})
            with contextlib.suppress(InputError):  # this (t, p) does not divide the GPU count or the heads
                found.append(Layout(breakdown(spec, params, accelerator, gpus, candidate, dtype=dtype)))
            p *= 2
        t *= 2
    return sorted(found, key=lambda lay: -(lay.memory.headroom or -math.inf))


def recommended_layouts(layouts: list[Layout], count: int = 5) -> list[Layout]:
    """A small set: for each tensor-parallel degree, the fewest pipeline stages that fit.

    Fewer stages means a smaller bubble and less inter-node traffic, so that is the sensible pick
    per t; the picks are ranked by headroom. When nothing fits, the layouts closest to fitting.
    """
    fitting = [lay for lay in layouts if lay.memory.fits]
    if not fitting:
        return layouts[:count]
    best: dict[int, Layout] = {}
    for lay in fitting:
        current = best.get(lay.memory.tp)
        if current is None or lay.memory.pp < current.memory.pp:
            best[lay.memory.tp] = lay
    return sorted(best.values(), key=lambda lay: -(lay.memory.headroom or 0.0))[:count]


def preferred(layouts: list[Layout]) -> Layout | None:
    """The layout costcalc picks when none is given: fits with the least model parallelism."""
    fitting = [lay for lay in layouts if lay.memory.fits]
    if fitting:
        return min(fitting, key=lambda lay: (lay.memory.tp * lay.memory.pp, lay.memory.bubble, -lay.memory.tp))
    return layouts[0] if layouts else None


def smallest_fit(
    spec: ModelSpec,
    params: float,
    accelerator: AcceleratorSpec,
    options: MemoryOptions,
    *,
    gpus_per_node: int = 8,
    dtype: str = "bf16",
    limit: int = 1 << 20,
) -> Layout | None:
    """The smallest GPU count (and its layout) for which some sensible layout fits, or None."""
    gpus = 1
    while gpus <= limit:
        fitting = [
            lay
            for lay in find_layouts(spec, params, accelerator, gpus, options, gpus_per_node=gpus_per_node, dtype=dtype)
            if lay.memory.fits
        ]
        if fitting:
            return preferred(fitting)
        gpus *= 2
    return None


@dataclass(frozen=True)
class LayoutChoice:
    """The memory section of an estimate, the recomputation it implies, and the note that says why."""

    memory: MemoryBreakdown | None
    recompute: Recompute
    note: Assumption | None = None


_RECOMPUTE_ORDER: tuple[Recompute, ...] = ("none", "selective", "full")
_RECOMPUTE_COST = "adds hardware FLOPs; the efficiency (MFU) is defined on model FLOPs"


def _noted(memory: MemoryBreakdown, note: str) -> MemoryBreakdown:
    return memory.model_copy(update={"notes": (*memory.notes, note)})


def _choice(memory: MemoryBreakdown | None, recompute: Recompute, inputs: EstimateInputs, why: str) -> LayoutChoice:
    if inputs.recompute is not None and inputs.recompute != "none":
        note = Assumption(name="recomputation", value=recompute, basis=_RECOMPUTE_COST, given=True)
    elif recompute != "none":
        note = Assumption(name="recomputation", value=recompute, basis=f"{why}; {_RECOMPUTE_COST}")
    else:
        note = None
    return LayoutChoice(memory, recompute, note)


def plan_memory(
    inputs: EstimateInputs,
    spec: ModelSpec | None,
    params: Quantity,
    accelerator: AcceleratorSpec,
    node: NodeSpec | None,
    gpus: Quantity | None,
    dtype: str,
) -> LayoutChoice:
    """Per-GPU memory, and the recomputation the estimate uses (sweeps get no memory section)."""
    given = inputs.recompute
    default: Recompute = given or "none"
    if any(np.asarray(q.magnitude).size > 1 for q in (params, gpus) if q is not None):
        return _choice(None, default, inputs, "")
    n_params = float(np.asarray(params.m_as("parameter")).reshape(-1)[0])
    per_node = node.count if node is not None else 8
    options = inputs.memory_options()
    architecture = spec is not None and spec.has_architecture
    trials = [given] if given else list(_RECOMPUTE_ORDER)
    sp = True if inputs.sp is None else inputs.sp
    if gpus is None:
        if spec is None or not architecture:
            return _choice(None, default, inputs, "")
        for recompute in trials:
            trial = options.model_copy(update={"recompute": recompute, "sp": sp})
            best = smallest_fit(spec, n_params, accelerator, trial, gpus_per_node=per_node, dtype=dtype)
            if best is not None:
                count = best.memory.dp * best.memory.tp * best.memory.pp
                memory = _noted(best.memory, "no GPU count given: the smallest count that fits")
                return _choice(memory, recompute, inputs, f"needed to fit on {count} GPUs")
        return _choice(None, default, inputs, "")
    count_f = float(np.asarray(gpus.m_as("GPU")).reshape(-1)[0])
    if not count_f.is_integer():
        raise InputError("gpus", f"memory needs a whole number of GPUs, got {count_f:g}")
    count = int(count_f)
    if inputs.layout_given() or not architecture:
        memory = breakdown(spec, n_params, accelerator, count, options, dtype=dtype)
        if not architecture and not inputs.layout_given():
            memory = _noted(memory, "without an architecture costcalc cannot choose a layout: give --tp/--pp/--zero")
        return _choice(memory, default, inputs, "")
    closest = None
    for recompute in trials:
        trial = options.model_copy(update={"recompute": recompute, "sp": sp})
        choice = preferred(find_layouts(spec, n_params, accelerator, count, trial, gpus_per_node=per_node, dtype=dtype))
        if choice is None:
            continue
        if choice.memory.fits:
            memory = _noted(choice.memory, "layout chosen by costcalc: fits with the least model parallelism")
            return _choice(memory, recompute, inputs, f"needed to fit in {accelerator.name} memory")
        closest = choice
    if closest is None:
        return _choice(breakdown(spec, n_params, accelerator, count, options, dtype=dtype), default, inputs, "")
    memory = _noted(closest.memory, "no sensible layout fits on this many GPUs; this one comes closest")
    return _choice(memory, default, inputs, "")
