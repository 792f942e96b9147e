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
from costcalc.base.units import Quantity
from costcalc.commands.plan import Plan
from costcalc.estimator.result import Estimate
from costcalc.render.costs import cost_rows
from costcalc.render.text import format_quantity, gigabytes, money


def compact(q: Quantity, field: str) -> str:
    """Shorter than the CLI's form, to fit 80 columns: GPU-hours as a count (1.29M), dollars as money."""
    if field == "cost":
        return money(float(q.m_as("USD")))
    if field == "gpu_hours":
        return f"{format_count(float(q.m_as('GPU_hour')), 3)} GPU-h"
    return format_quantity(q, field)


LABELS = {
    "flops": "FLOPs",
    "gpu_hours": "GPU-hours",
    "wall_clock": "Days",
    "cost": "Cost",
    "energy": "Energy",
    "co2": "CO2e",
}


def plain(value: float) -> str:
    """Three significant figures without exponents for everyday magnitudes: 720, 1,330, 52.6."""
    if abs(value) >= 100:
        digits = max(0, 3 - len(str(int(abs(value)))))
        return f"{round(value, -(len(str(int(abs(value)))) - 3)):,.{digits}f}"
    return f"{value:.3g}"


def number(q: Quantity, field: str) -> str:
    """A range end as a bare number in the field's display unit (the unit is in the estimate column)."""
    if field == "energy":
        return plain(float(q.m_as("MWh")))
    if field == "co2":
        return plain(float(q.m_as("tCO2e")))
    text = compact(q, field)
    for unit in (" GPU-h", " days", " day"):
        text = text.removesuffix(unit)
    return text


def value_text(q: Quantity, field: str) -> str:
    if field == "energy":
        return f"{plain(float(q.m_as('MWh')))} MWh"
    if field == "co2":
        return f"{plain(float(q.m_as('tCO2e')))} t"
    return compact(q, field)


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
        shown = "" if span is None else f"{number(span.low, field)} to {number(span.high, field)}"
        if span is not None and float(span.low.m) == float(span.high.m):
            shown = ""
        table.add_row(label, value_text(value, field), shown)
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
            text.append("* " if a.given else "- ", style="bold" if a.given else "dim")
            text.append(f"{one_line(a.name)}: ", style="bold")
            text.append(f"{one_line(str(a.value))}\n")  # values can name presets from files
        self.update(text)


def cost_table(est: Estimate, models: list[Any]) -> Group:
    """The cost models side by side, then the basis of each."""
    hours = float(est.gpu_hours.m_as("GPU_hour"))
    title = Text(one_line(f"{hours:,.0f} GPU-hours on {est.scenario.hardware}"))
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


def error_text(field: str, message: str, suffix: str = "") -> Text:
    """An inline error: the field in bold, then the message, never read as markup."""
    return Text.assemble((field, "bold"), f": {message}{suffix}")


#: How each allocation rule is named in the plan's summary.
RULES = {"hoffmann": "20 tokens per parameter, Hoffmann et al. 2022", "besiroglu": "Besiroglu et al. 2024 fit"}


def plan_table(plan: Plan) -> Group:
    """The plan's answer from its model: what binds, the model size and tokens with their ranges, the
    GPU count, the command that reruns it, then the estimate of that scenario."""

    def span(name: str, show: Callable[[float], str]) -> str:
        r = plan.span(name)
        return "" if r is None else f" ({show(r[0])} to {show(r[1])})"

    def count(value: float) -> str:
        return format_count(value, 3)

    summary = Table(box=None, pad_edge=False, show_header=False, expand=True)
    summary.add_column("what", style="bold", no_wrap=True)
    summary.add_column("value", ratio=1)
    how = f"compute-optimal: {RULES.get(plan.scaling, plan.scaling)}" if plan.scaling else "most tokens for this model"
    gpus = "not fixed" if plan.gpu_count is None else f"{plan.gpu_count:,}{span('gpus', lambda v: f'{v:,.0f}')}"
    summary.add_row("Plan for", Text(f"{plan.question} ({plan.binding} binds)"))
    summary.add_row("Parameters", count(plan.params.m_as("parameter")) + span("params", count))
    summary.add_row("Tokens", Text(count(plan.tokens.m_as("token")) + span("tokens", count) + f"; {how}"))
    summary.add_row("GPUs", gpus)
    summary.add_row("Rerun", Text(one_line(plan.command), style="dim"))
    return Group(summary, Text(""), results_table(plan.estimate))
