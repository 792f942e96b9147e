"""Verdicts on claims, reached by arithmetic on the data and costcalc's estimates.

Every check kind is one function (in ``costcalc.commands.claims``) taking the claim's ``check``
data and returning an ``Outcome`` of typed data: a verdict from the fixed vocabulary, the reason,
costcalc's own figure and what decided it as ``Reason`` keys with typed parameters, the deciding
and claimed quantities and the tolerance used. ``ClaimCheck`` carries them worded by
``costcalc.render.claim_words`` (through ``in_words``) and the outcome itself. The default
tolerances are in ``costcalc.commands.claims.outcome``; a claim may override its own.

consistent    the sources and the arithmetic agree with the claim
inconsistent  a primary source or the arithmetic contradicts it
unverifiable  no primary source gives the figure (the arithmetic may still bound it)
implausible   no source, and the arithmetic puts it outside anything the data supports
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from costcalc.base.display import Displayed, in_words
from costcalc.base.errors import InputError, PresetError
from costcalc.base.record import Field, Record
from costcalc.base.units import Quantity
from costcalc.commands.claims.facts import check_benchmark, check_first, check_match, check_node_type
from costcalc.commands.claims.figures import check_capacity, check_feasibility, check_ratio
from costcalc.commands.claims.outcome import DEFAULT_TOLERANCE, Outcome, Reason, Verdict
from costcalc.commands.claims.quantity import check_quantity
from costcalc.commands.claims.statements import (
    check_acronym,
    check_architecture,
    check_largest,
    check_ordinal,
    check_share,
    check_wording,
)
from costcalc.data.catalog import Catalog, Entry
from costcalc.data.claims import MAX_SUBJECTS
from costcalc.schemas.claims import Check, Claim, FeasibilityCheck, QuantityCheck, RatioCheck

__all__ = [
    "DEFAULT_TOLERANCE", "ClaimCheck", "ClaimChecks", "Outcome", "Reason", "Verdict", "check_claim", "check_entries",
]  # fmt: skip


@dataclass(frozen=True, repr=False)
class ClaimCheck(Displayed, Record):
    """One claim with costcalc's figure and verdict: what ``costcalc check`` prints.

    The claim's own fields (as its file gives them), then the outcome of its check: costcalc's
    figure, the verdict, the reason, the tolerance and the number that decided it, and the
    regulatory compute thresholds (as in the estimate's JSON). The texts are the renderer's words of
    ``outcome``, the typed result (not exported to JSON: its texts and ``tolerance_value`` are).
    """

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
    tolerance_value: Quantity  # the tolerance used, dimensionless (a fraction: 0.005 is 0.5%)
    deciding: str = ""  # the number that decided the verdict
    thresholds: tuple[dict[str, Any], ...] = ()
    #: The outcome as data: the verdict, the reason as a key with typed parameters, the deciding and
    #: claimed quantities and the tolerance (the texts above are its words, ``costcalc.render.claim_words``).
    outcome: Outcome | None = None

    FIELDS = tuple(
        Field(name, name, "" if name == "tolerance_value" else None)
        for name in (
            "id", "model", "topic", "claim", "claim_en", "article_value", "source_value", "source", "in_estimator",
            "estimate", "verdict", "reason", "tolerance", "tolerance_value", "deciding", "thresholds",
        )
    )  # fmt: skip


class ClaimChecks(Displayed, list[ClaimCheck]):
    """Checked claims, in order: a list, shown as one table of verdicts (a plain repr, and HTML in
    a notebook). Display only: the checks themselves are in ``costcalc.commands.claims``."""

    def to_dict(self) -> list[dict[str, Any]]:
        """Each check as ``costcalc check --format json`` gives it."""
        return [check.to_dict() for check in self]


_CHECKS: dict[str, Callable[[Any, Catalog, float], Outcome]] = {
    "match": check_match,
    "capacity": check_capacity,
    "ratio": check_ratio,
    "feasibility": check_feasibility,
    "benchmark": check_benchmark,
    "first": check_first,
    "node_type": check_node_type,
    "quantity": check_quantity,
    "share": check_share,
    "architecture": check_architecture,
    "largest": check_largest,
    "ordinal": check_ordinal,
    "wording": check_wording,
    "acronym": check_acronym,
}


def check_claim(claim: Claim, catalog: Catalog) -> ClaimCheck:
    """Run a claim's check and return it with costcalc's figure, verdict, reason and deciding number."""
    kind = claim.check.kind
    tol = claim.check.tolerance if claim.check.tolerance is not None else DEFAULT_TOLERANCE[kind]
    outcome = _CHECKS[kind](claim.check, catalog, tol)
    words = in_words(outcome, "claim_outcome")  # the sentences are the renderer's (one voice)
    fields = claim.model_dump(exclude={"check"})
    if words.source_value is not None and not claim.source_value:
        fields["source_value"] = words.source_value
    if words.source is not None and not claim.source:
        fields["source"] = words.source
    if isinstance(claim.check, QuantityCheck):  # a claims file may leave these to the check
        fields["topic"] = claim.topic or claim.check.quantity
        fields["article_value"] = claim.article_value or (
            f"{claim.check.quantity} {claim.check.relation} {claim.check.stated}"
        )
    return ClaimCheck(
        **fields,
        estimate=words.estimate,
        verdict=outcome.verdict,
        reason=words.reason,
        tolerance=words.tolerance,
        tolerance_value=outcome.tolerance,
        deciding=words.deciding,
        thresholds=tuple(t.to_dict() for t in outcome.thresholds),
        outcome=outcome,
    )


def _subjects(check: Check) -> list[tuple[tuple[str, Any], ...]]:
    """The estimates a check needs, by their inputs (claims about one subject share one)."""
    if isinstance(check, QuantityCheck):
        return [tuple(sorted(check.subject.items()))]
    if isinstance(check, RatioCheck):
        return [(("model", check.numerator),), (("model", check.denominator),)]
    if isinstance(check, FeasibilityCheck):
        return [(("gpu", check.gpu), ("gpus", check.gpus), ("model", m)) for m in check.models]
    return []


def _within_subject_cap(pairs: list[tuple[Entry, Claim]]) -> None:
    """Refuse, before any estimate, a file that names more than MAX_SUBJECTS different subjects."""
    seen: set[tuple[tuple[str, Any], ...]] = set()
    for entry, claim in pairs:
        seen.update(_subjects(claim.check))
        if len(seen) > MAX_SUBJECTS:
            message = (
                f"more than {MAX_SUBJECTS} different subjects to estimate in one file (one estimate each; "
                "claims about the same subject share it): split the file"
            )
            raise PresetError(str(entry.path), f"{entry.where}.check", message)


def check_entries(pairs: Iterable[tuple[Entry, Claim]], catalog: Catalog) -> ClaimChecks:
    """Check claims read from a file; a bad input in one names the file and the claim's field."""
    pairs = list(pairs)
    _within_subject_cap(pairs)
    results = ClaimChecks()
    for entry, claim in pairs:
        where = f"{entry.where}.check"
        try:
            if claim.check.kind == "quantity":
                where += ".subject"  # the subject is validated when it is estimated, once per subject
            results.append(check_claim(claim, catalog))
        except InputError as err:
            raise PresetError(str(entry.path), f"{where}.{err.field}", err.message) from None
    return results
