"""The question a plan answers, validated once: a budget, a deadline, the scaling rule, and the inputs
of an estimate (``EstimateInputs``: the hardware, GPU count, model, tokens, efficiency and price)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.base.fields import QuantityOf
from costcalc.base.units import Q_, Quantity
from costcalc.estimator.inputs import DATA_FIELDS, EstimateInputs, validate_inputs
from costcalc.formulas.scaling import Scaling

__all__ = [
    "MAX_BUDGET",
    "MAX_DEADLINE",
    "MIN_DEADLINE",
    "PLAN_INPUTS",
    "STAGE_INPUTS",
    "Budget",
    "Question",
    "question",
]

BudgetKind = Literal["USD", "FLOP", "GPU_hour"]
#: The largest budget of each kind: far beyond any real run, and results stay finite.
MAX_BUDGET: dict[BudgetKind, float] = {"USD": 1e15, "FLOP": 1e35, "GPU_hour": 1e13}
MIN_DEADLINE, MAX_DEADLINE = Q_(1.0, "minute"), Q_(100.0, "year")
#: The estimate inputs a plan takes (the rest of ``EstimateInputs`` keeps its defaults).
PLAN_INPUTS = ("gpu", "gpus", "params", "model", "tokens", "mfu", "price")
_BUDGET_KINDS: tuple[BudgetKind, ...] = ("USD", "FLOP", "GPU_hour")
#: The inputs of a fine-tuning stage's plan besides the pre-training plan's (``plan_stage``).
STAGE_INPUTS = ("stage", "method", "lora_rank", "lora_targets", "quant", "seq_len", *DATA_FIELDS)


@dataclass(frozen=True)
class Budget:
    """A budget: dollars, FLOPs or GPU-hours, and how the question puts it."""

    kind: BudgetKind
    amount: Quantity
    words: str


@dataclass(frozen=True)
class Question:
    """A plan's question, each part validated once: the estimate inputs, the budget and the deadline."""

    inputs: EstimateInputs
    budget: Budget | None
    deadline: Quantity | None
    scaling: Scaling
    #: The efficiency and price as typed ("40%", "2.5 USD/GPU/h"), for the rerun command to repeat.
    typed: dict[str, str]

    @property
    def fixed_model(self) -> bool:
        """Whether the question fixes the model (a preset or a parameter count)."""
        return self.inputs.model is not None or self.inputs.params is not None

    @property
    def deadline_words(self) -> str:
        """The deadline as the plan says it: in days."""
        return "" if self.deadline is None else said("plan.deadline", deadline=self.deadline)


def question(budget: Any, deadline: Any, scaling: str, given: dict[str, Any]) -> Question:
    """Validate a plan's question: budget and deadline here, the rest by ``EstimateInputs``."""
    fixed_model = given.get("params") is not None or given.get("model") is not None
    if budget is None and deadline is None and not (fixed_model and given.get("gpus") is not None):
        raise InputError("budget", "give a budget (e.g. 2M USD), a deadline (e.g. 30 days), or a model and `gpus`")
    if scaling not in ("hoffmann", "besiroglu"):
        raise InputError("scaling", f"expected hoffmann or besiroglu, got {scaling!r}")
    if given.get("params") is not None and given.get("model") is not None:
        raise InputError("params", "give either params or a model preset, not both")
    inputs = validate_inputs({k: v for k, v in given.items() if k in PLAN_INPUTS and v is not None})
    if inputs.gpus is not None and np.asarray(inputs.gpus.magnitude).size > 1:
        raise InputError("gpus", "a plan takes one GPU count, not a list")
    if budget is None and not fixed_model and inputs.gpus is None:
        raise InputError("deadline", "a deadline alone needs a GPU count, a budget, or a model (`model` or `params`)")
    checked_scaling: Scaling = "besiroglu" if scaling == "besiroglu" else "hoffmann"
    typed = {k: v for k in ("mfu", "price") if isinstance(v := given.get(k), str)}
    return Question(inputs, _budget(budget), _deadline(deadline), checked_scaling, typed)


def _checked(marker: QuantityOf, value: Any, field: str) -> Quantity:
    """Validate one value with a field marker, reporting like the estimator does."""
    try:
        checked: Quantity = marker.validate(value, field)
    except ValueError as err:
        raise InputError(field, str(err)) from None
    return checked


def _budget_kind(budget: Any) -> BudgetKind:
    if isinstance(budget, int | float | np.integer | np.floating) and not isinstance(budget, bool):
        return "USD"  # a bare number is dollars
    for kind in _BUDGET_KINDS:
        try:
            _checked(QuantityOf(kind, scalar=True), budget, "budget")
            return kind
        except InputError:
            continue
    raise InputError("budget", "expected dollars (2M USD), FLOPs (5.76e23 FLOP) or GPU-hours (1e6 GPU*h)")


def _budget(budget: Any) -> Budget | None:
    """The budget in its kind's unit, within its bounds, with the words the plan says it in."""
    if budget is None:
        return None
    kind = _budget_kind(budget)
    amount = _checked(QuantityOf(kind, scalar=True, maximum=MAX_BUDGET[kind]), budget, "budget")
    return Budget(kind, amount, said("plan.budget", kind=kind, amount=amount))


def _deadline(deadline: Any) -> Quantity | None:
    """The deadline as a duration in hours, from 1 minute to 100 years."""
    if deadline is None:
        return None
    hours = _checked(QuantityOf("hour", scalar=True), deadline, "deadline")
    if not MIN_DEADLINE <= hours <= MAX_DEADLINE:
        raise InputError("deadline", f"expected a duration from 1 minute to 100 years, got {hours.m_as('hour'):.3g} h")
    return hours
