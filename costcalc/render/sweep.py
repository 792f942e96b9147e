"""``costcalc sweep`` and ``costcalc compare``: many estimates side by side (table, CSV, JSON)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.render.text import format_quantity, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.estimator.result import Estimate

__all__ = ["render_compare", "render_sweep"]


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


def render_sweep(columns: dict[str, np.ndarray], est: Estimate, fmt: str) -> str:
    data = est.to_dict()
    keys = [spec.key for spec in RESULT_FIELDS.values() if spec.key != "hardware_flops"]
    n = len(next(iter(columns.values())))

    def column(key: str) -> list[Any]:
        value = data[key]
        if value is None:
            return [None] * n
        return value if isinstance(value, list) else [value] * n

    def span(key: str, i: int) -> list[Any]:
        r = data["range"].get(key)
        if r is None:
            return [None, None]
        return [r[0][i] if isinstance(r[0], list) else r[0], r[1][i] if isinstance(r[1], list) else r[1]]

    results = {key: column(key) for key in keys}
    if fmt == "json":
        records = [
            {
                **{k: float(v[i]) for k, v in columns.items()},
                **{k: results[k][i] for k in keys},
                "range": {k: span(k, i) for k in keys},
            }
            for i in range(n)
        ]
        return render_json(records)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*columns, *keys, *(f"{k}_{end}" for k in keys for end in ("low", "high"))])
        for i in range(n):
            writer.writerow(
                [f"{float(v[i]):.6g}" for v in columns.values()]
                + ["" if results[k][i] is None else f"{results[k][i]:.6g}" for k in keys]
                + ["" if x is None else f"{x:.6g}" for k in keys for x in span(k, i)]
            )
        return out.getvalue()
    shown = min(n, 200)
    rows = [
        [f"{float(v[i]):.4g}" for v in columns.values()]
        + ["-" if results[k][i] is None else f"{results[k][i]:.4g}" for k in keys]
        for i in range(shown)
    ]
    table = text_table([*columns, *keys], rows)
    if fmt == "markdown":
        table = markdown_table([*columns, *keys], rows)
    more = f"\n({n - shown:,} more rows: use --format csv or json)" if n > shown else ""
    return f"{table}{more}\n"
