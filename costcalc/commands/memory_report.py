"""``costcalc memory``: does the model fit, on how many GPUs, and in which layouts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.estimator.inputs import validate_inputs
from costcalc.estimator.layouts import find_layouts, recommended_layouts, smallest_fit
from costcalc.estimator.resolve import resolve
from costcalc.formulas.memory import MemoryBreakdown

__all__ = ["MemoryReport", "training_memory"]


@dataclass(frozen=True, repr=False)
class MemoryReport:
    """The breakdown for the given (or chosen) layout, the sensible layouts, the smallest fit."""

    model: str | None
    accelerator: str
    gpus: int | None
    memory: MemoryBreakdown | None
    layouts: list[MemoryBreakdown]
    smallest_fit: MemoryBreakdown | None

    def to_dict(self) -> dict[str, Any]:
        """The ``memory`` object of ``estimate --format json``, plus the layouts and smallest fit."""
        base = self.memory.to_dict() if self.memory is not None else {"fits": None}
        smallest = None
        if self.smallest_fit is not None:
            m = self.smallest_fit
            smallest = {"gpus": m.tp * m.pp * m.dp, **m.to_dict()}
        return {
            **base,
            "model": self.model,
            "accelerator": self.accelerator,
            "gpus": self.gpus,
            "layouts": [m.to_dict() for m in self.layouts],
            "smallest_fit": smallest,
        }

    def __repr__(self) -> str:
        from costcalc.render.summary import memory_repr  # display hook: the renderer formats

        return memory_repr(self)

    def _repr_html_(self) -> str:
        from costcalc.render.html import memory_html

        return memory_html(self)


def training_memory(
    *, presets: Iterable[Path | str] = (), catalog: Catalog | None = None, **fields: Any
) -> MemoryReport:
    """Per-GPU training memory for a model on a cluster, with alternatives.

    Takes the same inputs as ``costcalc.estimate`` (``model=``, ``params=``, ``gpu=``, ``gpus=``,
    ``nodes=``, ``seq_len=``, ``recompute=``) plus the layout: ``zero`` (0-3), ``tp``, ``pp``,
    ``sp``, ``ep``, ``micro_batch`` and ``optimizer`` (``adamw``, ``adam8bit``, ``sgd``).
    """
    catalog = catalog or default_catalog(presets)
    inputs = validate_inputs(fields)
    scenario = resolve(inputs, catalog)
    if any(np.asarray(q.magnitude).size > 1 for q in (scenario.params, scenario.gpus) if q is not None):
        raise InputError("params", "memory is computed for one scenario at a time, not for arrays")
    spec = scenario.model
    params = float(scenario.params.m_as("parameter"))
    per_node = scenario.node.count if scenario.node is not None else 8
    options = inputs.memory_options().model_copy(update={"recompute": scenario.recompute})
    if inputs.sp is None:
        options = options.model_copy(update={"sp": True})
    gpus = None if scenario.gpus is None else int(float(scenario.gpus.m_as("GPU")))
    layouts: list[MemoryBreakdown] = []
    smallest = None
    if spec is not None and spec.has_architecture:
        if gpus is not None:
            found = find_layouts(
                spec, params, scenario.accelerator, gpus, options, gpus_per_node=per_node, dtype=scenario.dtype
            )
            layouts = [lay.memory for lay in recommended_layouts(found)]
        best = smallest_fit(spec, params, scenario.accelerator, options, gpus_per_node=per_node, dtype=scenario.dtype)
        smallest = None if best is None else best.memory
    return MemoryReport(
        model=None if spec is None else spec.name,
        accelerator=scenario.hardware,
        gpus=gpus,
        memory=scenario.memory,
        layouts=layouts,
        smallest_fit=smallest,
    )
