"""Showing estimates to people (table, Markdown) and to scripts (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.units import DISPLAY_UNITS, Quantity
from costcalc.estimator.result import Estimate
from costcalc.formulas.memory import MemoryBreakdown

__all__ = [
    "format_quantity",
    "render",
    "render_json",
    "render_markdown",
    "render_table",
    "text_table",
]


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def money(value: float | None) -> str:
    """Dollars the way people say them: $3.71M, $730k, $2.5."""
    if value is None:
        return "-"
    return _money(value)


def _money(value: float) -> str:
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"${value / threshold:.3g}{suffix}"
    return f"${value:.3g}"


def _one(q: Quantity, field: str) -> str:
    unit = DISPLAY_UNITS.get(field, str(q.units))
    value = q.to(unit)
    m = float(value.magnitude)
    if field == "gpu_hours":
        return f"{m:,.0f} GPU-h"
    if field == "wall_clock":
        return f"{m:,.1f} days" if m >= 10 else f"{m:.3g} days"
    if field == "cost":
        return _money(m)
    return f"{value:.3g~#P}"


def format_quantity(q: Quantity, field: str) -> str:
    """A quantity for people: compact SI prefixes (pint's ``~#P``) and familiar units.

    FLOPs, energy and CO2 use pint's compact form ("863 ZFLOP", "1.54 GWh"); GPU-hours keep
    every digit, as papers report them ("1,720,320 GPU-h"); dollars read as "$3.71M". An array
    shows its count and its smallest and largest values.
    """
    magnitude = np.asarray(q.magnitude)
    if magnitude.size == 1:
        return _one(q.__class__(float(magnitude.reshape(-1)[0]), q.units), field)
    low, high = (
        q.__class__(float(magnitude.min()), q.units),
        q.__class__(float(magnitude.max()), q.units),
    )
    return f"{magnitude.size} values, {_one(low, field)} to {_one(high, field)}"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def gigabytes(value: float | None) -> str:
    return "unknown" if value is None else f"{value / 1e9:.1f} GB"


def memory_lines(memory: MemoryBreakdown) -> list[str]:
    """The memory section: layout, parts, total against capacity, verdict, notes."""
    m = memory
    sp = ", SP" if m.sp else ""
    ep = f" EP={m.ep}" if m.ep > 1 else ""
    verdict = {True: "fits", False: "DOES NOT FIT", None: "unknown"}[m.fits]
    lines = [
        f"Memory per GPU (TP={m.tp} PP={m.pp} DP={m.dp}{ep} ZeRO-{m.zero}{sp}, micro-batch {m.micro_batch}, "
        f"recompute {m.recompute}, {m.optimizer_kind}):",
        "  "
        + ", ".join(
            f"{name} {gigabytes(value)}"
            for name, value in (
                ("weights", m.weights),
                ("gradients", m.gradients),
                ("optimizer", m.optimizer),
                ("activations", m.activations),
                ("overhead", m.overhead),
            )
        ),
        f"  total {gigabytes(m.total)} of {gigabytes(m.capacity)}: {verdict}; pipeline bubble {m.bubble:.1%} "
        f"({m.micro_batches} micro-batch{'es' if m.micro_batches != 1 else ''} per step)",
    ]
    lines += [f"  note: {n}" for n in m.notes]
    return lines


def render_table(est: Estimate) -> str:
    """Results with their ranges, the memory per GPU, then the assumptions each rests on."""
    results = text_table(["result", "estimate", "range (P10 to P90)"], est.rows())
    if est.memory is not None:
        results += "\n\n" + "\n".join(memory_lines(est.memory))
    assumptions = "\n".join(
        f"  {'*' if a.given else '-'} {a.name}: {a.value}\n      {a.basis}"
        + (f"\n      source: {a.source}" if a.source else "")
        for a in est.assumptions
    )
    return f"{results}\n\nAssumptions (* = given by you):\n{assumptions}\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(est: Estimate) -> str:
    """The same content as the table, as GitHub-flavoured Markdown."""
    lines = ["| result | estimate | range (P10 to P90) |", "|---|---|---|"]
    lines += [f"| {_md_cell(a)} | {_md_cell(b)} | {_md_cell(c)} |" for a, b, c in est.rows()]
    if est.memory is not None:
        lines += ["", *(line.strip() for line in memory_lines(est.memory))]
    lines += ["", "| assumption | value | basis |", "|---|---|---|"]
    lines += [
        f"| {_md_cell(a.name)}{' (given)' if a.given else ''} | {_md_cell(a.value)} | {_md_cell(a.basis)} |"
        for a in est.assumptions
    ]
    return "\n".join(lines) + "\n"


def render_json(data: Any) -> str:
    """JSON with NaN and infinity refused (they are never valid results)."""
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def render(est: Estimate, fmt: str) -> str:
    if fmt == "json":
        return render_json(est.to_dict())
    if fmt == "markdown":
        return render_markdown(est)
    return render_table(est)
