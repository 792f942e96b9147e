"""Compute-optimal allocation against the closed forms of its two rules, on stated budgets."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError

import pytest

from costcalc.base.units import Q_
from costcalc.formulas.scaling import BESIROGLU_2024, TOKENS_PER_PARAMETER, allocate, compute_optimal


def test_hoffmann_closed_form() -> None:
    """Hoffmann et al. 2022, D = 20·N with C = 6·N·D: N = sqrt(C/120). C = 1.2e20 gives N = 1e9, D = 2e10."""
    assert TOKENS_PER_PARAMETER == 20.0
    assert allocate(1.2e20) == pytest.approx((1e9, 2e10))
    assert allocate(1.2e20, "hoffmann") == pytest.approx((1e9, 2e10))
    params, tokens = compute_optimal(Q_(1.2e20, "FLOP"))
    assert params.m_as("parameter") == pytest.approx(1e9) and tokens.m_as("token") == pytest.approx(2e10)


def test_besiroglu_closed_form() -> None:
    """Besiroglu et al. 2024, Table 1 (E = 1.8172, A = 482.01, B = 2085.43, α = 0.3478, β = 0.3658):
    G = (αA/(βB))^(1/(α+β)) = 0.219759^1.401345 = 0.119630; at C = 6e23, N = G·(1e23)^(β/(α+β)) with
    β/(α+β) = 0.512612: N = 0.119630 · 6.1672e11 = 7.3776e10, D = 1e23 / N = 1.35545e12."""
    params, tokens = allocate(6e23, "besiroglu")
    assert params == pytest.approx(7.3776e10, rel=1e-4) and tokens == pytest.approx(1.35545e12, rel=1e-4)
    assert 6 * params * tokens == pytest.approx(6e23)
    q_params, q_tokens = compute_optimal(Q_(6e23, "FLOP"), "besiroglu")
    assert q_params.m_as("parameter") == pytest.approx(params) and q_tokens.m_as("token") == pytest.approx(tokens)


def test_parametric_loss_closed_form() -> None:
    """L(1e9, 2e10) = 1.8172 + 482.01/1e9^0.3478 + 2085.43/2e10^0.3658 = 1.8172 + 0.357154 + 0.355696."""
    assert BESIROGLU_2024.loss(1e9, 2e10) == pytest.approx(2.530050, abs=1e-6)


@pytest.mark.parametrize("compute", [0.0, -1.0, math.inf, math.nan])
def test_compute_must_be_positive_and_finite(compute: float) -> None:
    with pytest.raises(ValueError, match="positive finite"):
        allocate(compute)


def test_the_smallest_positive_budget_is_accepted() -> None:
    params, tokens = allocate(1e-300)
    assert params == pytest.approx(math.sqrt(1e-300 / 120)) and tokens == pytest.approx(20 * params)


def test_the_fitted_loss_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        BESIROGLU_2024.alpha = 0.5  # type: ignore[misc]
