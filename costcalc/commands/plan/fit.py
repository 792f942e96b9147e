"""A plan never proposes a run that does not fit in memory.

A GPU count the plan derived is raised to the fewest whole nodes on which a layout fits (said in the
memory notes); a GPU count the user gave on which no layout fits is refused with the smallest change.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.base.parse import format_count
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import validate_inputs
from costcalc.estimator.layouts import problem_for, smallest_fit, suggestions
from costcalc.estimator.result import Estimate
from costcalc.formulas import runtime

__all__ = ["fitting"]


def fitting(
    result: Estimate, fields: dict[str, Any], *, given: bool, per_node: int, catalog: Catalog
) -> tuple[Estimate, Quantity]:
    """The plan's estimate on the fewest whole nodes, at least the GPUs planned, on which a layout
    fits in memory, and that GPU count; a count the user gave (``given``) that nothing fits is refused
    with the smallest change."""
    s = result.scenario
    inputs = validate_inputs({k: v for k, v in fields.items() if k not in ("mfu", "price")})
    problem = problem_for(inputs, s.shape, float(s.params.m_as("parameter")), s.accelerator, s.node, s.dtype)
    planned: Quantity = Q_(fields["gpus"], "GPU") if not isinstance(fields["gpus"], Q_) else fields["gpus"]
    what = s.model.name if s.model is not None else f"{format_count(float(s.params.m_as('parameter')))} parameters"
    if given:
        count = round(float(planned.m_as("GPU")))
        changes = " or ".join(suggestions(problem, count)) or "a smaller model or an accelerator with more memory"
        raise InputError("gpus", f"{what} does not fit in memory on {count:,} GPUs; smallest change: {changes}")
    found = smallest_fit(problem)
    if found is None:
        raise InputError("gpu", f"{what} fits on no number of {s.accelerator.name} GPUs in any layout")
    # The layout that fits keeps fitting on any multiple of its model-parallel group (ZeRO shards
    # over more data-parallel ranks, activations stay): take the first such count of whole nodes.
    m = found[1].memory
    group = math.lcm(m.tp * m.pp * m.ep, per_node)
    needed = max(planned, Q_(found[0], "GPU"))
    gpus = runtime.whole_nodes(needed, group)
    refit = estimate(catalog=catalog, **{**fields, "gpus": gpus})
    memory = refit.memory
    if memory is None or memory.fits is not True:
        raise InputError("gpus", f"{what} does not fit in memory on {gpus.m_as('GPU'):,.0f} GPUs")
    noted = memory.model_copy(update={"notes": (*memory.notes, said("plan.raised", planned=planned, gpus=gpus))})
    return dataclasses.replace(refit, memory=noted), gpus
