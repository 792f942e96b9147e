"""The step-time formulas a layout is ranked by, against their closed forms on stated inputs."""

from __future__ import annotations

import pytest

from costcalc.formulas.parallel import (
    TP_ALL_REDUCES_PER_LAYER,
    pipeline_bubble,
    step_time_factor,
    tensor_parallel_comm_fraction,
)


def test_pipeline_bubble_closed_form() -> None:
    """Narayanan et al. 2021 §2.2.1 (1F1B): β = (p − 1)/m."""
    assert pipeline_bubble(4, 8) == pytest.approx(3 / 8)
    assert pipeline_bubble(2, 1) == pytest.approx(1.0)
    assert pipeline_bubble(1, 7) == 0.0


def test_all_reduces_per_layer() -> None:
    """Narayanan et al. 2021 §3.2: two all-reduces in the forward pass and two in the backward."""
    assert TP_ALL_REDUCES_PER_LAYER == 2 + 2


@pytest.mark.parametrize(
    ("t", "all_reduces", "expected"),
    [
        # ratio = 4·L·n·h·(t - 1)·peak / (B·F) with L = 2, h = 3, peak = 5, B = 7, F = 11
        (2, None, 4 * 2 * 4 * 3 * 1 * 5 / (7 * 11)),  # 480/77 with the default n = 4
        (3, None, 4 * 2 * 4 * 3 * 2 * 5 / (7 * 11)),  # 960/77: t - 1 = 2
        (2, 6, 4 * 2 * 6 * 3 * 1 * 5 / (7 * 11)),  # 720/77: full recomputation's 4 + 2 all-reduces
        (1, None, 0.0),  # no tensor parallelism, no communication
    ],
)
def test_tensor_parallel_comm_closed_form(t: int, all_reduces: int | None, expected: float) -> None:
    """Narayanan et al. 2021 §3.2 (n all-reduces of h activations per layer) with the ring factor
    2(t−1)/t (Patarasuk and Yuan 2009) over compute F/t at peak."""
    extra = {} if all_reduces is None else {"all_reduces": all_reduces}
    assert tensor_parallel_comm_fraction(t, 3, 2, 11.0, 5.0, 7.0, **extra) == pytest.approx(expected)


def test_step_time_factor_closed_form() -> None:
    """(1 + r)(1 + c)(1 + β): each share multiplies the step on its own."""
    assert step_time_factor(0.25, 0.5, 1.0) == pytest.approx(1.25 * 1.5 * 2.0)
    assert step_time_factor(0.0, 0.0, 0.0) == 1.0
    assert step_time_factor(0.5, 0.0, 0.0) == pytest.approx(1.5)
    assert step_time_factor(0.0, 0.0, 0.5) == pytest.approx(1.5)
