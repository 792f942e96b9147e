"""What a quantity claim is judged against: a shipped run's published figures, else costcalc's range.

The subject of a claim is a model preset or the inputs of an estimate. When it names a model
preset with an included shipped run (``usable_as_published``: the calibration's inclusion rule,
with upper bounds kept as bounds) on the same tokens and hardware, the run's published figures
decide; figures the run does not publish are derived from those it does (GPU-hours / GPUs,
GPU-hours x observed prices). Otherwise costcalc's own estimate and its P10-P90 range decide, with
the efficiency, price, PUE and carbon-intensity ranges behind it named.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.commands.claims.outcome import Reason
from costcalc.commands.claims.subject import KEPT, Subject, kept, pinned_estimate, resolve_subject
from costcalc.data.catalog import Catalog
from costcalc.data.defaults import price_observations
from costcalc.estimator.result import Estimate
from costcalc.formulas import runtime
from costcalc.formulas.flops import training_flops
from costcalc.schemas.claims import QUANTITY_UNITS, JudgeBy
from costcalc.schemas.runs import PublishedRun

__all__ = ["Evidence", "EvidenceKind", "evidence_for", "implied_mfu"]

#: published: a run's own figure; bound: a published upper bound; derived: arithmetic on published or
#: given figures only; observed: published figures times observed prices or PUE; estimate: costcalc's
#: range; none: nothing to compare with.
EvidenceKind = Literal["published", "bound", "derived", "observed", "estimate", "none"]


@dataclass(frozen=True)
class Evidence:
    """The figure (or interval) a claim is judged against, in the claim's unit, and where it comes from.

    ``low`` and ``high`` are in the claim's unit (``QUANTITY_UNITS``); ``figure`` (what the evidence
    is) and ``source`` (where it comes from) are ``Reason`` keys with typed parameters, worded by
    ``costcalc.render.claim_quantity``.
    """

    low: float
    high: float
    kind: EvidenceKind
    #: What the evidence is, for its default tolerance (``EVIDENCE_TOLERANCE``).
    tolerance_kind: str
    figure: Reason
    source: Reason | None
    #: For a cost judged by GPU-hours x prices: the GPU-hours, the price span and the accelerator.
    hours: float | None = None
    prices: tuple[float, float] | None = None
    accelerator: str = ""


def _q(quantity: str, value: float) -> Quantity:
    """A figure of a claim about ``quantity`` as a quantity in the claim's unit."""
    return Q_(value, QUANTITY_UNITS[quantity])


def _run_source(run: PublishedRun, basis: str | None) -> Reason:
    return Reason("evidence.run_source", {"name": run.name, "id": run.id, "basis": basis, "source": run.source})


def _point(quantity: str, value: float, kind: EvidenceKind, tol: str, what: str, source: Reason) -> Evidence:
    return Evidence(
        value,
        value,
        kind,
        tol,
        Reason("evidence.point", {"what": what, "quantity": quantity, "value": _q(quantity, value)}),
        source,
    )


def _behind(est: Estimate, names: tuple[str, ...]) -> Reason:
    """The uncertain defaults a range rests on, as the estimate states them."""
    return Reason("evidence.behind", {"assumptions": tuple(a for a in est.assumptions if a.field in names)})


#: The inputs (``EstimateInputs`` fields) whose defaults each range rests on.
_RANGE_DEFAULTS: dict[str, tuple[str, ...]] = {
    "gpu_hours": ("mfu",),
    "wall_clock": ("mfu",),
    "cost": ("mfu", "price"),
    "energy": ("mfu", "power", "pue"),
    "co2": ("mfu", "power", "pue", "carbon_intensity"),
}


def _from_range(est: Estimate, field: str, quantity: str, unit: str, kind: EvidenceKind = "estimate") -> Evidence:
    """costcalc's P10-P90 range of ``field`` (or why there is none)."""
    value = getattr(est, field)
    if value is None:
        return Evidence(math.nan, math.nan, "none", "range", Reason("evidence.cannot_say", {"field": field}), None)
    span = est.ranges.get(field)
    low, high = (float(value.m_as(unit)),) * 2 if span is None else (float(q.m_as(unit)) for q in span)
    central = float(value.m_as(unit))
    figure = Reason(
        "evidence.range",
        {"quantity": quantity, "low": _q(quantity, low), "high": _q(quantity, high), "central": _q(quantity, central)},
    )
    tolerance_kind = "prices" if kind == "observed" else "range"
    return Evidence(low, high, kind, tolerance_kind, figure, _behind(est, _RANGE_DEFAULTS[field]))


def _gpu_hours(s: Subject, catalog: Catalog) -> Evidence:
    run = s.run
    hours = None if run is None else run.pretraining_gpu_hours
    if run is not None and hours is not None:
        value = float(hours.m_as("GPU_hour"))
        source = _run_source(run, run.gpu_hours_basis)
        if "upper_bound" in run.flags:
            figure = Reason("evidence.upper_bound", {"quantity": "gpu-hours", "value": hours})
            return Evidence(0.0, value, "bound", "published", figure, source)
        return _point("gpu-hours", value, "published", "published", "published", source)
    return _from_range(s.est, "gpu_hours", "gpu-hours", "GPU_hour")


def _days(s: Subject, catalog: Catalog) -> Evidence:
    run, gpus = s.run, s.est.scenario.gpus
    if run is not None:
        same_gpus = gpus is None or run.gpus is None or float(gpus.m_as("GPU")) == run.gpus
        if run.wall_clock_days is not None and same_gpus:
            value = float(run.wall_clock_days.m_as("day"))
            return _point("days", value, "published", "duration", "published", _run_source(run, run.wall_clock_basis))
        hours = run.pretraining_gpu_hours
        if hours is not None and gpus is not None:
            value = float(runtime.wall_clock(hours, gpus).m_as("day"))
            bound = "upper_bound" in run.flags
            figure = Reason(
                "evidence.per_gpu",
                {"hours": hours, "gpus": gpus, "days": Q_(value, "day"), "bound": bound},
            )  # fmt: skip
            source = _run_source(run, run.gpu_hours_basis)
            return Evidence(0.0 if bound else value, value, "bound" if bound else "derived", "duration", figure, source)
    return _from_range(s.est, "wall_clock", "days", "day")


def _cost(s: Subject, catalog: Catalog) -> Evidence:
    run = s.run
    if run is not None and run.cost_usd is not None:
        value = float(run.cost_usd.m_as("USD"))
        return _point("cost", value, "published", "published", "published", _run_source(run, run.cost_basis))
    hours = None if run is None else run.pretraining_gpu_hours
    if run is None or hours is None or run.accelerator is None:
        return _from_range(s.est, "cost", "cost", "USD")
    accelerator = catalog.accelerator(run.accelerator)
    if "price" in s.given:
        price = float(s.est.scenario.price.m_as("USD/GPU/hour")) if s.est.scenario.price is not None else math.nan
        cheapest = dearest = price
        basis = Reason("evidence.price_given")
    else:
        observations, _proxy = price_observations(accelerator, catalog)
        if not observations:
            figure = Reason("evidence.no_price", {"accelerator": accelerator.name})
            return Evidence(math.nan, math.nan, "none", "prices", figure, _run_source(run, run.gpu_hours_basis))
        mids = [float(o.midpoint.m_as("USD/GPU/hour")) for o in observations]
        cheapest, dearest = min(mids), max(mids)
        basis = Reason("evidence.prices_observed", {"count": Q_(len(mids), ""), "accelerator": accelerator.name})
    value = float(hours.m_as("GPU_hour"))
    low_hours = 0.0 if "upper_bound" in run.flags else value
    figure = Reason(
        "evidence.priced",
        {"hours": hours, "cheapest": Q_(cheapest, "USD/GPU/hour"), "dearest": Q_(dearest, "USD/GPU/hour"),
         "low": Q_(low_hours * cheapest, "USD"), "high": Q_(value * dearest, "USD")},
    )  # fmt: skip
    source = Reason("evidence.priced_source", {"run": _run_source(run, run.gpu_hours_basis), "basis": basis})
    return Evidence(
        low_hours * cheapest, value * dearest, "observed", "prices", figure, source, value, (cheapest, dearest),
        accelerator.name,
    )  # fmt: skip


def _energy_or_co2(quantity: str) -> Callable[[Subject, Catalog], Evidence]:
    field, unit = ("energy", "MWh") if quantity == "energy" else ("co2", "tCO2e")

    def build(s: Subject, catalog: Catalog) -> Evidence:
        run = s.run
        published = None if run is None else getattr(run, "energy_mwh" if field == "energy" else "co2_t")
        if run is not None and published is not None:
            basis = run.energy_basis if field == "energy" else run.co2_basis
            value = float(published.m_as(unit))
            return _point(quantity, value, "published", "published", "published", _run_source(run, basis))
        pinned = pinned_estimate(s, catalog)
        if pinned is not None and getattr(pinned, field) is not None:
            ev = _from_range(pinned, field, quantity, unit, "observed")
            assert run is not None and run.pretraining_gpu_hours is not None
            figures = {"hours": run.pretraining_gpu_hours, "low": _q(quantity, ev.low), "high": _q(quantity, ev.high)}
            figure = Reason("evidence.pinned", {"quantity": quantity, **figures})
            source = Reason(
                "evidence.pinned_source", {"behind": ev.source, "run": _run_source(run, run.gpu_hours_basis)}
            )
            return Evidence(ev.low, ev.high, "observed", "prices", figure, source)
        return _from_range(s.est, field, quantity, unit)

    return build


def _gpus(s: Subject, catalog: Catalog) -> Evidence:
    run = s.run
    if run is not None and run.gpus is not None:
        return _point("gpus", run.gpus, "published", "published", "published", _run_source(run, run.hardware))
    if s.est.scenario.gpus is not None and ("gpus" in s.given or "nodes" in s.given):
        value = float(s.est.scenario.gpus.m_as("GPU"))
        return _point("gpus", value, "derived", "published", "given", Reason("evidence.own_inputs"))
    return Evidence(math.nan, math.nan, "none", "published", Reason("evidence.no_gpus"), None)


def _tokens(s: Subject, catalog: Catalog) -> Evidence:
    run, spec = s.run, s.est.scenario.model
    if run is not None and run.tokens is not None:
        value = float(run.tokens.m_as("token"))
        return _point("tokens", value, "published", "published", "published", _run_source(run, None))
    if "tokens" in s.given:
        value = float(s.est.scenario.tokens.m_as("token"))
        return _point("tokens", value, "derived", "published", "given", Reason("evidence.own_inputs"))
    if spec is not None and spec.tokens is not None:
        value = float(spec.tokens.m_as("token"))
        source = Reason("evidence.preset_source", {"name": spec.name, "source": spec.sources.get("tokens", "")})
        return _point("tokens", value, "published", "published", "published", source)
    return Evidence(math.nan, math.nan, "none", "published", Reason("evidence.no_tokens"), None)


def _params(s: Subject, catalog: Catalog) -> Evidence:
    run, spec = s.run, s.est.scenario.model
    if spec is None:
        value = float(s.est.scenario.params.m_as("parameter"))
        return _point("params", value, "derived", "published", "given", Reason("evidence.own_inputs"))
    counts = [float(spec.params.m_as("parameter"))]
    if run is not None:
        counts.append(float(run.params.m_as("parameter")))
    low, high = min(counts), max(counts)
    source = Reason(
        "evidence.preset_source",
        {"name": spec.name, "source": spec.sources.get("params", ""), "run": None if run is None else run.id},
    )
    return Evidence(
        low,
        high,
        "derived",
        "published",
        Reason("evidence.params", {"low": _q("params", low), "high": _q("params", high)}),
        source,
    )


def _flops(s: Subject, catalog: Catalog) -> Evidence:
    sc = s.est.scenario
    dense = float(training_flops(sc.tokens, params=sc.flop_params).model.m_as("FLOP"))
    counted = float(s.est.flops.m_as("FLOP"))
    low, high = min(dense, counted), max(dense, counted)
    figure = Reason("evidence.flops", {"dense": _q("flops", dense), "counted": _q("flops", counted)})
    source = Reason("evidence.flops_source", {"preset": sc.model is not None})
    return Evidence(low, high, "derived", "flops", figure, source)


_BUILDERS: dict[str, Callable[[Subject, Catalog], Evidence]] = {
    "gpu-hours": _gpu_hours,
    "days": _days,
    "cost": _cost,
    "energy": _energy_or_co2("energy"),
    "co2": _energy_or_co2("co2"),
    "gpus": _gpus,
    "tokens": _tokens,
    "params": _params,
    "flops": _flops,
}


#: The estimate's field and unit of each quantity costcalc estimates.
_ESTIMATED: dict[str, tuple[str, str]] = {
    "gpu-hours": ("gpu_hours", "GPU_hour"),
    "days": ("wall_clock", "day"),
    "cost": ("cost", "USD"),
    "energy": ("energy", "MWh"),
    "co2": ("co2", "tCO2e"),
}


def evidence_for(quantity: str, subject: Subject, catalog: Catalog, judge_by: JudgeBy = "published") -> Evidence:
    """The figure or interval a claim about ``quantity`` is judged against (kept: many claims, one evidence).

    ``judge_by``: ``published`` the subject's run, else costcalc's range; ``gpu-hours`` what the run's
    published GPU-hours imply (days, cost, energy, CO2 derived from them even where the run publishes
    the figure itself); ``estimate`` costcalc's range even where a run publishes the figure.
    """
    if quantity not in _BUILDERS:
        raise InputError("claim", f"unknown quantity {quantity!r}")
    return kept(_evidence, (quantity, judge_by, subject.key), catalog)


@lru_cache(maxsize=1024)
def _evidence(key: tuple[str, JudgeBy, tuple[tuple[str, Any], ...]], catalog: Catalog) -> Evidence:
    quantity, judge_by, given = key
    subject = resolve_subject(dict(given), catalog)
    if judge_by == "estimate" and quantity in _ESTIMATED:
        return _from_range(subject.est, *_ESTIMATED[quantity][:1], quantity, _ESTIMATED[quantity][1])
    if judge_by == "gpu-hours" and subject.run is not None:
        unpublished = {"wall_clock_days": None, "cost_usd": None, "energy_mwh": None, "co2_t": None}
        subject = replace(subject, run=subject.run.model_copy(update=unpublished))
    return _BUILDERS[quantity](subject, catalog)


KEPT.append(_evidence)


def implied_mfu(subject: Subject, gpu_hours: float) -> float:
    """The efficiency a claimed GPU-hour figure implies for the subject: C / (GPU-hours x peak)."""
    est = subject.est
    return float(runtime.implied_efficiency(est.flops, Q_(gpu_hours, "GPU_hour"), est.scenario.peak).m)
