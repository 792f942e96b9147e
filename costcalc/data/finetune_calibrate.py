"""Fitting the fine-tuning efficiency on published runs; ``python -m costcalc.data.finetune_calibrate`` ships it.

The model and its range are described in ``costcalc.data.finetune_efficiency``. Here:

1. **Which runs.** ``finetune_runs.json`` holds the runs with tokens, GPU-hours and hardware (6 of
   the reference's 43) and every other one with the reason it is not used (no token count, no
   GPU-hours, PPO or GRPO whose time is mostly memory-bound generation, reliability C). A run is
   also dropped here when its accelerator has no preset. Weights: reliability A 1, B 0.5.
2. **Implied efficiency**, of the FLOPs the estimate times for the run's stage and method:
   C = 6·N·D x (4N + 6·N_lora) / 6N for adapters x C_arch(s) / C_arch(8192) for lengths beyond
   8,192 (the extra attention FLOPs the estimate counts there; equal tokens at each length when a
   run has several), over GPU-hours x the dense bf16 peak. Its ratio to the pre-training
   calibration's efficiency for the same accelerator and size, over the stated slowdown of a
   quantized base, is ρ, the value fitted. **The GPU-hours are the published ones less the fixed
   per-run time** (loading, quantizing, saving: ``costcalc.data.setup_time``, central ~5.65 min)
   on each of the run's GPUs, H = H_pub − t_fix·G (G unknown: nothing taken off, as an estimate
   without a GPU count adds none): the published figure includes that time and an estimate adds
   it to the time at the efficiency, so an estimate reproduces H_pub in sample instead of
   counting it twice. A run whose fixed time is over ``MAX_FIXED_SHARE`` of its published
   GPU-hours is excluded, with the share: less than half of its time is left to time the data,
   and the fixed time's own range (1.2-26 min, a factor ~4.6 either side of the central) would
   then move its implied efficiency more than the run's scatter ``TAU`` (at a share over ~22%
   the high end alone exceeds the whole published time). Each run kept has its t_fix·G
   (``fixed_gpu_hours``) beside its published ``gpu_hours`` in the shipped file (Alpaca's 3.1%
   is the largest), and the calibration's notes say the rule.
3. **Fit.** Weighted ridge regression of log ρ on the covariates with a fixed run scatter TAU:
   β = (Xᵀ·W·X + TAU²·Λ)⁻¹·Xᵀ·W·y, Σ = TAU²·(Xᵀ·W·X + TAU²·Λ)⁻¹, Λ = diag(1 / PRIOR_SD²): each
   coefficient pooled towards 0, the pre-training calibration.
4. **Spread.** Each family's runs predicted by a fit without the family (leave one family out);
   the P10 and P90 of those residuals (``plotting_quantile``: the extremes when there are fewer
   than 9, so the range is wider where runs are few), less (in quadrature) what the pre-training range and the
   coefficients' posterior variance already hold on average, are the factor's own two scales.
   With fewer than ``MIN_FAMILIES`` families the spread is ``FALLBACK_SPREAD``, stated.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np

from costcalc.base.display import said
from costcalc.base.stats import Z90, SplitT, t_quantile
from costcalc.base.units import Q_
from costcalc.data.calibrate import efficiency_model, uses_shipped_file
from costcalc.data.catalog import Catalog
from costcalc.data.finetune_efficiency import (
    CALIBRATION_SEQ_LEN,
    COEFFICIENTS,
    PRIOR_SD,
    SHIPPED_FILE,
    TAU,
    FinetuneModel,
    FinetuneRun,
    compose,
    implied_mfu,
    model_to_json,
    quant_factor,
    range_of,
    runs_file,
    shipped_finetune_model,
    stage_class,
)
from costcalc.data.setup_time import SETUP_CENTRAL, SETUP_HIGH, SETUP_LOW
from costcalc.formulas.flops import training_flops

__all__ = [
    "FALLBACK_SPREAD",
    "MAX_FIXED_SHARE",
    "MIN_FAMILIES",
    "HeldOutRun",
    "cross_validate",
    "decide",
    "derive",
    "finetune_model",
    "fit",
    "fixed_gpu_hours",
    "fresh_model",
    "in_sample",
    "plotting_quantile",
    "shipped_derivation",
]

MIN_FAMILIES = 3
FALLBACK_SPREAD = SplitT(0.5, 0.5)
_WEIGHTS = {"A": 1.0, "B": 0.5}
_FLOOR = 0.05
#: The largest share of a run's published GPU-hours its fixed time may take for the run to be fitted
#: (module docstring, step 2; the exclusion's reason says "half").
MAX_FIXED_SHARE = 0.5


def fixed_gpu_hours(gpus: int | None) -> float:
    """t_fix·G: the fixed per-run time's central (``SETUP_CENTRAL`` hours) on each of G GPUs, 0 when G is unknown."""
    return SETUP_CENTRAL * gpus if gpus else 0.0


def _time_flops(run: dict[str, Any], catalog: Catalog) -> float:
    """C: the FLOPs the estimate times for the run (see the module docstring, step 2)."""
    n, d = float(run["params"]), float(run["tokens"])
    flops = 6.0 * n * d
    if run.get("lora_params"):
        flops *= (4.0 * n + 6.0 * float(run["lora_params"])) / (6.0 * n)
    lengths: list[int] = run["seq_len"] if isinstance(run["seq_len"], list) else [run["seq_len"]]
    if max(lengths) > CALIBRATION_SEQ_LEN:
        spec = catalog.model(str(run["model"]))
        params = spec.active_params or spec.params

        def per_token(s: int) -> float:
            return float(training_flops(Q_(1.0, "token"), params=params, spec=spec, seq_len=s).model.m_as("FLOP"))

        capped = per_token(CALIBRATION_SEQ_LEN)
        flops *= sum(max(per_token(s), capped) / capped for s in lengths) / len(lengths)
    return flops


def decide(catalog: Catalog) -> tuple[list[FinetuneRun], list[tuple[str, str]]]:
    """The runs the fit uses, as it sees them, and every other run of the file with the reason."""
    data = runs_file()
    excluded = [(e["id"], e["reason"]) for e in data["excluded"]]
    pretraining = efficiency_model(catalog)
    used = []
    for run in data["runs"]:
        accelerator = catalog.find("accelerator", run["accelerator"])
        if accelerator is None or run["reliability"] not in _WEIGHTS:
            excluded.append((run["id"], f"no accelerator preset {run['accelerator']!r}" if accelerator is None
                             else f"reliability {run['reliability']}"))  # fmt: skip
            continue
        fixed = fixed_gpu_hours(run["gpus"])
        if fixed > MAX_FIXED_SHARE * run["gpu_hours"]:
            excluded.append((run["id"], "the fixed per-run time on its GPUs is over half its published GPU-hours: "
                             "too little left to time the data"))  # fmt: skip
            continue
        peak = accelerator.peak.get("bf16", accelerator.peak.get("fp16"))
        assert peak is not None  # AcceleratorSpec guarantees one of them
        moe = bool(run.get("moe"))
        prediction = pretraining.predict(accelerator.generation, run["params"], moe)
        lengths = run["seq_len"] if isinstance(run["seq_len"], list) else [run["seq_len"]]
        used.append(FinetuneRun(
            id=run["id"], family=run["family"], stage=run["stage"], method=run["method"], quant=run.get("quant"),
            gpus=run["gpus"], seq_len=float(max(lengths)), generation=accelerator.generation,
            accelerator=accelerator.name, params=float(run["params"]), gpu_hours=float(run["gpu_hours"]),
            implied_mfu=implied_mfu(_time_flops(run, catalog), run["gpu_hours"] - fixed, float(peak.m_as("FLOP/s"))),
            calibrated_mfu=float(prediction.central), pretraining_df=prediction.spread.df,
            pretraining_spread=(prediction.spread.low, prediction.spread.high),
            quant_slowdown=quant_factor(run["quant"]).central if run.get("quant") else 1.0,
            weight=_WEIGHTS[run["reliability"]], fixed_gpu_hours=fixed,
        ))  # fmt: skip
    return used, excluded


def fit(runs: Sequence[FinetuneRun]) -> tuple[np.ndarray, np.ndarray]:
    """β and Σ of the ridge regression (module docstring, step 3)."""
    x = np.array([r.x for r in runs])
    y = np.array([math.log(r.ratio) for r in runs])
    w = np.array([r.weight for r in runs])
    a = x.T @ (w[:, None] * x) + TAU**2 * np.diag([1 / PRIOR_SD[name] ** 2 for name in COEFFICIENTS])
    return np.linalg.solve(a, x.T @ (w * y)), TAU**2 * np.linalg.inv(a)


def _residuals(runs: Sequence[FinetuneRun]) -> dict[str, float]:
    """Each run's log(ρ / prediction) under a fit without its family."""
    out: dict[str, float] = {}
    for family in sorted({r.family for r in runs}):
        beta, _ = fit([r for r in runs if r.family != family])
        out |= {r.id: math.log(r.ratio) - float(beta @ r.x) for r in runs if r.family == family}
    return out


def plotting_quantile(values: Sequence[float], p: float) -> float:
    """The p-quantile at the (n + 1) plotting position (Hyndman and Fan 1996, type 6), held at the extremes.

    Order statistic h = (n + 1)·p, interpolated between neighbours; below 1 or above n it is the
    smallest or largest value: with fewer than 9 values the P10 and P90 are the extremes.
    """
    ordered = sorted(values)
    h = min(max((len(ordered) + 1) * p, 1.0), float(len(ordered)))
    below = math.floor(h)
    if below >= len(ordered):
        return ordered[-1]
    return ordered[below - 1] + (h - below) * (ordered[below] - ordered[below - 1])


def _excess(q: float, pretraining: list[float], df: float, variance: float) -> float:
    """The factor's scale on one side: what the residuals' quantile q leaves beyond the rest, in quadrature."""
    held = (q / t_quantile(0.9, df)) ** 2 - sum(s * s for s in pretraining) / len(pretraining) - variance
    return math.sqrt(max(held, _FLOOR**2))


def _class_spread(runs: Sequence[FinetuneRun], residuals: dict[str, float], sigma: np.ndarray) -> tuple[SplitT, str]:
    """One stage class's spread from its runs' leave-one-family-out residuals (module docstring, step 4)."""
    values = [residuals[r.id] for r in runs]
    if not values:
        return FALLBACK_SPREAD, "no runs: the stated fallback"
    variance = sum(float(r.x @ sigma @ r.x) for r in runs) / len(runs)
    df = min(r.pretraining_df for r in runs)
    p10, p90 = plotting_quantile(values, 0.1), plotting_quantile(values, 0.9)
    low = _excess(max(-p10, _FLOOR * Z90), [r.pretraining_spread[0] for r in runs], df, variance)
    high = _excess(max(p90, _FLOOR * Z90), [r.pretraining_spread[1] for r in runs], df, variance)
    return SplitT(low, high), said("finetune.spread", residuals=len(values), p10=p10, p90=p90)


def _fixed_note(runs: Sequence[FinetuneRun]) -> str:
    """What the fit took off each run's published GPU-hours (module docstring, step 2), in words: the
    figures are each run's ``fixed_gpu_hours`` beside its ``gpu_hours``."""
    unknown = [r.id for r in runs if not r.gpus]
    return ("fitted on each run's published gpu_hours less its fixed_gpu_hours, the fixed per-run time's central "
            "(costcalc.data.setup_time: loading, quantizing, saving) on each of its GPUs, which an estimate adds back, "
            "so it is counted once; "
            + (f"none taken off {', '.join(unknown)} (GPU count not stated: an estimate without one adds none); "
               if unknown else "")
            + "a run whose fixed time is over half its published GPU-hours is excluded")  # fmt: skip


def derive(runs: Sequence[FinetuneRun]) -> FinetuneModel:
    """The model: coefficients from ``fit``, the factor's spreads from leave-one-family-out residuals."""
    beta, sigma = fit(runs)
    families = len({r.family for r in runs})
    fallback = dict.fromkeys(("sft", "cluster"), FALLBACK_SPREAD)
    model = FinetuneModel(tuple(float(b) for b in beta), tuple(tuple(float(v) for v in row) for row in sigma),
                          fallback, families, tuple(runs))  # fmt: skip
    fixed = {"fixed_time": _fixed_note(runs)}
    if families < MIN_FAMILIES:
        note = f"fewer than {MIN_FAMILIES} families: the factor's range is a stated fallback, not cross-validated"
        return replace(model, notes={"spread": note} | fixed)
    residuals = _residuals(runs)
    spreads, hows = {}, []
    for name in ("sft", "cluster"):
        spreads[name], how = _class_spread([r for r in runs if stage_class(r.stage) == name], residuals, sigma)
        hows.append(f"{name}: {how}")
    note = (f"leave-one-family-out residuals ({families} families) per stage class ({'; '.join(hows)}), at the "
            "(n + 1) plotting position (the extremes below 9 runs), less the pre-training range and the "
            "coefficients' variance they already hold")  # fmt: skip
    return replace(model, spreads=spreads, notes={"spread": note} | fixed)


@dataclass(frozen=True)
class HeldOutRun:
    """One run predicted by a model: efficiency predicted, its P10-P90, and the GPU-hours an estimate gives.

    GPU-hours as ``costcalc.estimator.timing.run_gpu_hours`` times them: H = W / u + t_fix·G, W = (H_pub −
    t_fix·G)·u_implied the work at the efficiency; the range pairs the low end of the fixed time with the
    high efficiency and the high end with the low one (``time_factors``: the two ends together).
    """

    run: FinetuneRun
    predicted_mfu: float
    low: float
    high: float

    def _hours(self, mfu: float, fixed: float) -> float:
        work = (self.run.gpu_hours - self.run.fixed_gpu_hours) * self.run.implied_mfu
        return work / mfu + self.run.fixed_gpu_hours * fixed / SETUP_CENTRAL

    @property
    def predicted_gpu_hours(self) -> float:
        """The estimate's GPU-hours: the time at the predicted efficiency plus the fixed time."""
        return self._hours(self.predicted_mfu, SETUP_CENTRAL)

    @property
    def gpu_hours_range(self) -> tuple[float, float]:
        """P10 and P90 of the estimate's GPU-hours."""
        return self._hours(self.high, SETUP_LOW), self._hours(self.low, SETUP_HIGH)

    @property
    def ratio(self) -> float:
        """Predicted over published GPU-hours."""
        return self.predicted_gpu_hours / self.run.gpu_hours

    @property
    def inside(self) -> bool:
        low, high = self.gpu_hours_range
        return low <= self.run.gpu_hours <= high

    @property
    def width(self) -> float:
        low, high = self.gpu_hours_range
        return high / low


def _predict(model: FinetuneModel, run: FinetuneRun) -> HeldOutRun:
    """The run as an estimate predicts it: pre-training efficiency x factor (x a quantized base's), ranges combined."""
    factor = model.factor(run.stage, run.method, run.gpus, run.seq_len)
    total = compose(factor, quant_factor(run.quant) if run.quant else None)
    assert total is not None
    central = run.calibrated_mfu * total.central
    low, high = range_of(SplitT(*run.pretraining_spread, run.pretraining_df), total)
    return HeldOutRun(run, central, central * low, central * high)


def cross_validate(runs: Sequence[FinetuneRun]) -> list[HeldOutRun]:
    """Each family predicted by a model derived, spread included, without it (nested: honest ranges)."""
    out: list[HeldOutRun] = []
    for family in sorted({r.family for r in runs}):
        kept = [r for r in runs if r.family != family]
        if kept:
            model = derive(kept)
            out += [_predict(model, r) for r in runs if r.family == family]
    return out


def in_sample(runs: Sequence[FinetuneRun]) -> list[HeldOutRun]:
    """Each run predicted by the model fitted on all of them (flatters)."""
    model = derive(runs)
    return [_predict(model, r) for r in runs]


@cache
def _decided(catalog: Catalog) -> tuple[tuple[FinetuneRun, ...], tuple[tuple[str, str], ...]]:
    used, excluded = decide(catalog)
    return tuple(used), tuple(excluded)


def decisions(catalog: Catalog) -> tuple[tuple[FinetuneRun, ...], tuple[tuple[str, str], ...]]:
    """``decide`` once per catalog: the runs used and the runs excluded with the reason."""
    return _decided(catalog)


@cache
def fresh_model(catalog: Catalog) -> FinetuneModel:
    """The model fitted afresh against ``catalog``'s pre-training calibration."""
    return derive(decisions(catalog)[0])


def finetune_model(catalog: Catalog) -> FinetuneModel:
    """The shipped model, or a fresh fit when the catalog's pre-training calibration is not the shipped one
    (a user's runs, or an accelerator a shipped run was measured on, change the reference efficiency)."""
    return shipped_finetune_model() if uses_shipped_file(catalog) else fresh_model(catalog)


def shipped_derivation() -> dict[str, object]:
    """A fresh derivation against the built-in presets alone, as the shipped file holds it."""
    used, excluded = decide(Catalog.load(user=False))
    return model_to_json(derive(used), excluded)


def write_shipped() -> str:
    """Derive the fine-tuning calibration and write the shipped file."""
    SHIPPED_FILE.write_text(json.dumps(shipped_derivation(), indent=1) + "\n", encoding="utf-8")
    return str(SHIPPED_FILE)


if __name__ == "__main__":
    print(f"wrote {write_shipped()}")
