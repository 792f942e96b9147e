"""Plain one-line ``repr`` of each result object: what a Python shell shows without the HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.parse import format_count
from costcalc.base.units import Q_
from costcalc.render.text import format_quantity, gigabytes

if TYPE_CHECKING:
    from costcalc.commands.backtest import BacktestReport
    from costcalc.commands.checks import ClaimCheck, ClaimChecks
    from costcalc.commands.compare import Comparison
    from costcalc.commands.costs import CostModel
    from costcalc.commands.finetune_report import FinetuneReport
    from costcalc.commands.memory_report import MemoryReport
    from costcalc.commands.plan import Plan
    from costcalc.commands.plan.result import StagePlan
    from costcalc.commands.sweep import SweepResult
    from costcalc.estimator.result import Estimate

__all__ = [
    "backtest_repr",
    "claim_repr",
    "claims_repr",
    "comparison_repr",
    "cost_model_repr",
    "estimate_repr",
    "finetune_repr",
    "finetune_text",
    "memory_repr",
    "plan_repr",
    "stage_plan_repr",
    "sweep_repr",
]


def estimate_repr(est: Estimate) -> str:
    """``Estimate(gpu_hours=1,291,532 GPU-h, wall_clock=26.9 days, ...)``: the known results."""
    parts = [
        f"{field}={format_quantity(getattr(est, field), field)}"
        for field in RESULT_FIELDS
        if field != "hardware_flops" and getattr(est, field) is not None
    ]
    return f"Estimate({', '.join(parts)})"


def plan_repr(plan: Plan) -> str:
    gpus = "not fixed" if plan.gpu_count is None else f"{plan.gpu_count:,}"
    params, tokens = format_count(plan.params.m_as("parameter"), 3), format_count(plan.tokens.m_as("token"), 3)
    return f"Plan({plan.question!r}: params={params}, tokens={tokens}, gpus={gpus}, binding={plan.binding})"


def stage_plan_repr(plan: StagePlan) -> str:
    """``StagePlan('sft of LLaMA-2-7B ...': 12 settings, answer lora on 1 x L40S, $12.1)``."""
    best = plan.answer
    cost, _ = best.figure("cost_usd")
    shown = "no price" if cost is None else f"${cost:,.3g}"
    return (
        f"StagePlan({plan.question!r}: {len(plan.settings)} settings, answer {best.method} on "
        f"{best.gpus:,} x {best.gpu}, {shown})"
    )


def memory_repr(report: MemoryReport) -> str:
    m = report.memory
    verdict = None if m is None else m.fits
    total = "unknown" if m is None else gigabytes(m.total)
    if report.finetune is not None:
        verdict, total = report.finetune.fits, gigabytes(report.finetune.total)
    fits = "unknown" if verdict is None else ("fits" if verdict else "does not fit")
    gpus = "?" if report.gpu_count is None else f"{report.gpu_count:,}"
    return f"MemoryReport({report.model or 'model'} on {gpus} x {report.accelerator}: {total} per GPU, {fits})"


def finetune_repr(report: FinetuneReport) -> str:
    """``FinetuneReport(lora sft: 19.8 GB of 80.0 GB per GPU, fits)``."""
    fits = {True: "fits", False: "does not fit", None: "unknown"}[report.fits]
    total, capacity = gigabytes(report.total), gigabytes(report.capacity)
    return f"FinetuneReport({report.method} {report.stage}: {total} of {capacity} per GPU, {fits})"


def finetune_text(report: FinetuneReport) -> str:
    """The fine-tuning section of ``costcalc memory``, as it prints."""
    from costcalc.render.memory import finetune_lines

    return "\n".join(finetune_lines(report)) + "\n"


def cost_model_repr(model: CostModel) -> str:
    """``CostModel('cloud on-demand': $1.99/GPU-h (1.34 to 4.17), total $360k; median of 9 observations...)``."""
    from costcalc.render.costs import basis_text, cost_rows

    name, rate, span, total, basis = cost_rows([model])[0]
    if model.price is None:
        return f"CostModel({name!r}: unknown; {basis_text(model.basis)})"
    return f"CostModel({name!r}: ${rate}/GPU-h ({span}), total {total}; {basis})"


def sweep_repr(result: SweepResult) -> str:
    """``SweepResult(16 points over gpu, gpus: gpu_hours 821,265 GPU-h to 1,842,461 GPU-h, ...)``,
    in the number styles of ``estimate``."""
    swept = ", ".join(result.columns) or "nothing"
    by_key = {spec.key: (field, spec.unit) for field, spec in RESULT_FIELDS.items()}
    spans = []
    for key in ("gpu_hours", "wall_clock_days", "cost_usd"):
        field, unit = by_key[key]
        values = None if key not in result.values else result.values[key].m_as(unit)
        if values is not None and not all(v != v for v in values.tolist()):
            low, high = (Q_(float(f(values)), unit) for f in (np.nanmin, np.nanmax))
            spans.append(f"{field} {format_quantity(low, field)} to {format_quantity(high, field)}")
    return f"SweepResult({len(result):,} points over {swept}: {', '.join(spans)})"


def backtest_repr(report: BacktestReport) -> str:
    s = report.leave_family_out
    return (
        f"BacktestReport({len(report.rows)} runs; leave one family out: median |log error| "
        f"{s.median_abs_log_error:.3f}, coverage {s.coverage:.0%}, median width {s.median_width:.2f}x)"
    )


def claim_repr(check: ClaimCheck) -> str:
    return f"ClaimCheck({check.id} {check.model}: {check.verdict}; {check.deciding or check.reason})"


def claims_repr(checks: ClaimChecks) -> str:
    """``ClaimChecks(3 claims: 2 consistent, 1 implausible)`` and one ``ClaimCheck(...)`` line per claim."""
    counts: dict[str, int] = {}
    for check in checks:
        counts[check.verdict] = counts.get(check.verdict, 0) + 1
    tally = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    head = f"ClaimChecks({len(checks)} claim{'' if len(checks) == 1 else 's'}{': ' + tally if tally else ''})"
    return "\n".join([head, *(f"  {claim_repr(check)}" for check in checks)])


def comparison_repr(results: Comparison) -> str:
    """``Comparison(A100: gpu_hours=..., cost=...; H100: ... (0.45x))``: each scenario's main results."""
    parts = []
    base = results[0][1] if results else None
    for name, est in results:
        shown = []
        for field in ("gpu_hours", "wall_clock", "cost"):
            value, ref = getattr(est, field), None if base is None else getattr(base, field)
            if value is None:
                continue
            ratio = ""
            if est is not base and ref is not None and np.size(value.m) == np.size(ref.m) == 1 and float(ref.m) > 0:
                ratio = f" ({(value / ref).m_as(''):.2f}x)"
            shown.append(f"{field}={format_quantity(value, field)}{ratio}")
        parts.append(f"{name}: {', '.join(shown)}")
    return f"Comparison({'; '.join(parts)})"
