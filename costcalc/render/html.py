"""Rich displays for notebooks: every result object's ``_repr_html_`` hands over to this module."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from costcalc.base.parse import format_count
from costcalc.render.estimate import memory_lines, result_rows
from costcalc.render.memory import finetune_lines
from costcalc.render.sweep_notes import note_text
from costcalc.render.text import gigabytes
from costcalc.render.words import worded

if TYPE_CHECKING:
    from costcalc.commands.backtest import BacktestReport
    from costcalc.commands.checks import ClaimCheck, ClaimChecks
    from costcalc.commands.compare import Comparison
    from costcalc.commands.costs import CostModel
    from costcalc.commands.finetune_report import FinetuneReport
    from costcalc.commands.memory_report import MemoryReport
    from costcalc.commands.plan import Plan
    from costcalc.commands.sweep import SweepResult
    from costcalc.estimator.result import Estimate

__all__ = [
    "backtest_html",
    "claim_html",
    "claims_html",
    "comparison_html",
    "cost_model_html",
    "estimate_html",
    "finetune_html",
    "html_table",
    "memory_html",
    "plan_html",
    "sweep_html",
]


def html_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, row_headers: bool = False) -> str:
    """An HTML table, every cell escaped; with ``row_headers`` the first column is a header column."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = ""
    for row in rows:
        cells = [html.escape(str(c)) for c in row]
        first = f"<th style='text-align:left'>{cells[0]}</th>" if row_headers else f"<td>{cells[0]}</td>"
        body += "<tr>" + first + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _details(summary: str, inner: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{inner}</details>"


def estimate_html(est: Estimate) -> str:
    """A table for Jupyter: results with their ranges, the memory, then the assumptions."""
    out = html_table(["result", "estimate", "range (P10 to P90)"], result_rows(est), row_headers=True)
    if est.memory is not None:
        out += "<pre>" + html.escape("\n".join(memory_lines(est.memory))) + "</pre>"
    notes = [[w.name + (" *" if a.given else ""), w.value, w.basis] for a in est.assumptions for w in [worded(a)]]
    return out + _details("assumptions (* = given by you)", html_table(["input", "value", "basis"], notes))


def plan_html(plan: Plan) -> str:
    """The plan's answer with its ranges, the command to rerun it, then its estimate."""

    def span(name: str) -> str:
        r = plan.span(name)
        return "" if r is None else f"{format_count(r[0], 3)} to {format_count(r[1], 3)}"

    rows = [
        ["parameters", format_count(plan.params.m_as("parameter"), 3), span("params")],
        ["tokens", format_count(plan.tokens.m_as("token"), 3), span("tokens")],
        ["GPUs", "not fixed" if plan.gpu_count is None else f"{plan.gpu_count:,}", span("gpus")],
        ["binding limit", plan.binding, ""],
    ]
    head = f"<p>Plan for {html.escape(plan.question)}</p>"
    rerun = f"<p>rerun: <code>{html.escape(plan.command)}</code></p>"
    return head + html_table(["", "plan", "range"], rows, row_headers=True) + rerun + estimate_html(plan.estimate)


def memory_html(report: MemoryReport) -> str:
    """The breakdown, the best layouts and the smallest fit."""
    gpus = "?" if report.gpu_count is None else f"{report.gpu_count:,}"
    out = f"<p>{html.escape(report.model or 'the model')} on {gpus} x {html.escape(report.accelerator)}</p>"
    if report.memory is not None:
        out += "<pre>" + html.escape("\n".join(memory_lines(report.memory))) + "</pre>"
    if report.finetune is not None:
        out += finetune_html(report.finetune)
    rows = [
        [lay.label, f"ZeRO-{lay.memory.zero}", lay.memory.recompute, gigabytes(lay.memory.total),
         "yes" if lay.memory.fits else "no", "-" if lay.step_time is None else f"{lay.step_time:.2f}x"]
        for lay in report.layouts
    ]  # fmt: skip
    if rows:
        out += html_table(["layout", "ZeRO", "recompute", "total/GPU", "fits", "step"], rows)
    return out


def finetune_html(report: FinetuneReport) -> str:
    """The fine-tuning setting, then a table of its memory per GPU against the GPU's, then the notes."""
    from costcalc.render.memory import finetune_notes

    m = report.memory
    verdict = {True: "fits", False: "does not fit", None: "unknown"}[report.fits]
    rows = [
        ["frozen weights", gigabytes(m.frozen)],
        *([["reference", gigabytes(m.extra)]] if m.extra else []),
        ["trained weights", gigabytes(m.weights)],
        ["gradients", gigabytes(m.gradients)],
        ["optimizer", gigabytes(m.optimizer) + (f" ({gigabytes(m.pageable)} off the GPU)" if m.pageable else "")],
        ["activations", gigabytes(m.activations)],
        ["overhead", gigabytes(m.overhead)],
        ["total", f"{gigabytes(m.total)} of {gigabytes(report.capacity)}: {verdict}"],
    ]
    setting = finetune_lines(report)[0].removesuffix(":")
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in finetune_notes(report))
    table = html_table(["per GPU", "memory"], rows, row_headers=True)
    return f"<p>{html.escape(setting)}</p>" + table + (f"<ul>{notes}</ul>" if notes else "")


def cost_model_html(model: CostModel) -> str:
    """One way of paying for the run, as a row of ``costcalc costs``."""
    from costcalc.render.costs import cost_rows

    return html_table(["cost model", "USD/GPU-h", "range", "total", "basis"], cost_rows([model]), row_headers=True)


def sweep_html(result: SweepResult, rows: int = 50) -> str:
    """The first ``rows`` points as a table (every column of ``to_dict``), and how many there are."""
    table = result.to_dict()
    headers = list(table)
    shown = [
        ["-" if v is None else (f"{v:.4g}" if isinstance(v, float) else v) for v in row]
        for row in list(zip(*table.values(), strict=True))[:rows]
    ]
    more = (
        f"<p>{len(result) - rows:,} more points: to_records() or to_pandas() has them all</p>"
        if len(result) > rows
        else ""
    )
    notes = "".join(f"<p>{html.escape(note_text(n))}</p>" for n in result.notes)
    return f"<p>{len(result):,} points</p>" + html_table(headers, shown) + more + notes


def backtest_html(report: BacktestReport) -> str:
    """The three summaries (in sample, a family left out, a developer left out), then every run."""
    summaries = [
        [
            name,
            f"{s.median_abs_log_error:.3f}",
            f"{s.within_25_percent:.0%}",
            f"{s.coverage:.0%}",
            f"{s.median_width:.2f}x",
        ]
        for name, s in (
            ("in sample", report.in_sample),
            ("leave one family out", report.leave_family_out),
            ("leave one developer out", report.leave_developer_out),
        )
    ]
    head = html_table(["", "median |log error|", "within 25%", "P10-P90 coverage", "median width"], summaries)
    from costcalc.render.backtest import hours, ratio

    rows = [
        [r.id, r.generation, hours(r.published_gpu_hours), hours(r.predicted_gpu_hours), ratio(r.ratio)]
        for r in report.rows
    ]
    runs = html_table(["run", "generation", "published GPU-h", "predicted GPU-h", "ratio"], rows)
    return head + _details(f"{len(report.rows)} runs", runs)


def claim_html(check: ClaimCheck) -> str:
    """One claim: what it says, the verdict, the number that decided it, the reason and the source."""
    rows = [
        ["claim", check.claim_en or check.claim],
        ["verdict", check.verdict],
        ["deciding number", check.deciding or "-"],
        ["reason", check.reason],
        ["tolerance", check.tolerance],
        ["source", f"{check.source_value} [{check.source}]"],
    ]
    return html_table([check.id, check.model], rows, row_headers=True)


def claims_html(checks: ClaimChecks) -> str:
    """Every claim in one table: id, model, claim, verdict, the deciding number and the source."""
    rows = [
        [c.id, c.model, c.claim_en or c.claim, c.verdict, c.deciding or "-", f"{c.source_value} [{c.source}]"]
        for c in checks
    ]
    counts: dict[str, int] = {}
    for check in checks:
        counts[check.verdict] = counts.get(check.verdict, 0) + 1
    tally = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    head = f"<p>{len(checks)} claims: {html.escape(tally)}</p>" if checks else "<p>no claims</p>"
    return head + html_table(["id", "model", "claim", "verdict", "deciding number", "source"], rows)


def comparison_html(results: Comparison) -> str:
    """The scenarios side by side, as ``costcalc compare`` prints them."""
    from costcalc.render.sweep import COMPARE_NOTE, compare_rows

    if not results:
        return "<p>no scenarios</p>"
    headers, rows = compare_rows(results)
    return html_table(headers, rows, row_headers=True) + f"<p>{html.escape(COMPARE_NOTE)}</p>"
