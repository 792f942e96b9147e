"""``costcalc costs``: one run priced four ways."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.render.text import markdown_table, money, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.costs import CostModel
    from costcalc.estimator.result import Estimate

__all__ = ["cost_rows", "render_cost_models"]


def cost_rows(models: list[CostModel]) -> list[list[str]]:
    """One row per cost model: its name, price per GPU-hour, the price's range, the total and the basis."""
    return [
        [
            m.name,
            "-" if m.usd_per_gpu_hour is None else f"{m.usd_per_gpu_hour:.2f}",
            "-" if m.low is None or m.high is None else f"{m.low:.2f} to {m.high:.2f}",
            money(m.total_usd),
            m.basis,
        ]
        for m in models
    ]


def render_cost_models(est: Estimate, models: list[CostModel], fmt: str) -> str:
    if fmt == "json":
        return render_json(
            {"gpu_hours": float(est.gpu_hours.m_as("GPU_hour")), "models": [m.model_dump() for m in models]}
        )

    rows = cost_rows(models)
    headers = ["cost model", "USD/GPU-h", "range", "total", "basis"]
    hours = float(est.gpu_hours.m_as("GPU_hour"))
    shown = f"{hours:,.0f}" if hours >= 100 else f"{hours:.3g}"  # significant figures for small runs, never "0"
    head = f"{shown} GPU-hours on {est.scenario.hardware}, priced four ways:"
    if fmt == "markdown":
        return f"{head}\n\n{markdown_table(headers, rows)}\n"
    return f"{head}\n{text_table(headers, rows)}\n"
