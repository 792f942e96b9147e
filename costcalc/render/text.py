"""The building blocks every renderer shares: tables, Markdown cells, JSON, money and quantities."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.units import Quantity

__all__ = [
    "format_quantity",
    "gigabytes",
    "markdown_table",
    "md_cell",
    "money",
    "render_json",
    "text_table",
]


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks turned into spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    lines = ["| " + " | ".join(md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def render_json(data: Any) -> str:
    """JSON with NaN and infinity refused (they are never valid results)."""
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def money(value: float | None) -> str:
    """Dollars the way people say them: $3.71M, $730k, $2.5; '-' when unknown."""
    if value is None:
        return "-"
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"${value / threshold:.3g}{suffix}"
    return f"${value:.3g}"


def gigabytes(value: float | None) -> str:
    """Bytes as gigabytes with one decimal, or 'unknown'."""
    return "unknown" if value is None else f"{value / 1e9:.1f} GB"


#: Units people read, smallest first: a value is shown in the largest unit it reaches at least 1 of,
#: so no prefix a reader can misread ("mtCO2e", "µtCO2e") ever appears.
LADDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "wall_clock": (("second", "s"), ("minute", "min"), ("hour", "h"), ("day", "days")),
    "energy": (("Wh", "Wh"), ("kWh", "kWh"), ("MWh", "MWh"), ("GWh", "GWh"), ("TWh", "TWh")),
    "co2": (("gCO2e", "gCO2e"), ("kgCO2e", "kgCO2e"), ("tCO2e", "tCO2e"), ("ktCO2e", "ktCO2e"), ("MtCO2e", "MtCO2e")),
}


def _ladder(q: Quantity, field: str) -> str:
    steps = LADDERS[field]
    unit, label = steps[0]
    for candidate, name in steps:
        if abs(float(q.m_as(candidate))) >= 1:
            unit, label = candidate, name
    m = float(q.m_as(unit))
    return f"{m:,.1f} {label}" if m >= 10 and label == "days" else f"{m:.3g} {label}"


def _one(q: Quantity, field: str) -> str:
    if field in LADDERS:
        return _ladder(q, field)
    spec = RESULT_FIELDS.get(field)
    value = q.to(spec.unit) if spec is not None else q
    m = float(value.magnitude)
    if field == "gpu_hours":
        return f"{m:,.0f} GPU-h" if abs(m) >= 100 else f"{m:.3g} GPU-h"
    if field == "cost":
        return money(m)
    return f"{value:.3g~#P}"


def format_quantity(q: Quantity, field: str) -> str:
    """A quantity for people: compact SI prefixes (pint's ``~#P``) and familiar units.

    FLOPs use pint's compact form ("863 ZFLOP"); wall-clock, energy and CO2 a fixed ladder of
    everyday units (``LADDERS``: minutes, hours, days; Wh to GWh; g, kg, t CO2e); GPU-hours keep
    every digit, as papers report them ("1,720,320 GPU-h"), with three significant figures below
    100; dollars read as "$3.71M". An array shows its count and its smallest and largest values.
    """
    magnitude = np.asarray(q.magnitude)
    if magnitude.size == 1:
        return _one(q.__class__(float(magnitude.reshape(-1)[0]), q.units), field)
    low = q.__class__(float(magnitude.min()), q.units)
    high = q.__class__(float(magnitude.max()), q.units)
    return f"{magnitude.size} values, {_one(low, field)} to {_one(high, field)}"
