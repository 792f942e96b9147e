"""``costcalc sweep`` and ``costcalc compare``: many estimates side by side (table, CSV, JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.render.text import format_quantity, markdown_table, render_json, text_table

if TYPE_CHECKING:
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


def sweep_matrix(columns: dict[str, np.ndarray], est: Estimate) -> tuple[list[str], np.ndarray]:
    """Headers and an (n x k) array: the swept inputs, each result, then each result's range ends.

    Results that cannot be computed (no price, no power) are NaN; every value is in the unit of
    ``Estimate.to_dict``'s key.
    """
    n = len(next(iter(columns.values())))
    headers = list(columns)
    data = [np.asarray(v, dtype=float) for v in columns.values()]
    results = [(field, spec) for field, spec in RESULT_FIELDS.items() if field != "hardware_flops"]
    for field, spec in results:
        value = getattr(est, field)
        headers.append(spec.key)
        data.append(np.full(n, np.nan) if value is None else np.broadcast_to(value.m_as(spec.unit), (n,)))
    for field, spec in results:
        span = est.ranges.get(field)
        for end in ("low", "high"):
            headers.append(f"{spec.key}_{end}")
            data.append(
                np.full(n, np.nan) if span is None else np.broadcast_to(getattr(span, end).m_as(spec.unit), (n,))
            )
    return headers, np.column_stack(data)


def csv_chunks(headers: list[str], matrix: np.ndarray, rows_per_chunk: int = 100_000) -> Iterator[tuple[str, int]]:
    """The CSV text in chunks, each with the rows written so far: vectorised per chunk.

    A column that holds one value throughout is formatted once and written into the row format;
    the rest go through one ``%`` per row. Missing values are empty cells.
    """
    yield ",".join(headers) + "\n", 0
    constant = [
        bool(np.all(matrix[:, i] == matrix[0, i])) or bool(np.all(np.isnan(matrix[:, i])))
        for i in range(matrix.shape[1])
    ]
    parts = [_cell(matrix[0, i]).replace("%", "%%") if constant[i] else "%.6g" for i in range(matrix.shape[1])]
    row_format = ",".join(parts)
    varying = matrix[:, [i for i, c in enumerate(constant) if not c]]
    for start in range(0, len(matrix), rows_per_chunk):
        block = varying[start : start + rows_per_chunk].tolist()
        text = "\n".join(row_format % tuple(row) for row in block).replace("nan", "")
        yield text + "\n", start + len(block)


def _cell(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.6g}"


def render_sweep(columns: dict[str, np.ndarray], est: Estimate, fmt: str) -> str | Iterator[tuple[str, int]]:
    """A sweep as a table (the first 200 rows), Markdown, JSON records, or CSV chunks (every row)."""
    headers, matrix = sweep_matrix(columns, est)
    if fmt == "csv":
        return csv_chunks(headers, matrix)
    split = len(columns) + len(RESULT_FIELDS) - 1  # inputs and central results; the rest are range ends
    if fmt == "json":
        records = [
            {
                **{h: _json(v) for h, v in zip(headers[:split], row[:split], strict=True)},
                "range": {
                    headers[k][: -len("_low")]: [_json(row[k]), _json(row[k + 1])] for k in range(split, len(row), 2)
                },
            }
            for row in matrix.tolist()
        ]
        return render_json(records)
    shown = min(len(matrix), 200)
    rows = [["-" if np.isnan(v) else f"{v:.4g}" for v in row[:split]] for row in matrix[:shown].tolist()]
    table = (markdown_table if fmt == "markdown" else text_table)(headers[:split], rows)
    more = f"\n({len(matrix) - shown:,} more rows: use --format csv or json)" if len(matrix) > shown else ""
    notes = "".join(f"\nnote: {a.value}" for a in est.assumptions if a.name == "sweep")
    return f"{table}{more}{notes}\n"


def _json(value: float) -> float | None:
    return None if value != value else value  # NaN (a missing result) is null
