"""``costcalc backtest``: predicted against published GPU-hours, run by run, in and out of sample."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from costcalc.render.finetune_check import finetune_backtest_text
from costcalc.render.listing import cv_line
from costcalc.render.text import fit, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.backtest import BacktestReport

__all__ = ["render_backtest"]


def render_backtest(report: BacktestReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report.model_dump())
    headers = ["run", "published GPU-h", "predicted GPU-h", "ratio", "in", "fam.", "in", "dev.", "in"]
    rows = [
        [
            r.id,
            f"{r.published_gpu_hours:,.0f}",
            f"{r.predicted_gpu_hours:,.0f}",
            f"{r.ratio:.2f}",
            "yes" if r.inside_range else "no",
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
            "ratio: predicted / published GPU-hours in sample (the shipped defaults); fam. and dev.: the same with "
            "the run's family, or its developer, left out of the calibration; in: the published figure is inside "
            "the P10-P90 range (nominal 80%). Days and ranges: --format json.",
            cv_line("In sample (the shipped defaults)", asdict(report.in_sample)),
            cv_line("Leave one family out", asdict(report.leave_family_out)),
            cv_line("Leave one developer out", asdict(report.leave_developer_out)),
            f"Upper bounds (not fitted): {bounds or 'none'}",
            f"Not calibrated on: {skipped}",
            "",
            finetune_backtest_text(report.finetune, fmt),
        ]
    )
    if fmt == "markdown":
        return f"{markdown_table(headers, rows)}\n\n{summary}\n"
    return fit(f"{text_table(headers, rows)}\n\n{summary}\n")
