"""The default training efficiency (MFU) and its range, derived from published runs.

Method (rerun it with ``costcalc calibration``):

1. For each run that ``costcalc.data.runs.usable_for_calibration`` admits (published GPU-hours and
   tokens, reliability A or B, no excluding flag, in the active calibration set), its implied MFU is
   model FLOPs / (GPU-hours x dense bf16/fp16 peak of its accelerator) (``runtime.implied_efficiency``). Model FLOPs
   are counted exactly as ``costcalc estimate`` counts them (``costcalc.formulas.flops.training_flops``,
   architecture-aware where the model preset has a shape), so the efficiency is consistent with
   the estimator that uses it.
2. Runs are grouped by accelerator generation (ampere, hopper, tpu-v4, ...). A generation with
   at least ``MIN_RUNS`` runs gets its own central value, the median of its runs' implied MFU;
   any other generation falls back to the median of all runs.
3. The range is the 10th to 90th percentile of the leave-one-out residuals: each run's log MFU
   minus the central value fitted without that run, pooled across generations. Using
   out-of-sample residuals makes the range a prediction interval with a nominal 80% coverage;
   generations that fall back use residuals around the pooled median, which are wider.
   ``costcalc calibration`` reports the coverage measured by refitting without each run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Any

from costcalc.base import cache as disk_cache
from costcalc.base.errors import PresetError
from costcalc.base.stats import HIGH_QUANTILE, LOW_QUANTILE, median, quantile
from costcalc.base.units import Q_
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.formulas import runtime
from costcalc.formulas.flops import training_flops
from costcalc.schemas import AcceleratorSpec

if TYPE_CHECKING:  # the runs are read only when the cached priors are stale
    from costcalc.schemas.runs import CalibrationSet, PublishedRun

__all__ = [
    "MIN_RUNS",
    "Calibration",
    "EfficiencyPrior",
    "RunEfficiency",
    "default_calibration",
    "efficiency_prior",
    "fit",
    "implied_efficiencies",
]

MIN_RUNS = 3


@dataclass(frozen=True)
class RunEfficiency:
    """A published run and the MFU its reported GPU-hours imply."""

    run: PublishedRun
    generation: str
    mfu: float
    params: float
    seq_len: int | None


@dataclass(frozen=True)
class EfficiencyPrior:
    """Default efficiency for one generation: central value, range and where they came from."""

    generation: str
    central: float
    low: float
    high: float
    runs: int
    basis: str
    #: The leave-one-out log residuals the range was taken from: the Monte Carlo samples these.
    residuals: tuple[float, ...] = ()


@dataclass(frozen=True)
class Calibration:
    """The fitted defaults plus the data they came from."""

    points: tuple[RunEfficiency, ...]
    priors: dict[str, EfficiencyPrior]
    pooled: EfficiencyPrior
    excluded: tuple[tuple[str, str], ...]

    def prior(self, generation: str) -> EfficiencyPrior:
        return self.priors.get(generation, self.pooled)


def _peak_bf16(accelerator: AcceleratorSpec) -> float:
    peak = accelerator.peak.get("bf16", accelerator.peak.get("fp16"))
    assert peak is not None  # AcceleratorSpec guarantees one of them
    return float(peak.m_as("FLOP/s"))


def implied_efficiencies(
    runs: Sequence[PublishedRun], catalog: Catalog, sets: tuple[CalibrationSet, ...] | None = None
) -> tuple[list[RunEfficiency], list[tuple[str, str]]]:
    """Implied MFU of each usable run, and the runs left out with the reason.

    Only runs of the calibration ``sets`` (default ``costcalc.data.runs.ACTIVE_CALIBRATION_SETS``) are
    considered; runs of other sets are held back altogether, so they are not listed as excluded.
    """
    from costcalc.data.runs import ACTIVE_CALIBRATION_SETS, usable_for_calibration

    sets = ACTIVE_CALIBRATION_SETS if sets is None else sets
    points: list[RunEfficiency] = []
    excluded: list[tuple[str, str]] = []
    for run in runs:
        if run.calibration_set not in sets:
            continue
        usable, reason = usable_for_calibration(run, sets)
        hours, tokens = run.pretraining_gpu_hours, run.tokens
        if not usable or hours is None or tokens is None or run.accelerator is None:
            excluded.append((run.id, reason))
            continue
        accelerator: AcceleratorSpec | None = catalog.find("accelerator", run.accelerator)
        if accelerator is None:
            excluded.append((run.id, f"no accelerator preset {run.accelerator!r}"))
            continue
        spec = catalog.find("model", run.model) if run.model else None
        params = run.active_params or (spec.params if spec is not None else run.params)
        seq_len = run.seq_len or (spec.seq_len if spec is not None else None)
        flops = training_flops(tokens, params=params, spec=spec, seq_len=seq_len)
        mfu = float(runtime.implied_efficiency(flops.model, hours, Q_(_peak_bf16(accelerator), "FLOP/s")).m)
        if not 0 < mfu <= 1:
            why = f"imply an efficiency (MFU) of {mfu:.3g}, outside (0, 1]: too few GPU-hours for the FLOPs"
            raise _run_error(catalog, run.id, "gpu_hours", why)
        points.append(RunEfficiency(run, accelerator.generation, mfu, float(params.m_as("parameter")), seq_len))
    return points, excluded


def _run_error(catalog: Catalog, run_id: str, field: str, message: str) -> PresetError:
    """An error about a published run, naming the file and table it comes from."""
    entry = catalog.locate("run", "id", run_id)
    if entry is None:
        return PresetError("runs", f"run {run_id!r}.{field}", message)
    return PresetError(str(entry.path), f"{entry.where}.{field}", message)


def _log_median(values: Sequence[float]) -> float:
    return median(math.log(v) for v in values)


def _centers(points: Sequence[RunEfficiency]) -> tuple[dict[str, float], float]:
    """Log central MFU per generation with at least MIN_RUNS runs, and the pooled log median."""
    by_generation: dict[str, list[float]] = {}
    for p in points:
        by_generation.setdefault(p.generation, []).append(p.mfu)
    own = {g: _log_median(v) for g, v in by_generation.items() if len(v) >= MIN_RUNS}
    return own, _log_median([p.mfu for p in points])


def _predictive_residuals(points: Sequence[RunEfficiency]) -> tuple[list[float], list[float]]:
    """Leave-one-out residuals: each run against the centre fitted without it.

    Returns (generation rule, pooled rule): log(run MFU) minus the generation's centre (or the
    pooled one where the generation falls back), and minus the pooled centre, each fitted on the
    other runs. Out-of-sample residuals make the range a prediction interval, not a description
    of the fitted runs.
    """
    by_rule: list[float] = []
    pooled: list[float] = []
    for i, point in enumerate(points):
        rest = [p for j, p in enumerate(points) if j != i]
        own, pooled_center = _centers(rest)
        log_mfu = math.log(point.mfu)
        by_rule.append(log_mfu - own.get(point.generation, pooled_center))
        pooled.append(log_mfu - pooled_center)
    return by_rule, pooled


def _prior(generation: str, log_center: float, residuals: Sequence[float], runs: int, basis: str) -> EfficiencyPrior:
    low_r, high_r = quantile(residuals, LOW_QUANTILE), quantile(residuals, HIGH_QUANTILE)
    return EfficiencyPrior(
        generation=generation,
        central=math.exp(log_center),
        low=math.exp(log_center + float(low_r)),
        high=min(1.0, math.exp(log_center + float(high_r))),
        runs=runs,
        basis=basis,
        residuals=tuple(residuals),
    )


def fit(points: Sequence[RunEfficiency], excluded: Sequence[tuple[str, str]] = ()) -> Calibration:
    """Fit per-generation central values and predictive ranges (see the module docstring)."""
    if len(points) < MIN_RUNS + 1:
        raise ValueError(f"calibration needs at least {MIN_RUNS + 1} runs with published GPU-hours")
    own, pooled_center = _centers(points)
    by_rule, pooled_residuals = _predictive_residuals(points)
    counts = {g: sum(p.generation == g for p in points) for g in own}
    priors = {g: _prior(g, center, by_rule, counts[g], f"median of {counts[g]} {g} runs") for g, center in own.items()}
    pooled = _prior(
        "any",
        pooled_center,
        pooled_residuals,
        len(points),
        f"median of all {len(points)} runs (fallback for generations with fewer than {MIN_RUNS} runs)",
    )
    return Calibration(tuple(points), priors, pooled, tuple(excluded))


@dataclass(frozen=True)
class LeaveOneOut:
    """How the calibration predicts each run when that run is left out of the fit."""

    run_id: str
    predicted_mfu: float
    low: float
    high: float
    actual_mfu: float
    #: The left-out fit's residuals: what the Monte Carlo draws the efficiency from.
    residuals: tuple[float, ...] = ()

    def monte_carlo_inside(self, samples: int = 20_000, seed: int = 0) -> bool:
        """Whether the run's MFU lies in the P10-P90 band of the Monte Carlo efficiency draws."""
        import numpy as np

        draws = self.predicted_mfu * np.exp(np.random.default_rng(seed).choice(np.asarray(self.residuals), samples))
        low, high = np.percentile(np.minimum(draws, 1.0), [10, 90])
        return bool(low <= self.actual_mfu <= high)

    @property
    def inside(self) -> bool:
        return self.low <= self.actual_mfu <= self.high

    @property
    def log_error(self) -> float:
        """log(predicted GPU-hours / published GPU-hours) = log(actual MFU / predicted MFU)."""
        return math.log(self.actual_mfu / self.predicted_mfu)


def leave_one_out(calibration: Calibration) -> list[LeaveOneOut]:
    """Refit without each run in turn and predict it: an honest check of the range's coverage."""
    results = []
    points = calibration.points
    for i, point in enumerate(points):
        rest = [p for j, p in enumerate(points) if j != i]
        prior = fit(rest).prior(point.generation)
        results.append(LeaveOneOut(point.run.id, prior.central, prior.low, prior.high, point.mfu, prior.residuals))
    return results


def correlations(calibration: Calibration) -> dict[str, tuple[float, int]]:
    """Spearman rank correlation of the runs' residuals with candidate explanations of the spread.

    Keys: log parameters, sequence length, cluster size (GPU count), each with the number of runs
    that have the value. A residual is log(run MFU / its generation's central value).
    """
    import numpy as np

    def rank(values: np.ndarray) -> np.ndarray:
        return np.argsort(np.argsort(values)).astype(float)

    residual = {p.run.id: math.log(p.mfu / calibration.prior(p.generation).central) for p in calibration.points}
    candidates = {
        "model size (parameters)": {p.run.id: p.params for p in calibration.points},
        "sequence length": {p.run.id: float(p.seq_len) for p in calibration.points if p.seq_len},
        "cluster size (GPUs)": {p.run.id: float(p.run.gpus) for p in calibration.points if p.run.gpus},
    }
    out = {}
    for name, values in candidates.items():
        ids = list(values)
        if len(ids) < 3:
            continue
        x = rank(np.array([values[i] for i in ids]))
        y = rank(np.array([residual[i] for i in ids]))
        out[name] = (float(np.corrcoef(x, y)[0, 1]), len(ids))
    return out


#: Modules whose code decides the efficiency priors; part of the cache key.
_DERIVATION_MODULES = (
    "data.calibration",
    "formulas.flops",
    "base.stats",
    "data.runs",
    "schemas.hardware",
    "schemas.runs",
)


@cache
def efficiency_priors(catalog: Catalog) -> tuple[dict[str, EfficiencyPrior], EfficiencyPrior]:
    """The per-generation priors and the pooled fallback, from the on-disk cache when fresh.

    The cache key hashes the preset files holding runs, models and accelerators plus the code of
    the derivation, so a cached result is always what ``fit`` would return now.
    """
    key = catalog.fingerprint(("run", "model", "accelerator")) + disk_cache.code_hash(_DERIVATION_MODULES)
    stored = disk_cache.load("efficiency-priors", key, check=_priors_from_json)
    if stored is not None:
        return stored
    calibration = default_calibration(catalog)
    disk_cache.store(
        "efficiency-priors",
        key,
        {
            "priors": {g: asdict(p) for g, p in calibration.priors.items()},
            "pooled": asdict(calibration.pooled),
        },
    )
    return calibration.priors, calibration.pooled


def _priors_from_json(stored: Any) -> tuple[dict[str, EfficiencyPrior], EfficiencyPrior]:
    """The cached priors, validated: any wrong type, missing field or out-of-range value raises."""
    priors = {str(g): _from_json(p) for g, p in stored["priors"].items()}
    return priors, _from_json(stored["pooled"])


def _from_json(data: dict[str, Any]) -> EfficiencyPrior:
    if set(data) != {f.name for f in fields(EfficiencyPrior)}:
        raise ValueError("unexpected fields")
    central, low, high = (float(data[k]) for k in ("central", "low", "high"))
    residuals = tuple(float(r) for r in data["residuals"])
    numbers = (central, low, high, *residuals)
    if not all(math.isfinite(x) for x in numbers) or not 0 < low <= central <= high <= 1:
        raise ValueError("efficiency out of range")
    if not isinstance(data["runs"], int) or data["runs"] < 1 or not isinstance(data["basis"], str):
        raise ValueError("bad run count or basis")
    if not residuals or len(residuals) > 10_000 or any(abs(r) > 10 for r in residuals):
        raise ValueError("bad residuals")
    return EfficiencyPrior(str(data["generation"]), central, low, high, data["runs"], data["basis"], residuals)


def efficiency_prior(catalog: Catalog, generation: str) -> EfficiencyPrior:
    """The default efficiency for an accelerator generation (the pooled one if uncalibrated)."""
    priors, pooled = efficiency_priors(catalog)
    return priors.get(generation, pooled)


@cache
def _calibration_for(catalog: Catalog) -> Calibration:
    from costcalc.data.runs import load_runs

    points, excluded = implied_efficiencies(load_runs(catalog), catalog)
    return fit(points, excluded)


def default_calibration(catalog: Catalog | None = None) -> Calibration:
    """The calibration from the runs in ``catalog`` (default: built-in and user presets), cached."""
    catalog = catalog or default_catalog()
    return _calibration_for(catalog)
