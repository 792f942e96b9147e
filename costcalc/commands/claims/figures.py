"""Checks on hardware and schedule figures that are not one quantity of one subject.

A GPU count over a calendar window (capacity), the ratio of two runs (ratio) and whether a cluster
could train several models in time (feasibility). A claim about one quantity of one subject (cost,
GPU-hours, days, FLOPs, ...) is a quantity claim (``costcalc.commands.claims.quantity``), the
article's rows as much as ``check --claim``. Each kind is one function taking the claim's ``check``
data, the catalog and the tolerance, and returning an ``Outcome`` with the number that decided it.
"""

from __future__ import annotations

from costcalc.base.units import Q_
from costcalc.commands.claims.outcome import Outcome, Reason
from costcalc.commands.claims.subject import figures_of
from costcalc.data.catalog import Catalog
from costcalc.formulas import runtime
from costcalc.schemas.claims import CapacityCheck, FeasibilityCheck, RatioCheck

__all__ = [
    "check_capacity",
    "check_feasibility",
    "check_ratio",
]


def check_capacity(check: CapacityCheck, catalog: Catalog, tol: float) -> Outcome:
    used = float(check.used_gpu_hours.m_as("GPU_hour"))
    days_min = (check.end_earliest - check.start).days
    days_max = (check.end_latest - check.start).days
    gpus = Q_(check.gpus, "GPU")
    cap_min = float(runtime.held_gpu_hours(gpus, Q_(days_min, "day")).m_as("GPU_hour"))
    cap_max = float(runtime.held_gpu_hours(gpus, Q_(days_max, "day")).m_as("GPU_hour"))
    share_low, share_high = used / cap_max, used / cap_min
    dedicated = float(runtime.wall_clock(check.used_gpu_hours, gpus).m_as("day"))
    figures = {"gpus": gpus, "share_low": Q_(share_low, ""), "share_high": Q_(share_high, "")}
    estimate = Reason(
        "capacity.estimate",
        {**figures, "cap_min": Q_(cap_min, "GPU_hour"), "cap_max": Q_(cap_max, "GPU_hour"),
         "days_min": Q_(days_min, "day"), "days_max": Q_(days_max, "day"), "used": check.used_gpu_hours,
         "dedicated": Q_(dedicated, "day")},
    )  # fmt: skip
    consistent = share_high >= 1 - tol
    return Outcome(
        "consistent" if consistent else "inconsistent",
        Reason("capacity.fills" if consistent else "capacity.window", figures),
        estimate,
        Reason("capacity.rule", {"tol": Q_(tol, "")}),
        Reason("capacity.deciding", figures),
        Q_(tol, ""),
        decided_by=Q_(share_high, ""),
        claimed=Q_(1 - tol, ""),
    )


def check_ratio(check: RatioCheck, catalog: Catalog, tol: float) -> Outcome:
    hours_ratio = float((check.numerator_gpu_hours / check.denominator_gpu_hours).m_as(""))
    num = figures_of(catalog, model=check.numerator).flops
    den = figures_of(catalog, model=check.denominator).flops
    flop_ratio = float((num / den).m_as(""))
    figures = {
        "hours_ratio": Q_(hours_ratio, ""), "flop_ratio": Q_(flop_ratio, ""), "claimed": Q_(check.claimed, ""),
        "tol": Q_(tol, ""),
    }  # fmt: skip
    lo, hi = check.claimed * (1 - tol), check.claimed * (1 + tol)
    consistent = lo <= hours_ratio <= hi and lo <= flop_ratio <= hi
    return Outcome(
        "consistent" if consistent else "inconsistent",
        Reason("ratio.within" if consistent else "ratio.outside", figures),
        Reason("ratio.estimate", figures),
        Reason("ratio.rule", figures),
        Reason("ratio.deciding", figures),
        Q_(tol, ""),
        decided_by=Q_(hours_ratio, ""),
        claimed=Q_(check.claimed, ""),
    )


def check_feasibility(check: FeasibilityCheck, catalog: Catalog, tol: float) -> Outcome:
    ests = [figures_of(catalog, model=m, gpu=check.gpu, gpus=check.gpus) for m in check.models]
    days = sum(float(runtime.wall_clock(e.gpu_hours, Q_(check.gpus, "GPU")).m_as("day")) for e in ests)
    low = sum(float(e.ranges["wall_clock"].low.m_as("day")) for e in ests)
    high = sum(float(e.ranges["wall_clock"].high.m_as("day")) for e in ests)
    hours = sum(float(e.gpu_hours.m_as("GPU_hour")) for e in ests)
    figures = {
        "hours": Q_(hours, "GPU_hour"), "days": Q_(days, "day"), "low": Q_(low, "day"), "high": Q_(high, "day"),
        "gpus": Q_(check.gpus, "GPU"), "gpu": check.gpu, "max_days": Q_(check.max_days, "day"),
    }  # fmt: skip
    fits = high <= check.max_days
    return Outcome(
        "unverifiable" if fits else "implausible",
        Reason("feasibility.plausible" if fits else "feasibility.beyond", figures),
        Reason("feasibility.estimate", figures),
        Reason("feasibility.rule", figures),
        Reason("feasibility.deciding", figures),
        Q_(tol, ""),
        decided_by=Q_(high, "day"),
        claimed=Q_(check.max_days, "day"),
    )
