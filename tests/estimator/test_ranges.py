"""The P10-P90 ranges against closed forms: each side by hand, every source of uncertainty counted once.

``combine`` adds the log-distances of independent factors in quadrature, each side on its own:
low = exp(-sqrt(sum ln(f_low)^2)), high = exp(+sqrt(sum ln(f_high)^2)). The estimate's ranges are
its central values times those factors, with the efficiency range flipped (more efficiency, fewer
GPU-hours): GPU-hours and wall-clock take the efficiency only, cost adds the price, energy the PUE,
CO2 the PUE and the grid's carbon intensity.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.base.stats import SplitT
from costcalc.base.units import Q_
from costcalc.estimator.compute import _finite, combine, threshold_crossings
from costcalc.estimator.efficiency import MAX_EFFICIENCY
from costcalc.estimator.result import Estimate
from costcalc.estimator.uncertainty import _draw, simulate
from costcalc.schemas.thresholds import ComputeThreshold

FIELDS = ("gpu_hours", "wall_clock", "cost", "energy", "co2")


def quadrature(*factors: tuple[float, float]) -> tuple[float, float]:
    """The closed form, written out: exp(∓sqrt(sum of squared log-distances)), each side alone."""
    low = math.exp(-math.sqrt(sum(math.log(f[0]) ** 2 for f in factors)))
    high = math.exp(math.sqrt(sum(math.log(f[1]) ** 2 for f in factors)))
    return low, high


def test_combine_adds_log_distances_in_quadrature_side_by_side() -> None:
    # ln 0.5 = -0.693, ln 0.8 = -0.223: low = exp(-sqrt(0.4805 + 0.0498)) = exp(-0.7282) = 0.4828;
    # ln 4 = 1.386, ln 1.1 = 0.0953: high = exp(sqrt(1.9218 + 0.0091)) = exp(1.3896) = 4.0131.
    low, high = combine([(0.5, 4.0), (0.8, 1.1)])
    assert low == pytest.approx(0.4828, abs=5e-5) and high == pytest.approx(4.0131, abs=5e-5)
    assert (low, high) == pytest.approx(quadrature((0.5, 4.0), (0.8, 1.1)), rel=1e-12)
    # linear addition of the log-distances would give exp(-0.916) = 0.400 and exp(1.482) = 4.40
    assert low > 0.45 and high < 4.1


def test_combine_one_factor_is_itself_and_fixed_inputs_add_nothing() -> None:
    assert combine([(0.5, 4.0)]) == pytest.approx((0.5, 4.0), rel=1e-12)
    assert combine([None, (0.25, 3.0), None]) == pytest.approx((0.25, 3.0), rel=1e-12)
    assert combine([]) == (1.0, 1.0)
    assert combine([None, None]) == (1.0, 1.0)


@pytest.fixture(scope="module")
def default() -> Estimate:
    return costcalc.estimate(params=70e9, gpus=2000)


def test_a_range_without_width_is_the_value_itself_not_copies() -> None:
    """FLOPs have no range, and GPU-hours none once the efficiency is given: both ends are the
    value (the same array, so a million-point sweep holds it once), and a range with width is not."""
    tokens = np.linspace(1e11, 1e12, 5)
    given = costcalc.estimate(params="7B", tokens=tokens, gpus=64, mfu=0.4)
    for field in ("flops", "hardware_flops", "gpu_hours", "wall_clock"):
        span = given.ranges[field]
        value = getattr(given, field)
        assert span.low is value and span.high is value, field
    assert (given.ranges["cost"].low.m < given.cost.m).all()  # the price is still uncertain
    default = costcalc.estimate(params="7B", tokens=tokens, gpus=64)
    hours = default.ranges["gpu_hours"]
    assert (hours.low.m < default.gpu_hours.m).all() and (hours.high.m > default.gpu_hours.m).all()
    assert default.ranges["flops"].low is default.flops


def test_each_range_is_its_sources_in_quadrature(default: Estimate) -> None:
    s = default.scenario
    assert s.mfu_range is not None and s.price_range and s.pue_range and s.carbon_range
    mfu = (1 / s.mfu_range[1], 1 / s.mfu_range[0])  # high efficiency, few GPU-hours
    expected = {
        "gpu_hours": quadrature(mfu),
        "wall_clock": quadrature(mfu),
        "cost": quadrature(mfu, s.price_range),
        "energy": quadrature(mfu, s.pue_range),
        "co2": quadrature(mfu, s.pue_range, s.carbon_range),
    }
    for field, (low, high) in expected.items():
        central = getattr(default, field)
        span = default.ranges[field]
        assert span.low.m_as(central.units) == pytest.approx(central.m * low, rel=1e-9), field
        assert span.high.m_as(central.units) == pytest.approx(central.m * high, rel=1e-9), field
        assert span.low < central < span.high, field


def test_every_source_of_uncertainty_widens_its_results(default: Estimate) -> None:
    """Fixing one input collapses its share: each range is strictly wider with it than without."""
    widths = {f: default.ranges[f].high.m / default.ranges[f].low.m for f in FIELDS}
    fixed = {"mfu": 0.4, "price": 2.0, "pue": 1.1, "carbon_intensity": 400}
    touches = {
        "mfu": FIELDS,
        "price": ("cost",),
        "pue": ("energy", "co2"),
        "carbon_intensity": ("co2",),
    }
    for name, value in fixed.items():
        est = costcalc.estimate(params=70e9, gpus=2000, **{name: value})
        for field in FIELDS:
            width = est.ranges[field].high.m / est.ranges[field].low.m
            if field in touches[name]:
                assert width < widths[field] * 0.99, (name, field)
            else:
                assert width == pytest.approx(widths[field], rel=1e-9), (name, field)


def test_the_overhead_stretch_scales_values_and_ranges() -> None:
    # s = 1 / (g (1 - c) (1 - e)) = 1 / (0.8 x 0.98 x 0.99)
    stretch = 1 / (0.8 * 0.98 * 0.99)
    base = costcalc.estimate(params=70e9, gpus=2000)
    over = costcalc.estimate(params=70e9, gpus=2000, goodput=0.8, checkpoint_overhead=0.02, eval_overhead=0.01)
    assert over.scenario.stretch == pytest.approx(stretch, rel=1e-12)
    for field in FIELDS:
        ratio = getattr(over, field).m / getattr(base, field).m
        assert ratio == pytest.approx(stretch, rel=1e-9), field
        assert over.ranges[field].low.m / base.ranges[field].low.m == pytest.approx(stretch, rel=1e-9), field
        assert over.ranges[field].high.m / base.ranges[field].high.m == pytest.approx(stretch, rel=1e-9), field
    assert over.flops.m == pytest.approx(base.flops.m, rel=1e-12)  # the overheads cost time, not FLOPs


def test_the_quadrature_note_is_given_only_when_two_sources_meet() -> None:
    def notes(**given: object) -> list[str]:
        est = costcalc.estimate(params=70e9, gpus=2000, **given)
        return [a.source for a in est.assumptions if a.key == "ranges"]

    assert notes() == ["costcalc.estimator.compute.combine"]
    assert notes(price=2, pue=1.1, carbon_intensity=400) == []  # the efficiency alone: nothing to combine
    assert notes(price=2, pue=1.1) == ["costcalc.estimator.compute.combine"]  # PUE-free CO2: pue fixed, carbon


def test_zero_carbon_is_a_result_and_zero_elsewhere_is_an_error() -> None:
    est = costcalc.estimate(params=70e9, gpus=2000, carbon_intensity=0)
    assert est.co2.m == 0 and est.ranges["co2"].low.m == 0 == est.ranges["co2"].high.m
    assert est.energy.m > 0


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("cost", 1e-3, True),  # small is fine: only zero, negative and non-finite are refused
        ("cost", 0.0, False),
        ("co2", 0.0, True),  # a carbon-free grid
        ("co2", 1e-3, True),
        ("co2", -1e-3, False),
        ("energy", float("inf"), False),
        ("gpu_hours", float("nan"), False),
    ],
)
def test_a_result_must_be_finite_and_positive_co2_may_be_zero(field: str, value: float, ok: bool) -> None:
    values = {"flops": Q_(1.0, "FLOP"), "energy": None, field: Q_(np.array([5.0, value]), "USD")}
    if ok:
        _finite(values)
    else:
        with pytest.raises(InputError, match="not a finite positive number") as caught:
            _finite(values)
        assert caught.value.field == field


def test_a_threshold_is_crossed_only_strictly_above() -> None:
    threshold = ComputeThreshold(
        id="t", name="t", flop=Q_(1e26, "FLOP"), jurisdiction="j", adopted=dt.date(2024, 1, 1), source="s"
    )
    at, above, below = (Q_(x, "FLOP") for x in (1e26, 1.01e26, 0.99e26))
    assert [bool(c.crossed) for c in threshold_crossings(at, [threshold])] == [False]
    assert [bool(c.crossed) for c in threshold_crossings(above, [threshold])] == [True]
    assert [bool(c.crossed) for c in threshold_crossings(below, [threshold])] == [False]
    many = threshold_crossings(Q_(np.array([0.99e26, 1e26, 1.01e26]), "FLOP"), [threshold])
    assert list(np.asarray(many[0].crossed)) == [False, False, True]


# -- Monte Carlo ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def monte_carlo() -> Estimate:
    return costcalc.estimate(params=70e9, gpus=2000, samples=20_000)


def test_monte_carlo_percentiles_are_ordered_and_centred(monte_carlo: Estimate, default: Estimate) -> None:
    assert monte_carlo.percentiles is not None
    assert set(monte_carlo.percentiles) == set(FIELDS)
    for field, (p10, p50, p90) in monte_carlo.percentiles.items():
        assert p10 < p50 < p90, field
        assert monte_carlo.ranges[field].low == p10 and monte_carlo.ranges[field].high == p90
    # one source (the efficiency): its P10 and P90 are the analytic range's, within sampling noise
    p10, p50, p90 = monte_carlo.percentiles["gpu_hours"]
    assert p50.m == pytest.approx(default.gpu_hours.m, rel=0.01)
    assert p10.m == pytest.approx(default.ranges["gpu_hours"].low.m, rel=0.02)
    assert p90.m == pytest.approx(default.ranges["gpu_hours"].high.m, rel=0.02)
    hours, days = monte_carlo.percentiles["gpu_hours"], monte_carlo.percentiles["wall_clock"]
    for h, d in zip(hours, days, strict=True):  # wall-clock = GPU-hours / GPUs / 24
        assert d.m_as("day") == pytest.approx(h.m_as("GPU_hour") / 2000 / 24, rel=1e-9)


def test_monte_carlo_draws_each_source_independently() -> None:
    """With the efficiency fixed, CO2's spread is PUE and carbon in quadrature, not their sum.

    Drawn from the same quasi-random dimension they would move together and the P90 / P50 would be
    the product of theirs (1.26 x 1.71 = 2.15 for these defaults).
    """
    est = costcalc.estimate(params=70e9, gpus=2000, mfu=0.4, samples=20_000)
    s = est.scenario
    assert est.percentiles is not None and s.pue_range and s.carbon_range and s.price_range
    p10, p50, p90 = (p.m for p in est.percentiles["co2"])
    low, high = quadrature(s.pue_range, s.carbon_range)
    together = s.pue_range[1] * s.carbon_range[1]
    # skewed split normals put the P90 of the sum a little above the log-normal quadrature (1.79 here, 1.88
    # drawn), well short of the product (2.15)
    assert high < p90 / p50 < 0.9 * together
    assert p10 / p50 < low * 1.1 and p10 / p50 > s.pue_range[0] * s.carbon_range[0]
    c10, c50, c90 = (p.m for p in est.percentiles["cost"])  # the price alone
    assert (c10 / c50, c90 / c50) == pytest.approx(s.price_range, rel=0.02)
    assert c50 == pytest.approx(est.cost.m, rel=0.01)
    e10, e50, e90 = (p.m for p in est.percentiles["energy"])  # the PUE alone
    assert (e10 / e50, e90 / e50) == pytest.approx(s.pue_range, rel=0.01)
    hours = est.percentiles["gpu_hours"]
    assert hours[0].m == pytest.approx(hours[2].m, rel=1e-12) == pytest.approx(est.gpu_hours.m, rel=1e-12)


def test_monte_carlo_draws_efficiency_and_price_independently(monte_carlo: Estimate) -> None:
    """Cost's spread is the efficiency's and the price's in quadrature (2.63 at P90), not their product (3.89)."""
    s = monte_carlo.scenario
    assert monte_carlo.percentiles is not None and s.mfu_range and s.price_range
    c10, c50, c90 = (p.m for p in monte_carlo.percentiles["cost"])
    together = s.price_range[1] / s.mfu_range[0]
    low, high = quadrature((1 / s.mfu_range[1], 1 / s.mfu_range[0]), s.price_range)
    assert high * 0.9 < c90 / c50 < together * 0.8
    assert low * 0.9 < c10 / c50 < low * 1.1


def test_monte_carlo_stretches_with_the_overheads_and_defaults_to_seed_zero(monte_carlo: Estimate) -> None:
    over = costcalc.estimate(params=70e9, gpus=2000, goodput=0.8, samples=20_000)
    assert over.percentiles is not None and monte_carlo.percentiles is not None
    for field in FIELDS:
        for p_over, p in zip(over.percentiles[field], monte_carlo.percentiles[field], strict=True):
            assert p_over.m == pytest.approx(p.m / 0.8, rel=1e-9), field
    default_seed, _ = simulate(monte_carlo.scenario, monte_carlo.flops, 20_000)
    assert default_seed == monte_carlo.percentiles


def test_monte_carlo_seeds_differ_but_agree() -> None:
    a = costcalc.estimate(params=70e9, gpus=2000, samples=20_000, seed=1)
    b = costcalc.estimate(params=70e9, gpus=2000, samples=20_000, seed=2)
    assert a.percentiles is not None and b.percentiles is not None
    assert a.percentiles["cost"][2] != b.percentiles["cost"][2]
    assert a.percentiles["cost"][2].m == pytest.approx(b.percentiles["cost"][2].m, rel=0.02)


def test_monte_carlo_efficiency_never_exceeds_the_peak_and_fixed_inputs_stay_fixed() -> None:
    shifts = np.zeros(4)
    draws = _draw("efficiency", SplitT(0.5, 0.5), Q_(0.9, ""), 5000, shifts).m
    assert draws.max() == MAX_EFFICIENCY and draws.min() < 0.9 * 0.6  # capped above, free below
    price = _draw("price", SplitT(0.5, 0.5), Q_(2.0, "USD/GPU/hour"), 5000, shifts).m
    assert price.max() > 2.0 * 1.8 and price.min() < 2.0 / 1.8  # the cap is the efficiency's only
    fixed = _draw("price", None, Q_(2.0, "USD/GPU/hour"), 7, shifts)
    assert list(fixed.m) == [2.0] * 7


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("gpus", "gpus"),
        ("tokens", "params and tokens"),
        ("price", "price"),  # once taken silently as its first value
        ("pue", "pue"),
        ("carbon_intensity", "carbon_intensity"),
        ("mfu", "mfu"),
    ],
)
def test_monte_carlo_refuses_a_sweep_of_any_input(field: str, named: str) -> None:
    values = {"gpus": [1000, 2000], "tokens": [1e12, 2e12], "price": [1.0, 4.0], "pue": [1.1, 1.5]}
    values |= {"carbon_intensity": [100.0, 400.0], "mfu": [0.3, 0.4]}
    with pytest.raises(InputError, match=f"not on a sweep \\(several {named}\\)") as caught:
        costcalc.estimate(params=70e9, **{"gpus": 2000, field: np.array(values[field]), "samples": 1000})
    assert caught.value.field == "samples"
    sweep = costcalc.estimate(params=70e9, **{"gpus": 2000, field: np.array(values[field])})
    with pytest.raises(InputError, match="one scenario"):
        simulate(sweep.scenario, sweep.flops, 100)
