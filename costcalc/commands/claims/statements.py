"""Checks on general statements: shares of the shipped runs, architectures, 'largest', 'Nth', wording, acronyms.

Each verdict comes from a count, a comparison of parameter counts or an ordered scale, never from
a stored answer; the data each needs is in the claim's ``check`` table.
"""

from __future__ import annotations

import re
from collections import Counter

from costcalc.commands.claims.outcome import Outcome
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
    breakdown = ", ".join(f"{name} {n}" for name, n in counts.most_common())
    estimate = f"{matching} of {len(runs)} shipped published runs ({share:.0%}); {check.field}: {breakdown}"
    shown = f"share >= {check.min_share:.0%}"
    deciding = f"{matching} of {len(runs)} published runs ({share:.0%}) have {check.field} {'/'.join(check.values)}"
    if runs and share >= check.min_share:
        reason = (
            f"{share:.0%} of the shipped published runs are {'/'.join(check.values)}, at least {check.min_share:.0%}."
        )
        return Outcome(estimate, "consistent", reason, shown, deciding)
    reason = f"Only {share:.0%} of the shipped published runs are {'/'.join(check.values)}."
    return Outcome(estimate, "inconsistent", reason, shown, deciding)


def check_architecture(check: ArchitectureCheck, catalog: Catalog, tol: float) -> Outcome:
    wrong = [m for m in check.models if m.reported is not None and check.claimed not in m.reported]
    unsourced = [m for m in check.models if m.reported is None]
    estimate = "; ".join(
        f"{m.name}: {'/'.join(m.reported) if m.reported is not None else 'no source found'}" for m in check.models
    )
    shown = "the claimed architecture among those each paper reports"
    if wrong:
        names = ", ".join(f"{m.name} ({'/'.join(m.reported or [])})" for m in wrong)
        return Outcome(estimate, "inconsistent", f"Not {check.claimed}: {names}.", shown, f"{names}")
    if unsourced:
        names = ", ".join(m.name for m in unsourced)
        reason = f"No source describes {names}; the others are {check.claimed}."
        return Outcome(estimate, "unverifiable", reason, shown, f"no source for {names}")
    deciding = f"every named model's paper reports {check.claimed}"
    reason = f"Each named model is {check.claimed} in its own paper."
    return Outcome(estimate, "consistent", reason, shown, deciding)


def check_largest(check: LargestCheck, catalog: Catalog, tol: float) -> Outcome:
    released = [c for c in check.candidates if c.released <= check.as_of]
    sizes = {c.model: c.params or float(catalog.model(c.model).params.m_as("parameter")) for c in released}
    estimate = "; ".join(f"{name} {size / 1e9:.2f}B" for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]))
    shown = f"most parameters among {check.scope} released by {check.as_of.isoformat()}"
    if check.subject not in sizes:
        reason = f"{check.subject} is not among the candidates released by {check.as_of.isoformat()}."
        return Outcome(estimate, "unverifiable", reason, shown, "no release date")
    ranked = sorted(sizes, key=lambda name: -sizes[name])
    runner_up = next(name for name in ranked if name != check.subject)
    subject, other = sizes[check.subject], sizes[runner_up]
    deciding = f"{check.subject} {subject / 1e9:.2f}B parameters against {runner_up} {other / 1e9:.2f}B"
    if subject > other:
        reason = f"{check.subject} has the most parameters of the {check.scope} released by {check.as_of.isoformat()}."
        return Outcome(estimate, "consistent", reason, shown, deciding)
    reason = f"{runner_up} is larger than {check.subject}, among {check.scope}."
    return Outcome(estimate, "inconsistent", reason, shown, deciding)


def check_ordinal(check: OrdinalCheck, catalog: Catalog, tol: float) -> Outcome:
    position = len(check.earlier) + 1
    estimate = f"released before {check.subject}: {', '.join(check.earlier) or 'none'}"
    shown = "count of earlier releases"
    deciding = f"{len(check.earlier)} earlier model(s), so {check.subject} is number {position}"
    after_ok = check.claimed_after is None or check.claimed_after in check.earlier
    if position == check.claimed_position and after_ok:
        reason = f"{check.subject} is the developer's model number {position}."
        return Outcome(estimate, "consistent", reason, shown, deciding)
    reason = (
        f"{', '.join(check.earlier)} came before {check.subject}: it is model number {position}, "
        f"not {check.claimed_position}."
    )
    return Outcome(estimate, "inconsistent", reason, shown, deciding)


def check_wording(check: WordingCheck, catalog: Catalog, tol: float) -> Outcome:
    rank = {word: i for i, word in enumerate(STRENGTHS)}
    careful = min(check.statements, key=lambda s: rank[s.says])
    estimate = "; ".join(f"{s.source}: '{s.says}'" for s in check.statements)
    shown = f"no stronger than the most careful source, on the scale {' < '.join(STRENGTHS)}"
    deciding = f"'{check.claimed}' against '{careful.says}' ({careful.source})"
    if rank[check.claimed] <= rank[careful.says]:
        reason = f"Every primary source says at least '{check.claimed}'."
        return Outcome(estimate, "consistent", reason, shown, deciding)
    stronger = [s.source for s in check.statements if rank[s.says] >= rank[check.claimed]]
    also = f" ({', '.join(stronger)} says as much)" if stronger else ""
    reason = f"Overstated: {careful.source} says only '{careful.says}', not '{check.claimed}'{also}."
    return Outcome(estimate, "inconsistent", reason, shown, deciding)


def _letters(text: str) -> str:
    """Lower-case letters only: 'Mul-tilingual' and 'Multilingual' read the same."""
    return re.sub(r"[^a-z]", "", text.lower())


def check_acronym(check: AcronymCheck, catalog: Catalog, tol: float) -> Outcome:
    words = check.expansion.split()
    initials = "".join(w[0] for w in words if w[0].isalpha()).upper()
    acronym = check.acronym.upper()
    estimate = f"initials {initials}"
    shown = "the acronym is the initials of the expansion's leading words; expansion as the source's"
    deciding = f"initials {initials[: len(acronym)]} of the first {len(acronym)} words"
    if not initials.startswith(acronym):
        reason = f"The initials are {initials}, which do not begin with {acronym}."
        return Outcome(estimate, "inconsistent", reason, shown, deciding)
    if check.source_expansion is None:
        reason = "The initials fit, but no primary source gives the expansion."
        return Outcome(estimate, "unverifiable", reason, shown, deciding)
    if _letters(check.expansion) != _letters(check.source_expansion):
        reason = f"The source expands it as {check.source_expansion!r}."
        return Outcome(estimate, "inconsistent", reason, shown, f"the source gives {check.source_expansion!r}")
    reason = "The initials fit and the source gives the same expansion."
    return Outcome(estimate, "consistent", reason, shown, deciding)
