"""Training memory over a grid of parameter counts and GPU counts, vectorised with numpy.

The same formulas as ``costcalc.formulas.memory.breakdown`` (ZeRO model states, Korthikanti
activations, the overhead allowance), evaluated for many scenarios and many layouts at once: a few
array operations per layout, none per scenario, over only the points whose GPU count the layout
divides (found once per t·p and e), and on a number, not an array, where the parameter count is
the same throughout. A sweep of 10,000 points over a few dozen layouts takes milliseconds instead
of 10,000 layout searches.
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
    shape = np.broadcast(params, gpus).shape
    best = np.full(int(np.prod(shape)), np.inf)
    gpus_all = np.broadcast_to(gpus, shape).ravel()
    # One parameter count throughout (a sweep over anything but params): a number, not an array.
    one = params.size > 0 and bool(np.all(params == params.flat[0]))
    params_all: np.ndarray | float = float(params.flat[0]) if one else np.broadcast_to(params, shape).ravel()
    exact = True
    points: dict[tuple[int, int], np.ndarray | slice] = {}
    for o in layouts:
        t, p, e = o.tp, o.pp, o.ep
        at = points.get((t * p, e))
        if at is None:
            at = points[(t * p, e)] = _usable(gpus_all, t * p, e)
        count = gpus_all[at]
        if count.size == 0:
            continue
        shard = count / (t * p)  # N_d >= 1 at every usable point
        chosen = params_all if one else params_all[at]  # type: ignore[index]
        weight_b, grad_b, k = state_bytes_per_param(dtype, o.optimizer, o.grad_dtype, o.master_weights)
        states = sum(zero_model_state_bytes((chosen - expert_params) / (t * p), shard, o.zero,
                                            param_bytes=weight_b, grad_bytes=grad_b, k=k))  # fmt: skip
        if expert_params:
            routed = zero_model_state_bytes(expert_params / (t * p * e), np.maximum(shard / e, 1.0), o.zero,
                                            param_bytes=weight_b, grad_bytes=grad_b, k=k)  # fmt: skip
            states = states + sum(routed)
        seq_len = o.seq_len or (spec.seq_len if spec is not None else None)
        activations = first_stage_activations(spec, o, seq_len, 2.0 if dtype in ("fp32", "tf32") else 1.0)
        exact = exact and activations is not None
        rest = states + (activations or 0.0)
        total = rest + OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * rest
        best[at] = np.minimum(best[at], total)
    return best.reshape(shape), exact


def _usable(gpus: np.ndarray, model_parallel: int, experts: int) -> np.ndarray | slice:
    """Where a layout of ``model_parallel`` = t·p GPUs per replica and ``experts`` = e can run:
    t·p divides the GPU count, N_d = gpus / (t·p) >= 1 and e divides N_d (every point: a slice)."""
    if model_parallel == 1 and experts == 1 and bool(np.all(gpus >= 1)) and bool(np.all(gpus == np.floor(gpus))):
        return slice(None)
    dp = np.floor(gpus / model_parallel)  # whole GPU counts: exact below 2**53, as gpus % (t·p) is
    usable = (dp * model_parallel == gpus) & (dp >= 1)
    if experts > 1:
        usable &= dp % experts == 0
    return np.flatnonzero(usable)
