"""``plan()``: the question validated once, the limits it sets, the run that answers it, and that run's estimate."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.base.units import Quantity
from costcalc.commands.plan.fit import fitting
from costcalc.commands.plan.question import PLAN_INPUTS, STAGE_INPUTS, Question, question
from costcalc.commands.plan.rates import Limit, Rates, limits, rates
from costcalc.commands.plan.result import Plan
from costcalc.commands.plan.solve import Allocation, Span, allocation, gpu_count, spread
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.result import Estimate
from costcalc.formulas import runtime
from costcalc.schemas import ModelSpec

__all__ = ["MAX_ROUNDS", "plan"]

#: Rounds of the size-efficiency fixed point at most (the size slope is small: it settles in a few).
MAX_ROUNDS = 20
#: Relative change in the model size below which the fixed point has settled.
SETTLED = 1e-12


def plan(
    budget: Any = None,
    *,
    deadline: Any = None,
    scaling: str = "hoffmann",
    presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
    **inputs: Any,
) -> Plan:
    """Answer "what can I train for this budget, by this deadline, on this hardware".

    ``budget``: dollars, FLOPs or GPU-hours (a number is taken as dollars). ``deadline``: a
    duration ("30 days"). ``inputs``: the estimate inputs a plan takes (``gpu``, ``gpus``,
    ``params``, ``model``, ``tokens``, ``mfu``, ``price``; fields of ``EstimateInputs``, validated
    as an estimate validates them). ``params`` or ``model`` fixes the model; ``tokens`` fixes the
    data. With a budget: the compute-optimal model (``scaling``: ``hoffmann``, 20 tokens per
    parameter, or ``besiroglu``, Besiroglu et al. 2024's refit), the most tokens for a fixed model,
    or the largest model for fixed tokens. Without one, a fixed model (on ``tokens``, else its
    preset's, else 20 per parameter) fixes the compute: the plan gives the GPUs that meet
    ``deadline``, or the wall-clock on ``gpus``. Each answer comes with its range.
    """
    _not_a_stage(inputs)
    for name, value in inputs.items():
        if name not in PLAN_INPUTS and value is not None:
            raise InputError(name, f"a plan takes these estimate inputs: {', '.join(PLAN_INPUTS)}")
    catalog = catalog_for(presets, catalog)
    q = question(budget, deadline, scaling, inputs)
    spec = catalog.model(q.inputs.model) if q.inputs.model is not None else None
    if q.budget is None and q.fixed_model:
        return _fixed_compute(q, spec, catalog)
    r, binding, limit, alloc = _settled(q, spec, catalog)
    gpus, gpus_range = r.gpus, None
    if gpus is None and q.deadline is not None:
        hours = runtime.gpu_hours(limit.flops, r.peak, r.efficiency)
        gpus, gpus_range = gpu_count(hours, spread(hours, limit.factors), q.deadline, r.per_node)
    model: dict[str, Any] = {"model": spec.name} if spec is not None else {"params": alloc.params}
    words = [w for w in ((q.budget.words if q.budget else ""), q.deadline_words) if w]
    return _planned(q, r, catalog, words, {"gpu": r.hardware, "tokens": alloc.tokens, **model}, alloc,
                    (gpus, gpus_range), binding)  # fmt: skip


def _not_a_stage(inputs: dict[str, Any]) -> None:
    """A fine-tuning stage is ``plan_stage``'s question; its options without a stage are refused."""
    if inputs.get("stage") not in (None, "pretrain"):
        raise InputError("stage", "a fine-tuning stage is planned by costcalc.plan_stage ('costcalc plan --stage')")
    inputs.pop("stage", None)
    for name in STAGE_INPUTS:
        if inputs.get(name) is not None and name != "seq_len":
            raise InputError(name, "describes a fine-tuning stage: give `stage` sft, dpo, continued or long-context")


def _settled(q: Question, spec: ModelSpec | None, catalog: Catalog) -> tuple[Rates, str, Limit, Allocation]:
    """The rates, the binding limit and the allocation, at the fixed point of model size and efficiency.

    The calibrated efficiency depends on the model size, which (unless the question fixes it) depends
    on the FLOPs the efficiency buys. The first round prices compute at the peak (no size yet); each
    next one at the efficiency of the size the last round allocated, until the size settles (in a few
    rounds: the efficiency changes slowly with size; at most ``MAX_ROUNDS``).
    """
    total = spec.params if spec is not None else q.inputs.params
    active = spec.active_params if spec is not None and spec.active_params is not None else total
    moe = spec is not None and spec.active_params is not None
    size = active
    for _ in range(MAX_ROUNDS):
        r = rates(q, catalog, size=size, moe=moe)
        found = limits(q, r)
        binding = min(found, key=lambda k: found[k].flops)
        alloc = allocation(found[binding], params=total, active=active, tokens=q.inputs.tokens, scaling=q.scaling)
        if total is not None or (size is not None and _same(alloc.params, size)):
            break
        size = alloc.params
    return r, binding, found[binding], alloc


def _same(a: Quantity, b: Quantity) -> bool:
    return math.isclose(a.m_as("parameter"), b.m_as("parameter"), rel_tol=SETTLED, abs_tol=0.0)


def _fixed_compute(q: Question, spec: ModelSpec | None, catalog: Catalog) -> Plan:
    """A fixed model on fixed tokens: the GPUs a deadline needs, or the time a GPU count takes."""
    r = rates(q, catalog, size=None)
    given = q.inputs
    fields: dict[str, Any] = {"gpu": r.hardware, **({"model": spec.name} if spec else {"params": given.params})}
    fields.update({k: getattr(given, k) for k in ("tokens", "mfu", "price") if getattr(given, k) is not None})
    base = estimate(catalog=catalog, **fields)
    n, d = base.scenario.params, base.scenario.tokens
    what = said("plan.fixed_run", model=spec.name if spec is not None else None, params=n, tokens=d)
    fixed = Allocation(n, d, None, None, None)
    if r.gpus is not None:
        gpus = said("plan.gpus", gpus=r.gpus)
        return _planned(q, r, catalog, [what, gpus], {**fields, "tokens": d}, fixed, (r.gpus, None),
                        "the GPUs set the time")  # fmt: skip
    assert q.deadline is not None  # the question needs a deadline or a GPU count for a fixed model
    span = base.ranges["gpu_hours"]
    needed = gpu_count(base.gpu_hours, (span.low, span.high), q.deadline, r.per_node)
    return _planned(q, r, catalog, [what, q.deadline_words], {**fields, "tokens": d}, fixed, needed,
                    "the deadline sets the GPUs")  # fmt: skip


def _planned(
    q: Question, r: Rates, catalog: Catalog, words: list[str], fields: dict[str, Any], alloc: Allocation,
    gpus: tuple[Quantity | None, Span | None], binding: str,
) -> Plan:  # fmt: skip
    """The plan's run estimated, with its ranges and the command that reruns it."""
    count, count_range = gpus
    fields, result = _candidate(q, catalog, fields, count, binding)
    if result.memory is not None and result.memory.fits is False:  # never propose a run that does not fit
        given = q.inputs.gpus is not None
        result, count = fitting(result, fields, given=given, per_node=r.per_node, catalog=catalog)
        fields["gpus"] = count
        if count_range is not None:
            count_range = (max(count_range[0], count), max(count_range[1], count))
    days = result.ranges.get("wall_clock")
    return Plan(
        question=" and ".join(words) + f" on {r.hardware}",
        params=alloc.params,
        tokens=alloc.tokens,
        gpus=count,
        flops=result.flops,
        binding=binding,
        scaling=alloc.scaling,
        range={
            "params": alloc.params_range,
            "tokens": alloc.tokens_range,
            "gpus": count_range,
            "wall_clock_days": None if days is None else (days.low, days.high),
        },
        command=said("plan.command", fields={**fields, **{k: v for k, v in q.typed.items() if k in fields}}),
        estimate=result,
    )


def _candidate(
    q: Question, catalog: Catalog, run: dict[str, Any], gpus: Quantity | None, binding: str
) -> tuple[dict[str, Any], Estimate]:
    """The candidate run: the plan's model, tokens and GPUs with the given efficiency and price, and its
    estimate. A count the plan derived that the estimator refuses blames the budget or the deadline."""
    given = (("gpus", gpus), ("mfu", q.inputs.mfu), ("price", q.inputs.price))
    fields = {**run, **{k: v for k, v in given if v is not None}}
    try:
        return fields, estimate(catalog=catalog, **fields)
    except InputError as err:
        derived = {"params": not q.fixed_model, "tokens": True, "gpus": q.inputs.gpus is None}
        if not derived.get(err.field, False):
            raise
        cause = "deadline" if err.field == "gpus" else binding
        shown = said("plan.input", name=err.field, value=fields.get(err.field))
        implied = f"{shown} {err.field}" if err.field in fields else err.field
        message = f"the plan would need {implied}, beyond what costcalc estimates ({err.message})"
        raise InputError(cause, message) from None


def _signature() -> inspect.Signature:
    """``plan``'s signature as ``help()`` shows it: its own arguments, then its estimate inputs by name."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    fields = EstimateInputs.model_fields
    own = list(inspect.signature(plan).parameters.values())[:-1]  # all but **inputs
    given = [inspect.Parameter(n, keyword, default=None, annotation=fields[n].annotation) for n in PLAN_INPUTS]
    return inspect.Signature([*own, *given], return_annotation=Plan)


plan.__signature__ = _signature()  # type: ignore[attr-defined]
