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
from typing import Literal

from costcalc.commands.claims.evidence import Evidence, evidence_for, implied_mfu, show
from costcalc.commands.claims.outcome import EVIDENCE_TOLERANCE, Outcome, Verdict
from costcalc.commands.claims.subject import Subject, resolve_subject
from costcalc.data.catalog import Catalog
from costcalc.schemas.claims import QuantityCheck

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


def _tolerance(check: QuantityCheck, ev: Evidence) -> tuple[float, str]:
    default, what = EVIDENCE_TOLERANCE[ev.tolerance_kind]
    base = check.tolerance if check.tolerance is not None else default
    origin = "the claim's own tolerance" if check.tolerance is not None else f"the default for {what}"
    if check.relation == "~":
        tol = max(APPROX_FACTOR * base, APPROX_MINIMUM)
        return tol, f"{tol:.1%} ('~': twice {base:.1%}, {origin}, and at least {APPROX_MINIMUM:.0%})"
    return base, f"{base:.1%} ({origin}{'' if check.relation == '=' else ', before it contradicts'})"


def _bound_side(relation: str, value: float, ev: Evidence, judgement: Judgement) -> Literal["low", "high"]:
    """Which end of the evidence decided: the one the claimed value is compared with."""
    if relation in (">", ">="):
        return "low" if judgement == "proven" else "high"
    if relation in ("<", "<="):
        return "high" if judgement == "proven" else "low"
    return "high" if value > ev.high else "low" if value < ev.low else "high"


def _deciding(check: QuantityCheck, subject: Subject, ev: Evidence, judgement: Judgement) -> str:
    """The number that decided, e.g. 'needs 11.43 USD per A100-40GB-hour; the dearest observed price is 4.10'."""
    v, q = check.value, check.quantity
    if ev.kind == "none":
        return ev.figure
    side = _bound_side(check.relation, v, ev, judgement)
    if ev.hours and ev.prices:
        price = ev.prices[1] if side == "high" else ev.prices[0]
        word = "dearest" if side == "high" else "cheapest"
        return f"needs {v / ev.hours:.2f} USD per {ev.accelerator}-hour; the {word} observed price is {price:.2f}"
    if check.relation in ("=", "~") and judgement != "refuted" and ev.low != ev.high:
        return f"{ev.figure} holds the claimed {show(q, v)}" + _implied(check, subject, ev)
    bound = ev.high if side == "high" else ev.low
    if ev.low == ev.high:
        name = "the figure"
    elif ev.kind == "estimate":
        name = "costcalc's P90" if side == "high" else "costcalc's P10"
    else:
        name = "the upper end" if side == "high" else "the lower end"
    text = f"{name} {show(q, bound)} against the claimed {show(q, v)}"
    if bound > 0 and abs(v / bound - 1) >= 0.0005:
        text += f" (claim {v / bound - 1:+.1%})"
    return text + _implied(check, subject, ev)


def _implied(check: QuantityCheck, subject: Subject, ev: Evidence) -> str:
    """What an estimate-judged GPU-hour or cost claim implies: the efficiency, or the price per GPU-hour."""
    v, est = check.value, subject.est
    if ev.kind != "estimate" or v <= 0:
        return ""
    if check.quantity == "gpu-hours":
        return f"; the claim implies MFU {implied_mfu(subject, v):.1%}"
    if check.quantity == "cost" and est.scenario.price is not None:
        hours = float(est.gpu_hours.m_as("GPU_hour"))
        from costcalc.base.display import in_words  # the assumptions' words are the renderer's (one voice)

        price = next((in_words(a, "assumption").value for a in est.assumptions if a.field == "price"), "given")
        return (
            f"; it implies {v / hours:.2f} USD per {est.scenario.accelerator.name}-hour at costcalc's central "
            f"efficiency (price {price})"
        )
    return ""


def _reason(check: QuantityCheck, subject: Subject, ev: Evidence, judgement: Judgement, tol: float) -> str:
    claim = f"'{check.quantity} {check.relation} {check.stated}'"
    if _published_against_range(check, ev):
        if judgement == "refuted":
            return f"The published {claim} is outside {ev.figure} by more than {tol:.0%}."
        return f"The published {claim} fits {ev.figure} (tolerance {tol:.0%})" + _implied(check, subject, ev) + "."
    unpublished = f"No published {check.quantity} figure" + (f" ({subject.run_note})" if subject.mismatch else "")
    if ev.kind == "none":
        return f"Nothing to judge {claim} against: {ev.figure}."
    if judgement == "refuted":
        if ev.hours and ev.prices:
            return _price_reason(check.value / ev.hours, ev, tol)
        if ev.kind in ("estimate", "observed"):
            return f"{unpublished}, and {claim} is outside {ev.figure} by more than {tol:.0%}."
        return f"{ev.figure[0].upper()}{ev.figure[1:]} contradicts {claim} (tolerance {tol:.1%})."
    if judgement == "proven" and ev.kind not in ("estimate",):
        return f"{ev.figure[0].upper()}{ev.figure[1:]} bears out {claim}."
    if ev.kind == "estimate":
        return f"{unpublished}; {claim} fits {ev.figure}: plausible, not confirmed."
    if ev.kind == "bound":
        return f"The {ev.figure} does not decide {claim}."
    if ev.low == ev.high:
        return f"{ev.figure[0].upper()}{ev.figure[1:]} is within {tol:.1%} of the claimed value: too close to decide."
    return f"{claim} lies within {ev.figure} (tolerance {tol:.1%})."


def _price_reason(implied: float, ev: Evidence, tol: float) -> str:
    """Why a cost is refuted by the published GPU-hours: the price per GPU-hour it needs."""
    assert ev.prices is not None
    above = implied > ev.prices[1]
    side, bound = ("dearest", ev.prices[1]) if above else ("cheapest", ev.prices[0])
    return (
        f"At the published GPU-hours the claim needs {implied:.2f} USD per GPU-hour, {'above' if above else 'below'} "
        f"the {side} observed {ev.accelerator} price ({bound:.2f}) by more than {tol:.0%}."
    )


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
    tolerance, shown = _tolerance(check, ev)
    judgement: Judgement = (
        "possible" if math.isnan(ev.low) else judge(check.relation, check.value, ev.low, ev.high, tolerance)
    )
    estimate = f"{subject.label}: {ev.figure}; {subject.run_note}"
    return Outcome(
        estimate=estimate,
        verdict=_verdict(check, ev, judgement),
        reason=_reason(check, subject, ev, judgement, tolerance),
        tolerance=shown,
        tolerance_value=tolerance,
        deciding=_deciding(check, subject, ev, judgement),
        source_value=ev.figure,
        source=ev.source or subject.run_note,
        thresholds=tuple(c.to_dict() for c in subject.est.thresholds),
    )
