"""Showing a recipe: each stage's results, then the total with its range (text, Markdown, JSON, HTML)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.units import Quantity
from costcalc.formulas.recipe import RANGE_RULE, TOTAL_FIELDS
from costcalc.render.text import format_quantity, markdown_table, render_json, text_table, wrap

if TYPE_CHECKING:  # the renderer reads recipes; it never builds one
    from costcalc.commands.recipe import Recipe
    from costcalc.estimator.result import Range

__all__ = ["recipe_html", "recipe_repr", "render_recipe", "stage_rows", "total_rows"]

#: Short column titles, so a stage's five results stand side by side in 80 columns.
_TITLES = {"gpu_hours": "GPU-hours", "wall_clock": "days", "cost": "cost", "energy": "energy", "co2": "CO2"}


def _cell(value: Quantity | None, field: str) -> str:
    return "-" if value is None else format_quantity(value, field)


def _days(value: Quantity | None) -> str:
    return "-" if value is None else f"{value.m_as('day'):,.1f}"


def _span(span: Range | None, field: str) -> str:
    if span is None:
        return "-"
    if field == "wall_clock":
        return f"{_days(span.low)} to {_days(span.high)} days"
    return f"{format_quantity(span.low, field)} to {format_quantity(span.high, field)}"


def stage_rows(result: Recipe) -> tuple[list[str], list[list[str]]]:
    """Headers and one row per stage, then the total: each result's central estimate."""
    headers = ["stage", *(_TITLES[f] for f in TOTAL_FIELDS)]
    rows = []
    for i, stage in enumerate(result.stages, start=1):
        est = stage.estimate
        cells = [_days(est.wall_clock) if f == "wall_clock" else _cell(getattr(est, f), f) for f in TOTAL_FIELDS]
        rows.append([f"{i}. {stage.name}", *cells])
    total = [_days(result.total[f]) if f == "wall_clock" else _cell(result.total[f], f) for f in TOTAL_FIELDS]
    rows.append(["total", *total])
    return headers, rows


def range_rows(result: Recipe) -> tuple[list[str], list[list[str]]]:
    """Headers and one row per stage, then the total: the GPU-hours' and the cost's P10 to P90."""
    headers = ["stage", "GPU-hours (P10 to P90)", "cost (P10 to P90)"]
    rows = [
        [
            f"{i}. {s.name}",
            _span(s.estimate.ranges.get("gpu_hours"), "gpu_hours"),
            _cost_span(s.estimate.cost, s.estimate.ranges.get("cost")),
        ]
        for i, s in enumerate(result.stages, start=1)
    ]
    rows.append(
        [
            "total",
            _span(result.ranges["gpu_hours"], "gpu_hours"),
            _cost_span(result.total["cost"], result.ranges["cost"]),
        ]
    )
    return headers, rows


def _cost_span(value: Quantity | None, span: Range | None) -> str:
    return "-" if value is None else _span(span, "cost")


def total_rows(result: Recipe) -> list[list[str]]:
    """(label, total, range) for each summed result."""
    rows = []
    for field in TOTAL_FIELDS:
        value = result.total[field]
        shown = _cell(value, field)
        rows.append([RESULT_FIELDS[field].label, shown, "-" if value is None else _span(result.ranges[field], field)])
    return rows


def _notes(result: Recipe) -> list[str]:
    lines = [f"{i}. {s.name}: {s.note}" for i, s in enumerate(result.stages, start=1) if s.note]
    missing = [RESULT_FIELDS[f].label for f in result.total if result.total[f] is None]
    if missing:
        lines.append(f"not summed ({', '.join(missing)}): a stage lacks it (see that stage's estimate)")
    return [*lines, f"ranges: {RANGE_RULE}"]


def _title(result: Recipe) -> str:
    count = len(result.stages)
    head = f"Recipe: {result.name} ({count} stage{'s' if count != 1 else ''}, run one after another)"
    return f"{head}\nsource: {result.source}" if result.source else head


def render_recipe(result: Recipe, fmt: str) -> str:
    """A recipe as a text table (the default), Markdown, or JSON (``stages`` and ``total``)."""
    if fmt == "json":
        return render_json(result.to_dict())
    stage_head, stages = stage_rows(result)
    range_head, spans = range_rows(result)
    totals = total_rows(result)
    if fmt == "markdown":
        parts = [_title(result).replace("\n", "\n\n"), markdown_table(stage_head, stages)]
        parts += [
            markdown_table(range_head, spans),
            markdown_table(["total", "estimate", "range (P10 to P90)"], totals),
        ]
        parts.append("\n".join(f"- {line}" for line in _notes(result)))
        return "\n\n".join(parts) + "\n"
    parts = ["\n".join(line for text in _title(result).splitlines() for line in wrap(text, hanging="  "))]
    parts += [text_table(stage_head, stages), text_table(range_head, spans)]
    parts.append(text_table(["total", "estimate", "range (P10 to P90)"], totals))
    parts.append("\n".join(line for text in _notes(result) for line in wrap(text, hanging="  ")))
    return "\n\n".join(parts) + "\n"


def recipe_repr(result: Recipe) -> str:
    """``Recipe('DeepSeek-V3', 4 stages, gpu_hours=3,055,164 GPU-h, ...)``: the known totals."""
    parts = [f"{field}={format_quantity(value, field)}" for field, value in result.total.items() if value is not None]
    return f"Recipe({result.name!r}, {len(result.stages)} stages, {', '.join(parts)})"


def recipe_html(result: Recipe) -> str:
    """Tables for Jupyter: the stages, their ranges, the total, then the notes."""
    from costcalc.render.html import html_table

    stage_head, stages = stage_rows(result)
    range_head, spans = range_rows(result)
    out = f"<p><b>{html.escape(_title(result).splitlines()[0])}</b></p>"
    out += html_table(stage_head, stages, row_headers=True) + html_table(range_head, spans, row_headers=True)
    out += html_table(["total", "estimate", "range (P10 to P90)"], total_rows(result), row_headers=True)
    return out + "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in _notes(result)) + "</ul>"
