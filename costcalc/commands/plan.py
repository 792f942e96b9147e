"""``costcalc plan``: inverse questions. What does a budget buy, and how many GPUs meet a deadline?

Budget -> FLOPs: dollars / price = GPU-hours; GPU-hours x peak x MFU = FLOPs. FLOPs ->
model: the compute-optimal parameters and tokens (``costcalc.formulas.scaling``), or, for a given
parameter count, the most tokens the FLOPs buy (D = C / 6N). Deadline -> GPUs: GPU-hours /
deadline hours, rounded up. Every answer is then run through ``costcalc.estimate`` as a scenario
you can rerun, so plan and estimate cannot disagree.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from costcalc.base.errors import InputError
from costcalc.base.fields import QuantityOf
from costcalc.base.parse import to_quantity
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import GpuCount, ParamCount, quantity_marker
from costcalc.estimator.resolve import resolve_dtype, resolve_efficiency, resolve_hardware, resolve_price
from costcalc.estimator.result import Estimate
from costcalc.formulas import runtime
from costcalc.formulas.runtime import HOURS_PER_DAY
from costcalc.formulas.scaling import Scaling, allocate

__all__ = ["Plan", "plan"]


class Plan(BaseModel):
    """A plan: the scenario the question implies, its estimate, and the command to rerun it."""

    model_config = ConfigDict(frozen=True)

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


def _budget_kind(budget: str | Any) -> str:
    for unit, kind in (("USD", "USD"), ("FLOP", "FLOP"), ("GPU_hour", "GPU_hour")):
        try:
            to_quantity(budget, "budget", unit)
            return kind
        except InputError:
            continue
    raise InputError("budget", "expected dollars (2M USD), FLOPs (5.76e23 FLOP) or GPU-hours (1e6 GPU*h)")


def plan(
    budget: Any = None,
    *,
    deadline: Any = None,
    gpu: str | None = None,
    gpus: Any = None,
    params: Any = None,
    model: str | None = None,
    mfu: Any = None,
    price: Any = None,
    scaling: Scaling = "hoffmann",
    presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
) -> Plan:
    """Answer "what can I train for this budget, by this deadline, on this hardware".

    ``budget``: dollars, FLOPs or GPU-hours (a number is taken as dollars). ``deadline``: a
    duration ("30 days"). At least one of them. ``params`` or ``model`` fixes the model and asks
    for the most tokens instead of the compute-optimal split. ``scaling``: ``hoffmann`` (20
    tokens per parameter) or ``besiroglu`` (Besiroglu et al. 2024's refit).
    """
    catalog = catalog or default_catalog(presets)
    if budget is None and deadline is None:
        raise InputError("budget", "give a budget (e.g. 2M USD), a deadline (e.g. 30 days), or both")
    if scaling not in ("hoffmann", "besiroglu"):
        raise InputError("scaling", f"expected hoffmann or besiroglu, got {scaling!r}")
    if params is not None and model is not None:
        raise InputError("params", "give either params or a model preset, not both")
    # The hardware, efficiency and price, by the same functions an estimate resolves them with.
    hardware = resolve_hardware(gpu, catalog)
    fixed_gpus = None if gpus is None else _checked(GpuCount, gpus, "gpus")
    if fixed_gpus is not None and np.asarray(fixed_gpus.magnitude).size > 1:
        raise InputError("gpus", "a plan takes one GPU count, not a list")
    mfu_default = resolve_efficiency(None if mfu is None else _input("mfu", mfu), hardware.accelerator, catalog)
    price_default = resolve_price(None if price is None else _input("price", price), hardware.accelerator, catalog)
    _, peak, _ = resolve_dtype(None, hardware.accelerator)
    assert mfu_default.value is not None
    rate = float(runtime.flops_per_gpu_hour(peak, mfu_default.value).m_as("FLOP/GPU_hour"))
    lo_mfu, hi_mfu = mfu_default.range or (1.0, 1.0)
    lo_price, hi_price = price_default.range or (1.0, 1.0)

    limits: dict[str, tuple[float, tuple[float, float]]] = {}  # name -> (FLOPs, (low, high) factors)
    question = []
    if budget is not None:
        value = float(budget) if isinstance(budget, int | float) else budget
        kind = "USD" if isinstance(value, float) else _budget_kind(value)
        amount = to_quantity(value, "budget", kind)
        if float(amount.m) <= 0 or not math.isfinite(float(amount.m)):
            raise InputError("budget", "expected a positive finite amount")
        if kind == "USD":
            if price_default.value is None:
                raise InputError(
                    "price", f"no price for {hardware.accelerator.name}: give --price to plan a dollar budget"
                )
            hours = float(amount.m_as("USD")) / float(price_default.value.m_as("USD/GPU/hour"))
            factors = (_quad(lo_mfu, 1 / hi_price), _quad(hi_mfu, 1 / lo_price, high=True))
            limits["budget"] = (hours * rate, factors)
            question.append(f"{float(amount.m):,.0f} USD")
        elif kind == "GPU_hour":
            limits["budget"] = (float(amount.m_as("GPU_hour")) * rate, (lo_mfu, hi_mfu))
            question.append(f"{float(amount.m):,.0f} GPU-hours")
        else:
            limits["budget"] = (float(amount.m_as("FLOP")), (1.0, 1.0))
            question.append(f"{float(amount.m):.3g} FLOP")
    deadline_hours = None
    if deadline is not None:
        deadline_hours = float(to_quantity(deadline, "deadline", "hour").m)
        if deadline_hours <= 0 or not math.isfinite(deadline_hours):
            raise InputError("deadline", "expected a positive duration such as 30 days")
        question.append(f"{deadline_hours / HOURS_PER_DAY:g} days")
        if fixed_gpus is not None:
            count = float(fixed_gpus.m_as("GPU"))
            limits["deadline"] = (count * deadline_hours * rate, (lo_mfu, hi_mfu))
        elif "budget" not in limits:
            raise InputError("gpus", "a deadline alone needs a GPU count (or give a budget too)")
    binding = min(limits, key=lambda k: limits[k][0])
    compute, (low_f, high_f) = limits[binding]

    spec = catalog.model(model) if model is not None else None
    fixed_params = None
    if spec is not None:
        fixed_params = float(spec.params.m)
    elif params is not None:
        fixed_params = float(_checked(ParamCount, params, "params").m)
    if fixed_params is not None:
        active = float(spec.active_params.m) if spec is not None and spec.active_params is not None else fixed_params
        n, d = fixed_params, compute / (6 * active)
        n_range, d_range = None, (d * low_f, d * high_f)
        used_scaling = None
    else:
        n, d = allocate(compute, scaling)
        n_low, d_low = allocate(compute * low_f, scaling)
        n_high, d_high = allocate(compute * high_f, scaling)
        n_range, d_range = (n_low, n_high), (d_low, d_high)
        used_scaling = scaling

    gpu_count: int | None = None if fixed_gpus is None else int(float(fixed_gpus.m_as("GPU")))
    gpus_range = None
    if gpu_count is None and deadline_hours is not None:
        hours_needed = compute / rate
        gpu_count = max(1, math.ceil(hours_needed / deadline_hours))
        gpus_range = (
            max(1.0, math.ceil(hours_needed / deadline_hours * low_f)),
            math.ceil(hours_needed / deadline_hours * high_f),
        )
    fields: dict[str, Any] = {"gpu": hardware.name, "tokens": d}
    if spec is not None:
        fields["model"] = spec.name
    else:
        fields["params"] = n
    if gpu_count is not None:
        fields["gpus"] = gpu_count
    for name, given in (("mfu", mfu), ("price", price)):
        if given is not None:
            fields[name] = given
    result = estimate(catalog=catalog, **fields)
    command = "costcalc estimate " + " ".join(
        f"--{k.replace('_', '-')} {shlex.quote(_shown(v))}" for k, v in fields.items()
    )
    return Plan(
        question=" and ".join(question) + f" on {hardware.name}",
        params=n,
        tokens=d,
        gpus=gpu_count,
        flops=float(result.flops.m_as("FLOP")),
        binding=binding,
        scaling=used_scaling,
        range={"params": n_range, "tokens": d_range, "gpus": gpus_range},
        command=command,
        estimate=result,
    )


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
