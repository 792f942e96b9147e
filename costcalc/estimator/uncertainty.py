"""Monte Carlo over the uncertain defaults: P10, P50 and P90 of every result, vectorised.

Each default that the user did not fix is drawn from the data it was derived from: the
efficiency as its central value times exp(r), r a leave-one-out residual of the published runs
(the back-test's own spread, so that the P10-P90 band covers published runs about as often as
the back-test measures); price per GPU-hour, PUE and grid carbon intensity from their shipped
observations (a bootstrap). Inputs the user gave stay fixed. The draws are independent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.base.units import Q_, Quantity

if TYPE_CHECKING:
    from costcalc.estimator.inputs import Scenario

__all__ = ["simulate"]


def _draw(rng: np.random.Generator, pool: tuple[float, ...] | None, fixed: float, n: int) -> np.ndarray:
    if not pool:
        return np.full(n, fixed)
    return rng.choice(np.asarray(pool, dtype=float), size=n, replace=True)


def simulate(scenario: Scenario, flops: Quantity, samples: int, seed: int = 0) -> dict[str, tuple[Any, Any, Any]]:
    """P10, P50 and P90 of GPU-hours, wall-clock, cost, energy and CO2 for one scenario."""
    magnitudes = [np.asarray(q.magnitude) for q in (flops, scenario.gpus) if q is not None]
    if any(m.size > 1 for m in magnitudes):
        raise ValueError("Monte Carlo runs on one scenario, not on a sweep")
    rng = np.random.default_rng(seed)
    central_mfu = float(np.asarray(scenario.mfu.m_as("")).reshape(-1)[0])
    mfu = central_mfu * np.exp(_draw(rng, scenario.mfu_residuals, 0.0, samples))
    mfu = np.minimum(mfu, 1.0)
    peak = float(scenario.peak.m_as("FLOP/s"))
    hours = float(np.asarray(flops.m_as("FLOP")).reshape(-1)[0]) / (peak * mfu) / 3600 * scenario.stretch
    out: dict[str, np.ndarray] = {"gpu_hours": hours}
    units = {"gpu_hours": "GPU_hour", "wall_clock": "day", "cost": "USD", "energy": "MWh", "co2": "tCO2e"}
    if scenario.gpus is not None:
        out["wall_clock"] = hours / float(np.asarray(scenario.gpus.m_as("GPU")).reshape(-1)[0]) / 24
    if scenario.price is not None:
        price = _draw(rng, scenario.price_samples, float(np.asarray(scenario.price.m).reshape(-1)[0]), samples)
        out["cost"] = hours * price
    if scenario.power is not None:
        pue = _draw(rng, scenario.pue_samples, float(scenario.pue.m), samples)
        mwh = hours * float(scenario.power.m_as("MW")) * pue
        out["energy"] = mwh
        grams_per_kwh = _draw(rng, scenario.carbon_samples, float(scenario.carbon_intensity.m_as("gCO2e/kWh")), samples)
        out["co2"] = mwh * grams_per_kwh / 1000  # g/kWh = kg/MWh; / 1000 -> t/MWh
    result = {}
    for key, values in out.items():
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        unit = units[key]
        result[key] = (Q_(float(p10), unit), Q_(float(p50), unit), Q_(float(p90), unit))
    return result
