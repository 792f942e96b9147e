"""The fine-tuning section of ``costcalc backtest`` (text and markdown; ``costcalc calibration``'s is in
``costcalc.render.listing``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from costcalc.render.listing import cv_line
from costcalc.render.text import markdown_table, text_table

if TYPE_CHECKING:
    from costcalc.commands.finetune_check import FinetuneBacktest

__all__ = ["finetune_backtest_text"]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def finetune_backtest_text(report: FinetuneBacktest, fmt: str) -> str:
    """The rows, the two summaries and the runs not used."""
    headers = ["fine-tuning run", "stage", "published GPU-h", "predicted GPU-h", "ratio", "in", "fam.", "in"]
    rows = [
        [r.id, r.stage + ("" if r.method == "full" else " " + r.method.split()[0]), f"{r.published_gpu_hours:,.0f}",
         f"{r.predicted_gpu_hours:,.0f}", f"{r.ratio:.2f}", _yes(r.inside_range), f"{r.family_ratio:.2f}",
         _yes(r.family_inside_range)]
        for r in report.rows
    ]  # fmt: skip
    table = markdown_table(headers, rows) if fmt == "markdown" else text_table(headers, rows)
    lines = [
        "Fine-tuning (the fine-tuning calibration's runs, apart from pre-training's; in: the published figure is "
        "inside the P10-P90 range; fam.: the run's family left out of the fit and of its range):",
        *([""] if fmt == "markdown" else []),  # a markdown table needs a blank line before it
        table,
        "",
        cv_line("Fine-tuning, in sample", asdict(report.in_sample)),
        cv_line("Fine-tuning, leave one family out", asdict(report.leave_family_out)),
        f"Fine-tuning runs not used: {len(report.excluded)} of {len(report.excluded) + len(report.rows)} (each with "
        "the reason: costcalc calibration, or --format json)",
    ]
    return "\n".join(lines)
