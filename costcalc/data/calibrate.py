"""Deriving the default efficiency from the published runs; ``python -m costcalc.data.calibrate`` ships it.

The model, its FLOP convention and its range are described in ``costcalc.data.calibration``. Here:

1. **Which runs, how much.** Every run of ``presets/runs.toml`` is decided once: included when
   ``costcalc.data.runs.usable_for_calibration`` admits it and its accelerator has a preset, with
   the weight ``costcalc.data.runs.run_weight`` gives it; excluded otherwise, with the reason.
2. **Implied efficiency.** 6·N·D / (published pre-training GPU-hours x dense bf16 peak),
   N the active parameters (the model preset's count where the run names one, as the estimate
   counts them; else the run's own), D the tokens.
3. **Fit.** Weighted, robust, penalised least squares on log MFU: iteratively reweighted with
   Huber's weights (k = 1.345 robust standard deviations, so one wild figure cannot drag the fit)
   times each run's weight, and a ridge penalty σ²/sd² on each coefficient but the intercept, sd
   its stated prior spread (``PRIOR_SD``). The penalty on the generation offsets is the partial
   pooling: a random-effects fit with the offsets' spread fixed rather than estimated from four
   generations.
4. **Spread.** Leave-one-family-out residuals (``grouped_residuals``); the P10 and P90 of those
   residuals set the two scales of the split t (see ``costcalc.data.calibration``).

With fewer than ``MIN_FAMILIES`` families there is nothing to cross-validate: the spread is then
``FALLBACK_SPREAD``, stated as such.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from costcalc.base.errors import PresetError
from costcalc.base.stats import Z90, SplitT, quantile
from costcalc.data.calibration import (
    CENTER_LOG10_PARAMS,
    SHIPPED_FILE,
    EfficiencyModel,
    GenerationEffect,
    RunSummary,
    model_to_json,
    shipped_model,
)
from costcalc.data.catalog import Catalog, builtin_presets_dir
from costcalc.formulas import runtime
from costcalc.formulas.flops import dense_training_flops

if TYPE_CHECKING:  # the runs are parsed only for a fresh fit, never on the shipped path
    from costcalc.schemas.runs import PublishedRun

__all__ = [
    "FALLBACK_SPREAD",
    "MIN_FAMILIES",
    "PRIOR_SD",
    "Decision",
    "decide",
    "decisions",
    "derive",
    "efficiency_model",
    "fit",
    "grouped_residuals",
    "shipped_derivation",
    "uses_shipped_file",
]

#: Prior spread (log units) of each penalised coefficient: generation offsets (±30% between
#: generations), the size slope and the MoE size slope (per decade of active parameters), the MoE
#: offset at 10B active.
PRIOR_SD = {"generation": 0.3, "slope": 0.3, "moe": 0.5, "moe_slope": 0.3}
HUBER_K = 1.345
#: Fewest families for a cross-validated spread; below it, ``FALLBACK_SPREAD``.
MIN_FAMILIES = 6
FALLBACK_SPREAD = SplitT(0.5, 0.5, 3.0)
#: Coefficients every prediction shares (intercept, slope, MoE offset, MoE slope): the t's
#: degrees of freedom are the families less these.
SHARED_COEFFICIENTS = 4
_SCALE_FLOOR = 0.05


@dataclass(frozen=True)
class Decision:
    """What the calibration made of one published run."""

    run_id: str
    included: bool
    reason: str
    summary: RunSummary | None = None


def _summary(run: PublishedRun, catalog: Catalog) -> RunSummary | str:
    """The run as the fit sees it, or why it cannot be turned into an efficiency."""
    from costcalc.data.runs import run_weight

    accelerator = catalog.find("accelerator", run.accelerator) if run.accelerator else None
    if accelerator is None:
        return f"no accelerator preset {run.accelerator!r}"
    spec = catalog.find("model", run.model) if run.model else None
    if spec is not None:
        n = spec.active_params if spec.active_params is not None else spec.params
    else:
        n = run.active_params if run.active_params is not None else run.params
    assert run.tokens is not None and run.pretraining_gpu_hours is not None  # usable_for_calibration
    peak = accelerator.peak.get("bf16", accelerator.peak.get("fp16"))
    assert peak is not None  # AcceleratorSpec guarantees one of them
    params = float(n.m_as("parameter"))
    mfu = float(runtime.implied_efficiency(dense_training_flops(n, run.tokens), run.pretraining_gpu_hours, peak).m)
    if not runtime.MIN_MFU <= mfu <= 1:
        few = "too few GPU-hours for the FLOPs" if mfu > 1 else "too many GPU-hours for the FLOPs"
        entry = catalog.locate("run", "id", run.id)
        raise PresetError(
            str(entry.path) if entry else "runs",
            f"{entry.where if entry else run.id}.gpu_hours",
            f"imply an efficiency (MFU) of {mfu:.3g}, outside [{runtime.MIN_MFU:g}, 1]: {few}",
        )
    weight, note = run_weight(run)
    return RunSummary(
        id=run.id,
        name=run.name,
        family=run.family,
        developer=run.developer,
        generation=accelerator.generation,
        accelerator=accelerator.name,
        params=params,
        moe=run.architecture == "moe",
        precision="fp8" if "fp8" in (run.precision or "").lower() else "bf16",
        implied_mfu=mfu,
        weight=weight,
        weight_note=note,
    )


def decide(runs: Sequence[PublishedRun], catalog: Catalog) -> list[Decision]:
    """Every run, included (with its summary) or excluded (with the reason)."""
    from costcalc.data.runs import usable_for_calibration

    decisions = []
    for run in runs:
        usable, reason = usable_for_calibration(run)
        summary = _summary(run, catalog) if usable else reason
        if isinstance(summary, RunSummary):
            decisions.append(Decision(run.id, True, summary.weight_note, summary))
        else:
            decisions.append(Decision(run.id, False, summary))
    return decisions


def _design(points: Sequence[RunSummary], generations: Sequence[str]) -> np.ndarray:
    x = np.array([math.log10(p.params) - CENTER_LOG10_PARAMS for p in points])
    moe = np.array([1.0 if p.moe else 0.0 for p in points])
    columns = [np.ones(len(points)), x, moe, moe * x]
    columns += [np.array([1.0 if p.generation == g else 0.0 for p in points]) for g in generations]
    return np.column_stack(columns)


# long because it is one algorithm (IRLS) whose steps read best together
def fit(points: Sequence[RunSummary]) -> EfficiencyModel:
    """The coefficients (spread left at the fallback): robust, weighted, penalised least squares.

    Minimises Σ wᵢ·ρ(rᵢ/σ) + ½·Σⱼ (βⱼ/sdⱼ)² over β, with rᵢ = yᵢ - xᵢ·β, y the log of the fitted
    MFU, ρ Huber's loss, w the run weights and σ the robust residual scale (1.4826 x the median
    absolute residual), by iteratively reweighted least squares:
    β = (Xᵀ·W·X + σ²·Λ)⁻¹·Xᵀ·W·y with W = w x Huber weight and Λ = diag(1/sd²), 0 for the intercept.
    """
    if not points:
        raise ValueError("calibration needs at least one run")
    generations = sorted({p.generation for p in points})
    X = _design(points, generations)
    y = np.array([math.log(p.fitted_mfu) for p in points])
    w = np.array([p.weight for p in points])
    sd = [math.inf, PRIOR_SD["slope"], PRIOR_SD["moe"], PRIOR_SD["moe_slope"]]
    precision = np.array([1 / s**2 for s in sd] + [1 / PRIOR_SD["generation"] ** 2] * len(generations))
    robust = np.ones(len(points))
    beta = np.zeros(X.shape[1])
    scale = _SCALE_FLOOR
    for _ in range(200):
        weights = w * robust
        a = X.T @ (weights[:, None] * X) + scale**2 * np.diag(precision)
        new = np.linalg.solve(a, X.T @ (weights * y))
        residuals = y - X @ new
        scale = max(1.4826 * float(np.median(np.abs(residuals))), _SCALE_FLOOR)
        limit = HUBER_K * scale
        robust = np.minimum(1.0, limit / np.maximum(np.abs(residuals), 1e-300))
        converged = bool(np.allclose(new, beta, rtol=0, atol=1e-12))
        beta = new
        if converged:
            break
    covariance = scale**2 * np.linalg.inv(a)
    effects = {}
    for j, g in enumerate(generations, start=SHARED_COEFFICIENTS):
        members = [p for p in points if p.generation == g]
        level_variance = covariance[0, 0] + covariance[j, j] + 2 * covariance[0, j]
        effects[g] = GenerationEffect(
            offset=float(beta[j]),
            variance=float(level_variance),
            runs=len(members),
            families=len({p.family for p in members}),
        )
    return EfficiencyModel(
        intercept=float(beta[0]),
        slope=float(beta[1]),
        moe=float(beta[2]),
        moe_slope=float(beta[3]),
        generations=effects,
        unseen_generation_sd=float(math.sqrt(covariance[0, 0] + PRIOR_SD["generation"] ** 2)),
        spread=FALLBACK_SPREAD,
        families=len({p.family for p in points}),
        runs=tuple(points),
    )


def residual(model: EfficiencyModel, point: RunSummary) -> float:
    """log(the run's fitted MFU / the model's prediction for it)."""
    return math.log(point.fitted_mfu) - float(model.log_mfu(point.generation, point.params, point.moe))


def grouped_residuals(
    points: Sequence[RunSummary], group: Callable[[RunSummary], str] = lambda p: p.family
) -> dict[str, float]:
    """Each run's residual under a fit that left out its whole group (by default its family)."""
    out: dict[str, float] = {}
    for name in sorted({group(p) for p in points}):
        kept = [p for p in points if group(p) != name]
        if not kept:
            continue
        model = fit(kept)
        out.update({p.id: residual(model, p) for p in points if group(p) == name})
    return out


def spread_from(residuals: Sequence[float], families: int) -> SplitT:
    """The split t whose P10 and P90 are those of the residuals, at families - 4 degrees of freedom.

    Each side's scale is its quantile over the normal's (|P10| / 1.2816, P90 / 1.2816); the t with
    few degrees of freedom then puts the interval's ends further out than the residuals' own
    quantiles: the small-sample correction.
    """
    low = max(-quantile(residuals, 0.1), _SCALE_FLOOR * Z90) / Z90
    high = max(quantile(residuals, 0.9), _SCALE_FLOOR * Z90) / Z90
    return SplitT(low, high, float(max(3, families - SHARED_COEFFICIENTS)))


def derive(points: Sequence[RunSummary]) -> EfficiencyModel:
    """The full model: coefficients from ``fit``, spread from leave-one-family-out residuals."""
    model = fit(points)
    if model.families < MIN_FAMILIES:
        note = f"fewer than {MIN_FAMILIES} families: the range is a stated fallback, not cross-validated"
        return replace(model, notes={"spread": note})
    residuals = grouped_residuals(points)
    note = f"P10 and P90 of {len(residuals)} leave-one-family-out residuals ({model.families} families)"
    return replace(model, spread=spread_from(list(residuals.values()), model.families), notes={"spread": note})


def uses_shipped_file(catalog: Catalog) -> bool:
    """Whether the shipped calibration is the fit of ``catalog``'s runs.

    It is when the catalog's built-in folder is the package's and no user file adds runs or
    replaces an accelerator preset that a shipped run was measured on.
    """
    if catalog.dirs[0] != builtin_presets_dir():
        return False
    kinds = catalog.user_kinds()
    if "run" in kinds:
        return False
    if "accelerator" in kinds:
        return all(catalog.origin("accelerator", r.accelerator) is None for r in shipped_model().runs)
    return True


@cache
def decisions(catalog: Catalog) -> tuple[Decision, ...]:
    """``decide`` on every run of ``catalog`` (parsed and validated here: never on the estimate path)."""
    from costcalc.data.runs import load_runs

    return tuple(decide(load_runs(catalog), catalog))


@cache
def _fresh(catalog: Catalog) -> EfficiencyModel:
    return derive([d.summary for d in decisions(catalog) if d.summary is not None])


def efficiency_model(catalog: Catalog) -> EfficiencyModel:
    """The calibration for ``catalog``: the shipped file, or a fresh fit when user runs change it."""
    return shipped_model() if uses_shipped_file(catalog) else _fresh(catalog)


def write_shipped() -> str:
    """Derive the calibration from the built-in presets only and write the shipped file."""
    text = json.dumps(shipped_derivation(), indent=1) + "\n"
    SHIPPED_FILE.write_text(text, encoding="utf-8")
    return str(SHIPPED_FILE)


def shipped_derivation() -> dict[str, object]:
    """A fresh derivation from the built-in presets alone, as the shipped file holds it."""
    catalog = Catalog.load(user=False)
    return model_to_json(derive([d.summary for d in decisions(catalog) if d.summary is not None]))


if __name__ == "__main__":
    print(f"wrote {write_shipped()}")
