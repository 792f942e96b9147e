"""``costcalc backtest``: the estimator, on its defaults, against every published run it calibrates on.

For each run the calibration includes: costcalc's estimate (the run's model preset or its
parameter count, tokens, accelerator, GPU count and precision; the efficiency, as for any user, the
calibrated default) against the published GPU-hours and, where the GPU count and duration are
known, days. That is the in-sample check: the default was fitted on these runs, so it flatters.
The honest figures are out of sample, by groups left out (``costcalc.data.crossval``): each family
(same developer and model series) predicted by a calibration derived without it, spread included,
and the same by developer. Summaries: median absolute log error, share within 25%, share of
published figures inside the P10-P90 range (overall and per generation), median range width.
Runs whose GPU-hours are an upper bound are not fitted; they are checked as bounds. The
fine-tuning calibration's runs are judged the same way, apart (``costcalc.commands.finetune_check``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from costcalc.base.display import Displayed
from costcalc.base.record import Field, Record
from costcalc.base.units import Q_, Quantity
from costcalc.commands.finetune_check import FinetuneBacktest, finetune_backtest
from costcalc.data.calibrate import decisions
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.data.crossval import HeldOut, Summary, cross_validate, summarize
from costcalc.data.runs import load_runs
from costcalc.estimator.api import estimate
from costcalc.estimator.result import Estimate, Range
from costcalc.schemas.runs import PublishedRun

__all__ = ["BacktestReport", "BacktestRow", "BoundCheck", "backtest"]

_HOURS = "GPU_hour"


@dataclass(frozen=True)
class BacktestRow(Record):
    """One published run: published and predicted GPU-hours (and days), in and out of sample.

    GPU-hours and days are quantities; ratios (predicted over published) and the run's weight in
    the calibration are dimensionless quantities; ranges are the P10 and P90 ends.
    """

    id: str
    generation: str
    accelerator: str
    gpus: Quantity | None
    weight: Quantity
    published_gpu_hours: Quantity
    predicted_gpu_hours: Quantity
    range_gpu_hours: Range
    ratio: Quantity
    inside_range: bool
    published_days: Quantity | None
    predicted_days: Quantity | None
    family_ratio: Quantity
    family_range_gpu_hours: Range
    family_inside_range: bool
    developer_ratio: Quantity
    developer_inside_range: bool

    FIELDS = (
        Field("id", "id"),
        Field("generation", "generation"),
        Field("accelerator", "accelerator"),
        Field("gpus", "gpus", "GPU", whole=True),
        Field("weight", "weight", ""),
        Field("published_gpu_hours", "published_gpu_hours", _HOURS),
        Field("predicted_gpu_hours", "predicted_gpu_hours", _HOURS),
        Field("range_gpu_hours", "range_gpu_hours", _HOURS),
        Field("ratio", "ratio", ""),
        Field("inside_range", "inside_range"),
        Field("published_days", "published_days", "day"),
        Field("predicted_days", "predicted_days", "day"),
        Field("family_ratio", "family_ratio", ""),
        Field("family_range_gpu_hours", "family_range_gpu_hours", _HOURS),
        Field("family_inside_range", "family_inside_range"),
        Field("developer_ratio", "developer_ratio", ""),
        Field("developer_inside_range", "developer_inside_range"),
    )


@dataclass(frozen=True)
class BoundCheck(Record):
    """A run whose published GPU-hours are an upper bound: is costcalc's range consistent with it?"""

    id: str
    bound_gpu_hours: Quantity
    predicted_gpu_hours: Quantity
    range_gpu_hours: Range
    consistent: bool  # the range's low end is at most the bound

    FIELDS = (
        Field("id", "id"),
        Field("bound_gpu_hours", "bound_gpu_hours", _HOURS),
        Field("predicted_gpu_hours", "predicted_gpu_hours", _HOURS),
        Field("range_gpu_hours", "range_gpu_hours", _HOURS),
        Field("consistent", "consistent"),
    )


@dataclass(frozen=True, repr=False)
class BacktestReport(Displayed, Record):
    """The rows, the in-sample and the grouped cross-validation summaries, bounds and skipped runs.

    The summaries (``costcalc.data.crossval.Summary``) are statistics of the ratios: a median
    absolute log error, shares of runs and a median range width, all dimensionless.
    """

    rows: tuple[BacktestRow, ...]
    in_sample: Summary
    leave_family_out: Summary
    leave_developer_out: Summary
    bounds: tuple[BoundCheck, ...]
    skipped: tuple[tuple[str, str], ...]
    finetune: FinetuneBacktest  # the fine-tuning calibration's runs, apart (costcalc.commands.finetune_check)

    FIELDS = (
        Field("rows", "rows"),
        Field("in_sample", "in_sample"),
        Field("leave_family_out", "leave_family_out"),
        Field("leave_developer_out", "leave_developer_out"),
        Field("bounds", "bounds"),
        Field("skipped", "skipped"),
        Field("finetune", "finetune"),
    )


def _estimate(run: PublishedRun, catalog: Catalog) -> Estimate:
    """The estimate a user would get for the run from what it publishes."""
    assert run.accelerator is not None and run.tokens is not None
    spec = catalog.find("model", run.model) if run.model else None
    dtype = "fp8" if "fp8" in (run.precision or "").lower() else None
    common = {"tokens": run.tokens, "gpu": run.accelerator, "gpus": run.gpus, "dtype": dtype, "catalog": catalog}
    if spec is not None:
        return estimate(model=spec.name, **common)
    return estimate(params=run.params, active_params=run.active_params, seq_len=run.seq_len, **common)


def _hours(est: Estimate) -> tuple[Quantity, Range]:
    return est.gpu_hours, est.ranges["gpu_hours"]


def _ratio(value: float) -> Quantity:
    return Q_(value, "")


def _row(run: PublishedRun, catalog: Catalog, family: HeldOut, developer: HeldOut) -> BacktestRow:
    assert run.pretraining_gpu_hours is not None and run.accelerator is not None
    est = _estimate(run, catalog)
    predicted, span = _hours(est)
    published = run.pretraining_gpu_hours.to(_HOURS)
    actual = family.run.fitted_mfu
    return BacktestRow(
        id=run.id,
        generation=family.run.generation,
        accelerator=run.accelerator,
        gpus=None if run.gpus is None else Q_(run.gpus, "GPU"),
        weight=_ratio(family.run.weight),
        published_gpu_hours=published,
        predicted_gpu_hours=predicted,
        range_gpu_hours=span,
        ratio=(predicted / published).to(""),
        inside_range=bool(span.low <= published <= span.high),
        published_days=run.wall_clock_days,
        predicted_days=est.wall_clock,
        family_ratio=_ratio(family.ratio),
        family_range_gpu_hours=Range(published * actual / family.high, published * actual / family.low),
        family_inside_range=family.inside,
        developer_ratio=_ratio(developer.ratio),
        developer_inside_range=developer.inside,
    )


def _summary(held: list[HeldOut]) -> Summary:
    return summarize([h.ratio for h in held], [h.inside for h in held], [h.width for h in held], _gens(held))


def _gens(held: list[HeldOut]) -> list[str]:
    return [h.run.generation for h in held]


def _bound(run: PublishedRun, catalog: Catalog) -> BoundCheck:
    """An upper-bound run: is the low end of costcalc's range at most the bound?"""
    assert run.pretraining_gpu_hours is not None
    predicted, span = _hours(_estimate(run, catalog))
    bound = run.pretraining_gpu_hours.to(_HOURS)
    return BoundCheck(run.id, bound, predicted, span, consistent=bool(span.low <= bound))


def backtest(presets: Iterable[Path | str] = (), catalog: Catalog | None = None) -> BacktestReport:
    """Predict every run the calibration uses, in sample and by families and developers left out."""
    catalog = catalog_for(presets, catalog)
    runs = {run.id: run for run in load_runs(catalog)}
    decided = decisions(catalog)
    points = [d.summary for d in decided if d.summary is not None]
    by_family = {h.run.id: h for h in cross_validate(points, "family")}
    by_developer = {h.run.id: h for h in cross_validate(points, "developer")}
    rows = tuple(_row(runs[p.id], catalog, by_family[p.id], by_developer[p.id]) for p in points)
    bounds = tuple(
        _bound(run, catalog)
        for run in runs.values()
        if "upper_bound" in run.flags
        and run.accelerator
        and run.tokens
        and catalog.find("accelerator", run.accelerator)
    )
    return BacktestReport(
        rows=rows,
        in_sample=summarize(
            [float(r.ratio.m_as("")) for r in rows],
            [r.inside_range for r in rows],
            [float((r.range_gpu_hours.high / r.range_gpu_hours.low).m_as("")) for r in rows],
            [r.generation for r in rows],
        ),
        leave_family_out=_summary(list(by_family.values())),
        leave_developer_out=_summary(list(by_developer.values())),
        bounds=bounds,
        skipped=tuple((d.run_id, d.reason) for d in decided if not d.included),
        finetune=finetune_backtest(catalog),
    )
