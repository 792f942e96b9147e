"""Monte Carlo over the uncertain defaults: P10, P50 and P90 of every result, vectorised.

Each default that the user did not fix is drawn from the data it was derived from: the
efficiency as its central value times exp(r), r a leave-one-out residual of the published runs
(the back-test's own spread, so that the P10-P90 band covers published runs about as often as
the back-test measures); price per GPU-hour, PUE and grid carbon intensity from their shipped
observations (a bootstrap). Inputs the user gave stay fixed. The draws are independent, and every
result is computed by the same formulas as the estimate (``costcalc.formulas.runtime``) on arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from costcalc.base.units import Q_, Quantity
from costcalc.estimator.scenario import Assumption, Scenario
from costcalc.formulas import runtime

__all__ = ["simulate"]


def _draw(rng: np.random.Generator, pool: tuple[float, ...] | None, fixed: Quantity, n: int) -> Quantity:
    """``n`` draws from ``pool`` (in ``fixed``'s unit), or ``fixed`` repeated when there is no pool."""
    if not pool:
        return Q_(np.full(n, float(np.asarray(fixed.magnitude).reshape(-1)[0])), fixed.units)
    return Q_(rng.choice(np.asarray(pool, dtype=float), size=n, replace=True), fixed.units)


def _scalar(q: Quantity) -> Quantity:
    return Q_(float(np.asarray(q.magnitude).reshape(-1)[0]), q.units)


def simulate(
    scenario: Scenario, flops: Quantity, samples: int, seed: int = 0
) -> tuple[dict[str, tuple[Any, Any, Any]], Assumption]:
    """P10, P50 and P90 of GPU-hours, wall-clock, cost, energy and CO2 for one scenario."""
    s = scenario
    if any(np.asarray(q.magnitude).size > 1 for q in (flops, s.gpus) if q is not None):
        raise ValueError("Monte Carlo runs on one scenario, not on a sweep")
    rng = np.random.default_rng(seed)
    residuals = _draw(rng, s.mfu_residuals, Q_(0.0, ""), samples)
    mfu = np.minimum(float(np.asarray(s.mfu.m_as("")).reshape(-1)[0]) * np.exp(residuals.m), 1.0)
    hours = runtime.gpu_hours(_scalar(flops), s.peak, mfu) * s.stretch
    out: dict[str, Quantity] = {"gpu_hours": hours}
    if s.gpus is not None:
        out["wall_clock"] = runtime.wall_clock(hours, _scalar(s.gpus))
    if s.price is not None:
        out["cost"] = runtime.cost(hours, _draw(rng, s.price_samples, s.price, samples))
    if s.power is not None:
        energy = runtime.energy(hours, s.power, _draw(rng, s.pue_samples, s.pue, samples).m)
        out["energy"] = energy
        out["co2"] = runtime.co2(energy, _draw(rng, s.carbon_samples, s.carbon_intensity, samples))
    result = {}
    for key, values in out.items():
        p10, p50, p90 = np.percentile(values.magnitude, [10, 50, 90])
        result[key] = (Q_(float(p10), values.units), Q_(float(p50), values.units), Q_(float(p90), values.units))
    note = Assumption(
        name="ranges",
        value=f"Monte Carlo, {samples:,} samples (seed {seed}): P10 to P90, with P50",
        basis=(
            "efficiency = default x exp(a leave-one-out residual of the published runs); price, PUE and "
            "carbon intensity drawn from their observations; inputs you give are fixed"
        ),
        source="costcalc.estimator.uncertainty",
    )
    return result, note
