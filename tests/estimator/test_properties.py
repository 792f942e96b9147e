"""Properties the engine must satisfy for every input, not only for the examples (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import costcalc
from costcalc.base.units import Q_
from costcalc.commands.plan import plan
from costcalc.data.catalog import Catalog
from costcalc.formulas.memory import MemoryOptions, breakdown

settings.register_profile("costcalc", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("costcalc")

params = st.floats(min_value=1e6, max_value=1e13, allow_nan=False, allow_infinity=False)
tokens = st.floats(min_value=1e8, max_value=1e15, allow_nan=False, allow_infinity=False)
gpus = st.integers(min_value=1, max_value=100_000)
mfu = st.floats(min_value=0.01, max_value=1.0)
price = st.floats(min_value=0.01, max_value=90.0)  # x factor (<= 100) stays under the 10,000 USD bound
factor = st.floats(min_value=1.01, max_value=100.0)
hardware = st.sampled_from(["a100", "a100-40gb", "h100", "h800", "mi300x", "b200", "v100", "dgx-a100"])


@given(params, tokens, factor, hardware)
def test_flops_and_gpu_hours_are_linear_in_tokens(n: float, d: float, k: float, gpu: str) -> None:
    one = costcalc.estimate(params=n, tokens=d, gpu=gpu, mfu=0.4)
    more = costcalc.estimate(params=n, tokens=d * k, gpu=gpu, mfu=0.4)
    assert (more.flops / one.flops).m_as("") == pytest.approx(k, rel=1e-9)
    assert (more.gpu_hours / one.gpu_hours).m_as("") == pytest.approx(k, rel=1e-9)


@given(params, price, factor)
def test_cost_is_linear_in_price(n: float, p: float, k: float) -> None:
    one = costcalc.estimate(params=n, price=p, mfu=0.3)
    more = costcalc.estimate(params=n, price=p * k, mfu=0.3)
    assert (more.cost / one.cost).m_as("") == pytest.approx(k, rel=1e-9)
    assert more.gpu_hours == one.gpu_hours


@given(params, tokens, st.integers(min_value=1, max_value=50_000), hardware)
def test_doubling_gpus_halves_wall_clock_and_keeps_gpu_hours(n: float, d: float, g: int, gpu: str) -> None:
    g *= 8 if gpu == "dgx-a100" else 1  # whole nodes
    one = costcalc.estimate(params=n, tokens=d, gpus=g, gpu=gpu)
    two = costcalc.estimate(params=n, tokens=d, gpus=2 * g, gpu=gpu)
    assert (two.wall_clock / one.wall_clock).m_as("") == pytest.approx(0.5, rel=1e-9)
    assert two.gpu_hours.m == pytest.approx(one.gpu_hours.m, rel=1e-12)


@given(params, tokens, gpus, mfu)
def test_number_string_and_quantity_agree(n: float, d: float, g: int, m: float) -> None:
    as_numbers = costcalc.estimate(params=n, tokens=d, gpus=g, mfu=m)
    as_strings = costcalc.estimate(params=f"{n!r} parameters", tokens=f"{d!r} tokens", gpus=str(g), mfu=f"{m * 100!r}%")
    as_quantities = costcalc.estimate(
        params=Q_(n / 1e9, "gigaparameter"), tokens=Q_(d / 1e12, "teratoken"), gpus=Q_(g, "GPU"), mfu=Q_(m, "")
    )
    for est in (as_strings, as_quantities):
        assert est.gpu_hours.m == pytest.approx(as_numbers.gpu_hours.m, rel=1e-9)
        assert est.wall_clock.m == pytest.approx(as_numbers.wall_clock.m, rel=1e-9)


@given(st.floats(min_value=1e-6, max_value=1e15, allow_nan=False), st.sampled_from(
    [("hour", "day"), ("GPU*hour", "GPU*day"), ("MWh", "GJ"), ("tCO2e", "kgCO2e"), ("USD/GPU/hour", "USD/GPU/day"),
     ("TFLOP/s", "PFLOPS"), ("GB", "GiB"), ("token", "teratoken")]))  # fmt: skip
def test_unit_round_trips(value: float, units: tuple[str, str]) -> None:
    a, b = units
    q = Q_(value, a)
    assert q.to(b).to(a).m == pytest.approx(value, rel=1e-12)
    assert costcalc.parse_quantity(f"{value!r} {a}", "x", a).m == pytest.approx(value, rel=1e-12)


@given(st.floats(min_value=1e4, max_value=1e9), hardware.filter(lambda h: h not in ("mi300x", "b200", "v100")),
       st.floats(min_value=1, max_value=365))  # fmt: skip
def test_plan_then_estimate_gives_back_the_budget(budget: float, gpu: str, days: float) -> None:
    p = plan(f"{budget!r} USD", deadline=f"{days!r} days", gpu=gpu)
    again = costcalc.estimate(params=p.params, tokens=p.tokens, gpu=gpu, gpus=p.gpus)
    assert again.cost.m_as("USD") == pytest.approx(budget, rel=1e-9)
    assert again.wall_clock.m_as("day") <= days * (1 + 1e-9)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@given(
    st.sampled_from(["LLaMA-2-7B", "LLaMA-2-70B", "Falcon-180B", "BLOOM-176B", "TinyLlama-1.1B"]),
    st.sampled_from([0, 1, 2, 3]),
    st.sampled_from([1, 2, 4, 8]),
    st.sampled_from(["none", "selective", "full"]),
    st.booleans(),
    st.sampled_from(["adamw", "adam8bit", "sgd"]),
)
def test_memory_is_positive_and_monotone_in_micro_batch(
    name: str, zero: int, tp: int, recompute: str, sp: bool, optimizer: str
) -> None:
    catalog = Catalog.load()
    spec, a100 = catalog.model(name), catalog.accelerator("a100")
    totals = []
    for micro_batch in (1, 2, 4, 8):
        options = MemoryOptions(zero=zero, tp=tp, sp=sp, micro_batch=micro_batch, recompute=recompute,
                                optimizer=optimizer)  # type: ignore[arg-type]  # fmt: skip
        m = breakdown(spec, float(spec.params.m), a100, 64, options)
        parts = [m.weights, m.gradients, m.optimizer, m.activations, m.overhead]
        assert all(part is not None and part >= 0 and math.isfinite(part) for part in parts)
        totals.append(m.total)
    assert totals == sorted(totals)
    assert np.all(np.diff(totals) > 0)


@st.composite
def shapes(draw: st.DrawFn) -> dict[str, int]:
    """Any shape the options accept, from tiny to huge: heads divide the width, kv heads the heads."""
    heads = draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]))
    head_dim = draw(st.sampled_from([8, 16, 64, 128, 256]))
    kv = draw(st.sampled_from([k for k in (1, 2, 4, 8, heads) if heads % k == 0]))
    return {
        "layers": draw(st.integers(min_value=1, max_value=200)),
        "hidden": heads * head_dim,
        "heads": heads,
        "kv_heads": kv,
        "vocab": draw(st.integers(min_value=1, max_value=300_000)),
    }


efficiency_hardware = st.sampled_from(["a100", "h100", "h800", "v100", "tpu-v3", "tpu-v4", "b200", "mi300x"])


@given(shapes(), st.integers(min_value=1, max_value=1_000_000), efficiency_hardware, st.booleans(), st.booleans())
def test_no_efficiency_above_the_peak(shape: dict[str, int], seq_len: int, gpu: str, causal: bool, moe: bool) -> None:
    """Issue 20: whatever the shape and the sequence length, the efficiency and the top of its range
    stay at or below 100% of the peak, and GPU-hours are never below the counted FLOPs at the peak."""
    extra: dict[str, object] = {"experts": 8, "experts_per_token": 2} if moe else {}
    est = costcalc.estimate(
        **shape, **extra, seq_len=seq_len, tokens=1e12, gpu=gpu, attention_flops="causal" if causal else "full"
    )
    s = est.scenario
    assert s.mfu_range is not None
    top = float(s.mfu.m) * s.mfu_range[1]
    assert 0 < float(s.mfu.m) <= top <= 1.0 + 1e-12
    at_peak = est.flops.m_as("FLOP") / s.peak.m_as("FLOP/s") / 3600  # GPU-hours at 100% of the peak
    assert est.gpu_hours.m_as("GPU*hour") >= at_peak * (1 - 1e-9)
    low_hours = est.ranges["gpu_hours"].low.m_as("GPU*hour")
    assert low_hours >= at_peak * (1 - 1e-9)


@given(st.floats(min_value=1.0, max_value=1e16), st.integers(min_value=1, max_value=8))
def test_the_standard_shape_is_valid_and_near_the_count(n: float, gpus_log2: int) -> None:
    """Every count gets a valid shape; from 1B up its own parameter count is within 10% of n."""
    from costcalc.formulas.flops import parameter_count
    from costcalc.formulas.shapes import HEAD_DIM, MULTIPLE, WIDE, standard_shape

    spec = standard_shape(n)
    assert spec.hidden == spec.heads * HEAD_DIM and float(spec.params.m) == n  # type: ignore[operator]
    if n >= 1e9:
        assert parameter_count(spec) == pytest.approx(n, rel=0.10)
        assert spec.layers % MULTIPLE == 0  # type: ignore[operator]
    if spec.hidden >= WIDE:  # type: ignore[operator]
        assert spec.heads % MULTIPLE == 0  # type: ignore[operator]
