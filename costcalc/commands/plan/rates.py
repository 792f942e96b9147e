"""What a GPU-hour buys on the chosen hardware, and the compute each limit of a question allows."""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.commands.plan.question import Question
from costcalc.data.catalog import Catalog
from costcalc.estimator.compute import combine
from costcalc.estimator.efficiency import resolve_dtype, resolve_efficiency
from costcalc.estimator.resolve import resolve_hardware, resolve_price
from costcalc.formulas import runtime

__all__ = ["NODE_GPUS", "PEAK_EFFICIENCY", "Limit", "Rates", "limits", "rates"]

#: GPUs per node of a bare accelerator: its usual server (HGX/DGX boards hold 8).
NODE_GPUS = 8
#: The efficiency of the fixed point's first round: the peak, so the first model is the largest the compute allows.
PEAK_EFFICIENCY = Q_(1.0, "")


@dataclass(frozen=True)
class Rates:
    """The hardware, efficiency and price a plan prices compute with, as an estimate would resolve them."""

    hardware: str
    accelerator: str
    gpus: Quantity | None
    peak: Quantity
    efficiency: Quantity
    price: Quantity | None
    mfu_range: tuple[float, float]
    price_range: tuple[float, float]
    #: GPUs per node: a node preset's, else ``NODE_GPUS``; a derived count is whole nodes.
    per_node: int = NODE_GPUS


@dataclass(frozen=True)
class Limit:
    """A limit on training compute, its range as multiplicative factors, and how the question put it."""

    flops: Quantity
    factors: tuple[float, float]
    words: str


def rates(q: Question, catalog: Catalog, *, size: Quantity | None, moe: bool = False) -> Rates:
    """The hardware, efficiency and price, by the same functions an estimate resolves them with.

    The efficiency is the calibrated one for ``size`` active parameters, of 6·N·D FLOPs (the count the
    plan allocates with) on the bf16 peak; with no size yet (the fixed point's first round) it is the
    peak, ``PEAK_EFFICIENCY``. A given ``mfu`` is used as is.
    """
    hardware = resolve_hardware(q.inputs.gpu, catalog)
    if q.inputs.mfu is not None:  # given: taken as exact, whatever the size
        efficiency, mfu_range = q.inputs.mfu, (1.0, 1.0)
    elif size is None:
        efficiency, mfu_range = PEAK_EFFICIENCY, (1.0, 1.0)
    else:
        resolved = resolve_efficiency(None, hardware.accelerator, catalog, flop_params=size, moe=moe)
        assert resolved.value is not None
        efficiency, mfu_range = resolved.value, resolved.range or (1.0, 1.0)
    cost = resolve_price(q.inputs.price, hardware.accelerator, catalog)
    _, peak, _, _ = resolve_dtype(None, hardware.accelerator)
    return Rates(
        hardware=hardware.name,
        accelerator=hardware.accelerator.name,
        gpus=q.inputs.gpus,
        peak=peak,
        efficiency=efficiency,
        price=cost.value,
        mfu_range=mfu_range,
        price_range=cost.range or (1.0, 1.0),
        per_node=hardware.node.count if hardware.node is not None else NODE_GPUS,
    )


def limits(q: Question, r: Rates) -> dict[str, Limit]:
    """The compute each of the budget and the deadline allows (the deadline only on a fixed GPU count;
    ``question`` has made sure there is at least one)."""
    found: dict[str, Limit] = {}
    if q.budget is not None:
        found["budget"] = _budget_limit(q, r)
    if q.deadline is not None and r.gpus is not None:
        hours = runtime.held_gpu_hours(r.gpus, q.deadline)
        found["deadline"] = Limit(runtime.trainable_flops(hours, r.peak, r.efficiency), r.mfu_range, q.deadline_words)
    return found


def _budget_limit(q: Question, r: Rates) -> Limit:
    """The FLOPs a budget in dollars, GPU-hours or FLOPs buys, with its range."""
    assert q.budget is not None
    budget = q.budget
    if budget.kind == "FLOP":
        return Limit(budget.amount, (1.0, 1.0), budget.words)
    if budget.kind == "GPU_hour":
        return Limit(runtime.trainable_flops(budget.amount, r.peak, r.efficiency), r.mfu_range, budget.words)
    if r.price is None:
        raise InputError("price", f"no price for {r.accelerator}: give `price` to plan a dollar budget")
    hours = runtime.gpu_hours_for_cost(budget.amount, r.price)
    low_price, high_price = r.price_range  # a higher price buys fewer hours, so the price range flips
    factors = combine([r.mfu_range, (1 / high_price, 1 / low_price)])
    return Limit(runtime.trainable_flops(hours, r.peak, r.efficiency), factors, budget.words)
