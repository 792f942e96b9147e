"""Showing an estimate to people (text table, Markdown) and to scripts (JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.units import Quantity
from costcalc.render.text import (
    format_quantity,
    gigabytes,
    markdown_table,
    render_json,
    terminal_width,
    text_table,
    threshold_line,
    wrap,
    wrap_lines,
)
from costcalc.render.words import worded

if TYPE_CHECKING:  # the renderer reads estimates; it never builds one
    from costcalc.estimator.result import Estimate
    from costcalc.estimator.scenario import Assumption
    from costcalc.formulas.memory import MemoryBreakdown

__all__ = [
    "assumption_lines",
    "assumption_record",
    "assumption_records",
    "memory_lines",
    "render",
    "render_markdown",
    "render_table",
    "result_rows",
]


def _same(a: Quantity, b: Quantity) -> bool:
    return bool(np.allclose(np.asarray(a.magnitude), np.asarray(b.to(a.units).magnitude), rtol=1e-12))


def _span(low: Quantity, high: Quantity, field: str) -> str:
    """A range for people: "P10 to P90"; over an array, the lowest P10 to the highest P90."""
    count = np.asarray(low.magnitude).size
    if count == 1:
        return f"{format_quantity(low, field)} to {format_quantity(high, field)}"
    least = low.__class__(float(np.min(low.magnitude)), low.units)
    most = high.__class__(float(np.max(high.magnitude)), high.units)
    return f"{format_quantity(least, field)} to {format_quantity(most, field)} (over the {count} values)"


def result_rows(est: Estimate) -> list[tuple[str, str, str]]:
    """(label, value, range) for each result, formatted for people."""
    rows = []
    for field, spec in RESULT_FIELDS.items():
        value = getattr(est, field)
        if field == "hardware_flops" and est.scenario.recompute == "none":
            continue
        if value is None:
            rows.append((spec.label, spec.missing, ""))
            continue
        span = est.ranges.get(field)
        low_high = "" if span is None or _same(span.low, span.high) else _span(span.low, span.high, field)
        if est.percentiles is not None and field in est.percentiles:
            low_high += f" (P50 {format_quantity(est.percentiles[field][1], field)})"
        rows.append((spec.label, format_quantity(value, field), low_high))
    return rows


def memory_lines(memory: MemoryBreakdown) -> list[str]:
    """The memory section: layout, model states and the other parts, total against capacity, verdict, notes."""
    m = memory
    sp = ", SP" if m.sp else ""
    ep = f" EP={m.ep}" if m.ep > 1 else ""
    verdict = {True: "fits", False: "DOES NOT FIT", None: "unknown"}[m.fits]
    grads = "" if m.grad_bytes == 2 else f" ({m.grad_bytes:g}-byte)"
    lines = [
        f"Memory per GPU (TP={m.tp} PP={m.pp} DP={m.dp}{ep} ZeRO-{m.zero}{sp}, micro-batch {m.micro_batch}, "
        f"recompute {m.recompute}, {m.attention} attention, {m.optimizer_kind}):",
        f"  model states {gigabytes(m.states)} (weights {gigabytes(m.weights)}, gradients{grads} "
        f"{gigabytes(m.gradients)}, optimizer {gigabytes(m.optimizer)})",
        f"  activations {gigabytes(m.activations)}, overhead {gigabytes(m.overhead)}",
        f"  total {gigabytes(m.total)} of {gigabytes(m.capacity)}: {verdict}; pipeline bubble {m.bubble:.1%} "
        f"({m.micro_batches} micro-batch{'es' if m.micro_batches != 1 else ''} per step)",
    ]
    lines += [f"  note: {n}" for n in m.notes]
    return lines


def assumption_lines(est: Estimate, width: int | None = None) -> list[str]:
    """Each assumption: name and value, then its basis and source, wrapped to ``width`` (the terminal's)."""
    lines = ["Assumptions (* = given by you):"]
    for a in est.assumptions:
        words = worded(a)
        lines += wrap(f"{'*' if a.given else '-'} {words.name}: {words.value}", width, indent="  ", hanging="      ")
        lines += wrap(words.basis, width, indent="      ", hanging="      ")
        if a.source:
            lines += wrap(f"source: {a.source}", width, indent="      ", hanging="        ")
    return lines


def _number(q: Any) -> Any:
    m = np.asarray(q.magnitude, dtype=float)
    return m.tolist() if m.ndim else float(m)


def assumption_record(a: Assumption) -> dict[str, Any]:
    """An assumption for JSON: its words (``name``, ``value``, ``basis``), ``given`` and ``source``,
    and its data: ``key``, ``kind``, and for a quantity its ``quantity`` (value, low, high, unit)."""
    words = worded(a)
    record: dict[str, Any] = {"name": words.name, "value": words.value, "basis": words.basis}
    record |= {"given": a.given, "source": a.source, "key": a.key, "kind": a.kind}
    quantity = None
    if hasattr(a.value, "magnitude"):
        unit = a.value.units  # type: ignore[union-attr]
        quantity = {
            "value": _number(a.value),
            "low": None if a.low is None else _number(a.low.to(unit)),
            "high": None if a.high is None else _number(a.high.to(unit)),
            "unit": str(unit),
        }
    record["quantity"] = quantity
    return record


def assumption_records(est: Estimate) -> list[dict[str, Any]]:
    """The assumptions for JSON: each in words and as data (``costcalc.render.words.assumption_record``)."""
    return [assumption_record(a) for a in est.assumptions]


def threshold_lines(est: Estimate, width: int | None = None) -> list[str]:
    """Whether the training compute crosses each regulatory threshold, with the rule's source."""
    if not est.thresholds:
        return []
    flops = np.asarray(est.flops.m_as("FLOP"), dtype=float)
    shown = f"{float(flops):.3g} FLOP" if flops.ndim == 0 else f"{flops.min():.3g} to {flops.max():.3g} FLOP"
    lines = [f"Compute thresholds (training compute {shown}, model FLOPs):"]
    for crossing in est.thresholds:
        data = crossing.to_dict()
        lines += wrap(threshold_line(data), width, indent="  ", hanging="      ")
        lines += wrap(f"source: {data['source']}", width, indent="      ", hanging="        ")
    return lines


def render_table(est: Estimate) -> str:
    """Results with their ranges, the memory per GPU, then the assumptions each rests on, all laid
    out for the terminal's width as it is when the report starts (asked once, not per paragraph)."""
    width = terminal_width()
    parts = [text_table(["result", "estimate", "range (P10 to P90)"], result_rows(est), width)]
    if est.memory is not None:
        parts.append("\n".join(wrap_lines(memory_lines(est.memory), width)))
    if est.thresholds:
        parts.append("\n".join(threshold_lines(est, width)))
    parts.append("\n".join(assumption_lines(est, width)))
    return "\n\n".join(parts) + "\n"


def render_markdown(est: Estimate) -> str:
    """The same content as the table, as GitHub-flavoured Markdown."""
    lines = [markdown_table(["result", "estimate", "range (P10 to P90)"], result_rows(est))]
    if est.memory is not None:
        lines += ["", *(line.strip() for line in memory_lines(est.memory))]
    if est.thresholds:
        rows = [[threshold_line(t.to_dict()), t.threshold.source] for t in est.thresholds]
        lines += ["", markdown_table(["compute threshold", "source"], rows)]
    assumptions = [
        [f"{w.name}{' (given)' if a.given else ''}", w.value, w.basis] for a in est.assumptions for w in [worded(a)]
    ]
    lines += ["", markdown_table(["assumption", "value", "basis"], assumptions)]
    return "\n".join(lines) + "\n"


def render(est: Estimate, fmt: str) -> str:
    """An estimate in the requested format: table, markdown or json."""
    if fmt == "json":
        return render_json(est.to_dict())
    if fmt == "markdown":
        return render_markdown(est)
    return render_table(est)
