"""Checks on stated facts: the article's value against the source's, benchmarks, release order, hardware.

Each kind is one function taking the claim's ``check`` data, the catalog and the tolerance, and
returning an ``Outcome`` with the number (or fact) that decided it.
"""

from __future__ import annotations

import math
import re

from costcalc.commands.claims.outcome import Outcome, same
from costcalc.data.catalog import Catalog
from costcalc.schemas.claims import BenchmarkCheck, Candidate, FirstCheck, MatchCheck, NodeTypeCheck

__all__ = ["check_benchmark", "check_first", "check_match", "check_node_type"]


def check_match(check: MatchCheck, catalog: Catalog, tol: float) -> Outcome:
    for a, b, product in check.products:
        if not math.isclose(a * b, product, rel_tol=1e-12):
            shown = f"{a:g} x {b:g} = {a * b:g}"
            return Outcome(shown, "inconsistent", f"{a:g} x {b:g} is not {product:g}.", "exact", shown)
    arithmetic = "; ".join(f"{a:g} x {b:g} = {p:g}" for a, b, p in check.products)
    estimate = arithmetic or "-"
    shown = f"numbers within {tol:.1%}, text exact"
    if check.source is None:
        what = "figure" if all(isinstance(v, int | float) for v in _items(check.article)) else "fact"
        return Outcome(estimate, "unverifiable", f"No primary source gives this {what}.", shown, f"no source {what}")
    deciding = f"the source gives {_listed(check.source)}"
    if same(check.article, check.source, tol):
        extra = f" ({arithmetic})" if arithmetic else ""
        return Outcome(estimate, "consistent", f"The primary source states the same{extra}.", shown, deciding)
    reason = f"The primary source says {check.source!r}, not {check.article!r}."
    return Outcome(estimate, "inconsistent", reason, shown, deciding)


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _listed(value: object) -> str:
    items = _items(value)
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in items)


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
    deciding = f"higher on {wins} of {total} reported comparisons (needs {needed})"
    if wins >= needed:
        reason = f"{check.subject} scores higher on {wins} of {total}."
        return Outcome(estimate_text, "consistent", reason, shown, deciding)
    reason = f"{check.subject} scores higher on only {wins} of {total} of the reported comparisons."
    return Outcome(estimate_text, "inconsistent", reason, shown, deciding)


def _why_not(check: FirstCheck, c: Candidate) -> str | None:
    """Why a candidate does not meet the claim's conditions (None when it does)."""
    if check.over_params is not None and c.params <= check.over_params:
        return f"{c.params / 1e9:g}B, not over {check.over_params / 1e9:g}B"
    if check.open_only and c.access != "open":
        return f"weights {c.access}"
    return None


def check_first(check: FirstCheck, catalog: Catalog, tol: float) -> Outcome:
    ordered = sorted(check.candidates, key=lambda c: c.released)
    subject = next((c for c in check.candidates if c.name == check.subject), None)
    estimate_text = "; ".join(f"{c.name} {c.released.isoformat()} ({c.params / 1e9:g}B, {c.access})" for c in ordered)
    excluded = {c.name: why for c in ordered if (why := _why_not(check, c)) is not None}
    shown = "dates" + (
        " of the candidates that meet the claim's conditions" if check.over_params or check.open_only else ""
    )
    if subject is None:
        reason = f"{check.subject} is not among the dated candidates."
        return Outcome(estimate_text, "unverifiable", reason, shown, "no release date")
    left_out = "; ".join(f"{name}: {why}" for name, why in excluded.items())
    if subject.name in excluded:
        reason = f"{subject.name} itself does not meet the claim's conditions ({excluded[subject.name]})."
        return Outcome(estimate_text, "inconsistent", reason, shown, left_out)
    earlier = [c for c in ordered if c.released < subject.released and c.name not in excluded]
    if not earlier:
        deciding = f"{subject.name} {subject.released.isoformat()}, before every other candidate that qualifies"
        not_counted = f" ({left_out}, so they do not count)" if left_out else ""
        reason = f"{subject.name} was released before the other candidates{not_counted}."
        return Outcome(estimate_text, "consistent", reason, shown, deciding + (f"; {left_out}" if left_out else ""))
    first = earlier[0]
    deciding = f"{first.name} released {first.released.isoformat()}, {subject.name} {subject.released.isoformat()}"
    reason = f"{', '.join(c.name for c in earlier)} met the claim's conditions before {subject.name}."
    return Outcome(estimate_text, "inconsistent", reason, shown, deciding)


_CPU_MODEL = re.compile(r"\b(\d{4}[A-Z]?)\b")


def check_node_type(check: NodeTypeCheck, catalog: Catalog, tol: float) -> Outcome:
    node = catalog.get("node", check.claimed_node, field_name="claimed_node")
    preset_cpus = set(_CPU_MODEL.findall(node.cpus or ""))
    actual_cpus = set(_CPU_MODEL.findall(check.actual_cpus))
    gpus = f"{check.actual_count}x {check.actual_accelerator}" if check.actual_accelerator else "GPUs not given"
    estimate_text = f"{node.name}: {node.count}x {node.accelerator}, {node.cpus}; source: {check.actual_system}, "
    estimate_text += f"{gpus}, {check.actual_cpus}"
    shown = "CPU models" + (
        " (the same node); accelerator and count per node (a similar one)" if check.or_similar else ""
    )
    deciding = f"a {node.name} carries {node.cpus}; the source reports {check.actual_cpus}"
    if preset_cpus and preset_cpus == actual_cpus:
        reason = f"The source's CPUs match a {node.name}'s."
        return Outcome(estimate_text, "consistent", reason, shown, deciding)
    accelerator = catalog.find("accelerator", check.actual_accelerator or "")
    similar = accelerator is not None and accelerator.name == node.accelerator and check.actual_count == node.count
    if check.or_similar and similar:
        reason = (
            f"Not a {node.name} (it carries {node.cpus}; the source reports {check.actual_cpus} in "
            f"{check.actual_system}), but similar: {gpus} per node, as a {node.name}."
        )
        return Outcome(estimate_text, "consistent", reason, shown, f"{deciding}; both carry {gpus}")
    unlike = f"; nor similar: {gpus} against {node.count}x {node.accelerator}" if check.or_similar else ""
    return Outcome(
        estimate_text,
        "inconsistent",
        f"A {node.name} carries {node.cpus}; the source reports {check.actual_cpus} in {check.actual_system}{unlike}.",
        shown,
        deciding + unlike,
    )
