"""``costcalc plan --stage``: the settings that run a fine-tuning stage, cheapest first, and what was left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.render.text import fit, markdown_table, money, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.plan.result import Setting, StagePlan

__all__ = ["render_stage_plan"]

_HEADERS = ["method", "GPU", "GPUs", "time", "cost", "cost range", "memory/GPU", "layout"]
_LEGEND = (
    "time: central (the deadline holds for it; the cost range's high end is the slow case); layout: Z3 = "
    "ZeRO-3 full sharding (else ZeRO-1), rc = activations recomputed; cost '-': no price observed for the "
    "GPU (give --gpu and --price)"
)


def _hours(value: float | None) -> str:
    """Minutes under an hour, hours under two days, else days; '-' when unknown."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 60:,.3g} min"
    return f"{value:,.3g} h" if value < 48 else f"{value / 24:,.3g} days"


def _row(s: Setting) -> list[str]:
    hours, _ = s.figure("wall_clock_hours")
    cost, cost_range = s.figure("cost_usd")
    spread = "-" if cost_range is None else f"{money(cost_range[0])} to {money(cost_range[1])}"
    layout = "+".join(word for word, on in (("Z3", s.zero == 3), ("rc", s.recompute == "full")) if on) or "-"
    memory = f"{s.memory.m_as('GB'):.1f}/{s.capacity.m_as('GB'):.1f} GB"
    return [s.method, s.gpu, f"{s.gpus:,}", _hours(hours), money(cost), spread, memory, layout]


def render_stage_plan(plan: StagePlan, fmt: str) -> str:
    """The plan as a table (or markdown, JSON): its question, the ranked settings, the answer's rerun."""
    if fmt == "json":
        return render_json(plan.to_dict())
    best = plan.answer
    cost, _ = best.figure("cost_usd")
    priced = "the cheapest" if cost is not None else "the fastest (no GPU type listed has a price)"
    hours = _hours(best.figure("wall_clock_hours")[0])
    lines = [
        f"Plan for {plan.question}: {len(plan.settings)} settings fit in memory"
        + (" and meet the limits" if plan.deadline is not None or plan.budget else ""),
        f"  answer ({priced}): {best.method} on {best.gpus:,} x {best.gpu}, {hours}"
        + ("" if cost is None else f", {money(cost)}"),
        f"  rerun: {best.command}",
        "  each method and GPU type on its fewest GPUs that fit and meet the deadline (more GPUs of a type "
        "finish sooner at a cost no lower)",
    ]
    lines += [f"  note: {note}" for note in plan.notes]
    rows = [_row(s) for s in plan.settings]
    left = [f"  {x.method} on {x.gpu}: {x.reason}" for x in plan.left_out]
    if fmt == "markdown":
        tail = "\n\nLeft out:\n\n" + "\n".join(f"- {x.strip()}" for x in left) if left else ""
        return "\n".join(lines) + "\n\n" + markdown_table(_HEADERS, rows) + f"\n\n{_LEGEND}" + tail + "\n"
    tail = fit("Left out:\n" + "\n".join(left)) + "\n" if left else ""
    return fit("\n".join(lines)) + "\n\n" + text_table(_HEADERS, rows) + "\n" + fit(_LEGEND) + "\n" + tail


def stage_plan_html(plan: StagePlan) -> str:
    """A notebook's view of the plan: its question and answer, then the ranked settings as a table."""
    from html import escape

    from costcalc.render.html import html_table

    head = render_stage_plan(plan, "markdown").split("\n\n", 1)[0]
    return f"<p>{escape(head).replace(chr(10), '<br>')}</p>" + html_table(_HEADERS, [_row(s) for s in plan.settings])
