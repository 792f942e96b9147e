"""``costcalc backtest``: predicted against published GPU-hours, run by run, in and out of sample."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from costcalc.render.listing import cv_line
from costcalc.render.text import fit, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.backtest import BacktestReport

__all__ = ["render_backtest"]


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_backtest(report: BacktestReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report.model_dump())
    headers = ["run", "generation", "GPUs", "published GPU-h", "predicted GPU-h", "ratio", "inside",
               "days pub.", "days pred.", "family out", "inside", "developer out", "inside"]  # fmt: skip
    rows = [
        [
            r.id,
            r.generation,
            "-" if r.gpus is None else str(r.gpus),
            f"{r.published_gpu_hours:,.0f}",
            f"{r.predicted_gpu_hours:,.0f}",
            f"{r.ratio:.2f}",
            "yes" if r.inside_range else "no",
            _days(r.published_days),
            _days(r.predicted_days),
            f"{r.family_ratio:.2f}",
            "yes" if r.family_inside_range else "no",
            f"{r.developer_ratio:.2f}",
            "yes" if r.developer_inside_range else "no",
        ]
        for r in report.rows
    ]
    bounds = "; ".join(
        f"{b.id}: at most {b.bound_gpu_hours:,.0f} GPU-h, predicted {b.predicted_gpu_hours:,.0f} "
        f"(range from {b.range_gpu_hours[0]:,.0f}): {'consistent' if b.consistent else 'inconsistent'}"
        for b in report.bounds
    )
    skipped = "; ".join(f"{i} ({why})" for i, why in report.skipped) or "none"
    summary = "\n".join(
        [
            "Ratios are predicted / published GPU-hours; ranges are P10 to P90 (nominal 80%).",
            cv_line("In sample (the shipped defaults)", asdict(report.in_sample)),
            cv_line("Leave one family out", asdict(report.leave_family_out)),
            cv_line("Leave one developer out", asdict(report.leave_developer_out)),
            f"Upper bounds (not fitted): {bounds or 'none'}",
            f"Not calibrated on: {skipped}",
        ]
    )
    if fmt == "markdown":
        return f"{markdown_table(headers, rows)}\n\n{summary}\n"
    return fit(f"{text_table(headers, rows)}\n\n{summary}\n")
