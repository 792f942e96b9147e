"""Running the formulas on a resolved scenario: the estimate and its ranges.

Formulas only (``costcalc.formulas``); every default and its explanation was settled by
``costcalc.estimator.resolve``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.units import Quantity
from costcalc.estimator.result import Estimate, Range, ThresholdCrossing
from costcalc.estimator.scenario import Assumption, Basis, Factors, Scenario
from costcalc.estimator.timing import phase_note, run_gpu_hours, time_factors
from costcalc.formulas import runtime
from costcalc.schemas.thresholds import ComputeThreshold

__all__ = ["combine", "compute", "threshold_crossings"]


def combine(factors: list[Factors]) -> tuple[float, float]:
    """Combine independent multiplicative ranges in quadrature of their logs.

    For independent log-normal factors the log-quantiles add in quadrature, so each side of the
    range is exp(±sqrt(sum of squared log-distances)). Factors given as None (inputs the user fixed)
    add nothing.
    """
    lows = [math.log(f[0]) ** 2 for f in factors if f is not None]
    highs = [math.log(f[1]) ** 2 for f in factors if f is not None]
    return math.exp(-math.sqrt(sum(lows))), math.exp(math.sqrt(sum(highs)))


_ANALYTIC_RANGES = Assumption(
    "ranges", "analytic", Basis("quadrature"), kind="derived", source="costcalc.estimator.compute.combine"
)


#: The analytic ranges beside a phase timed otherwise or a fixed time: the efficiency's range scales
#: only the time spent at the efficiency (``costcalc.estimator.timing.time_factors``).
_TIMED_RANGES = Assumption(
    "ranges", "analytic", Basis("quadrature", {"timed": True}), kind="derived",
    source="costcalc.estimator.compute.combine; costcalc.estimator.timing",
)  # fmt: skip


def _finite(values: dict[str, Quantity | None]) -> None:
    for field, value in values.items():
        if value is None:
            continue
        m = np.asarray(value.magnitude, dtype=float)
        if not np.all(np.isfinite(m)) or np.any(m < 0) or (field != "co2" and np.any(m == 0)):
            message = "the result is not a finite positive number for these inputs; check their magnitudes"
            raise InputError(field, message)


def _factors(s: Scenario) -> dict[str, list[Factors]]:
    """The uncertain defaults each result depends on, as multiplicative ranges."""
    # Fewer GPU-hours when the efficiency is high, so the MFU range flips; with a phase timed
    # otherwise or a fixed time, their share narrows it (``costcalc.estimator.timing``).
    mfu = time_factors(s, s.flops.model)
    return {
        "flops": [],
        "hardware_flops": [],
        "gpu_hours": [mfu],
        "wall_clock": [mfu],
        "cost": [mfu, s.price_range],
        "energy": [mfu, s.pue_range],
        "co2": [mfu, s.pue_range, s.carbon_range],
    }


def _ranges(values: dict[str, Quantity | None], s: Scenario) -> dict[str, Range]:
    factors = _factors(s)
    ranges = {}
    for key, value in values.items():
        if value is not None:
            low, high = combine(factors[key])
            # no width (FLOPs, or every uncertain input given): the value itself, not two copies of it
            ranges[key] = Range(value, value) if low == high == 1.0 else Range(value * low, value * high)
    return ranges


def threshold_crossings(flops: Quantity, thresholds: Sequence[ComputeThreshold]) -> tuple[ThresholdCrossing, ...]:
    """Whether training compute C crosses each threshold F: C > F, "greater than" as the rules word it.

    C is the model FLOPs count (recomputation not counted); on an array of scenarios, one answer each.
    """
    c = np.asarray(flops.m_as("FLOP"), dtype=float)
    return tuple(ThresholdCrossing(t, c > float(t.flop.m_as("FLOP"))) for t in thresholds)


def compute(scenario: Scenario) -> Estimate:
    """FLOPs, GPU-hours, wall-clock, cost, energy and CO2 of a scenario, each with its range."""
    s = scenario
    flops = s.flops  # counted once, by resolve
    hours = run_gpu_hours(s, flops.model, s.mfu)
    days = runtime.wall_clock(hours, s.gpus) if s.gpus is not None else None
    dollars = runtime.cost(hours, s.price) if s.price is not None else None
    mwh = runtime.energy(hours, s.power, s.pue) if s.power is not None else None
    tonnes = runtime.co2(mwh, s.carbon_intensity) if mwh is not None else None
    values = {
        "flops": flops.model,
        "hardware_flops": flops.hardware,
        "gpu_hours": hours,
        "wall_clock": days,
        "cost": dollars,
        "energy": mwh,
        "co2": tonnes,
    }
    _finite(values)
    ranges = _ranges(values, s)
    timed = {"timed": s.timing is not None, "phase": s.timing.phase if s.timing is not None else ""}
    method = Assumption(
        "flops", flops.method, Basis("model_flops", timed), kind="derived", source="costcalc.formulas.flops"
    )
    phases = phase_note(s)
    assumptions = [method, *s.assumptions, *([phases] if phases else [])]
    percentiles = None
    if s.samples:
        from costcalc.estimator.uncertainty import simulate  # only Monte Carlo runs need it

        percentiles, note = simulate(s, flops.model, s.samples, s.seed)
        ranges.update({key: Range(p10, p90) for key, (p10, _p50, p90) in percentiles.items()})
        assumptions.append(note)
    elif any(sum(f is not None for f in fs) > 1 for fs in _factors(s).values()):
        assumptions.append(_ANALYTIC_RANGES if s.timing is None else _TIMED_RANGES)
    assert set(values) == set(RESULT_FIELDS)
    return Estimate(
        flops=flops.model,
        hardware_flops=flops.hardware,
        gpu_hours=hours,
        wall_clock=days,
        cost=dollars,
        energy=mwh,
        co2=tonnes,
        ranges=ranges,
        memory=s.memory,
        percentiles=percentiles,
        scenario=s,
        assumptions=tuple(assumptions),
        thresholds=threshold_crossings(flops.model, s.thresholds),
    )
