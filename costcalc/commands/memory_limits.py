"""``costcalc memory --longest-seq`` and ``--largest-batch``: the longest sequence, or the largest
micro-batch, that fits one GPU's memory.

Memory per GPU grows with the sequence length s (activations ∝ s, or s² for eager attention's
scores) and with the micro-batch b (activations ∝ b), with every other setting fixed. The search
uses the memory formulas only (``costcalc.formulas.memory`` for pre-training, whose layout search
takes the best layout that fits on the given GPUs; ``costcalc.formulas.finetune_memory`` for a
fine-tuning setting, data-parallel, recomputation not given the least that fits): it doubles the
value from 1 until it no longer fits (or reaches the cap), then bisects on whole numbers between
the last value that fits and the first that does not. The answer n fits and n + 1 does not (both
are evaluated and reported); without a GPU count the memory is that of one GPU.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.commands.finetune_report import finetune_report
from costcalc.commands.memory_report import MemoryReport, training_memory
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator import guards
from costcalc.estimator.inputs import DATA_FIELDS, FINETUNE_FIELDS, EstimateInputs, validate_inputs
from costcalc.estimator.layouts import problem_for, search
from costcalc.estimator.resolve import resolve

__all__ = ["CAPS", "MemoryLimit", "bisect_largest", "memory_limit"]

#: The largest value each search tries: the input model's own bounds on the two options.
CAPS = {"seq_len": 100_000_000, "micro_batch": 1_000_000}
_WHAT = {"seq_len": "sequence length", "micro_batch": "micro-batch"}


def bisect_largest(fits: Callable[[int], bool], cap: int) -> int | None:
    """The largest n in [1, cap] with fits(n), assuming fits is monotone (true up to n, false after).

    Doubling from 1 finds lo (fits) and hi (does not fit, or cap + 1), then bisection halves
    [lo, hi) until hi = lo + 1. None when fits(1) is false. Evaluates fits about 2·log2(n) times.
    """
    if not fits(1):
        return None
    lo, hi = 1, 2
    while hi <= cap and fits(hi):
        lo, hi = hi, 2 * hi
    hi = min(hi, cap + 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class MemoryLimit:
    """The largest value of ``quantity`` that fits, the memory at it, and the total at one more."""

    quantity: str  # "seq_len" or "micro_batch"
    value: int
    held: int  # the other of the two, as held during the search: the micro-batch, or the sequence length
    at_cap: bool  # the search's cap fits: the answer is at least ``value``
    next_total: float | None  # bytes per GPU at value + 1 (None at the cap)
    capacity: float
    report: MemoryReport  # the memory at ``value``
    notes: tuple[str, ...]

    @property
    def report_total(self) -> float | None:
        """Bytes per GPU at the answer."""
        if self.report.finetune is not None:
            return self.report.finetune.memory.total
        return None if self.report.memory is None else self.report.memory.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "search": {
                "quantity": self.quantity,
                "value": self.value,
                "held": {"micro_batch" if self.quantity == "seq_len" else "seq_len": self.held},
                "total": self.report_total,
                "at_cap": self.at_cap,
                "next": None if self.at_cap else {"value": self.value + 1, "total": self.next_total},
                "capacity": self.capacity,
                "method": "doubling, then bisection on whole numbers, with the memory formulas",
                "notes": list(self.notes),
            },
            "memory": self.report.to_dict(),
        }


def _checked(fields: dict[str, Any], longest_seq: bool, largest_batch: bool) -> str:
    """The quantity searched, or a one-line error for the combinations that cannot be answered."""
    if longest_seq and largest_batch:
        raise InputError("longest_seq", "give `longest_seq` or `largest_batch`, not both (the other stays fixed)")
    quantity = "seq_len" if longest_seq else "micro_batch"
    if fields.get(quantity) is not None:
        flag = "`longest_seq`" if longest_seq else "`largest_batch`"
        option = "`seq_len`" if longest_seq else "`micro_batch`"
        raise InputError(quantity, f"{flag} searches the {_WHAT[quantity]}: drop {option}")
    return quantity


def _probe(
    inputs: EstimateInputs, catalog: Catalog, quantity: str
) -> tuple[Callable[[int], float | None], float, int | None, int | None]:
    """total(n): bytes per GPU with ``quantity`` = n (None when unknown), the GPU's capacity, the model's
    context, and the sequence length the search holds (given or the model's)."""
    tuning = any(getattr(inputs, f) is not None for f in FINETUNE_FIELDS)
    if tuning:
        guards.check_finetune(inputs)
    unstaged = dict.fromkeys((*FINETUNE_FIELDS, *DATA_FIELDS))
    scenario = resolve(inputs.model_copy(update=unstaged) if tuning else inputs, catalog)
    if any(np.asarray(q.magnitude).size > 1 for q in (scenario.params, scenario.gpus) if q is not None):
        raise InputError("params", "memory is computed for one scenario at a time, not for arrays")
    params = float(scenario.params.m_as("parameter"))
    gpus = 1 if scenario.gpus is None else int(float(scenario.gpus.m_as("GPU")))
    spec = scenario.model or scenario.shape
    capacity = float(scenario.accelerator.memory.m_as("B"))
    if spec is None or not spec.has_architecture:
        raise InputError("model", f"the {_WHAT[quantity]} that fits needs the model's shape: give `model` or a shape")
    if quantity == "micro_batch" and (inputs.seq_len or spec.seq_len) is None:
        raise InputError("seq_len", "`largest_batch` needs a sequence length: give `seq_len`")

    def total(n: int) -> float | None:
        at = inputs.model_copy(update={quantity: n})
        if tuning:
            return finetune_report(at, spec, params, scenario.accelerator.memory, gpus, catalog).memory.total
        problem = problem_for(at, scenario.shape, params, scenario.accelerator, scenario.node, scenario.dtype)
        totals = [lay.memory.total for lay in search(problem, gpus) if lay.memory.total is not None]
        return min(totals) if totals else None  # the least any layout needs: it fits when some layout does

    return total, capacity, spec.max_seq_len or spec.seq_len, inputs.seq_len or spec.seq_len


def memory_limit(
    *, longest_seq: bool = False, largest_batch: bool = False, presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None, **fields: Any,
) -> MemoryLimit:  # fmt: skip
    """The longest sequence (``longest_seq``) or the largest micro-batch (``largest_batch``) that fits.

    Takes the inputs of ``costcalc.training_memory``; the other of the two stays as given (micro-batch
    default 1; the sequence length given or the model's). Errors: both asked, or the searched option
    also given; a model without a shape; nothing fits even at 1.
    """
    quantity = _checked(fields, longest_seq, largest_batch)
    catalog = catalog_for(presets, catalog)
    inputs = validate_inputs(fields)
    total, capacity, context, seq_len = _probe(inputs, catalog, quantity)
    other = (inputs.micro_batch or 1) if quantity == "seq_len" else seq_len

    def fits(n: int) -> bool:
        used = total(n)
        return used is not None and used <= capacity

    cap = CAPS[quantity]
    found = bisect_largest(fits, cap)
    if found is None:
        used = total(1)
        advice = "give more GPUs (--gpus), a ZeRO stage, recomputation or a smaller model"
        raise InputError(
            quantity,
            f"nothing fits on this GPU even at {_WHAT[quantity]} 1"
            + ("" if used is None else f" (needs {used / 1e9:.1f} GB of {capacity / 1e9:.1f} GB)")
            + f": {advice}",
        )
    at_cap = found == cap
    single: dict[str, Any] = {} if fields.get("gpus") is not None or fields.get("nodes") is not None else {"gpus": 1}
    report = training_memory(catalog=catalog, **{**fields, **single, quantity: found})
    notes = []
    if single:
        notes.append("no GPU count given: one GPU")
    if quantity == "seq_len" and context is not None and found > context:
        notes.append(said("memory_limit.past_context", context=context))
    if at_cap:
        notes.append(said("memory_limit.at_cap", cap=cap))
    nxt = None if at_cap else total(found + 1)
    return MemoryLimit(quantity, found, other or 1, at_cap, nxt, capacity, report, tuple(notes))
