"""``costcalc backtest``: the estimator, on its defaults, against every published run it calibrates on.

For each run the calibration includes: costcalc's estimate (the run's model preset or its
parameter count, tokens, accelerator, GPU count and precision; the efficiency, as for any user, the
calibrated default) against the published GPU-hours and, where the GPU count and duration are
known, days. That is the in-sample check: the default was fitted on these runs, so it flatters.
The honest figures are out of sample, by groups left out (``costcalc.data.crossval``): each family
(same developer and model series) predicted by a calibration derived without it, spread included,
and the same by developer. Summaries: median absolute log error, share within 25%, share of
published figures inside the P10-P90 range (overall and per generation), median range width.
Runs whose GPU-hours are an upper bound are not fitted; they are checked as bounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from costcalc.base.display import Displayed
from costcalc.data.calibrate import decisions
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.data.crossval import HeldOut, Summary, cross_validate, summarize
from costcalc.data.runs import load_runs
from costcalc.estimator.api import estimate
from costcalc.estimator.result import Estimate
from costcalc.schemas.runs import PublishedRun

__all__ = ["BacktestReport", "BacktestRow", "BoundCheck", "backtest"]


class BacktestRow(BaseModel):
    """One published run: published and predicted GPU-hours (and days), in and out of sample."""

    model_config = ConfigDict(frozen=True)

    id: str
    generation: str
    accelerator: str
    gpus: int | None
    weight: float
    published_gpu_hours: float
    predicted_gpu_hours: float
    range_gpu_hours: tuple[float, float]
    ratio: float
    inside_range: bool
    published_days: float | None
    predicted_days: float | None
    family_ratio: float
    family_range_gpu_hours: tuple[float, float]
    family_inside_range: bool
    developer_ratio: float
    developer_inside_range: bool


class BoundCheck(BaseModel):
    """A run whose published GPU-hours are an upper bound: is costcalc's range consistent with it?"""

    model_config = ConfigDict(frozen=True)

    id: str
    bound_gpu_hours: float
    predicted_gpu_hours: float
    range_gpu_hours: tuple[float, float]
    consistent: bool  # the range's low end is at most the bound


class BacktestReport(Displayed, BaseModel):
    """The rows, the in-sample and the grouped cross-validation summaries, bounds and skipped runs."""

    model_config = ConfigDict(frozen=True)

    rows: list[BacktestRow]
    in_sample: Summary
    leave_family_out: Summary
    leave_developer_out: Summary
    bounds: list[BoundCheck]
    skipped: list[tuple[str, str]]


def _estimate(run: PublishedRun, catalog: Catalog) -> Estimate:
    """The estimate a user would get for the run from what it publishes."""
    assert run.accelerator is not None and run.tokens is not None
    spec = catalog.find("model", run.model) if run.model else None
    dtype = "fp8" if "fp8" in (run.precision or "").lower() else None
    common = {"tokens": run.tokens, "gpu": run.accelerator, "gpus": run.gpus, "dtype": dtype, "catalog": catalog}
    if spec is not None:
        return estimate(model=spec.name, **common)
    return estimate(params=run.params, active_params=run.active_params, seq_len=run.seq_len, **common)


def _hours(est: Estimate) -> tuple[float, float, float]:
    low, high = est.ranges["gpu_hours"]
    return float(est.gpu_hours.m_as("GPU_hour")), float(low.m_as("GPU_hour")), float(high.m_as("GPU_hour"))


def _row(run: PublishedRun, catalog: Catalog, family: HeldOut, developer: HeldOut) -> BacktestRow:
    assert run.pretraining_gpu_hours is not None and run.accelerator is not None
    est = _estimate(run, catalog)
    predicted, low, high = _hours(est)
    published = float(run.pretraining_gpu_hours.m_as("GPU_hour"))
    actual = family.run.fitted_mfu
    return BacktestRow(
        id=run.id,
        generation=family.run.generation,
        accelerator=run.accelerator,
        gpus=run.gpus,
        weight=family.run.weight,
        published_gpu_hours=published,
        predicted_gpu_hours=predicted,
        range_gpu_hours=(low, high),
        ratio=predicted / published,
        inside_range=low <= published <= high,
        published_days=None if run.wall_clock_days is None else float(run.wall_clock_days.m_as("day")),
        predicted_days=None if est.wall_clock is None else float(est.wall_clock.m_as("day")),
        family_ratio=family.ratio,
        family_range_gpu_hours=(published * actual / family.high, published * actual / family.low),
        family_inside_range=family.inside,
        developer_ratio=developer.ratio,
        developer_inside_range=developer.inside,
    )


def _summary(held: list[HeldOut]) -> Summary:
    return summarize([h.ratio for h in held], [h.inside for h in held], [h.width for h in held], _gens(held))


def _gens(held: list[HeldOut]) -> list[str]:
    return [h.run.generation for h in held]


def backtest(presets: Iterable[Path | str] = (), catalog: Catalog | None = None) -> BacktestReport:
    """Predict every run the calibration uses, in sample and by families and developers left out."""
    catalog = catalog_for(presets, catalog)
    runs = {run.id: run for run in load_runs(catalog)}
    decided = decisions(catalog)
    points = [d.summary for d in decided if d.summary is not None]
    by_family = {h.run.id: h for h in cross_validate(points, "family")}
    by_developer = {h.run.id: h for h in cross_validate(points, "developer")}
    rows = [_row(runs[p.id], catalog, by_family[p.id], by_developer[p.id]) for p in points]
    bounds = []
    for run in runs.values():
        if (
            "upper_bound" in run.flags
            and run.accelerator
            and run.tokens
            and catalog.find("accelerator", run.accelerator)
        ):
            assert run.pretraining_gpu_hours is not None
            predicted, low, high = _hours(_estimate(run, catalog))
            bound = float(run.pretraining_gpu_hours.m_as("GPU_hour"))
            bounds.append(BoundCheck(id=run.id, bound_gpu_hours=bound, predicted_gpu_hours=predicted,
                                     range_gpu_hours=(low, high), consistent=low <= bound))  # fmt: skip
    return BacktestReport(
        rows=rows,
        in_sample=summarize(
            [r.ratio for r in rows],
            [r.inside_range for r in rows],
            [r.range_gpu_hours[1] / r.range_gpu_hours[0] for r in rows],
            [r.generation for r in rows],
        ),
        leave_family_out=_summary(list(by_family.values())),
        leave_developer_out=_summary(list(by_developer.values())),
        bounds=bounds,
        skipped=[(d.run_id, d.reason) for d in decided if not d.included],
    )
