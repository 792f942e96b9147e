"""``costcalc backtest``: predicted against published GPU-hours, run by run, with a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.render.text import fit, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.backtest import BacktestReport, Summary

__all__ = ["render_backtest"]


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_backtest(report: BacktestReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report.model_dump())
    headers = [
        "run",
        "GPUs",
        "published GPU-h",
        "predicted GPU-h",
        "ratio",
        "inside range",
        "days pub.",
        "days pred.",
        "ratio (left out)",
    ]
    rows = [
        [
            r.id,
            "-" if r.gpus is None else str(r.gpus),
            f"{r.published_gpu_hours:,.0f}",
            f"{r.predicted_gpu_hours:,.0f}",
            f"{r.ratio:.2f}",
            "yes" if r.inside_range else "no",
            _days(r.published_days),
            _days(r.predicted_days),
            f"{r.loo_ratio:.2f}",
        ]
        for r in report.rows
    ]

    def line(name: str, s: Summary) -> str:
        return (
            f"{name}: median |log error| {s.median_abs_log_error:.3f}, {s.within_25_percent:.0%} within 25%, "
            f"{s.inside_range:.0%} inside the range ({s.runs} runs)"
        )

    skipped = "; ".join(f"{i} ({why})" for i, why in report.skipped) or "none"
    summary = "\n".join(
        [
            line("In sample", report.in_sample),
            line("Leave-one-out", report.leave_one_out),
            f"Monte Carlo P10-P90 (--samples), left out: {report.monte_carlo_coverage:.0%} of runs inside "
            "(nominal 80%)",
            f"Skipped: {skipped}",
        ]
    )
    if fmt == "markdown":
        return f"{markdown_table(headers, rows)}\n\n{summary}\n"
    return fit(f"{text_table(headers, rows)}\n\n{summary}\n")
