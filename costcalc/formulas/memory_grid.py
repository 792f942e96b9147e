"""Training memory over a grid of parameter counts and GPU counts, vectorised with numpy.

The same formulas as ``costcalc.formulas.memory.breakdown`` (ZeRO model states, Korthikanti
activations, the overhead allowance), evaluated for many scenarios and many layouts at once: one
array operation per layout, none per scenario. A sweep of 10,000 points over a few dozen layouts
takes milliseconds instead of 10,000 layout searches.
"""

from __future__ import annotations

import numpy as np

from costcalc.formulas.memory import (
    OVERHEAD_FIXED_BYTES,
    OVERHEAD_FRACTION,
    MemoryOptions,
    first_stage_activations,
    state_bytes_per_param,
    zero_model_state_bytes,
)
from costcalc.schemas import ModelSpec

__all__ = ["grid_memory"]


def grid_memory(
    spec: ModelSpec | None,
    params: np.ndarray,
    expert_params: float,
    gpus: np.ndarray,
    layouts: list[MemoryOptions],
    *,
    dtype: str = "bf16",
) -> tuple[np.ndarray, bool]:
    """The least per-GPU memory over ``layouts`` at each (params, gpus) point, and whether it is exact.

    For each layout: N_d = gpus / (t·p), valid where t·p divides the GPU count (and e divides N_d);
    model states by ``zero_model_state_bytes`` (routed experts, ``expert_params`` of them, over
    t·p·e ranks and sharded over N_d / e); activations by ``activation_bytes_per_layer``; the
    overhead allowance on top. Without a shape the activations are unknown and the result is the
    model-state lower bound (the second value is then False). Points no layout can use get +inf.
    """
    params = np.asarray(params, dtype=float)
    gpus = np.asarray(gpus, dtype=float)
    best = np.full(np.broadcast(params, gpus).shape, np.inf)
    exact = True
    for o in layouts:
        t, p, e = o.tp, o.pp, o.ep
        dp = gpus / (t * p)
        valid = (gpus % (t * p) == 0) & (dp >= 1) & (np.floor(dp) % e == 0)
        weight_b, grad_b, k = state_bytes_per_param(dtype, o.optimizer, o.grad_dtype, o.master_weights)
        shard = np.maximum(dp, 1.0)
        dense = zero_model_state_bytes((params - expert_params) / (t * p), shard, o.zero, param_bytes=weight_b,
                                       grad_bytes=grad_b, k=k)  # fmt: skip
        experts = zero_model_state_bytes(expert_params / (t * p * e), np.maximum(shard / e, 1.0), o.zero,
                                         param_bytes=weight_b, grad_bytes=grad_b, k=k)  # fmt: skip
        states = sum(dense) + sum(experts)
        seq_len = o.seq_len or (spec.seq_len if spec is not None else None)
        activations = first_stage_activations(spec, o, seq_len, 2.0 if dtype in ("fp32", "tf32") else 1.0)
        exact = exact and activations is not None
        rest = states + (activations or 0.0)
        total = rest + OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * rest
        best = np.where(valid, np.minimum(best, total), best)
    return best, exact
