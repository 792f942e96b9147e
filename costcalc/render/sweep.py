"""``costcalc sweep`` and ``costcalc compare``: many estimates side by side (table, CSV, JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.parse import format_count
from costcalc.base.units import Q_
from costcalc.render.text import fit, format_quantity, markdown_table, money, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.sweep import SweepResult
    from costcalc.estimator.result import Estimate

__all__ = ["csv_chunks", "render_compare", "render_sweep", "sweep_matrix"]


def render_compare(results: list[tuple[str, Estimate]], fmt: str) -> str:
    if fmt == "json":
        return render_json([{"name": name, **est.to_dict()} for name, est in results])
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
            if i and ref is not None and float(ref.m) > 0:
                cell += f" ({(value / ref).m_as(''):.2f}x)"
            row.append(cell)
        rows.append(row)
    for label, attr in (("GPU", "hardware"), ("GPUs", "gpus"), ("MFU", "mfu")):
        row = [label]
        for _, est in results:
            value = getattr(est.scenario, attr)
            row.append("-" if value is None else (value if isinstance(value, str) else f"{float(value.m):.4g}"))
        rows.append(row)
    note = "(ratios against the first scenario)"
    if fmt == "markdown":
        return f"{markdown_table(headers, rows)}\n\n{note}\n"
    return f"{text_table(headers, rows)}\n{note}\n"


def sweep_matrix(result: SweepResult) -> tuple[list[str], list[str], np.ndarray]:
    """Headers of the categorical columns, headers of the numeric ones, and an (n x k) array.

    Numeric columns: the swept quantities, each result, ``memory_gb``, ``fits`` (1 yes, 0 no, NaN
    unknown), then each result's range ends. Results that cannot be computed (no price, no power)
    are NaN; every value is in the unit of ``Estimate.to_dict``'s key.
    """
    n = len(result)
    labels = [k for k, v in result.columns.items() if isinstance(v, list)]
    numeric = [k for k in result.columns if k not in labels]
    keys = [spec.key for field, spec in RESULT_FIELDS.items() if field != "hardware_flops"]
    headers = [*numeric, *keys, "memory_gb", "fits"]
    data = [np.asarray(result.columns[k], dtype=float) for k in numeric]
    data += [result.values[k] for k in keys] + [result.memory_gb, result.fits]
    for key in keys:
        for end, values in zip(("low", "high"), result.ranges[key], strict=True):
            headers.append(f"{key}_{end}")
            data.append(values)
    return labels, headers, np.column_stack(data) if data else np.empty((n, 0))


def csv_chunks(
    headers: list[str], matrix: np.ndarray, rows_per_chunk: int = 100_000, *, prefix: str = "", head: bool = True
) -> Iterator[tuple[str, int]]:
    """The CSV text in chunks, each with the rows written so far: vectorised per chunk.

    A column that holds one value throughout is formatted once and written into the row format;
    the rest go through one ``%`` per row. Missing values are empty cells. ``prefix`` starts every
    row (the categorical values of a block of rows).
    """
    if head:
        yield ",".join(headers) + "\n", 0
    constant = [
        bool(np.all(matrix[:, i] == matrix[0, i])) or bool(np.all(np.isnan(matrix[:, i])))
        for i in range(matrix.shape[1])
    ]
    parts = [_cell(matrix[0, i]).replace("%", "%%") if constant[i] else "%.6g" for i in range(matrix.shape[1])]
    row_format = prefix.replace("%", "%%") + ",".join(parts)
    varying = matrix[:, [i for i, c in enumerate(constant) if not c]]
    for start in range(0, len(matrix), rows_per_chunk):
        block = varying[start : start + rows_per_chunk].tolist()
        text = "\n".join(row_format % tuple(row) for row in block).replace("nan", "")
        yield text + "\n", start + len(block)


def _cell(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.6g}"


def _labelled_csv(
    result: SweepResult, labels: list[str], headers: list[str], matrix: np.ndarray
) -> Iterator[tuple[str, int]]:
    """CSV for a sweep with categorical columns: one vectorised block per run of equal labels."""
    yield ",".join([*labels, *headers]) + "\n", 0
    rows = list(zip(*(result.columns[k] for k in labels), strict=True))
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and rows[end] == rows[start]:
            end += 1
        prefix = "".join(f"{value}," for value in rows[start])
        for text, done in csv_chunks(headers, matrix[start:end], prefix=prefix, head=False):
            yield text, start + done
        start = end


def render_sweep(result: SweepResult, fmt: str) -> str | Iterator[tuple[str, int]]:
    """A sweep as a table (the first 200 rows), Markdown, JSON, or CSV chunks (every row)."""
    labels, headers, matrix = sweep_matrix(result)
    if fmt == "csv":
        return _labelled_csv(result, labels, headers, matrix) if labels else csv_chunks(headers, matrix)
    split = headers.index("fits") + 1  # inputs, central results and the memory check; then range ends
    if fmt == "json":
        records = [
            {
                **{k: result.columns[k][i] for k in labels},
                **{h: _json(v) for h, v in zip(headers[:split], row[:split], strict=True)},
                "fits": None if np.isnan(row[split - 1]) else bool(row[split - 1]),
                "range": {
                    headers[k][: -len("_low")]: [_json(row[k]), _json(row[k + 1])] for k in range(split, len(row), 2)
                },
            }
            for i, row in enumerate(matrix.tolist())
        ]
        return render_json({"rows": records, "notes": list(result.notes)})
    return _sweep_table(result, labels, headers[:split], matrix, fmt)


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
    for i, row in enumerate(matrix[:shown].tolist()):
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
    more = f"\n({len(matrix) - shown:,} more rows: use --format csv or json)" if len(matrix) > shown else ""
    notes = "".join(f"\nnote: {note}" for note in result.notes)
    return f"{table}{more}{notes if fmt == 'markdown' else fit(notes)}\n"


def _json(value: float) -> float | None:
    return None if value != value else value  # NaN (a missing result) is null
