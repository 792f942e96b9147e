"""Checks on general statements: shares of the shipped runs, architectures, 'largest', 'Nth', wording, acronyms.

Each verdict comes from a count, a comparison of parameter counts or an ordered scale, never from
a stored answer; the data each needs is in the claim's ``check`` table.
"""

from __future__ import annotations

import re
from collections import Counter

from costcalc.base.units import Q_
from costcalc.commands.claims.outcome import Outcome, Reason
from costcalc.data.catalog import Catalog
from costcalc.data.runs import load_runs
from costcalc.schemas.claims import (
    STRENGTHS,
    AcronymCheck,
    ArchitectureCheck,
    LargestCheck,
    OrdinalCheck,
    ShareCheck,
    WordingCheck,
)

__all__ = ["check_acronym", "check_architecture", "check_largest", "check_ordinal", "check_share", "check_wording"]


def check_share(check: ShareCheck, catalog: Catalog, tol: float) -> Outcome:
    runs = load_runs(catalog)
    counts = Counter(str(getattr(run, check.field)) for run in runs)
    matching = sum(counts[v] for v in check.values)
    share = matching / len(runs) if runs else 0.0
    figures = {
        "matching": Q_(matching, ""), "runs": Q_(len(runs), ""), "share": Q_(share, ""), "field": check.field,
        "values": tuple(check.values), "min_share": Q_(check.min_share, ""),
    }  # fmt: skip
    estimate = Reason(
        "share.estimate", {**figures, "counts": tuple((name, Q_(n, "")) for name, n in counts.most_common())}
    )
    held = bool(runs) and share >= check.min_share
    return Outcome(
        "consistent" if held else "inconsistent",
        Reason("share.reached" if held else "share.short", figures),
        estimate,
        Reason("share.rule", figures),
        Reason("share.deciding", figures),
        Q_(tol, ""),
        decided_by=Q_(share, ""),
        claimed=Q_(check.min_share, ""),
    )


def check_architecture(check: ArchitectureCheck, catalog: Catalog, tol: float) -> Outcome:
    wrong = [m for m in check.models if m.reported is not None and check.claimed not in m.reported]
    unsourced = [m for m in check.models if m.reported is None]
    reported = tuple((m.name, None if m.reported is None else tuple(m.reported)) for m in check.models)
    estimate, rule = Reason("architecture.estimate", {"reported": reported}), Reason("architecture.rule")
    if wrong:
        names = Reason("architecture.wrong", {"wrong": tuple((m.name, tuple(m.reported or [])) for m in wrong)})
        reason = Reason("architecture.not", {"claimed": check.claimed, "names": names})
        return Outcome("inconsistent", reason, estimate, rule, names, Q_(tol, ""))
    if unsourced:
        figures = {"names": tuple(m.name for m in unsourced), "claimed": check.claimed}
        reason = Reason("architecture.unsourced", figures)
        return Outcome("unverifiable", reason, estimate, rule, Reason("architecture.no_source", figures), Q_(tol, ""))
    figures = {"claimed": check.claimed}
    reason, deciding = Reason("architecture.each", figures), Reason("architecture.deciding", figures)
    return Outcome("consistent", reason, estimate, rule, deciding, Q_(tol, ""))


def check_largest(check: LargestCheck, catalog: Catalog, tol: float) -> Outcome:
    released = [c for c in check.candidates if c.released <= check.as_of]
    sizes = {c.model: c.params or float(catalog.model(c.model).params.m_as("parameter")) for c in released}
    ranked = sorted(sizes, key=lambda name: -sizes[name])
    estimate = Reason("largest.estimate", {"sizes": tuple((name, Q_(sizes[name], "parameter")) for name in ranked)})
    figures = {"subject": check.subject, "scope": check.scope, "as_of": check.as_of}
    rule = Reason("largest.rule", figures)
    if check.subject not in sizes:
        reason = Reason("largest.unreleased", figures)
        return Outcome("unverifiable", reason, estimate, rule, Reason("largest.no_date"), Q_(tol, ""))
    runner_up = next(name for name in ranked if name != check.subject)
    subject, other = sizes[check.subject], sizes[runner_up]
    figures |= {"runner_up": runner_up, "size": Q_(subject, "parameter"), "other": Q_(other, "parameter")}
    larger = subject > other
    return Outcome(
        "consistent" if larger else "inconsistent",
        Reason("largest.most" if larger else "largest.smaller", figures),
        estimate,
        rule,
        Reason("largest.deciding", figures),
        Q_(tol, ""),
        decided_by=Q_(subject, "parameter"),
        claimed=Q_(other, "parameter"),
    )


def check_ordinal(check: OrdinalCheck, catalog: Catalog, tol: float) -> Outcome:
    position = len(check.earlier) + 1
    figures = {
        "subject": check.subject, "earlier": tuple(check.earlier), "position": Q_(position, ""),
        "claimed": Q_(check.claimed_position, ""),
    }  # fmt: skip
    after_ok = check.claimed_after is None or check.claimed_after in check.earlier
    held = position == check.claimed_position and after_ok
    return Outcome(
        "consistent" if held else "inconsistent",
        Reason("ordinal.number" if held else "ordinal.not", figures),
        Reason("ordinal.estimate", figures),
        Reason("ordinal.rule"),
        Reason("ordinal.deciding", figures),
        Q_(tol, ""),
        decided_by=Q_(position, ""),
        claimed=Q_(check.claimed_position, ""),
    )


def check_wording(check: WordingCheck, catalog: Catalog, tol: float) -> Outcome:
    rank = {word: i for i, word in enumerate(STRENGTHS)}
    careful = min(check.statements, key=lambda s: rank[s.says])
    figures = {"claimed": check.claimed, "says": careful.says, "source": careful.source, "scale": STRENGTHS}
    estimate = Reason("wording.estimate", {"statements": tuple((s.source, s.says) for s in check.statements)})
    rule, deciding = Reason("wording.rule", figures), Reason("wording.deciding", figures)
    if rank[check.claimed] <= rank[careful.says]:
        return Outcome("consistent", Reason("wording.at_least", figures), estimate, rule, deciding, Q_(tol, ""))
    stronger = tuple(s.source for s in check.statements if rank[s.says] >= rank[check.claimed])
    reason = Reason("wording.overstated", {**figures, "stronger": stronger})
    return Outcome("inconsistent", reason, estimate, rule, deciding, Q_(tol, ""))


def _letters(text: str) -> str:
    """Lower-case letters only: 'Mul-tilingual' and 'Multilingual' read the same."""
    return re.sub(r"[^a-z]", "", text.lower())


def check_acronym(check: AcronymCheck, catalog: Catalog, tol: float) -> Outcome:
    words = check.expansion.split()
    initials = "".join(w[0] for w in words if w[0].isalpha()).upper()
    acronym = check.acronym.upper()
    figures = {"initials": initials, "acronym": acronym, "source": check.source_expansion}
    estimate, rule = Reason("acronym.estimate", figures), Reason("acronym.rule")
    deciding = Reason("acronym.deciding", figures)
    if not initials.startswith(acronym):
        return Outcome("inconsistent", Reason("acronym.initials", figures), estimate, rule, deciding, Q_(tol, ""))
    if check.source_expansion is None:
        return Outcome("unverifiable", Reason("acronym.unsourced"), estimate, rule, deciding, Q_(tol, ""))
    if _letters(check.expansion) != _letters(check.source_expansion):
        reason, gives = Reason("acronym.expands", figures), Reason("acronym.source_gives", figures)
        return Outcome("inconsistent", reason, estimate, rule, gives, Q_(tol, ""))
    return Outcome("consistent", Reason("acronym.same"), estimate, rule, deciding, Q_(tol, ""))
