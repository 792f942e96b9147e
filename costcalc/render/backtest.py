"""``costcalc backtest``: predicted against published GPU-hours, run by run, in and out of sample."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from costcalc.render.finetune_check import finetune_backtest_text
from costcalc.render.listing import cv_line
from costcalc.render.text import fit, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.base.units import Quantity
    from costcalc.commands.backtest import BacktestReport

__all__ = ["hours", "ratio", "render_backtest"]


def hours(value: Quantity) -> str:
    """GPU-hours as a whole number with thousands separators: 1,082,990."""
    return f"{float(value.m_as('GPU_hour')):,.0f}"


def ratio(value: Quantity) -> str:
    """A dimensionless ratio with two decimals: 0.97."""
    return f"{float(value.m_as('')):.2f}"


def render_backtest(report: BacktestReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report.to_dict())
    headers = ["run", "published GPU-h", "predicted GPU-h", "ratio", "in", "fam.", "in", "dev.", "in"]
    rows = [
        [
            r.id,
            hours(r.published_gpu_hours),
            hours(r.predicted_gpu_hours),
            ratio(r.ratio),
            "yes" if r.inside_range else "no",
            ratio(r.family_ratio),
            "yes" if r.family_inside_range else "no",
            ratio(r.developer_ratio),
            "yes" if r.developer_inside_range else "no",
        ]
        for r in report.rows
    ]
    bounds = "; ".join(
        f"{b.id}: at most {hours(b.bound_gpu_hours)} GPU-h, predicted {hours(b.predicted_gpu_hours)} "
        f"(range from {hours(b.range_gpu_hours.low)}): {'consistent' if b.consistent else 'inconsistent'}"
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
