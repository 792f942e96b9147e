"""The inverse runtime formulas (what a plan solves for) round-trip through the forward ones."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc.base.units import Q_
from costcalc.formulas import runtime
from costcalc.formulas.flops import dense_training_flops
from costcalc.formulas.scaling import allocate, compute_optimal

#: Examples per property: the formulas are cheap; no deadline (the machine is shared and loaded).
examples = settings(max_examples=200, deadline=None)

#: The ranges a plan works in (its input bounds): counts, hours, prices, peaks, efficiencies.
counts = st.floats(min_value=1.0, max_value=1e16)
hours = st.floats(min_value=1 / 60, max_value=1e13)
prices = st.floats(min_value=1e-4, max_value=1e4)
dollars = st.floats(min_value=1.0, max_value=1e15)
peaks = st.floats(min_value=1e12, max_value=1e16)
efficiencies = st.floats(min_value=1e-3, max_value=1.0)
flops = st.floats(min_value=1e15, max_value=1e35)
per_node = st.sampled_from([1, 2, 4, 8, 16, 72])


@examples
@given(hours, st.floats(min_value=1 / 60, max_value=1e6))
def test_gpus_for_a_deadline_finish_by_the_deadline(gpu_hours: float, deadline: float) -> None:
    """G = GPU-hours / T inverts T = GPU-hours / G."""
    g = runtime.gpus_for_deadline(Q_(gpu_hours, "GPU_hour"), Q_(deadline, "hour"))
    assert g.units == Q_(1, "GPU").units
    assert runtime.wall_clock(Q_(gpu_hours, "GPU_hour"), g).m_as("hour") == pytest.approx(deadline, rel=1e-12)


@examples
@given(dollars, prices)
def test_gpu_hours_a_budget_rents_cost_the_budget(amount: float, price: float) -> None:
    """GPU-hours = $ / p inverts $ = GPU-hours x p."""
    h = runtime.gpu_hours_for_cost(Q_(amount, "USD"), Q_(price, "USD/GPU/hour"))
    assert h.units == Q_(1, "GPU_hour").units
    assert runtime.cost(h, Q_(price, "USD/GPU/hour")).m_as("USD") == pytest.approx(amount, rel=1e-12)


@examples
@given(hours, peaks, efficiencies)
def test_trainable_flops_take_the_gpu_hours_back(gpu_hours: float, peak: float, eta: float) -> None:
    """C = GPU-hours · P · η inverts GPU-hours = C / (P · η)."""
    p = Q_(peak, "FLOP/s")
    c = runtime.trainable_flops(Q_(gpu_hours, "GPU_hour"), p, eta)
    assert c.units == Q_(1, "FLOP").units
    assert runtime.gpu_hours(c, p, eta).m_as("GPU_hour") == pytest.approx(gpu_hours, rel=1e-12)


@examples
@given(flops, counts)
def test_tokens_for_compute_take_the_flops_back(c: float, n: float) -> None:
    """D = C / 6N inverts C = 6·N·D."""
    d = runtime.tokens_for_compute(Q_(c, "FLOP"), Q_(n, "parameter"))
    assert d.units == Q_(1, "token").units
    assert dense_training_flops(Q_(n, "parameter"), d).m_as("FLOP") == pytest.approx(c, rel=1e-12)


@examples
@given(flops, counts)
def test_params_for_compute_take_the_flops_back(c: float, d: float) -> None:
    """N = C / 6D inverts C = 6·N·D."""
    n = runtime.params_for_compute(Q_(c, "FLOP"), Q_(d, "token"))
    assert n.units == Q_(1, "parameter").units
    assert dense_training_flops(n, Q_(d, "token")).m_as("FLOP") == pytest.approx(c, rel=1e-12)


def test_the_inverse_formulas_on_chinchilla() -> None:
    """Hoffmann et al. 2022: 70B parameters on 1.4T tokens is C = 5.88e23 FLOP, both ways."""
    c = Q_(5.88e23, "FLOP")
    assert runtime.tokens_for_compute(c, Q_(70e9, "parameter")).m_as("token") == pytest.approx(1.4e12, rel=1e-12)
    assert runtime.params_for_compute(c, Q_(1.4e12, "token")).m_as("parameter") == pytest.approx(70e9, rel=1e-12)
    # 1,000 GPU-hours at $2 cost $2,000; 1,000 GPU-hours in 125 hours take 8 GPUs.
    assert runtime.gpu_hours_for_cost(Q_(2000, "USD"), Q_(2, "USD/GPU/hour")).m_as("GPU_hour") == 1000
    assert runtime.gpus_for_deadline(Q_(1000, "GPU_hour"), Q_(125, "hour")).m_as("GPU") == 8


@examples
@given(st.floats(min_value=1e-6, max_value=1e12), per_node)
def test_whole_nodes_round_up_to_the_fewest_whole_nodes(g: float, k: int) -> None:
    rounded = runtime.whole_nodes(Q_(g, "GPU"), k).m_as("GPU")
    assert rounded % k == 0 and rounded >= max(g, k)
    assert rounded - k < g or rounded == k  # one node fewer would not be enough


@pytest.mark.parametrize(
    ("gpus", "k", "expected"),
    [(8.0, 8, 8), (8.000001, 8, 16), (7.999999, 8, 8), (0.01, 8, 8), (16.0, 8, 16), (73.0, 72, 144), (1.0, 1, 1)],
)
def test_whole_nodes_at_the_boundaries(gpus: float, k: int, expected: int) -> None:
    """An exact multiple stays; anything over it takes one more node; less than a node is one node."""
    assert runtime.whole_nodes(Q_(gpus, "GPU"), k).m_as("GPU") == expected


@examples
@given(st.floats(min_value=1e10, max_value=1e35), st.sampled_from(["hoffmann", "besiroglu"]))
def test_compute_optimal_is_allocate_on_quantities(c: float, rule: str) -> None:
    n, d = compute_optimal(Q_(c, "FLOP"), rule)  # type: ignore[arg-type]
    assert (n.m_as("parameter"), d.m_as("token")) == allocate(c, rule)  # type: ignore[arg-type]
    assert math.isclose(dense_training_flops(n, d).m_as("FLOP"), c, rel_tol=1e-9)


def test_owned_price_is_amortised_capital_plus_energy() -> None:
    """Epoch's owned-hardware cost per GPU-hour: $24,000 over 4 Julian years (35,064 h), plus 700 W
    x PUE 1.2 x $0.08/kWh = 0.6845 + 0.0672 USD per GPU-hour."""
    price = runtime.owned_price(Q_(24_000, "USD"), Q_(4, "year"), Q_(700, "W"), 1.2, Q_(0.08, "USD/kWh"))
    assert price.units == Q_(1, "USD/GPU/hour").units
    assert price.m_as("USD/GPU/hour") == pytest.approx(24_000 / 35_064 + 0.7 * 1.2 * 0.08, rel=1e-12)
    # No energy cost: the capital alone; a longer lifetime: cheaper per hour.
    assert runtime.owned_price(Q_(24_000, "USD"), Q_(4, "year"), Q_(0, "W"), 1.2, Q_(0.08, "USD/kWh")).m_as(
        "USD/GPU/hour"
    ) == pytest.approx(24_000 / 35_064, rel=1e-12)
    longer = runtime.owned_price(Q_(24_000, "USD"), Q_(8, "year"), Q_(700, "W"), 1.2, Q_(0.08, "USD/kWh"))
    assert longer < price


def test_implied_efficiency_and_held_gpu_hours_by_hand() -> None:
    """η = C / (GPU-hours · P): 6e23 FLOP in 1e6 GPU-hours at 312 TFLOP/s is 6e23 / (3.6e9 s x 3.12e14) = 0.534;
    2,000 GPUs held 30 days are 2,000 x 720 = 1.44M GPU-hours."""
    eta = runtime.implied_efficiency(Q_(6e23, "FLOP"), Q_(1e6, "GPU_hour"), Q_(312e12, "FLOP/s"))
    assert eta.m_as("") == pytest.approx(6e23 / (1e6 * 3600 * 312e12), rel=1e-12)
    assert 0.534 < eta.m_as("") < 0.535
    held = runtime.held_gpu_hours(Q_(2000, "GPU"), Q_(30, "day"))
    assert held.m_as("GPU_hour") == pytest.approx(1.44e6, rel=1e-12)


@pytest.mark.parametrize(
    ("goodput", "checkpointing", "evaluation", "bubble"),
    [(1.0, 0.0, 0.0, 0.0), (0.9, 0.02, 0.01, 0.1), (0.8, 0.0, 0.0, 0.25), (1.0, 0.5, 0.0, 0.0)],
)
def test_overhead_stretch_by_hand(goodput: float, checkpointing: float, evaluation: float, bubble: float) -> None:
    """s = (1 + b) / (g · (1 - c) · (1 - e)); e.g. 1.1 / (0.9 x 0.98 x 0.99) = 1.2598."""
    s = runtime.overhead_stretch(goodput=goodput, checkpointing=checkpointing, evaluation=evaluation, bubble=bubble)
    assert s == pytest.approx((1 + bubble) / (goodput * (1 - checkpointing) * (1 - evaluation)), rel=1e-12)
    assert s >= 1.0
    if (goodput, bubble) == (0.9, 0.1):
        assert s == pytest.approx(1.2598, abs=1e-4)
