"""``costcalc plan``: the answer, its range, the command to rerun it, then the estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.base.parse import format_count
from costcalc.render.estimate import render_markdown, render_table
from costcalc.render.text import fit, render_json
from costcalc.render.words import plan_how, plan_title

if TYPE_CHECKING:
    from costcalc.commands.plan import Plan

__all__ = ["render_plan"]


def render_plan(result: Plan, fmt: str) -> str:
    if fmt == "json":
        return render_json(result.to_dict())

    def count(value: float) -> str:
        return format_count(value, 3)

    def span(name: str) -> str:
        r = result.span(name)
        return "" if r is None else f" (range {count(r[0])} to {count(r[1])})"

    how = plan_how(result)
    gpus = "not fixed" if result.gpu_count is None else f"{result.gpu_count:,}"
    gr = result.span("gpus")
    nodes = "" if gr is None else ", rounded up to whole nodes"
    days = result.estimate.wall_clock
    lines = [
        f"Plan for {plan_title(result)}:",
        f"  parameters {count(result.params.m_as('parameter'))}{span('params')}; "
        f"tokens {count(result.tokens.m_as('token'))}{span('tokens')} ({how})",
        f"  GPUs {gpus}" + ("" if gr is None else f" (range {gr[0]:,.0f} to {gr[1]:,.0f}{nodes})"),
    ]
    if days is not None:
        dr = result.span("wall_clock_days")
        shown = "" if dr is None else f" (range {dr[0]:,.1f} to {dr[1]:,.1f} days)"
        lines.append(f"  wall-clock {days.m_as('day'):,.1f} days{shown}")
    lines += [f"  rerun: {result.command}", ""]
    body = render_table(result.estimate) if fmt == "table" else ""
    if fmt == "markdown":
        body = render_markdown(result.estimate)
    text = "\n".join(lines) + body
    return text if fmt == "markdown" else fit(text)
