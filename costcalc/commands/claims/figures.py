"""Checks on cost, hardware and schedule figures, by arithmetic on the data and costcalc's estimates.

Each kind is one function taking the claim's ``check`` data, the catalog and the tolerance, and
returning an ``Outcome`` with the number that decided it.
"""

from __future__ import annotations

from costcalc.base.units import Q_
from costcalc.commands.claims.outcome import Outcome
from costcalc.commands.claims.outcome import millions as _m
from costcalc.data.catalog import Catalog
from costcalc.data.defaults import price_default
from costcalc.data.thresholds import load_thresholds
from costcalc.estimator.api import estimate
from costcalc.estimator.compute import threshold_crossings
from costcalc.formulas import runtime
from costcalc.formulas.flops import training_flops
from costcalc.schemas.claims import (
    CapacityCheck,
    ComputeCheck,
    CostCheck,
    DurationCheck,
    FeasibilityCheck,
    GpuHoursCheck,
    RatioCheck,
)

__all__ = [
    "check_capacity",
    "check_compute",
    "check_cost",
    "check_duration",
    "check_feasibility",
    "check_gpu_hours",
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
    num = estimate(model=check.numerator, catalog=catalog).flops
    den = estimate(model=check.denominator, catalog=catalog).flops
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


def check_cost(check: CostCheck, catalog: Catalog, tol: float) -> Outcome:
    accelerator = catalog.accelerator(check.gpu)
    observed = price_default(accelerator, catalog)
    hours = float(check.gpu_hours.m_as("GPU_hour"))
    claimed = float(check.claimed.m_as("USD"))
    implied = claimed / hours
    if observed is None:
        reason = f"costcalc has no price observations for {accelerator.name}."
        return Outcome("-", "unverifiable", reason, "n/a", f"no observed {accelerator.name} price")
    cheapest, dearest = min(observed.values), max(observed.values)
    low, high = float(observed.low.m), float(observed.high.m)
    estimate_text = (
        f"{_m(hours)} GPU-h x {low:.2f}-{high:.2f} USD/GPU-h (P10-P90 of observed {accelerator.name} prices) = "
        f"${_m(hours * low)}-${_m(hours * high)}; the claim implies {implied:.2f} USD/GPU-h"
    )
    shown = f"implied price within {tol:.0%} of observed {cheapest:.2f}-{dearest:.2f} USD/GPU-h"
    side, bound = ("dearest", dearest) if implied > dearest else ("cheapest", cheapest)
    deciding = f"needs {implied:.2f} USD per {accelerator.name}-hour; the {side} observed price is {bound:.2f}"
    if cheapest / (1 + tol) <= implied <= dearest * (1 + tol):
        return Outcome(
            estimate_text,
            "consistent",
            f"The claim implies {implied:.2f} USD per GPU-hour, within the observed prices.",
            shown,
            deciding,
        )
    return Outcome(
        estimate_text,
        "implausible",
        f"At the published GPU-hours the claim needs {implied:.2f} USD per GPU-hour, "
        f"{'above' if implied > dearest else 'below'} the {side} observed {accelerator.name} price ({bound:.2f}) "
        f"by more than {tol:.0%}.",
        shown,
        deciding,
    )


def check_compute(check: ComputeCheck, catalog: Catalog, tol: float) -> Outcome:
    spec = catalog.model(check.model)
    dense = training_flops(check.tokens, params=spec.active_params or spec.params).model
    aware = training_flops(check.tokens, params=spec.params, spec=spec, seq_len=spec.seq_len).model
    published = float(check.published.m_as("FLOP"))
    ratio = float(dense.m_as("FLOP")) / published
    estimate_text = (
        f"6·N·D = {dense.m_as('FLOP'):.3e} FLOP (architecture-aware {aware.m_as('FLOP'):.3e}); "
        f"published {published:.3e}"
    )
    shown = f"6·N·D within {tol:.0%}"
    deciding = f"6·N·D {dense.m_as('FLOP'):.3e} FLOP against the published {published:.3e} ({ratio - 1:+.1%})"
    thresholds = tuple(c.to_dict() for c in threshold_crossings(check.published, load_thresholds(catalog)))
    if abs(ratio - 1) <= tol:
        reason = f"6·N·D matches the published compute to {abs(ratio - 1):.1%}."
        return Outcome(estimate_text, "consistent", reason, shown, deciding, thresholds=thresholds)
    reason = f"6·N·D differs from the published compute by {ratio - 1:+.1%}."
    return Outcome(estimate_text, "inconsistent", reason, shown, deciding, thresholds=thresholds)


def check_duration(check: DurationCheck, catalog: Catalog, tol: float) -> Outcome:
    days = float(runtime.wall_clock(check.gpu_hours, Q_(check.gpus, "GPU")).m_as("day"))
    claimed_days = float(check.claimed.m_as("day"))
    months = float(Q_(days, "day").m_as("month"))
    estimate_text = (
        f"{check.gpu_hours.m_as('GPU_hour'):,.0f} GPU-h / {check.gpus} GPUs = {days:.1f} days ({months:.2f} months)"
    )
    shown = f"within {tol:.0%}"
    diff = days / claimed_days - 1
    deciding = f"{days:.1f} days by GPU-hours / GPUs against the stated {claimed_days:.1f} ({diff:+.0%})"
    if abs(diff) <= tol:
        return Outcome(
            estimate_text,
            "consistent",
            f"GPU-hours over GPUs give {months:.1f} months, {diff:+.0%} from the stated "
            f"{Q_(claimed_days, 'day').m_as('month'):.1f}.",
            shown,
            deciding,
        )
    reason = f"GPU-hours over GPUs give {months:.1f} months, {diff:+.0%} off."
    return Outcome(estimate_text, "inconsistent", reason, shown, deciding)


def check_gpu_hours(check: GpuHoursCheck, catalog: Catalog, tol: float) -> Outcome:
    est = estimate(model=check.model, tokens=check.tokens, gpu=check.gpu, gpus=check.gpus, catalog=catalog)
    central = float(est.gpu_hours.m_as("GPU_hour"))
    low, high = (float(q.m_as("GPU_hour")) for q in est.ranges["gpu_hours"])
    claimed = float(check.claimed.m_as("GPU_hour"))
    mfu = float(runtime.implied_efficiency(est.flops, check.claimed, est.scenario.peak).m)
    estimate_text = f"{central:,.0f} GPU-h (range {low:,.0f} to {high:,.0f}); the claim implies MFU {mfu:.1%}"
    shown = f"inside costcalc's range or within {tol:.0%} of its estimate"
    inside = low <= claimed <= high
    close = abs(claimed / central - 1) <= tol
    deciding = f"{claimed:,.0f} GPU-h against costcalc's {low:,.0f} to {high:,.0f} (implied MFU {mfu:.1%})"
    if inside or close:
        where = "inside costcalc's range" if inside else f"within {tol:.0%} of costcalc's estimate"
        return Outcome(
            estimate_text,
            "consistent",
            f"The reported figure is {where} ({claimed / central - 1:+.0%}); its implied MFU of {mfu:.1%} is a "
            "normal whole-run efficiency.",
            shown,
            deciding,
        )
    return Outcome(
        estimate_text,
        "inconsistent",
        f"The reported figure is {claimed / central - 1:+.0%} from costcalc's estimate and outside its range.",
        shown,
        deciding,
    )


def check_feasibility(check: FeasibilityCheck, catalog: Catalog, tol: float) -> Outcome:
    ests = [estimate(model=m, gpu=check.gpu, gpus=check.gpus, catalog=catalog) for m in check.models]
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
