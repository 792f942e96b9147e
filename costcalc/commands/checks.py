"""Verdicts on the article's claims, reached by arithmetic on the data and costcalc's estimates.

Every check kind is one function taking the claim's ``check`` data and returning an ``Outcome``:
costcalc's own figure (``estimate``), a verdict from the fixed vocabulary, a one-sentence reason
and the tolerance that decided it. The default tolerances are below; a claim may override one.

consistent    the sources and the arithmetic agree with the article
inconsistent  a primary source or the arithmetic contradicts it
unverifiable  no primary source gives the figure (the arithmetic may still bound it)
implausible   no source, and the arithmetic puts it outside anything the data supports
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from costcalc.base.units import Q_
from costcalc.data.catalog import Catalog
from costcalc.data.defaults import price_default
from costcalc.estimator.api import estimate
from costcalc.formulas import runtime
from costcalc.formulas.flops import training_flops
from costcalc.schemas.claims import (
    BenchmarkCheck,
    CapacityCheck,
    Claim,
    ComputeCheck,
    CostCheck,
    DurationCheck,
    FeasibilityCheck,
    FirstCheck,
    GpuHoursCheck,
    MatchCheck,
    NodeTypeCheck,
    RatioCheck,
)

__all__ = ["DEFAULT_TOLERANCE", "ClaimCheck", "Outcome", "Verdict", "check_claim"]

Verdict = Literal["consistent", "inconsistent", "unverifiable", "implausible"]

#: Default tolerance per check kind (relative unless stated).
DEFAULT_TOLERANCE: dict[str, float] = {
    "match": 0.005,  # numbers within 0.5%; text compared ignoring case and spacing
    "capacity": 0.2,  # a GPU count x period reads as the resource used only if >= 80% of it was used
    "ratio": 0.25,  # "about N times": within 25%
    "cost": 0.25,  # implied price within 25% beyond the cheapest and dearest observed prices
    "compute": 0.05,  # FLOP counts within 5% (6ND leaves out attention, a few percent)
    "duration": 0.15,  # "about N months": within 15%
    "gpu_hours": 0.25,  # inside costcalc's range, or within 25% of its central value
    "feasibility": 0.0,  # the upper end of the range must fit in max_days
    "benchmark": 0.0,  # strictly higher scores
    "first": 0.0,
    "node_type": 0.0,
}


@dataclass(frozen=True)
class Outcome:
    estimate: str
    verdict: Verdict
    reason: str
    tolerance: str


class ClaimCheck(BaseModel):
    """One claim with costcalc's figure and verdict: what ``costcalc check`` prints."""

    model_config = ConfigDict(frozen=True)

    id: str
    model: str
    topic: str
    claim: str
    claim_en: str
    article_value: str
    source_value: str
    source: str
    in_estimator: bool
    estimate: str
    verdict: Verdict
    reason: str
    tolerance: str


def _m(value: float) -> str:
    """Millions with two decimals, as the ledger writes GPU-hours and dollars."""
    return f"{value / 1e6:.2f}M"


def _same(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=tol, abs_tol=0.0)
    return " ".join(str(a).lower().split()) == " ".join(str(b).lower().split())


def check_match(check: MatchCheck, catalog: Catalog, tol: float) -> Outcome:
    for a, b, product in check.products:
        if not math.isclose(a * b, product, rel_tol=1e-12):
            return Outcome(f"{a:g} x {b:g} = {a * b:g}", "inconsistent", f"{a:g} x {b:g} is not {product:g}.", "exact")
    arithmetic = "; ".join(f"{a:g} x {b:g} = {p:g}" for a, b, p in check.products)
    estimate = arithmetic or "-"
    shown = f"numbers within {tol:.1%}, text exact"
    if check.source is None:
        return Outcome(estimate, "unverifiable", "No primary source gives this figure.", shown)
    if _same(check.article, check.source, tol):
        extra = f" ({arithmetic})" if arithmetic else ""
        return Outcome(estimate, "consistent", f"The primary source states the same{extra}.", shown)
    return Outcome(estimate, "inconsistent", f"The primary source says {check.source!r}, not {check.article!r}.", shown)


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
    if share_high >= 1 - tol:
        return Outcome(estimate, "consistent", "The GPU-hours used fill the stated GPUs over the stated period.", shown)
    return Outcome(
        estimate,
        "inconsistent",
        f"Read as the training resource it is contradicted: the published GPU-hours fill only {share_low:.0%} to "
        f"{share_high:.0%} of {check.gpus} GPUs over the period, so it describes a cluster and a calendar window, "
        "not the compute used.",
        shown,
    )


def check_ratio(check: RatioCheck, catalog: Catalog, tol: float) -> Outcome:
    hours_ratio = (check.numerator_gpu_hours / check.denominator_gpu_hours).m_as("")
    num = estimate(model=check.numerator, catalog=catalog).flops
    den = estimate(model=check.denominator, catalog=catalog).flops
    flop_ratio = (num / den).m_as("")
    estimate_text = f"GPU-hour ratio {hours_ratio:.2f}x; costcalc FLOP ratio {flop_ratio:.2f}x"
    shown = f"within {tol:.0%} of {check.claimed:g}x"
    lo, hi = check.claimed * (1 - tol), check.claimed * (1 + tol)
    if lo <= hours_ratio <= hi and lo <= flop_ratio <= hi:
        return Outcome(
            estimate_text,
            "consistent",
            f"Both the published GPU-hours ({hours_ratio:.2f}x) and costcalc's FLOP count ({flop_ratio:.2f}x) "
            f"are within {tol:.0%} of {check.claimed:g}x.",
            shown,
        )
    return Outcome(
        estimate_text,
        "inconsistent",
        f"The ratio is {hours_ratio:.2f}x by GPU-hours and {flop_ratio:.2f}x by FLOPs, outside {tol:.0%} of "
        f"{check.claimed:g}x.",
        shown,
    )


def check_cost(check: CostCheck, catalog: Catalog, tol: float) -> Outcome:
    accelerator = catalog.accelerator(check.gpu)
    observed = price_default(accelerator, catalog)
    hours = float(check.gpu_hours.m_as("GPU_hour"))
    claimed = float(check.claimed.m_as("USD"))
    implied = claimed / hours
    if observed is None:
        return Outcome("-", "unverifiable", f"costcalc has no price observations for {accelerator.name}.", "n/a")
    cheapest, dearest = min(observed.values), max(observed.values)
    low, high = float(observed.low.m), float(observed.high.m)
    estimate_text = (
        f"{_m(hours)} GPU-h x {low:.2f}-{high:.2f} USD/GPU-h (P10-P90 of observed {accelerator.name} prices) = "
        f"${_m(hours * low)}-${_m(hours * high)}; the claim implies {implied:.2f} USD/GPU-h"
    )
    shown = f"implied price within {tol:.0%} of observed {cheapest:.2f}-{dearest:.2f} USD/GPU-h"
    if cheapest / (1 + tol) <= implied <= dearest * (1 + tol):
        return Outcome(
            estimate_text,
            "consistent",
            f"The claim implies {implied:.2f} USD per GPU-hour, within the observed prices.",
            shown,
        )
    side = "above the dearest" if implied > dearest else "below the cheapest"
    return Outcome(
        estimate_text,
        "implausible",
        f"At the published GPU-hours the claim needs {implied:.2f} USD per GPU-hour, {side} observed "
        f"{accelerator.name} price ({dearest if implied > dearest else cheapest:.2f}) by more than {tol:.0%}.",
        shown,
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
    if abs(ratio - 1) <= tol:
        return Outcome(
            estimate_text, "consistent", f"6·N·D matches the published compute to {abs(ratio - 1):.1%}.", shown
        )
    return Outcome(
        estimate_text, "inconsistent", f"6·N·D differs from the published compute by {ratio - 1:+.1%}.", shown
    )


def check_duration(check: DurationCheck, catalog: Catalog, tol: float) -> Outcome:
    days = float(runtime.wall_clock(check.gpu_hours, Q_(check.gpus, "GPU")).m_as("day"))
    claimed_days = float(check.claimed.m_as("day"))
    months = float(Q_(days, "day").m_as("month"))
    estimate_text = (
        f"{check.gpu_hours.m_as('GPU_hour'):,.0f} GPU-h / {check.gpus} GPUs = {days:.1f} days ({months:.2f} months)"
    )
    shown = f"within {tol:.0%}"
    diff = days / claimed_days - 1
    if abs(diff) <= tol:
        return Outcome(
            estimate_text,
            "consistent",
            f"GPU-hours over GPUs give {months:.1f} months, {diff:+.0%} from the stated "
            f"{Q_(claimed_days, 'day').m_as('month'):.1f}.",
            shown,
        )
    return Outcome(
        estimate_text, "inconsistent", f"GPU-hours over GPUs give {months:.1f} months, {diff:+.0%} off.", shown
    )


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
    if inside or close:
        where = "inside costcalc's range" if inside else f"within {tol:.0%} of costcalc's estimate"
        return Outcome(
            estimate_text,
            "consistent",
            f"The reported figure is {where} ({claimed / central - 1:+.0%}); its implied MFU of {mfu:.1%} is a "
            "normal whole-run efficiency.",
            shown,
        )
    return Outcome(
        estimate_text,
        "inconsistent",
        f"The reported figure is {claimed / central - 1:+.0%} from costcalc's estimate and outside its range.",
        shown,
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
    if high <= check.max_days:
        return Outcome(
            estimate_text,
            "unverifiable",
            f"No duration or GPU-hours are published; costcalc puts the runs at {low:.0f} to {high:.0f} days on "
            "this cluster, which is plausible.",
            shown,
        )
    return Outcome(
        estimate_text,
        "implausible",
        f"Nothing is published, and costcalc needs up to {high:.0f} days on this cluster, beyond {check.max_days:g}.",
        shown,
    )


def check_benchmark(check: BenchmarkCheck, catalog: Catalog, tol: float) -> Outcome:
    wins, total = 0, 0
    details = []
    for score in check.scores:
        for name, other in score.others.items():
            total += 1
            won = score.subject > other + tol
            wins += won
            details.append(f"{score.benchmark} {score.subject:g} vs {name} {other:g}")
    needed = total if check.require == "all" else total // 2 + 1
    estimate_text = f"higher on {wins} of {total}: " + "; ".join(details)
    shown = f"{check.require}: higher on {needed} of {total}"
    if wins >= needed:
        return Outcome(estimate_text, "consistent", f"{check.subject} scores higher on {wins} of {total}.", shown)
    return Outcome(
        estimate_text,
        "inconsistent",
        f"{check.subject} scores higher on only {wins} of {total} of the reported comparisons.",
        shown,
    )


def check_first(check: FirstCheck, catalog: Catalog, tol: float) -> Outcome:
    ordered = sorted(check.candidates, key=lambda c: c.released)
    subject = next((c for c in check.candidates if c.name == check.subject), None)
    estimate_text = "; ".join(f"{c.name} {c.released.isoformat()}" for c in ordered)
    if subject is None:
        return Outcome(estimate_text, "unverifiable", f"{check.subject} is not among the dated candidates.", "dates")
    earlier = [c.name for c in ordered if c.released < subject.released]
    if not earlier:
        return Outcome(estimate_text, "consistent", f"{subject.name} was released before the others.", "dates")
    return Outcome(
        estimate_text,
        "inconsistent",
        f"{', '.join(earlier)} released open weights over 100B before {subject.name}.",
        "dates",
    )


_CPU_MODEL = re.compile(r"\b(\d{4}[A-Z]?)\b")


def check_node_type(check: NodeTypeCheck, catalog: Catalog, tol: float) -> Outcome:
    node = catalog.get("node", check.claimed_node, field_name="claimed_node")
    preset_cpus = set(_CPU_MODEL.findall(node.cpus or ""))
    actual_cpus = set(_CPU_MODEL.findall(check.actual_cpus))
    estimate_text = f"{node.name}: {node.cpus}; source: {check.actual_system}, {check.actual_cpus}"
    if preset_cpus and preset_cpus == actual_cpus:
        return Outcome(estimate_text, "consistent", f"The source's CPUs match a {node.name}'s.", "CPU models")
    return Outcome(
        estimate_text,
        "inconsistent",
        f"A {node.name} carries {node.cpus}; the source reports {check.actual_cpus} in {check.actual_system}.",
        "CPU models",
    )


_CHECKS: dict[str, Callable[[Any, Catalog, float], Outcome]] = {
    "match": check_match,
    "capacity": check_capacity,
    "ratio": check_ratio,
    "cost": check_cost,
    "compute": check_compute,
    "duration": check_duration,
    "gpu_hours": check_gpu_hours,
    "feasibility": check_feasibility,
    "benchmark": check_benchmark,
    "first": check_first,
    "node_type": check_node_type,
}


def check_claim(claim: Claim, catalog: Catalog) -> ClaimCheck:
    """Run a claim's check and return it with costcalc's figure, verdict and reason."""
    kind = claim.check.kind
    tol = claim.check.tolerance if claim.check.tolerance is not None else DEFAULT_TOLERANCE[kind]
    outcome = _CHECKS[kind](claim.check, catalog, tol)
    return ClaimCheck(
        **claim.model_dump(exclude={"check"}),
        estimate=outcome.estimate,
        verdict=outcome.verdict,
        reason=outcome.reason,
        tolerance=outcome.tolerance,
    )
