"""``costcalc backtest``: the estimator, on its defaults, against every published run it ships.

For each run with published GPU-hours: costcalc's estimate (the run's model preset, tokens,
accelerator and GPU count; efficiency, as for any user, the calibrated default) against the
published GPU-hours and, where the GPU count and duration are known, days. The summary is how far
to trust the defaults: median absolute log error, share within 25%, share inside the range.

The default efficiency is fitted on these same runs, so the in-sample figures flatter it; the
leave-one-out figures (each run predicted by a calibration fitted without it) are the honest ones
and are reported beside them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from statistics import median

from pydantic import BaseModel, ConfigDict

from costcalc.data.calibration import default_calibration, leave_one_out
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.data.runs import ACTIVE_CALIBRATION_SETS, load_runs
from costcalc.estimator.api import estimate
from costcalc.schemas.runs import PublishedRun

__all__ = ["BacktestReport", "BacktestRow", "backtest"]


class BacktestRow(BaseModel):
    """One published run: published and predicted GPU-hours (and days), with the verdicts."""

    model_config = ConfigDict(frozen=True)

    id: str
    accelerator: str
    gpus: int | None
    published_gpu_hours: float
    predicted_gpu_hours: float
    range_gpu_hours: tuple[float, float]
    ratio: float
    inside_range: bool
    published_days: float | None
    predicted_days: float | None
    loo_ratio: float
    loo_inside_range: bool
    loo_inside_monte_carlo: bool
    reliability: str


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True)

    runs: int
    median_abs_log_error: float
    within_25_percent: float
    inside_range: float


class BacktestReport(BaseModel):
    """The rows, and the in-sample and leave-one-out summaries."""

    model_config = ConfigDict(frozen=True)

    rows: list[BacktestRow]
    in_sample: Summary
    leave_one_out: Summary
    monte_carlo_coverage: float
    skipped: list[tuple[str, str]]


def _summary(ratios: Sequence[float], inside: Sequence[bool]) -> Summary:
    errors = [abs(math.log(r)) for r in ratios]
    return Summary(
        runs=len(ratios),
        median_abs_log_error=median(errors),
        within_25_percent=sum(abs(r - 1) <= 0.25 for r in ratios) / len(ratios),
        inside_range=sum(inside) / len(inside),
    )


def _predict(run: PublishedRun, gpu: str, catalog: Catalog) -> tuple[float, tuple[float, float], float | None]:
    spec = catalog.find("model", run.model) if run.model else None
    if spec is not None:
        est = estimate(model=spec.name, tokens=run.tokens, gpu=gpu, gpus=run.gpus, catalog=catalog)
    else:
        est = estimate(
            params=run.params,
            active_params=run.active_params,
            tokens=run.tokens,
            gpu=gpu,
            gpus=run.gpus,
            seq_len=run.seq_len,
            catalog=catalog,
        )
    low, high = est.ranges["gpu_hours"]
    days = None if est.wall_clock is None else float(est.wall_clock.m_as("day"))
    return float(est.gpu_hours.m_as("GPU_hour")), (float(low.m_as("GPU_hour")), float(high.m_as("GPU_hour"))), days


def backtest(presets: Iterable[Path | str] = (), catalog: Catalog | None = None) -> BacktestReport:
    """Predict every shipped run with GPU-hours on costcalc's defaults and compare."""
    catalog = catalog or default_catalog(presets)
    calibration = default_calibration(catalog)
    loo = {r.run_id: r for r in leave_one_out(calibration)}
    excluded = dict(calibration.excluded)
    rows, skipped = [], []
    for run in load_runs(catalog):
        if run.calibration_set not in ACTIVE_CALIBRATION_SETS:
            continue  # held back from the calibration, so not back-tested either
        published = run.pretraining_gpu_hours
        if published is None:
            skipped.append((run.id, "no published GPU-hours"))
            continue
        if run.id not in loo:
            why = excluded.get(run.id, f"reliability {run.reliability}")
            skipped.append((run.id, f"not in the calibration set ({why})"))
            continue
        assert run.accelerator is not None  # the calibration admits only runs with an accelerator
        predicted, (low, high), days = _predict(run, run.accelerator, catalog)
        hours = float(published.m_as("GPU_hour"))
        held_out = loo[run.id]
        rows.append(
            BacktestRow(
                id=run.id,
                accelerator=run.accelerator,
                gpus=run.gpus,
                published_gpu_hours=hours,
                predicted_gpu_hours=predicted,
                range_gpu_hours=(low, high),
                ratio=predicted / hours,
                inside_range=low <= hours <= high,
                published_days=None if run.wall_clock_days is None else float(run.wall_clock_days.m_as("day")),
                predicted_days=days,
                loo_ratio=math.exp(held_out.log_error),
                loo_inside_range=held_out.inside,
                loo_inside_monte_carlo=held_out.monte_carlo_inside(),
                reliability=run.reliability,
            )
        )
    return BacktestReport(
        rows=rows,
        in_sample=_summary([r.ratio for r in rows], [r.inside_range for r in rows]),
        leave_one_out=_summary([r.loo_ratio for r in rows], [r.loo_inside_range for r in rows]),
        monte_carlo_coverage=sum(r.loo_inside_monte_carlo for r in rows) / len(rows),
        skipped=skipped,
    )
