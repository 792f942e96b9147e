"""The results panel: each quantity with its range, the memory verdict, the assumptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from costcalc.base.errors import one_line
from costcalc.base.parse import format_count
from costcalc.commands.plan import Plan
from costcalc.estimator.result import Estimate
from costcalc.render import numbers
from costcalc.render.costs import cost_rows
from costcalc.render.numbers import bare, compact_value, gigabytes, grouped, hours_count, money
from costcalc.render.words import SHORT_LABELS, plan_how, plan_title, worded

#: The results panel's rows: each result's short label (``costcalc.render.words.SHORT_LABELS``).
LABELS = SHORT_LABELS


def results_table(est: Estimate) -> Table:
    table = Table(expand=True, box=None, pad_edge=False)
    table.add_column("result", style="bold", no_wrap=True, min_width=9)
    table.add_column("estimate", no_wrap=True, min_width=11)
    table.add_column("P10 to P90", no_wrap=True, ratio=1)
    for field in LABELS:
        value = getattr(est, field)
        label = LABELS[field]
        if value is None:
            table.add_row(label, Text("n/a", style="dim"), "")
            continue
        span = est.ranges.get(field)
        shown = "" if span is None else f"{bare(span.low, field)} to {bare(span.high, field)}"
        if span is not None and float(span.low.m) == float(span.high.m):
            shown = ""
        table.add_row(label, compact_value(value, field), shown)
    memory = est.memory
    if memory is not None and memory.total is not None:
        verdict = Text("fits", style="green") if memory.fits else Text("does not fit", style="bold red")
        layout = f" TP{memory.tp} PP{memory.pp} ZeRO-{memory.zero}"
        table.add_row("Memory", f"{gigabytes(memory.total)}/GPU", Text.assemble(verdict, layout))
    elif memory is not None and memory.fits is False:  # the model states alone exceed the GPU
        states = memory.weights + memory.gradients + memory.optimizer
        table.add_row("Memory", f">={gigabytes(states)}", Text("does not fit", style="bold red"))
    elif memory is not None:
        table.add_row("Memory", Text("n/a", style="dim"), Text("pick a model preset", style="dim"))
    return table


class Results(Static):
    """Shows the last valid estimate."""

    def show(self, est: Estimate | None) -> None:
        self.update(results_table(est) if est is not None else Text("no estimate yet", style="dim"))


class Assumptions(Static):
    """Each assumption the estimate rests on, one line, with its value."""

    def show(self, est: Estimate | None) -> None:
        if est is None:
            self.update("")
            return
        text = Text()
        for a in est.assumptions:
            words = worded(a)
            text.append("* " if a.given else "- ", style="bold" if a.given else "dim")
            text.append(f"{one_line(words.name)}: ", style="bold")
            text.append(f"{one_line(words.value)}\n")  # values can name presets from files
        self.update(text)


def cost_table(est: Estimate, models: list[Any]) -> Group:
    """The cost models side by side, then the basis of each."""
    hours = float(est.gpu_hours.m_as("GPU_hour"))
    title = Text(one_line(f"{hours_count(hours)} GPU-hours on {est.scenario.hardware}"))
    table = Table(title=title, box=None, pad_edge=False)
    table.add_column("cost model", style="bold", no_wrap=True)
    table.add_column("USD/GPU-h", no_wrap=True)
    table.add_column("P10 to P90", no_wrap=True)
    table.add_column("total", no_wrap=True)
    notes = Text()
    for name, price, span, total, basis in cost_rows(models):  # the cells of costcalc costs
        table.add_row(Text(one_line(name)), price, span, total)
        notes.append(f"\n{one_line(name)}: ", style="bold")
        notes.append(one_line(basis))
    return Group(table, notes)


def hosted_table(hosted: Any) -> Group:
    """A fine-tuning run's hosted prices per training token (``costcalc.commands.hosted``), or why none applies."""
    title = Text(one_line(f"Hosted fine-tuning for {format_count(hosted.tokens)} training tokens"))
    table = Table(title=title, box=None, pad_edge=False)
    for column in ("service", "method", "model size", "USD/M tokens", "total", "price date"):
        table.add_column(column, no_wrap=column != "service")
    for q in hosted.quotes:
        table.add_row(Text(one_line(q.provider)), one_line(f"{q.method or 'any'} {q.stage}"), Text(one_line(q.tier)),
                      f"{q.usd_per_million_tokens:.2f}", money(q.total_usd), one_line(q.date))  # fmt: skip
    notes = Text()
    for source in dict.fromkeys(f"{q.provider}: {q.source}" for q in hosted.quotes):
        notes.append(f"\n{one_line(source)}")
    for why in hosted.not_applicable:
        notes.append(f"\nno hosted price applies: {one_line(why)}", style="dim")
    return Group(table, notes) if hosted.quotes else Group(Text(f"{title.plain}: no price applies"), notes)


def error_text(field: str, message: str, suffix: str = "") -> Text:
    """An inline error: the field in bold, then the message, never read as markup."""
    return Text.assemble((field, "bold"), f": {message}{suffix}")


def plan_table(plan: Plan) -> Group:
    """The plan's answer from its model: what binds, the model size and tokens with their ranges, the
    GPU count, the command that reruns it, then the estimate of that scenario."""

    def span(name: str, show: Callable[[float], str]) -> str:
        r = plan.span(name)
        return "" if r is None else f" ({show(r[0])} to {show(r[1])})"

    def count(value: float) -> str:
        return numbers.count(value, 3)

    summary = Table(box=None, pad_edge=False, show_header=False, expand=True)
    summary.add_column("what", style="bold", no_wrap=True)
    summary.add_column("value", ratio=1)
    gpus = (
        "not fixed"
        if plan.gpu_count is None
        else f"{grouped(plan.gpu_count)}{span('gpus', lambda v: grouped(round(v)))}"
    )
    summary.add_row("Plan for", Text(plan_title(plan)))
    summary.add_row("Parameters", count(plan.params.m_as("parameter")) + span("params", count))
    summary.add_row("Tokens", Text(count(plan.tokens.m_as("token")) + span("tokens", count) + f"; {plan_how(plan)}"))
    summary.add_row("GPUs", gpus)
    summary.add_row("Rerun", Text(one_line(plan.command), style="dim"))
    return Group(summary, Text(""), results_table(plan.estimate))
