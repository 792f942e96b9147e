"""Checks on hardware and schedule figures that are not one quantity of one subject.

A GPU count over a calendar window (capacity), the ratio of two runs (ratio) and whether a cluster
could train several models in time (feasibility). A claim about one quantity of one subject (cost,
GPU-hours, days, FLOPs, ...) is a quantity claim (``costcalc.commands.claims.quantity``), the
article's rows as much as ``check --claim``. Each kind is one function taking the claim's ``check``
data, the catalog and the tolerance, and returning an ``Outcome`` with the number that decided it.
"""

from __future__ import annotations

from costcalc.base.units import Q_
from costcalc.commands.claims.outcome import Outcome
from costcalc.commands.claims.outcome import millions as _m
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
    estimate = (
        f"capacity {_m(cap_min)}-{_m(cap_max)} GPU-h ({check.gpus} GPUs x {days_min}-{days_max} days); "
        f"used {_m(used)} = {share_low:.0%}-{share_high:.0%}; {dedicated:.0f} days on {check.gpus} dedicated GPUs"
    )
    shown = f"used share >= {1 - tol:.0%}"
    deciding = f"the published GPU-hours fill at most {share_high:.0%} of the stated GPUs x period"
    if share_high >= 1 - tol:
        reason = "The GPU-hours used fill the stated GPUs over the stated period."
        return Outcome(estimate, "consistent", reason, shown, deciding)
    return Outcome(
        estimate,
        "inconsistent",
        f"Read as the training resource it is contradicted: the published GPU-hours fill only {share_low:.0%} to "
        f"{share_high:.0%} of {check.gpus} GPUs over the period, so it describes a cluster and a calendar window, "
        "not the compute used.",
        shown,
        deciding,
    )


def check_ratio(check: RatioCheck, catalog: Catalog, tol: float) -> Outcome:
    hours_ratio = (check.numerator_gpu_hours / check.denominator_gpu_hours).m_as("")
    num = figures_of(catalog, model=check.numerator).flops
    den = figures_of(catalog, model=check.denominator).flops
    flop_ratio = (num / den).m_as("")
    estimate_text = f"GPU-hour ratio {hours_ratio:.2f}x; costcalc FLOP ratio {flop_ratio:.2f}x"
    shown = f"within {tol:.0%} of {check.claimed:g}x"
    deciding = f"{hours_ratio:.2f}x by published GPU-hours, {flop_ratio:.2f}x by FLOPs, against {check.claimed:g}x"
    lo, hi = check.claimed * (1 - tol), check.claimed * (1 + tol)
    if lo <= hours_ratio <= hi and lo <= flop_ratio <= hi:
        return Outcome(
            estimate_text,
            "consistent",
            f"Both the published GPU-hours ({hours_ratio:.2f}x) and costcalc's FLOP count ({flop_ratio:.2f}x) "
            f"are within {tol:.0%} of {check.claimed:g}x.",
            shown,
            deciding,
        )
    return Outcome(
        estimate_text,
        "inconsistent",
        f"The ratio is {hours_ratio:.2f}x by GPU-hours and {flop_ratio:.2f}x by FLOPs, outside {tol:.0%} of "
        f"{check.claimed:g}x.",
        shown,
        deciding,
    )


def check_feasibility(check: FeasibilityCheck, catalog: Catalog, tol: float) -> Outcome:
    ests = [figures_of(catalog, model=m, gpu=check.gpu, gpus=check.gpus) for m in check.models]
    days = sum(float(runtime.wall_clock(e.gpu_hours, Q_(check.gpus, "GPU")).m_as("day")) for e in ests)
    low = sum(float(e.ranges["wall_clock"].low.m_as("day")) for e in ests)
    high = sum(float(e.ranges["wall_clock"].high.m_as("day")) for e in ests)
    hours = sum(float(e.gpu_hours.m_as("GPU_hour")) for e in ests)
    estimate_text = (
        f"{_m(hours)} GPU-h; {days:.0f} days on {check.gpus} {check.gpu} (range {low:.0f} to {high:.0f}) "
        "at costcalc's default efficiency"
    )
    shown = f"upper end within {check.max_days:g} days"
    deciding = f"up to {high:.0f} days on {check.gpus} {check.gpu}, against a limit of {check.max_days:g}"
    if high <= check.max_days:
        return Outcome(
            estimate_text,
            "unverifiable",
            f"No duration or GPU-hours are published; costcalc puts the runs at {low:.0f} to {high:.0f} days on "
            "this cluster, which is plausible.",
            shown,
            deciding,
        )
    return Outcome(
        estimate_text,
        "implausible",
        f"Nothing is published, and costcalc needs up to {high:.0f} days on this cluster, beyond {check.max_days:g}.",
        shown,
        deciding,
    )
