"""``costcalc plan``: the answer, its range, the command to rerun it, then the estimate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.base.parse import format_count
from costcalc.render.estimate import render_markdown, render_table
from costcalc.render.text import fit, render_json

if TYPE_CHECKING:
    from costcalc.commands.plan import Plan

__all__ = ["render_plan"]


def render_plan(result: Plan, fmt: str) -> str:
    if fmt == "json":
        return render_json(result.to_dict())

    def count(value: float) -> str:
        return format_count(value, 3)

    def span(name: str) -> str:
        r = result.range.get(name)
        return "" if r is None else f" (range {count(r[0])} to {count(r[1])})"

    rule = {"hoffmann": "20 tokens per parameter, Hoffmann et al. 2022", "besiroglu": "Besiroglu et al. 2024 fit"}
    how = f"compute-optimal: {rule[result.scaling]}" if result.scaling else "the most tokens for the given model"
    gpus = "not fixed" if result.gpus is None else f"{result.gpus:,}"
    gr = result.range.get("gpus")
    lines = [
        f"Plan for {result.question} ({result.binding} binds):",
        f"  parameters {count(result.params)}{span('params')}; tokens {count(result.tokens)}{span('tokens')} ({how})",
        f"  GPUs {gpus}" + ("" if gr is None else f" (range {gr[0]:,.0f} to {gr[1]:,.0f})"),
        f"  rerun: {result.command}",
        "",
    ]
    body = render_table(result.estimate) if fmt == "table" else ""
    if fmt == "markdown":
        body = render_markdown(result.estimate)
    text = "\n".join(lines) + body
    return text if fmt == "markdown" else fit(text)
