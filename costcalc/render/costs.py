"""``costcalc costs``: one run priced four ways."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.base.parse import format_count
from costcalc.render.text import fit, markdown_table, money, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.costs import CostModel
    from costcalc.commands.hosted import HostedTuning
    from costcalc.estimator.result import Estimate

__all__ = ["render_cost_models"]


def render_cost_models(est: Estimate, models: list[CostModel], fmt: str, hosted: HostedTuning | None = None) -> str:
    """The cost models as a table, markdown or JSON; a fine-tuning run's hosted prices after them."""
    if fmt == "json":
        data = {"gpu_hours": float(est.gpu_hours.m_as("GPU_hour")), "models": [m.model_dump() for m in models]}
        return render_json(data if hosted is None else {**data, "hosted": hosted.model_dump()})

    rows = [
        [
            m.name,
            "-" if m.usd_per_gpu_hour is None else f"{m.usd_per_gpu_hour:.2f}",
            "-" if m.low is None or m.high is None else f"{m.low:.2f} to {m.high:.2f}",
            money(m.total_usd),
            m.basis,
        ]
        for m in models
    ]
    headers = ["cost model", "USD/GPU-h", "range", "total", "basis"]
    hours = float(est.gpu_hours.m_as("GPU_hour"))
    shown = f"{hours:,.0f}" if hours >= 100 else f"{hours:.3g}"  # significant figures for small runs, never "0"
    head = f"{shown} GPU-hours on {est.scenario.hardware}, priced four ways:"
    if fmt == "markdown":
        return f"{head}\n\n{markdown_table(headers, rows)}\n" + _hosted(hosted, fmt)
    return f"{head}\n{text_table(headers, rows)}\n" + _hosted(hosted, fmt)


def _hosted(hosted: HostedTuning | None, fmt: str) -> str:
    """The hosted fine-tuning prices for the same tokens, or why none applies ("" for pre-training)."""
    if hosted is None:
        return ""
    tokens = format_count(hosted.tokens)
    rows = [
        [q.provider, f"{q.method or 'any'} {q.stage}", q.tier, f"{q.usd_per_million_tokens:.2f}", money(q.total_usd),
         q.date]
        for q in hosted.quotes
    ]  # fmt: skip
    missing = [f"no hosted price applies: {why}" for why in hosted.not_applicable]
    if not rows:
        head = f"Hosted fine-tuning: no price applies to this run ({tokens} tokens)."
        return "\n" + fit("\n".join([head, *(f"  {m}" for m in missing)])) + "\n"
    head = f"Hosted fine-tuning, billed per training token ({tokens} tokens, all epochs, as costcalc counts them):"
    headers = ["service", "method", "model size", "USD/M tokens", "total", "price date"]
    table = markdown_table(headers, rows) if fmt == "markdown" else text_table(headers, rows)
    sources = {q.provider: q.source.split(";")[0].removeprefix("https://") for q in hosted.quotes}
    notes = [
        *(
            f"source: {name}, {url} (rate card as recorded for the date shown, not re-checked: "
            "check the page before relying on it)"
            for name, url in sources.items()
        ),
        *missing,
    ]
    kinds = [(q.provider, q.method, q.stage) for q in hosted.quotes]
    if len(set(kinds)) < len(kinds):
        notes.append(f"{format_count(hosted.params)} parameters is near the edge of two size tiers: a service tiers "
                     "by the model's nominal size, so both are shown")  # fmt: skip
    gap = "\n" if fmt == "markdown" else ""
    return f"\n{fit(head)}\n{gap}{table}\n{gap}" + "".join(fit(n) + "\n" for n in notes)
