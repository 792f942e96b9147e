"""Checks on stated facts: the article's value against the source's, benchmarks, release order, hardware.

Each kind is one function taking the claim's ``check`` data, the catalog and the tolerance, and
returning an ``Outcome`` with the number (or fact) that decided it.
"""

from __future__ import annotations

import math
import re

from costcalc.base.units import Q_
from costcalc.commands.claims.outcome import Outcome, Reason, Verdict, same
from costcalc.data.catalog import Catalog
from costcalc.schemas.claims import BenchmarkCheck, Candidate, FirstCheck, MatchCheck, NodeTypeCheck

__all__ = ["check_benchmark", "check_first", "check_match", "check_node_type"]


def check_match(check: MatchCheck, catalog: Catalog, tol: float) -> Outcome:
    rule = Reason("match.rule", {"tol": Q_(tol, "")})
    for a, b, product in check.products:
        if not math.isclose(a * b, product, rel_tol=1e-12):
            factors = {"a": Q_(a, ""), "b": Q_(b, "")}
            shown = Reason("match.product", {**factors, "product": Q_(a * b, "")})
            wrong = Reason("match.wrong_product", {**factors, "product": Q_(product, "")})
            exact = Reason("match.exact")
            return Outcome("inconsistent", wrong, shown, exact, shown, Q_(tol, ""), Q_(a * b, ""), Q_(product, ""))
    products = tuple(
        Reason("match.product", {"a": Q_(a, ""), "b": Q_(b, ""), "product": Q_(p, "")}) for a, b, p in check.products
    )
    estimate = Reason("match.products", {"products": products})
    if check.source is None:
        what = "figure" if all(isinstance(v, int | float) for v in _items(check.article)) else "fact"
        reason = Reason("match.unsourced", {"what": what})
        return Outcome("unverifiable", reason, estimate, rule, Reason("match.no_source", {"what": what}), Q_(tol, ""))
    deciding = Reason("match.source_gives", {"source": _typed(check.source)})
    if same(check.article, check.source, tol):
        return Outcome(
            "consistent", Reason("match.same", {"products": products}), estimate, rule, deciding, Q_(tol, "")
        )
    reason = Reason("match.differs", {"source": _typed(check.source), "article": _typed(check.article)})
    return Outcome("inconsistent", reason, estimate, rule, deciding, Q_(tol, ""))


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _typed(value: object) -> object:
    """A claim's stated value as a parameter: a number as a dimensionless quantity, a list as a tuple."""
    if isinstance(value, list):
        return tuple(_typed(v) for v in value)
    return Q_(value, "") if isinstance(value, int | float) and not isinstance(value, bool) else value


def check_benchmark(check: BenchmarkCheck, catalog: Catalog, tol: float) -> Outcome:
    wins, total = 0, 0
    details = []
    for score in check.scores:
        for name, other in score.others.items():
            total += 1
            won = score.subject > other + tol
            wins += won
            details.append((score.benchmark, Q_(score.subject, ""), name, Q_(other, "")))
    needed = total if check.require == "all" else total // 2 + 1
    figures = {
        "wins": Q_(wins, ""), "total": Q_(total, ""), "needed": Q_(needed, ""), "subject": check.subject,
        "require": check.require,
    }  # fmt: skip
    estimate = Reason("benchmark.estimate", {**figures, "details": tuple(details)})
    rule, deciding = Reason("benchmark.rule", figures), Reason("benchmark.deciding", figures)
    verdict: Verdict = "consistent" if wins >= needed else "inconsistent"
    reason = Reason("benchmark.higher" if wins >= needed else "benchmark.only", figures)
    return Outcome(verdict, reason, estimate, rule, deciding, Q_(tol, ""), Q_(wins, ""), Q_(needed, ""))


def _why_not(check: FirstCheck, c: Candidate) -> Reason | None:
    """Why a candidate does not meet the claim's conditions (None when it does)."""
    if check.over_params is not None and c.params <= check.over_params:
        return Reason(
            "first.too_small", {"params": Q_(c.params, "parameter"), "over": Q_(check.over_params, "parameter")}
        )
    if check.open_only and c.access != "open":
        return Reason("first.closed", {"access": c.access})
    return None


def check_first(check: FirstCheck, catalog: Catalog, tol: float) -> Outcome:
    ordered = sorted(check.candidates, key=lambda c: c.released)
    subject = next((c for c in check.candidates if c.name == check.subject), None)
    listed = tuple((c.name, c.released, Q_(c.params, "parameter"), c.access) for c in ordered)
    estimate = Reason("first.estimate", {"candidates": listed})
    excluded = {c.name: why for c in ordered if (why := _why_not(check, c)) is not None}
    rule = Reason("first.rule", {"conditions": bool(check.over_params or check.open_only)})
    if subject is None:
        reason = Reason("first.undated", {"subject": check.subject})
        return Outcome("unverifiable", reason, estimate, rule, Reason("first.no_date"), Q_(tol, ""))
    left_out = Reason("first.left_out", {"excluded": tuple(excluded.items())})
    if subject.name in excluded:
        reason = Reason("first.subject_excluded", {"subject": subject.name, "why": excluded[subject.name]})
        return Outcome("inconsistent", reason, estimate, rule, left_out, Q_(tol, ""))
    earlier = [c for c in ordered if c.released < subject.released and c.name not in excluded]
    if not earlier:
        figures = {"subject": subject.name, "released": subject.released, "left_out": left_out, "any": bool(excluded)}
        reason = Reason("first.before_all", figures)
        return Outcome("consistent", reason, estimate, rule, Reason("first.deciding_first", figures), Q_(tol, ""))
    first = earlier[0]
    deciding = Reason(
        "first.deciding_earlier",
        {"first": first.name, "first_released": first.released, "subject": subject.name,
         "released": subject.released},
    )  # fmt: skip
    reason = Reason("first.earlier", {"earlier": tuple(c.name for c in earlier), "subject": subject.name})
    return Outcome("inconsistent", reason, estimate, rule, deciding, Q_(tol, ""))


_CPU_MODEL = re.compile(r"\b(\d{4}[A-Z]?)\b")


def check_node_type(check: NodeTypeCheck, catalog: Catalog, tol: float) -> Outcome:
    node = catalog.get("node", check.claimed_node, field_name="claimed_node")
    preset_cpus = set(_CPU_MODEL.findall(node.cpus or ""))
    actual_cpus = set(_CPU_MODEL.findall(check.actual_cpus))
    actual_count = None if check.actual_count is None else Q_(check.actual_count, "GPU")
    facts = {
        "node": node.name, "count": Q_(node.count, "GPU"), "accelerator": node.accelerator, "cpus": node.cpus,
        "system": check.actual_system, "actual_count": actual_count, "actual_accelerator": check.actual_accelerator,
        "actual_cpus": check.actual_cpus, "or_similar": check.or_similar,
    }  # fmt: skip
    estimate, rule = Reason("node.estimate", facts), Reason("node.rule", facts)
    if preset_cpus and preset_cpus == actual_cpus:
        reason = Reason("node.same", facts)
        return Outcome("consistent", reason, estimate, rule, Reason("node.deciding", facts), Q_(tol, ""))
    accelerator = catalog.find("accelerator", check.actual_accelerator or "")
    similar = accelerator is not None and accelerator.name == node.accelerator and check.actual_count == node.count
    if check.or_similar and similar:
        reason = Reason("node.similar", facts)
        return Outcome("consistent", reason, estimate, rule, Reason("node.deciding_similar", facts), Q_(tol, ""))
    reason = Reason("node.different", facts)
    return Outcome("inconsistent", reason, estimate, rule, Reason("node.deciding_unlike", facts), Q_(tol, ""))
