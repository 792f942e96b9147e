"""The vectorised memory check against the per-layout breakdown it must reproduce, point by point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from costcalc.data.catalog import Catalog
from costcalc.formulas.memory import MemoryOptions, breakdown, expert_params, model_state_lower_bound
from costcalc.formulas.memory_grid import grid_memory
from costcalc.schemas import ModelSpec

#: l = 2, d = 64, n_h = 4, d_ff = 128, V = 100, s = 16; the MoE variant: one dense layer and 4
#: routed experts of d_ff = 32 (1·4·3·64·32 = 24,576 routed parameters).
TINY = {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": None, "head_dim": None, "ffn": 128, "vocab": 100,
        "seq_len": 16, "mlp": "gated"}  # fmt: skip
MOE = {"experts": 4, "experts_per_token": 1, "expert_ffn": 32, "dense_layers": 1}
GPUS = np.array([1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0])


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def _spec(catalog: Catalog, **update: object) -> ModelSpec:
    return catalog.model("llama-2-7b").model_copy(update={**TINY, **update})


def _expected(spec: ModelSpec | None, params: float, gpus: float, options: MemoryOptions, catalog: Catalog,
              dtype: str) -> float:  # fmt: skip
    """breakdown's total (or, without a shape, its lower bound) where the layout is valid, else +inf."""
    t, p, e = options.tp, options.pp, options.ep
    if gpus % (t * p) or gpus < t * p or (gpus // (t * p)) % e:
        return math.inf
    m = breakdown(spec, params, catalog.accelerator("a100"), int(gpus), options, dtype=dtype)
    return m.total if m.total is not None else model_state_lower_bound(m.states)


@pytest.mark.parametrize(
    ("options", "moe", "dtype"),
    [
        (MemoryOptions(), False, "bf16"),
        (MemoryOptions(zero=0, attention="eager"), False, "bf16"),
        (MemoryOptions(zero=2, tp=2, sp=True), False, "bf16"),
        (MemoryOptions(zero=3, pp=2, micro_batch=2, recompute="full"), False, "fp32"),
        (MemoryOptions(zero=1, tp=2, pp=2, grad_dtype="fp32", optimizer="adam8bit"), False, "bf16"),
        (MemoryOptions(zero=3, seq_len=32), False, "tf32"),
        (MemoryOptions(zero=1, ep=2), True, "bf16"),
        (MemoryOptions(zero=1, ep=2, pp=2), True, "bf16"),
        (MemoryOptions(zero=3, ep=4, master_weights="none"), True, "bf16"),
    ],
)
def test_grid_matches_breakdown_point_by_point(catalog: Catalog, options: MemoryOptions, moe: bool, dtype: str) -> None:
    """Each layout alone: the grid's value at (Ψ, N) is breakdown's total, +inf where t·p does not
    divide N, N < t·p, or e does not divide N_d (Ψ = 1e6 and 1e9 against the GPU counts)."""
    spec = _spec(catalog, **MOE) if moe else _spec(catalog)
    routed = expert_params(spec) if moe else 0.0
    params = np.array([[1e6], [1e9]])
    got, exact = grid_memory(spec, params, routed, GPUS, [options], dtype=dtype)
    assert exact and got.shape == (2, len(GPUS))
    for i, n in enumerate(params[:, 0]):
        for j, g in enumerate(GPUS):
            assert got[i, j] == pytest.approx(_expected(spec, float(n), float(g), options, catalog, dtype), rel=1e-12)


def test_grid_takes_the_least_over_layouts_and_bounds_without_a_shape(catalog: Catalog) -> None:
    """Over several layouts the least total; without a shape the model-state bound, 1.1·states + 2 GB
    (ZeRO-1 on 8 GPUs: 1.1·(2 + 2 + 12/8)·1e9 + 2e9 = 8.05e9), not exact."""
    spec = _spec(catalog)
    layouts = [MemoryOptions(), MemoryOptions(tp=2), MemoryOptions(zero=3)]
    got, _ = grid_memory(spec, np.array([1e9]), 0.0, np.array([8.0]), layouts)
    each = [_expected(spec, 1e9, 8.0, o, catalog, "bf16") for o in layouts]
    assert got[0] == pytest.approx(min(each), rel=1e-12) and min(each) < max(each)
    bound, exact = grid_memory(None, np.array([1e9]), 0.0, np.array([8.0]), [MemoryOptions()])
    assert not exact and bound[0] == pytest.approx(8.05e9, rel=1e-12)
    none, _ = grid_memory(spec, np.array([1e9]), 0.0, np.array([3.0]), [MemoryOptions(tp=2)])
    assert none[0] == math.inf
