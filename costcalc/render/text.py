"""The building blocks every renderer shares: tables, Markdown cells, JSON, money and quantities."""

from __future__ import annotations

import json
import shutil
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.units import Quantity

__all__ = [
    "cells",
    "fit",
    "flop_figure",
    "format_quantity",
    "gigabytes",
    "markdown_table",
    "md_cell",
    "money",
    "render_json",
    "terminal_width",
    "text_table",
    "threshold_line",
    "wrap",
    "wrap_lines",
]


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks turned into spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    lines = ["| " + " | ".join(md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def terminal_width() -> int:
    """The width to lay text out for: the terminal's, ``COLUMNS`` if set, else 80 columns."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def cells(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters take two."""
    if text.isascii():  # every ASCII character takes one column: no per-character lookup
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _split_wide(line: str, width: int, hanging: str) -> list[str]:
    """Break a line of wide characters (which has no spaces to break at) by terminal columns."""
    out: list[str] = []
    while cells(line) > width:
        cut = len(line)
        while cut > 1 and cells(line[:cut]) > width:
            cut -= 1
        out.append(line[:cut])
        line = hanging + line[cut:]
    return [*out, line]


def wrap(text: str, width: int | None = None, *, indent: str = "", hanging: str = "") -> list[str]:
    """One paragraph wrapped to ``width``: the first line after ``indent``, the rest after ``hanging``."""
    width = width or terminal_width()
    lines = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=hanging, break_on_hyphens=False)
    return [part for line in lines or [indent.rstrip()] for part in _split_wide(line, width, hanging)]


def wrap_lines(lines: Sequence[str], width: int | None = None) -> list[str]:
    """Lines longer than ``width`` wrapped, each continuation indented two more than its line."""
    width = width or terminal_width()
    out: list[str] = []
    for line in lines:
        if cells(line) <= width:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        out += wrap(line.strip(), width, indent=lead, hanging=lead + "  ")
    return out


def fit(text: str, width: int | None = None) -> str:
    """A report laid out for people, with every line longer than the terminal wrapped."""
    return "\n".join(wrap_lines(text.split("\n"), width))


def _column_widths(natural: list[int], floors: list[int], room: int) -> list[int]:
    """Shrink the widest columns, one character at a time, until the row fits ``room``."""
    widths = list(natural)
    while sum(widths) > room:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], width: int | None = None) -> str:
    """An aligned text table that fits ``width`` columns (the terminal's): long cells wrap."""
    width = width or terminal_width()
    table = [[str(c) for c in row] for row in [headers, *rows]]
    columns = range(len(headers))
    natural = [max(len(row[i]) for row in table) for i in columns]
    room = width - 2 * (len(headers) - 1)
    # break no word (a run id, a number) unless the longest words cannot fit side by side
    words = [max(len(word) for row in table for word in row[i].split() or [""]) for i in columns]
    widths = _column_widths(natural, words, room)
    if sum(widths) > room:
        widths = _column_widths(widths, [min(w, 4) for w in widths], room)
    out = []
    for n, row in enumerate(table):
        parts = [textwrap.wrap(cell, widths[i], break_on_hyphens=False) or [""] for i, cell in enumerate(row)]
        for k in range(max(len(p) for p in parts)):
            cells = [(p[k] if k < len(p) else "").ljust(widths[i]) for i, p in enumerate(parts)]
            out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
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


def flop_figure(flop: float) -> str:
    """A FLOP threshold the way the rules write it: 10^25; other figures as 3.94e+25."""
    exponent = round(np.log10(flop)) if flop > 0 else 0
    return f"10^{exponent}" if flop > 0 and np.isclose(flop, 10.0**exponent, rtol=1e-12) else f"{flop:.3g}"


def threshold_line(threshold: dict[str, Any]) -> str:
    """One threshold of an estimate or check (its ``to_dict`` form): crossed or not, the rule, its dates."""
    crossed = threshold["crossed"]
    if isinstance(crossed, list):
        word = f"crossed by {sum(crossed)} of {len(crossed)}"
    else:
        word = "crossed" if crossed else "not crossed"
    return f"{word}: {threshold['name']} (more than {flop_figure(threshold['flop'])} FLOP; {threshold['status']})"
