"""The fine-tuning calibration judged: its runs predicted in sample and with their family left out.

``costcalc backtest`` and ``costcalc calibration`` print these figures in a section of their own,
apart from pre-training's (whose figures they leave unchanged): for each run the fine-tuning
calibration uses (``costcalc.data.finetune_calibrate``), the published GPU-hours against the
estimate's (the time at the pre-training efficiency x the calibrated factor x a quantized base's stated
slowdown, plus the fixed per-run time on every GPU),
in sample and predicted by a calibration derived, spread included, without the run's family; the
summaries (median absolute log error, share within 25%, share of published figures inside the
P10-P90 range, per stage, and the median range width); and every reference run not used, with why.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict

from costcalc.data.catalog import Catalog
from costcalc.data.crossval import Summary, summarize
from costcalc.data.finetune_calibrate import HeldOutRun, cross_validate, decisions, finetune_model, in_sample
from costcalc.data.finetune_efficiency import COEFFICIENTS, PRIOR_SD, TAU, prior_weights

__all__ = ["FinetuneBacktest", "FinetuneBacktestRow", "finetune_backtest", "finetune_calibration"]


class FinetuneBacktestRow(BaseModel):
    """One fine-tuning run: published and predicted GPU-hours, in sample and with its family left out."""

    model_config = ConfigDict(frozen=True)

    id: str
    stage: str
    method: str
    accelerator: str
    gpus: int | None
    published_gpu_hours: float
    predicted_gpu_hours: float
    range_gpu_hours: tuple[float, float]
    ratio: float
    inside_range: bool
    family_predicted_gpu_hours: float
    family_range_gpu_hours: tuple[float, float]
    family_ratio: float
    family_inside_range: bool


class FinetuneBacktest(BaseModel):
    """The fine-tuning rows, the in-sample and leave-one-family-out summaries, and the runs not used."""

    model_config = ConfigDict(frozen=True)

    rows: list[FinetuneBacktestRow]
    in_sample: Summary
    leave_family_out: Summary
    excluded: list[tuple[str, str]]


def _hours(held: HeldOutRun) -> tuple[float, tuple[float, float]]:
    """Predicted GPU-hours and their P10-P90, as an estimate gives them: the time at the efficiency plus the fixed."""
    return held.predicted_gpu_hours, held.gpu_hours_range


def _summary(held: list[HeldOutRun]) -> Summary:
    return summarize([h.ratio for h in held], [h.inside for h in held], [h.width for h in held],
                     [h.run.stage for h in held])  # fmt: skip


def finetune_backtest(catalog: Catalog) -> FinetuneBacktest:
    """Every run of the fine-tuning calibration, in sample and by families left out (nested)."""
    runs, excluded = decisions(catalog)
    inside = {h.run.id: h for h in in_sample(runs)}
    outside = {h.run.id: h for h in cross_validate(runs)}
    rows = []
    for r in runs:
        (predicted, span), (family, family_span) = _hours(inside[r.id]), _hours(outside[r.id])
        rows.append(FinetuneBacktestRow(
            id=r.id, stage=r.stage, method=r.method + (f" {r.quant}" if r.quant else ""), accelerator=r.accelerator,
            gpus=r.gpus, published_gpu_hours=r.gpu_hours, predicted_gpu_hours=predicted, range_gpu_hours=span,
            ratio=inside[r.id].ratio, inside_range=inside[r.id].inside, family_predicted_gpu_hours=family,
            family_range_gpu_hours=family_span, family_ratio=outside[r.id].ratio,
            family_inside_range=outside[r.id].inside,
        ))  # fmt: skip
    return FinetuneBacktest(
        rows=rows,
        in_sample=_summary(list(inside.values())),
        leave_family_out=_summary([outside[r.id] for r in runs]),
        excluded=list(excluded),
    )


def finetune_calibration(catalog: Catalog) -> dict[str, Any]:
    """The fine-tuning calibration as data: coefficients and their priors, spreads, runs, the out-of-sample check."""
    model = finetune_model(catalog)
    check = finetune_backtest(catalog)
    weights = prior_weights()
    coefficients = [
        {"name": name, "value": value, "sd": math.sqrt(model.covariance[i][i]), "prior_sd": PRIOR_SD[name],
         "prior_weight_runs": weights[name], "factor": math.exp(value)}
        for i, (name, value) in enumerate(zip(COEFFICIENTS, model.coefficients, strict=True))
    ]  # fmt: skip
    rows = {row.id: row for row in check.rows}
    runs = [
        {"id": r.id, "family": r.family, "stage": r.stage, "method": r.method, "quant": r.quant, "gpus": r.gpus,
         "seq_len": r.seq_len, "accelerator": r.accelerator, "weight": r.weight, "implied_mfu": r.implied_mfu,
         "pretraining_mfu": r.calibrated_mfu, "ratio": r.ratio,
         "family_out_ratio": rows[r.id].family_ratio, "inside_family_out_range": rows[r.id].family_inside_range}
        for r in model.runs
    ]  # fmt: skip
    return {
        "formula": "log factor = b0 + b_sft*[sft or dpo] + b_lc*[long-context] + b_ad*[lora or qlora] "
        "+ b_g*log10(GPUs/64) + b_s*log2(min(seq_len, 8192)/4096)",
        "tau": TAU,
        "coefficients": coefficients,
        "spreads": {k: {"low": s.low, "high": s.high} for k, s in model.spreads.items()},
        "spread_note": model.notes.get("spread", ""),
        "families": model.families,
        "runs": runs,
        "excluded": [{"id": i, "reason": why} for i, why in check.excluded],
        "leave_family_out": asdict(check.leave_family_out),
    }
