"""The rule a recipe's total follows: stages fully correlated, so P10s and P90s add."""

from __future__ import annotations

from typing import Any

import pytest

from costcalc.base.units import Q_
from costcalc.formulas.recipe import comonotone_total


def test_the_total_sums_centrals_lows_and_highs_as_worked_by_hand() -> None:
    # two stages: 100 (80 to 150) and 50 (20 to 90) GPU-hours -> 150 (100 to 240)
    central, low, high = comonotone_total(
        [Q_(100.0, "GPU_hour"), Q_(50.0, "GPU_hour")],
        [Q_(80.0, "GPU_hour"), Q_(20.0, "GPU_hour")],
        [Q_(150.0, "GPU_hour"), Q_(90.0, "GPU_hour")],
    )
    assert central.m_as("GPU_hour") == pytest.approx(150.0)
    assert low.m_as("GPU_hour") == pytest.approx(100.0)
    assert high.m_as("GPU_hour") == pytest.approx(240.0)


def test_stages_in_different_units_are_converted_to_the_first_ones() -> None:
    central, low, high = comonotone_total(
        [Q_(1.0, "day"), Q_(12.0, "hour")], [Q_(0.5, "day"), Q_(6.0, "hour")], [Q_(2.0, "day"), Q_(36.0, "hour")]
    )
    assert central.units == Q_(1.0, "day").units
    assert (central.m, low.m, high.m) == pytest.approx((1.5, 0.75, 3.5))


def test_the_range_is_wider_than_independent_stages_would_give() -> None:
    """Two equal stages: fully correlated, the spread doubles; independent, it would grow by sqrt(2)."""
    central, low, high = comonotone_total([Q_(10.0, "USD")] * 2, [Q_(5.0, "USD")] * 2, [Q_(20.0, "USD")] * 2)
    assert (high - central).m == pytest.approx(2 * 10.0)
    assert (central - low).m == pytest.approx(2 * 5.0)
    assert (high - central).m > 2**0.5 * 10.0


@pytest.mark.parametrize(
    ("centrals", "lows", "highs"),
    [([], [], []), ([Q_(1.0, "USD")], [], [Q_(2.0, "USD")]), ([Q_(1.0, "USD")], [Q_(1.0, "USD")] * 2, [])],
)
def test_no_stage_or_unmatched_lists_are_refused(centrals: list[Any], lows: list[Any], highs: list[Any]) -> None:
    with pytest.raises(ValueError, match="at least one stage"):
        comonotone_total(centrals, lows, highs)
