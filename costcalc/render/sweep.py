"""``costcalc sweep`` and ``costcalc compare``: many estimates side by side (table, CSV, JSON)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.parse import format_count
from costcalc.base.units import Q_
from costcalc.render.sweep_notes import note_text
from costcalc.render.sweep_stream import csv_stream, json_stream, sweep_columns
from costcalc.render.text import fit, format_quantity, markdown_table, money, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.sweep import SweepResult
    from costcalc.estimator.result import Estimate

__all__ = ["COMPARE_NOTE", "compare_rows", "note_text", "render_compare", "render_sweep"]


def compare_rows(results: Sequence[tuple[str, Estimate]]) -> tuple[list[str], list[list[str]]]:
    """Headers (``result`` and each scenario's name) and one row per result, with the ratio of each
    scenario to the first, then the GPU, GPU count and efficiency of each."""
    fields = [f for f in RESULT_FIELDS if f != "hardware_flops"]
    headers = ["result", *(name for name, _ in results)]
    base = results[0][1]
    rows = []
    for field in fields:
        row = [RESULT_FIELDS[field].label]
        for i, (_, est) in enumerate(results):
            value = getattr(est, field)
            if value is None:
                row.append("-")
                continue
            cell = format_quantity(value, field)
            ref = getattr(base, field)
            if i and ref is not None and np.size(ref.m) == 1 and np.size(value.m) == 1 and float(ref.m) > 0:
                cell += f" ({(value / ref).m_as(''):.2f}x)"
            row.append(cell)
        rows.append(row)
    for label, attr in (("GPU", "hardware"), ("GPUs", "gpus"), ("MFU", "mfu")):
        row = [label]
        for _, est in results:
            value = getattr(est.scenario, attr)
            row.append("-" if value is None else (value if isinstance(value, str) else _scalar(value)))
        rows.append(row)
    return headers, rows


def _scalar(value: Any) -> str:
    magnitude = np.asarray(value.m)
    return f"{float(magnitude):.4g}" if magnitude.size == 1 else f"{magnitude.size} values"


COMPARE_NOTE = "(ratios against the first scenario)"


def render_compare(results: Sequence[tuple[str, Estimate]], fmt: str) -> str:
    if fmt == "json":
        return render_json([{"name": name, **est.to_dict()} for name, est in results])
    headers, rows = compare_rows(results)
    if fmt == "markdown":
        return f"{markdown_table(headers, rows)}\n\n{COMPARE_NOTE}\n"
    return f"{text_table(headers, rows)}\n{COMPARE_NOTE}\n"


def render_sweep(result: SweepResult, fmt: str) -> str | Iterator[tuple[str, int]]:
    """A sweep as a table (the first 200 rows), Markdown, or every row as JSON or CSV chunks."""
    if fmt == "csv":
        return csv_stream(result)
    if fmt == "json":
        return json_stream(result)
    labels, headers, columns = sweep_columns(result)
    split = headers.index("fits") + 1  # inputs, central results and the memory check; then range ends
    shown = np.column_stack([column[:200] for column in columns[:split]])
    return _sweep_table(result, labels, headers[:split], shown, fmt)


def _input_cell(name: str, value: float) -> str:
    """A swept input the way ``estimate`` shows it: 70B, 2T, 1,024 GPUs, 40.0%, $2.50/GPU-h."""
    if name in ("params", "active_params", "tokens"):
        return format_count(value, 4)
    if name in ("gpus", "nodes"):
        return f"{value:,.0f}"
    if name == "mfu":
        return f"{value:.1%}"
    if name == "price":
        return f"{money(value)}/GPU-h"
    return f"{value:.4g}{_INPUT_UNITS.get(name, '')}"


_INPUT_UNITS = {"power": " W", "carbon_intensity": " gCO2e/kWh"}
_BY_KEY = {spec.key: (field, spec) for field, spec in RESULT_FIELDS.items()}


def _result_cell(key: str, value: float) -> str:
    field, spec = _BY_KEY[key]
    return "-" if np.isnan(value) else format_quantity(Q_(value, spec.unit), field)


def _sweep_table(result: SweepResult, labels: list[str], headers: list[str], matrix: np.ndarray, fmt: str) -> str:
    """The first 200 points as a text or Markdown table, in the number styles and units of ``estimate``."""
    shown = min(len(matrix), 200)
    inputs = [h for h in headers if h in result.columns]
    results = [h for h in headers if h in _BY_KEY]
    fits = {1.0: "yes", 0.0: "no"}
    rows = []
    for i, row in enumerate(matrix.tolist()):
        cells = dict(zip(headers, row[: len(headers)], strict=True))
        rows.append(
            [f"{v:,}" if isinstance(v := result.columns[k][i], int) else str(v) for k in labels]
            + [_input_cell(k, cells[k]) for k in inputs]
            + [_result_cell(k, cells[k]) for k in results]
            + ["-" if np.isnan(cells["memory_gb"]) else f"{cells['memory_gb']:.1f} GB"]
            + [fits.get(cells["fits"], "unknown")]
        )
    titles = [*labels, *inputs, *(_BY_KEY[k][1].label for k in results), "memory per GPU", "fits"]
    keys = len(labels) + len(inputs)
    table = markdown_table(titles, rows) if fmt == "markdown" else text_table(titles, rows, keys=keys, wrap_cells=False)
    more = f"\n({len(result) - shown:,} more rows: use --format csv or json)" if len(result) > shown else ""
    notes = "".join(f"\nnote: {note_text(note)}" for note in result.notes)
    return f"{table}{more}{notes if fmt == 'markdown' else fit(notes)}\n"
