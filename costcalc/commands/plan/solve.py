"""From a limit on compute to a model, its tokens and a GPU count: the allocation and the whole-node count."""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.base.errors import InputError
from costcalc.base.units import Quantity
from costcalc.commands.plan.rates import Limit
from costcalc.formulas import runtime
from costcalc.formulas.scaling import Scaling, compute_optimal

__all__ = ["Allocation", "Span", "allocation", "gpu_count", "spread"]

#: A range on a quantity: (low, high).
Span = tuple[Quantity, Quantity]


@dataclass(frozen=True)
class Allocation:
    """Parameters and tokens for a compute limit, their ranges, and the rule that split them (if any)."""

    params: Quantity
    tokens: Quantity
    params_range: Span | None
    tokens_range: Span | None
    scaling: Scaling | None


def spread(value: Quantity, factors: tuple[float, float]) -> Span:
    """A value's range from multiplicative factors (low, high)."""
    return value * factors[0], value * factors[1]


def allocation(
    limit: Limit, *, params: Quantity | None, active: Quantity | None, tokens: Quantity | None, scaling: Scaling
) -> Allocation:
    """Parameters and tokens for the compute: the most tokens for a fixed model (D = C / 6N, ``active``
    parameters doing the work), the largest model for fixed tokens (N = C / 6D), or the compute-optimal
    split under ``scaling``."""
    if params is not None:
        if tokens is not None:
            raise InputError("tokens", "with a budget, fix the model or the tokens, not both")
        d = runtime.tokens_for_compute(limit.flops, active if active is not None else params)
        return Allocation(params, d, None, spread(d, limit.factors), None)
    if tokens is not None:
        n = runtime.params_for_compute(limit.flops, tokens)
        return Allocation(n, tokens, spread(n, limit.factors), None, None)
    n, d = compute_optimal(limit.flops, scaling)
    n_low, d_low = compute_optimal(limit.flops * limit.factors[0], scaling)
    n_high, d_high = compute_optimal(limit.flops * limit.factors[1], scaling)
    return Allocation(n, d, (n_low, n_high), (d_low, d_high), scaling)


def gpu_count(gpu_hours: Quantity, hours_range: Span, deadline: Quantity, per_node: int) -> tuple[Quantity, Span]:
    """The fewest GPUs, in whole nodes, that finish ``gpu_hours`` by the deadline, and the same for
    each end of the GPU-hours range."""

    def count(hours: Quantity) -> Quantity:
        return runtime.whole_nodes(runtime.gpus_for_deadline(hours, deadline), per_node)

    return count(gpu_hours), (count(hours_range[0]), count(hours_range[1]))
