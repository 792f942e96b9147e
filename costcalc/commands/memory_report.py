"""``costcalc memory``: does the model fit, on how many GPUs, and in which layouts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.base.record import Field, Record
from costcalc.base.units import Q_, Quantity
from costcalc.commands.finetune_report import FinetuneReport, finetune_report
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator import guards
from costcalc.estimator.inputs import DATA_FIELDS, FINETUNE_FIELDS, validate_inputs
from costcalc.estimator.layouts import SHOWN, Layout, problem_for, search, smallest_fit
from costcalc.estimator.resolve import resolve
from costcalc.estimator.rl import RL_FIELDS, TEACHER_FIELDS
from costcalc.formulas.memory import MemoryBreakdown

__all__ = ["MemoryReport", "training_memory"]


@dataclass(frozen=True, repr=False)
class MemoryReport(Displayed, Record):
    """The breakdown for the given (or chosen) layout, the best layouts, the smallest fit.

    ``gpus`` is the GPU count as a quantity (None when not given); ``memory`` and the layouts hold
    the formulas' breakdowns in bytes per GPU (``costcalc.formulas.memory``); with fine-tuning
    inputs ``finetune`` is the report instead.
    """

    model: str | None
    accelerator: str
    gpus: Quantity | None
    memory: MemoryBreakdown | None
    layouts: tuple[Layout, ...]
    smallest_fit: Layout | None
    finetune: FinetuneReport | None = None

    FIELDS = (
        Field("model", "model"),
        Field("accelerator", "accelerator"),
        Field("gpus", "gpus", "GPU", whole=True),
    )

    @property
    def any_fits(self) -> bool:
        return any(lay.memory.fits for lay in self.layouts)

    @property
    def gpu_count(self) -> int | None:
        """The GPU count as a whole number, or None when not given."""
        return None if self.gpus is None else round(float(self.gpus.m_as("GPU")))

    @property
    def total(self) -> Quantity | None:
        """Memory per GPU (with the overhead allowance) in the report's layout; None when unknown."""
        if self.finetune is not None:
            return self.finetune.total
        total = None if self.memory is None else self.memory.total
        return None if total is None else Q_(total, "B")

    def to_dict(self) -> dict[str, Any]:
        """The ``memory`` object of ``estimate --format json``, plus the layouts and smallest fit
        (or, with fine-tuning inputs, the ``finetune`` object): bytes per GPU."""
        head = super().to_dict()
        if self.finetune is not None:
            return {**head, "finetune": self.finetune.to_dict()}
        base = self.memory.to_dict() if self.memory is not None else {"fits": None}
        layouts = [_layout(lay) for lay in self.layouts]
        smallest = None if self.smallest_fit is None else _layout(self.smallest_fit)
        return {**base, **head, "layouts": layouts, "smallest_fit": smallest}


def _layout(lay: Layout) -> dict[str, Any]:
    """One layout as JSON: its GPU count, its breakdown, and what its step costs."""
    extra = {"step_time": lay.step_time, "recompute_flops": lay.recompute_extra, "tp_comm": lay.tp_comm}
    return {"gpus": lay.memory.gpus, **lay.memory.to_dict(), **extra}


def training_memory(
    *, presets: Iterable[Path | str] = (), catalog: Catalog | None = None, **fields: Any
) -> MemoryReport:
    """Per-GPU training memory for a model on a cluster, with alternatives.

    Takes the same inputs as ``costcalc.estimate`` (``model=``, ``params=``, a shape or
    ``config_file=``, ``gpu=``, ``gpus=``, ``nodes=``, ``seq_len=``, ``recompute=``) plus the
    layout: ``zero`` (0-3), ``tp``, ``pp``, ``sp``, ``ep``, ``micro_batch``, ``optimizer``
    (``adamw``, ``adam8bit``, ``sgd``), ``attention``, ``grad_dtype`` and ``master_weights``.
    The options given are fixed; the layouts listed vary the rest, fastest estimated step first.
    With any fine-tuning input (``stage``, ``method``, ``lora_rank``, ``lora_targets``, ``quant``)
    the report is the fine-tuning memory instead (``costcalc.commands.finetune_report``).
    """
    catalog = catalog_for(presets, catalog)
    inputs = validate_inputs(fields)
    tuning = any(getattr(inputs, f) is not None for f in FINETUNE_FIELDS)
    if tuning:
        guards.check_finetune(inputs)
    # fine-tuning memory needs the model and hardware only, not the stage's data or FLOPs
    unstaged = dict.fromkeys((*FINETUNE_FIELDS, *DATA_FIELDS, *RL_FIELDS, *TEACHER_FIELDS))
    scenario = resolve(inputs.model_copy(update=unstaged) if tuning else inputs, catalog)
    if any(np.asarray(q.magnitude).size > 1 for q in (scenario.params, scenario.gpus) if q is not None):
        raise InputError("params", "memory is computed for one scenario at a time, not for arrays")
    params = float(scenario.params.m_as("parameter"))
    gpus = None if scenario.gpus is None else int(float(scenario.gpus.m_as("GPU")))
    count = None if gpus is None else Q_(gpus, "GPU")
    spec = scenario.model or scenario.shape  # a parameter count alone has its standard shape
    name = None if spec is None else spec.name
    if tuning:
        tuned = finetune_report(inputs, spec, params, scenario.accelerator.memory, gpus, catalog)
        return MemoryReport(name, scenario.hardware, count, None, (), None, finetune=tuned)
    problem = problem_for(inputs, scenario.shape, params, scenario.accelerator, scenario.node, scenario.dtype)
    layouts: tuple[Layout, ...] = ()
    smallest = None
    if problem.shaped:
        if gpus is not None:
            ranked = search(problem, gpus)
            fitting = [lay for lay in ranked if lay.memory.fits]
            layouts = tuple((fitting or ranked)[: SHOWN if fitting else 3])
        found = smallest_fit(problem)
        smallest = None if found is None else found[1]
    return MemoryReport(
        model=name,
        accelerator=scenario.hardware,
        gpus=count,
        memory=scenario.memory,
        layouts=layouts,
        smallest_fit=smallest,
    )
