"""The verdict vocabulary, the default tolerance of each check kind, and what a check returns.

consistent    the sources and the arithmetic agree with the claim
inconsistent  a primary source or the arithmetic contradicts it
unverifiable  no primary source gives the figure (the arithmetic may still bound it)
implausible   no source, and the arithmetic puts it outside anything the data supports
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from costcalc.base.units import Quantity

if TYPE_CHECKING:  # the display hook imports this module: no runtime import of result types
    from costcalc.estimator.result import ThresholdCrossing

__all__ = ["DEFAULT_TOLERANCE", "EVIDENCE_TOLERANCE", "VERDICTS", "Outcome", "Reason", "Verdict", "same"]

Verdict = Literal["consistent", "inconsistent", "unverifiable", "implausible"]
VERDICTS: tuple[Verdict, ...] = ("consistent", "inconsistent", "unverifiable", "implausible")

#: Default tolerance per check kind (relative unless stated); a claim may override its own.
DEFAULT_TOLERANCE: dict[str, float] = {
    "match": 0.005,  # numbers within 0.5%; text compared ignoring case and spacing
    "capacity": 0.2,  # a GPU count x period reads as the resource used only if >= 80% of it was used
    "ratio": 0.25,  # "about N times": within 25%
    "feasibility": 0.0,  # the upper end of the range must fit in max_days
    "benchmark": 0.0,  # strictly higher scores
    "first": 0.0,
    "node_type": 0.0,
    # a quantity claim takes the tolerance of the evidence it is judged against (EVIDENCE_TOLERANCE)
    "quantity": 0.0,
    "share": 0.0,  # the share must reach the wording's minimum
    "architecture": 0.0,
    "largest": 0.0,  # strictly more parameters than every earlier candidate
    "ordinal": 0.0,
    "wording": 0.0,  # no step up the scale of wording
    "acronym": 0.0,
}

#: A quantity claim's default tolerance by what it is judged against, and how the reason names it.
EVIDENCE_TOLERANCE: dict[str, tuple[float, str]] = {
    "published": (0.005, "a published figure"),  # numbers within 0.5%, as a match
    # 25% beyond the cheapest and dearest observed price (PUE and carbon intensity for energy and CO2)
    "prices": (0.25, "figures from observed prices"),
    "flops": (0.05, "a FLOP count"),  # 6·N·D leaves out attention, a few percent
    "duration": (0.15, "a duration"),  # "about N months": within 15%
    "range": (0.25, "costcalc's range"),  # 25% beyond costcalc's P10-P90 range
}


@dataclass(frozen=True)
class Reason:
    """A sentence as data: a key naming it and the typed parameters it is worded with.

    The words are ``costcalc.render.claim_words``'s (one function per key); a parameter is a
    quantity, a number, a flag, a name, a date, a nested ``Reason`` or a tuple of them, never a
    number already written out.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.params.get(name)


@dataclass(frozen=True)
class Outcome:
    """What a check found, as data: the verdict, why, what decided it and with which tolerance.

    ``reason``, ``deciding`` (the number or fact that decided), ``estimate`` (costcalc's own figure)
    and ``rule`` (how the tolerance applies) are ``Reason`` keys with typed parameters;
    ``costcalc.render.claim_words`` words them. ``tolerance`` is the tolerance used, dimensionless (a
    fraction: 0.005 is 0.5%); ``decided_by`` the deciding quantity and ``claimed`` the claimed one,
    where the check has them (a count, a ratio or a figure in its unit).

    ``source_value`` and ``source`` are set by checks that find what they judge against themselves
    (quantity claims: the published run or the estimate); ``thresholds`` lists the regulatory
    compute thresholds the subject's training compute was compared with.
    """

    verdict: Verdict
    reason: Reason
    estimate: Reason
    rule: Reason
    deciding: Reason
    tolerance: Quantity
    decided_by: Quantity | None = None
    claimed: Quantity | None = None
    source_value: Reason | None = None
    source: Reason | None = None
    thresholds: tuple[ThresholdCrossing, ...] = ()


def same(a: Any, b: Any, tol: float) -> bool:
    """Equal within ``tol`` (numbers) or ignoring case and spacing (text); lists element by element."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=tol, abs_tol=0.0)
    return " ".join(str(a).lower().split()) == " ".join(str(b).lower().split())
