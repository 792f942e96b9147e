"""``costcalc plan``: inverse questions. What does a budget buy, and how many GPUs meet a deadline?

Budget -> FLOPs: dollars / price = GPU-hours; GPU-hours x peak x MFU = FLOPs. FLOPs ->
model: the compute-optimal parameters and tokens (``costcalc.formulas.scaling``); for a given
model, the most tokens the FLOPs buy (D = C / 6N); for given tokens, the largest model
(N = C / 6D). A fixed model on fixed tokens (a preset's, or ``--tokens``) fixes the compute, and
the plan answers the GPUs a deadline needs or the time a GPU count takes. Deadline -> GPUs:
GPU-hours / deadline hours, rounded up to whole nodes (8 GPUs, or the node preset's count), so
that a parallel layout can use them. Every answer is then run through ``costcalc.estimate`` as a
scenario you can rerun, so plan and estimate cannot disagree. A plan never proposes a run that does
not fit in memory: a GPU count it derived is raised to the smallest that fits (said in the memory
notes), and a GPU count you gave that no layout fits is refused with the smallest change.
"""
# long because it answers five kinds of question (budget, deadline, fixed model, fixed tokens, both)

from __future__ import annotations

import dataclasses
import math
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.fields import QuantityOf
from costcalc.base.parse import format_count, to_quantity
from costcalc.base.units import Q_
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator.api import estimate
from costcalc.estimator.efficiency import resolve_dtype, resolve_efficiency
from costcalc.estimator.input_fields import quantity_marker
from costcalc.estimator.inputs import GpuCount, ParamCount, TokenCount, validate_inputs
from costcalc.estimator.layouts import problem_for, smallest_fit, suggestions
from costcalc.estimator.resolve import resolve_hardware, resolve_price
from costcalc.estimator.result import Estimate
from costcalc.formulas import runtime
from costcalc.formulas.flops import dense_training_tokens
from costcalc.formulas.runtime import HOURS_PER_DAY
from costcalc.formulas.scaling import Scaling, allocate
from costcalc.schemas import ModelSpec

__all__ = ["Plan", "plan"]


@dataclass(frozen=True, repr=False)
class Plan:
    """A plan: the scenario the question implies, its estimate, and the command to rerun it."""

    question: str
    params: float
    tokens: float
    gpus: int | None
    flops: float
    binding: str
    scaling: str | None
    range: dict[str, tuple[float, float] | None]
    command: str
    estimate: Estimate

    def to_dict(self) -> dict[str, Any]:
        est = self.estimate.to_dict()
        return {
            "question": self.question,
            "params": self.params,
            "tokens": self.tokens,
            "gpus": self.gpus,
            "flops": self.flops,
            "wall_clock_days": est["wall_clock_days"],
            "cost_usd": est["cost_usd"],
            "gpu_hours": est["gpu_hours"],
            "binding": self.binding,
            "scaling": self.scaling,
            "range": {
                **{k: None if v is None else list(v) for k, v in self.range.items()},
                "wall_clock_days": est["range"]["wall_clock_days"],
                "cost_usd": est["range"]["cost_usd"],
                "gpu_hours": est["range"]["gpu_hours"],
            },
            "command": self.command,
            "estimate": est,
        }

    def __repr__(self) -> str:
        from costcalc.render.summary import plan_repr  # display hook: the renderer formats

        return plan_repr(self)

    def _repr_html_(self) -> str:
        from costcalc.render.html import plan_html

        return plan_html(self)


def _budget_kind(budget: str | Any) -> str:
    for unit, kind in (("USD", "USD"), ("FLOP", "FLOP"), ("GPU_hour", "GPU_hour")):
        try:
            to_quantity(budget, "budget", unit)
            return kind
        except InputError:
            continue
    raise InputError("budget", "expected dollars (2M USD), FLOPs (5.76e23 FLOP) or GPU-hours (1e6 GPU*h)")


def plan(  # long because the question's inputs are listed one per line
    budget: Any = None,
    *,
    deadline: Any = None,
    gpu: str | None = None,
    gpus: Any = None,
    params: Any = None,
    model: str | None = None,
    tokens: Any = None,
    mfu: Any = None,
    price: Any = None,
    scaling: Scaling = "hoffmann",
    presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
) -> Plan:
    """Answer "what can I train for this budget, by this deadline, on this hardware".

    ``budget``: dollars, FLOPs or GPU-hours (a number is taken as dollars). ``deadline``: a
    duration ("30 days"). ``params`` or ``model`` fixes the model; ``tokens`` fixes the data.
    With a budget: the compute-optimal model (``scaling``: ``hoffmann``, 20 tokens per parameter,
    or ``besiroglu``, Besiroglu et al. 2024's refit), the most tokens for a fixed model, or the
    largest model for fixed tokens. Without one, a fixed model (on ``tokens``, else its preset's,
    else 20 per parameter) fixes the compute: the plan gives the GPUs that meet ``deadline``, or
    the wall-clock on ``gpus``. Each answer comes with its range.
    """
    catalog = catalog_for(presets, catalog)
    _check_question(budget, deadline, scaling, params, model, gpus)
    spec = catalog.model(model) if model is not None else None
    fixed = _fixed_size(spec, params)
    size, moe = fixed or (70e9, False)
    rates = _rates(gpu, gpus, mfu, price, catalog, size=size, moe=moe)
    fixed_tokens = None if tokens is None else float(_checked(TokenCount, tokens, "tokens").m_as("token"))
    if budget is None and (spec is not None or params is not None):
        return _fixed_compute(rates, spec, params, fixed_tokens, deadline, mfu, price, catalog)
    # The calibrated efficiency depends on the model size, which (unless fixed) depends on the FLOPs
    # the efficiency buys: iterate to the fixed point (the size slope is small: two or three rounds).
    for _ in range(20):
        limits, question, deadline_hours = _limits(budget, deadline, rates)
        binding = min(limits, key=lambda k: limits[k].flops)
        n, d, n_range, d_range, used_scaling = _allocation(limits[binding], spec, params, fixed_tokens, scaling)
        if fixed or abs(n / size - 1) < 1e-12:
            break
        size, rates = n, _rates(gpu, gpus, mfu, price, catalog, size=n, moe=False)
    gpu_count, gpus_range = _gpu_count(rates, limits[binding], deadline_hours)
    fields: dict[str, Any] = {"gpu": rates.hardware, "tokens": d}
    fields.update({"model": spec.name} if spec is not None else {"params": n})
    return _planned(question, rates, fields, n, d, gpu_count, binding, used_scaling, n_range, d_range, gpus_range,
                    mfu, price, catalog, given_params=params is not None or spec is not None)  # fmt: skip


def _planned(  # long because a plan has this many parts
    question: list[str], rates: Rates, fields: dict[str, Any], n: float, d: float, gpu_count: int | None,
    binding: str, used_scaling: str | None, n_range: tuple[float, float] | None, d_range: tuple[float, float] | None,
    gpus_range: tuple[float, float] | None, mfu: Any, price: Any, catalog: Catalog, *, given_params: bool = True,
) -> Plan:  # fmt: skip
    """The plan's scenario run through ``estimate``, with the command that reruns it."""
    fields = {**fields, **{k: v for k, v in (("gpus", gpu_count), ("mfu", mfu), ("price", price)) if v is not None}}
    result = _estimate(catalog, fields, binding, given_params=given_params, given_gpus=rates.gpus is not None)
    if result.memory is not None and result.memory.fits is False:
        result, gpu_count = _fitting(result, fields, rates, catalog)
        fields["gpus"] = gpu_count
        if gpus_range is not None:
            gpus_range = (max(gpus_range[0], float(gpu_count)), max(gpus_range[1], float(gpu_count)))
    command = "costcalc estimate " + " ".join(
        f"--{k.replace('_', '-')} {shlex.quote(_shown(v))}" for k, v in fields.items()
    )
    days = result.ranges.get("wall_clock")
    return Plan(
        question=" and ".join(question) + f" on {rates.hardware}",
        params=n,
        tokens=d,
        gpus=gpu_count,
        flops=float(result.flops.m_as("FLOP")),
        binding=binding,
        scaling=used_scaling,
        range={
            "params": n_range,
            "tokens": d_range,
            "gpus": gpus_range,
            "wall_clock_days": None if days is None else (float(days.low.m_as("day")), float(days.high.m_as("day"))),
        },
        command=command,
        estimate=result,
    )


def _fitting(result: Estimate, fields: dict[str, Any], rates: Rates, catalog: Catalog) -> tuple[Estimate, int]:
    """The plan's estimate on the fewest whole nodes, at least the GPUs planned, on which a layout
    fits in memory; a GPU count the user gave that nothing fits is refused with the smallest change."""
    s = result.scenario
    inputs = validate_inputs({k: v for k, v in fields.items() if k not in ("mfu", "price")})
    problem = problem_for(inputs, s.shape, float(s.params.m_as("parameter")), s.accelerator, s.node, s.dtype)
    planned = int(fields["gpus"])
    what = f"{s.model.name if s.model is not None else format_count(float(s.params.m)) + ' parameters'}"
    if rates.gpus is not None:
        changes = " or ".join(suggestions(problem, planned)) or "a smaller model or an accelerator with more memory"
        raise InputError("gpus", f"{what} does not fit in memory on {planned:,} GPUs; smallest change: {changes}")
    found = smallest_fit(problem)
    if found is None:
        raise InputError("gpu", f"{what} fits on no number of {rates.accelerator} GPUs in any layout")
    # The layout that fits keeps fitting on any multiple of its model-parallel group (ZeRO shards
    # over more data-parallel ranks, activations stay): take the first such count of whole nodes.
    m = found[1].memory
    unit = math.lcm(m.tp * m.pp * m.ep, rates.per_node)
    count = unit * math.ceil(max(planned, found[0]) / unit)
    refit = estimate(catalog=catalog, **{**fields, "gpus": count})
    memory = refit.memory
    if memory is None or memory.fits is not True:
        raise InputError("gpus", f"{what} does not fit in memory on {count:,} GPUs")
    why = f"the plan's {planned:,} GPUs raised to {count:,}, the fewest whole nodes on which a layout fits in memory"
    noted = memory.model_copy(update={"notes": (*memory.notes, why)})
    return dataclasses.replace(refit, memory=noted), count


def _estimate(catalog: Catalog, fields: dict[str, Any], binding: str, *, given_params: bool, given_gpus: bool) -> Any:
    """The plan's estimate; a count the plan derived that the estimator refuses blames the budget or deadline."""
    try:
        return estimate(catalog=catalog, **fields)
    except InputError as err:
        derived = {"params": not given_params, "tokens": True, "gpus": not given_gpus}
        if not derived.get(err.field, False):
            raise
        cause = "deadline" if err.field == "gpus" else binding
        implied = f"{_shown(fields[err.field])} {err.field}" if err.field in fields else err.field
        message = f"the plan would need {implied}, beyond what costcalc estimates ({err.message})"
        raise InputError(cause, message) from None


def _fixed_size(spec: ModelSpec | None, params: Any) -> tuple[float, bool] | None:
    """The active parameters (and MoE) of a model the question fixes, else None."""
    if spec is not None:
        return float((spec.active_params or spec.params).m_as("parameter")), spec.active_params is not None
    return None if params is None else (float(_checked(ParamCount, params, "params").m_as("parameter")), False)


def _limits(budget: Any, deadline: Any, rates: Rates) -> tuple[dict[str, Limit], list[str], float | None]:
    """The compute each of the budget and the deadline allows, the question in words, the deadline."""
    limits: dict[str, Limit] = {}
    if budget is not None:
        limits["budget"] = _budget_limit(budget, rates)
    question = [lim.question for lim in limits.values()]
    deadline_hours = None if deadline is None else _hours(deadline)
    if deadline_hours is not None:
        question.append(f"{deadline_hours / HOURS_PER_DAY:g} days")
        if rates.gpus is not None:
            limits["deadline"] = Limit(rates.gpus * deadline_hours * rates.flops_per_gpu_hour, rates.mfu_range,
                                       question[-1])  # fmt: skip
        elif "budget" not in limits:
            raise InputError(
                "deadline", "a deadline alone needs a GPU count, a budget, or a model (--model or --params)"
            )
    return limits, question, deadline_hours


def _fixed_compute(
    rates: Rates, spec: ModelSpec | None, params: Any, tokens: float | None, deadline: Any, mfu: Any, price: Any,
    catalog: Catalog,
) -> Plan:  # fmt: skip
    """A fixed model on fixed tokens: the GPUs a deadline needs, or the time a GPU count takes."""
    fields: dict[str, Any] = {"gpu": rates.hardware}
    fields.update(
        {"model": spec.name}
        if spec is not None
        else {"params": float(_checked(ParamCount, params, "params").m_as("parameter"))}
    )
    if tokens is not None:
        fields["tokens"] = tokens
    fields.update({k: v for k, v in (("mfu", mfu), ("price", price)) if v is not None})
    base = estimate(catalog=catalog, **fields)
    n = float(base.scenario.params.m_as("parameter"))
    d = float(base.scenario.tokens.m_as("token"))
    what = f"{spec.name if spec is not None else format_count(n) + ' parameters'} on {format_count(d)} tokens"
    if rates.gpus is not None:
        question = [what, f"{int(rates.gpus):,} GPUs"]
        return _planned(question, rates, {**fields, "tokens": d}, n, d, int(rates.gpus), "the GPUs set the time", None,
                        None, None, None, mfu, price, catalog)  # fmt: skip
    if deadline is None:
        raise InputError("deadline", "for a fixed model give a deadline (the GPUs it needs) or --gpus (the time)")
    hours = _hours(deadline)
    gpu_hours = base.gpu_hours.m_as("GPU_hour")
    span = base.ranges["gpu_hours"]
    per_node = rates.per_node
    count = _whole_nodes(gpu_hours / hours, per_node)
    low, high = (_whole_nodes(float(v.m_as("GPU_hour")) / hours, per_node) for v in (span.low, span.high))
    question, why = [what, f"{hours / HOURS_PER_DAY:g} days"], "the deadline sets the GPUs"
    return _planned(question, rates, {**fields, "tokens": d}, n, d, count, why, None, None, None,
                    (float(low), float(high)), mfu, price, catalog)  # fmt: skip


def _whole_nodes(gpus: float, per_node: int) -> int:
    """The GPU count rounded up to whole nodes, so that a parallel layout can use it."""
    return max(1, math.ceil(gpus / per_node)) * per_node


def _check_question(budget: Any, deadline: Any, scaling: str, params: Any, model: Any, gpus: Any) -> None:
    fixed_model = params is not None or model is not None
    if budget is None and deadline is None and not (fixed_model and gpus is not None):
        raise InputError("budget", "give a budget (e.g. 2M USD), a deadline (e.g. 30 days), or a model and --gpus")
    if scaling not in ("hoffmann", "besiroglu"):
        raise InputError("scaling", f"expected hoffmann or besiroglu, got {scaling!r}")
    if params is not None and model is not None:
        raise InputError("params", "give either params or a model preset, not both")


@dataclass(frozen=True)
class Rates:
    """What a GPU-hour buys on the chosen hardware, by the defaults an estimate would use."""

    hardware: str
    accelerator: str
    gpus: float | None
    flops_per_gpu_hour: float
    price: float | None
    mfu_range: tuple[float, float]
    price_range: tuple[float, float]
    #: GPUs per node: a node preset's, else 8 (a bare accelerator's usual server); a derived count is whole nodes.
    per_node: int = 8


@dataclass(frozen=True)
class Limit:
    """A limit on training compute (FLOPs), its range as factors, and how the question put it."""

    flops: float
    factors: tuple[float, float]
    question: str


def _rates(gpu: str | None, gpus: Any, mfu: Any, price: Any, catalog: Catalog, *, size: float, moe: bool) -> Rates:
    """The hardware, efficiency and price, by the same functions an estimate resolves them with.

    The efficiency is the calibrated one for ``size`` active parameters, of 6·N·D FLOPs (the count the
    plan allocates with) on the bf16 peak.
    """
    hardware = resolve_hardware(gpu, catalog)
    fixed_gpus = None if gpus is None else _checked(GpuCount, gpus, "gpus")
    if fixed_gpus is not None and np.asarray(fixed_gpus.magnitude).size > 1:
        raise InputError("gpus", "a plan takes one GPU count, not a list")
    given = None if mfu is None else _input("mfu", mfu)
    efficiency = resolve_efficiency(given, hardware.accelerator, catalog, flop_params=Q_(size, "parameter"), moe=moe)
    cost = resolve_price(None if price is None else _input("price", price), hardware.accelerator, catalog)
    _, peak, _, _ = resolve_dtype(None, hardware.accelerator)
    assert efficiency.value is not None
    return Rates(
        hardware=hardware.name,
        accelerator=hardware.accelerator.name,
        gpus=None if fixed_gpus is None else float(fixed_gpus.m_as("GPU")),
        flops_per_gpu_hour=float(runtime.flops_per_gpu_hour(peak, efficiency.value).m_as("FLOP/GPU_hour")),
        price=None if cost.value is None else float(cost.value.m_as("USD/GPU/hour")),
        mfu_range=efficiency.range or (1.0, 1.0),
        price_range=cost.range or (1.0, 1.0),
        per_node=hardware.node.count if hardware.node is not None else 8,
    )


#: The largest budget of each kind: far beyond any real run, and results stay finite floats.
MAX_BUDGET = {"USD": 1e15, "FLOP": 1e35, "GPU_hour": 1e13}
MIN_DEADLINE_HOURS, MAX_DEADLINE_HOURS = 1 / 60, 100 * 365.25 * 24


def _hours(deadline: Any) -> float:
    hours = float(_checked(QuantityOf("hour", scalar=True), deadline, "deadline").m)
    if not MIN_DEADLINE_HOURS <= hours <= MAX_DEADLINE_HOURS:
        raise InputError("deadline", f"expected a duration from 1 minute to 100 years, got {hours:.3g} h")
    return hours


def _figure(value: float) -> str:
    """Every digit of large amounts (2,000,000), significant figures of small ones (0.5)."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _budget_limit(budget: Any, rates: Rates) -> Limit:
    """The FLOPs a budget in dollars, GPU-hours or FLOPs buys, with its range."""
    numeric = isinstance(budget, int | float | np.integer | np.floating) and not isinstance(budget, bool)
    kind = "USD" if numeric else _budget_kind(budget)
    amount = _checked(QuantityOf(kind, scalar=True, maximum=MAX_BUDGET[kind]), budget, "budget")
    lo_mfu, hi_mfu = rates.mfu_range
    if kind == "USD":
        if rates.price is None:
            raise InputError("price", f"no price for {rates.accelerator}: give --price to plan a dollar budget")
        hours = float(amount.m_as("USD")) / rates.price
        lo_price, hi_price = rates.price_range
        factors = (_quad(lo_mfu, 1 / hi_price), _quad(hi_mfu, 1 / lo_price, high=True))
        return Limit(hours * rates.flops_per_gpu_hour, factors, f"{_figure(float(amount.m))} USD")
    if kind == "GPU_hour":
        flops = float(amount.m_as("GPU_hour")) * rates.flops_per_gpu_hour
        return Limit(flops, (lo_mfu, hi_mfu), f"{_figure(float(amount.m))} GPU-hours")
    return Limit(float(amount.m_as("FLOP")), (1.0, 1.0), f"{float(amount.m):.3g} FLOP")


def _allocation(
    limit: Limit, spec: ModelSpec | None, params: Any, tokens: float | None, scaling: Scaling
) -> tuple[float, float, tuple[float, float] | None, tuple[float, float] | None, str | None]:
    """Parameters and tokens for the compute: compute-optimal, the most tokens for a fixed model,
    or the largest model for fixed tokens (N = C / 6D)."""
    low_f, high_f = limit.factors
    fixed = float(spec.params.m) if spec is not None else None
    if fixed is None and params is not None:
        fixed = float(_checked(ParamCount, params, "params").m)
    if fixed is not None:
        if tokens is not None:
            raise InputError("tokens", "with a budget, fix the model or the tokens, not both")
        active = float(spec.active_params.m) if spec is not None and spec.active_params is not None else fixed
        d = float(dense_training_tokens(limit.flops, active))
        return fixed, d, None, (d * low_f, d * high_f), None
    if tokens is not None:
        n = float(dense_training_tokens(limit.flops, tokens))  # N = C / 6D, the same relation solved for N
        return n, tokens, (n * low_f, n * high_f), None, None
    n, d = allocate(limit.flops, scaling)
    n_low, d_low = allocate(limit.flops * low_f, scaling)
    n_high, d_high = allocate(limit.flops * high_f, scaling)
    return n, d, (n_low, n_high), (d_low, d_high), scaling


def _gpu_count(
    rates: Rates, limit: Limit, deadline_hours: float | None
) -> tuple[int | None, tuple[float, float] | None]:
    """The GPU count: given, or the fewest that finish the compute by the deadline (with its range)."""
    if rates.gpus is not None:
        return int(rates.gpus), None
    if deadline_hours is None:
        return None, None
    gpus = limit.flops / rates.flops_per_gpu_hour / deadline_hours
    low_f, high_f = limit.factors

    def whole(count: float) -> int:  # rounded up to whole nodes of a node preset, at least one
        return max(1, math.ceil(count / rates.per_node)) * rates.per_node

    return whole(gpus), (float(whole(gpus * low_f)), float(whole(gpus * high_f)))


def _checked(marker: QuantityOf, value: Any, field: str) -> Any:
    """Validate one value with a field marker, reporting like the estimator does."""
    try:
        return marker.validate(value, field)
    except ValueError as err:
        raise InputError(field, str(err)) from None


def _input(name: str, value: Any) -> Any:
    """Validate one estimate input by its field's own marker (units and bounds)."""
    marker = quantity_marker(name)
    assert marker is not None, name
    return _checked(marker, value, name)


def _quad(a: float, b: float, *, high: bool = False) -> float:
    """Two independent multiplicative range ends combined in quadrature of their logs."""
    spread = math.sqrt(math.log(a) ** 2 + math.log(b) ** 2)
    return math.exp(spread if high else -spread)


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
