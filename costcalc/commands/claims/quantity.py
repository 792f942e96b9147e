"""'<quantity> <relation> <value>' claims about any subject: ``check --claim``, claims files and the article's rows.

The evidence (``costcalc.commands.claims.evidence``) is an interval [L, H] in the claim's unit: one
published figure (L = H), a published upper bound (0 to H), figures derived from published ones,
published GPU-hours times the observed prices, or costcalc's P10-P90 range. With tolerance t the
evidence may stretch to [L / (1 + t), H · (1 + t)] before it contradicts a claim. For a claimed
value v:

  relation  the evidence proves it when      it refutes it when
  = or ~    L >= v / (1 + t), H <= v (1 + t)  v < L / (1 + t) or v > H (1 + t)
  >  (>=)   L > v  (L >= v)                   H (1 + t) <= v  (H (1 + t) < v)
  <  (<=)   H < v  (H <= v)                   L / (1 + t) >= v  (L / (1 + t) > v)

Anything else is possible but not proven. What each outcome means depends on the evidence: a
published figure that refutes a claim makes it inconsistent, costcalc's range implausible; a claim
that only costcalc's range supports stays unverifiable (no source gives the figure). A claim whose
value is itself published, judged against costcalc's range on purpose (``judge_by = "estimate"``,
the article's "GPU-hours against costcalc's estimate"), is consistent when the range allows it and
inconsistent when it refutes it.

``=`` takes the default tolerance of its evidence (``EVIDENCE_TOLERANCE``: 0.5% for a published
figure, 15% for a duration, 25% beyond observed prices or costcalc's range, 5% for a FLOP count);
``~`` twice that, and at least 25%; the inequalities the ``=`` tolerance.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from costcalc.base.units import Q_
from costcalc.commands.claims.evidence import Evidence, evidence_for, implied_mfu
from costcalc.commands.claims.outcome import EVIDENCE_TOLERANCE, Outcome, Reason, Verdict
from costcalc.commands.claims.subject import Subject, resolve_subject
from costcalc.data.catalog import Catalog
from costcalc.schemas.claims import QUANTITY_UNITS, QuantityCheck

__all__ = ["APPROX_FACTOR", "APPROX_MINIMUM", "check_quantity", "judge"]

#: ``~`` (roughly) widens the ``=`` tolerance by this factor, and to at least APPROX_MINIMUM.
APPROX_FACTOR = 2.0
APPROX_MINIMUM = 0.25

Judgement = Literal["proven", "possible", "refuted"]

#: Verdict per kind of evidence when it proves, allows or refutes the claim.
_VERDICTS: dict[str, tuple[Verdict, Verdict, Verdict]] = {
    "published": ("consistent", "unverifiable", "inconsistent"),
    "bound": ("consistent", "unverifiable", "inconsistent"),
    "derived": ("consistent", "consistent", "inconsistent"),
    "observed": ("consistent", "consistent", "implausible"),
    "estimate": ("unverifiable", "unverifiable", "implausible"),
    "none": ("unverifiable", "unverifiable", "unverifiable"),
}


def judge(relation: str, value: float, low: float, high: float, tol: float) -> Judgement:
    """Whether evidence [low, high], stretched by ``tol`` before it refutes, proves or refutes ``relation value``."""
    wide_low, wide_high = low / (1 + tol), high * (1 + tol)
    if relation in ("=", "~"):
        if value < wide_low or value > wide_high:
            return "refuted"
        return "proven" if low >= value / (1 + tol) and high <= value * (1 + tol) else "possible"
    proven, refuted = {
        ">": (low > value, wide_high <= value),
        ">=": (low >= value, wide_high < value),
        "<": (high < value, wide_low >= value),
        "<=": (high <= value, wide_low > value),
    }[relation]
    return "proven" if proven else "refuted" if refuted else "possible"


def _tolerance(check: QuantityCheck, ev: Evidence) -> tuple[float, Reason]:
    default = EVIDENCE_TOLERANCE[ev.tolerance_kind][0]
    base = check.tolerance if check.tolerance is not None else default
    tol = max(APPROX_FACTOR * base, APPROX_MINIMUM) if check.relation == "~" else base
    params = {
        "tol": Q_(tol, ""), "base": Q_(base, ""), "own": check.tolerance is not None, "evidence": ev.tolerance_kind,
        "relation": check.relation, "minimum": Q_(APPROX_MINIMUM, ""),
    }  # fmt: skip
    return tol, Reason("quantity.tolerance", params)


def _bound_side(relation: str, value: float, ev: Evidence, judgement: Judgement) -> Literal["low", "high"]:
    """Which end of the evidence decided: the one the claimed value is compared with."""
    if relation in (">", ">="):
        return "low" if judgement == "proven" else "high"
    if relation in ("<", "<="):
        return "high" if judgement == "proven" else "low"
    return "high" if value > ev.high else "low" if value < ev.low else "high"


def _deciding(check: QuantityCheck, subject: Subject, ev: Evidence, judgement: Judgement) -> tuple[Reason, float]:
    """What decided, e.g. 'needs 11.43 USD per A100-40GB-hour; the dearest observed price is 4.10', and
    the deciding figure in the claim's unit (the price per GPU-hour for a cost judged by prices)."""
    v, q = check.value, check.quantity
    unit = QUANTITY_UNITS[q]
    if ev.kind == "none":
        return ev.figure, math.nan
    side = _bound_side(check.relation, v, ev, judgement)
    if ev.hours and ev.prices:
        price = ev.prices[1] if side == "high" else ev.prices[0]
        figures: dict[str, Any] = {
            "needs": Q_(v / ev.hours, "USD/GPU/hour"), "accelerator": ev.accelerator, "side": side,
            "price": Q_(price, "USD/GPU/hour"),
        }  # fmt: skip
        return Reason("quantity.needs_price", figures), price * ev.hours
    implied = _implied(check, subject, ev)
    if check.relation in ("=", "~") and judgement != "refuted" and ev.low != ev.high:
        figures = {"figure": ev.figure, "quantity": q, "value": Q_(v, unit), "implied": implied}
        return Reason("quantity.holds", figures), ev.high if side == "high" else ev.low
    bound = ev.high if side == "high" else ev.low
    end = "figure" if ev.low == ev.high else ("p90" if side == "high" else "p10") if ev.kind == "estimate" else side
    figures = {"end": end, "quantity": q, "bound": Q_(bound, unit), "value": Q_(v, unit), "implied": implied}
    return Reason("quantity.bound", figures), bound


def _implied(check: QuantityCheck, subject: Subject, ev: Evidence) -> Reason | None:
    """What an estimate-judged GPU-hour or cost claim implies: the efficiency, or the price per GPU-hour."""
    v, est = check.value, subject.est
    if ev.kind != "estimate" or v <= 0:
        return None
    if check.quantity == "gpu-hours":
        return Reason("quantity.implied_mfu", {"mfu": Q_(implied_mfu(subject, v), "")})
    if check.quantity == "cost" and est.scenario.price is not None:
        hours = float(est.gpu_hours.m_as("GPU_hour"))
        price = next((a for a in est.assumptions if a.field == "price"), None)
        per_hour = Q_(v / hours, "USD/GPU/hour")
        figures = {"per_hour": per_hour, "accelerator": est.scenario.accelerator.name, "price": price}
        return Reason("quantity.implied_price", figures)
    return None


def _reason(check: QuantityCheck, subject: Subject, ev: Evidence, judgement: Judgement, tol: float) -> Reason:
    claim = {"quantity": check.quantity, "relation": check.relation, "stated": check.stated}
    said = {**claim, "figure": ev.figure, "tol": Q_(tol, "")}
    if _published_against_range(check, ev):
        if judgement == "refuted":
            return Reason("quantity.published_outside", said)
        return Reason("quantity.published_fits", {**said, "implied": _implied(check, subject, ev)})
    said["run_note"] = subject.run_note if subject.mismatch else None
    if ev.kind == "none":
        return Reason("quantity.nothing", said)
    if judgement == "refuted":
        if ev.hours and ev.prices:
            return _price_reason(check.value / ev.hours, ev, tol)
        return Reason("quantity.outside" if ev.kind in ("estimate", "observed") else "quantity.contradicts", said)
    if judgement == "proven" and ev.kind not in ("estimate",):
        return Reason("quantity.bears_out", said)
    if ev.kind == "estimate":
        return Reason("quantity.plausible", said)
    if ev.kind == "bound":
        return Reason("quantity.bound_undecided", said)
    if ev.low == ev.high:
        return Reason("quantity.too_close", said)
    return Reason("quantity.within", said)


def _price_reason(implied: float, ev: Evidence, tol: float) -> Reason:
    """Why a cost is refuted by the published GPU-hours: the price per GPU-hour it needs."""
    assert ev.prices is not None
    above = implied > ev.prices[1]
    figures = {
        "needs": Q_(implied, "USD/GPU/hour"), "above": above,
        "price": Q_(ev.prices[1] if above else ev.prices[0], "USD/GPU/hour"), "accelerator": ev.accelerator,
        "tol": Q_(tol, ""),
    }  # fmt: skip
    return Reason("quantity.price_refutes", figures)


def _published_against_range(check: QuantityCheck, ev: Evidence) -> bool:
    """A published figure judged against costcalc's range (``judge_by = "estimate"``)."""
    return check.judge_by == "estimate" and ev.kind == "estimate"


def _verdict(check: QuantityCheck, ev: Evidence, judgement: Judgement) -> Verdict:
    if _published_against_range(check, ev):  # the figure is published: the range confirms or contradicts it
        return "inconsistent" if judgement == "refuted" else "consistent"
    if judgement == "possible" and ev.low == ev.high:
        return "unverifiable"  # a single figure within the tolerance of the boundary decides nothing
    proven, possible, refuted = _VERDICTS[ev.kind]
    return {"proven": proven, "possible": possible, "refuted": refuted}[judgement]


def check_quantity(check: QuantityCheck, catalog: Catalog, tol: float) -> Outcome:
    """Judge the claim against the subject's published run, else against costcalc's range."""
    subject = resolve_subject(dict(check.subject), catalog)
    ev = evidence_for(check.quantity, subject, catalog, check.judge_by)
    tolerance, rule = _tolerance(check, ev)
    judgement: Judgement = (
        "possible" if math.isnan(ev.low) else judge(check.relation, check.value, ev.low, ev.high, tolerance)
    )
    deciding, decided_by = _deciding(check, subject, ev, judgement)
    unit = QUANTITY_UNITS[check.quantity]
    return Outcome(
        verdict=_verdict(check, ev, judgement),
        reason=_reason(check, subject, ev, judgement, tolerance),
        estimate=Reason("quantity.estimate", {"label": subject.label, "figure": ev.figure, "note": subject.run_note}),
        rule=rule,
        deciding=deciding,
        tolerance=Q_(tolerance, ""),
        decided_by=Q_(decided_by, unit),
        claimed=Q_(check.value, unit),
        source_value=ev.figure,
        source=ev.source if ev.source is not None else subject.run_note,
        thresholds=subject.est.thresholds,
    )
