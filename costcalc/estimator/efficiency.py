"""The precision and the efficiency of an estimate: one function each, as in ``costcalc.estimator.resolve``.

The default efficiency comes from the shipped calibration (``costcalc.data.calibration``): a
reference MFU of 6·N·D FLOPs on the dense bf16 peak, predicted from the accelerator's generation,
the active parameters and MoE. ``resolve_efficiency`` converts it to the FLOPs the estimate counts
(x counted / 6·N·D at the calibration runs' sequence length at most), so GPU-hours do not depend
on how the FLOPs are counted, while attention over a longer sequence costs time; it applies the
stated fp8 speed-up and never exceeds the peak (``MAX_EFFICIENCY``); ``resolve_dtype`` says which
peak the efficiency is applied to. Kept apart from ``resolve`` to keep that module short;
``costcalc plan`` calls both directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.data.calibrate import efficiency_model
from costcalc.data.calibration import FP8_SPEEDUP, Prediction, RunSummary, Speedup
from costcalc.data.catalog import Catalog
from costcalc.estimator.facility import Default
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption, Basis, Kind, Param
from costcalc.formulas.flops import FlopCount, dense_training_flops, training_flops
from costcalc.schemas import DTYPES, AcceleratorSpec, Dtype, ModelSpec

__all__ = [
    "CALIBRATION_SEQ_LEN",
    "MAX_EFFICIENCY",
    "efficiency_for",
    "resolve_dtype",
    "resolve_efficiency",
]

#: The longest sequence length of the published runs the efficiency is calibrated on (8,192: the
#: Llama 3 runs; a test checks it against presets/runs.toml). Their MFU of 6·N·D absorbed the
#: attention FLOPs of sequences up to this long; attention beyond it is extra work, done at the
#: same efficiency, so it adds time (128K-token sequences are not trained for free).
CALIBRATION_SEQ_LEN = 8192
#: No efficiency exceeds the accelerator's peak: model FLOPs per second cannot exceed it.
MAX_EFFICIENCY = 1.0


def resolve_dtype(
    given: Dtype | None, accelerator: AcceleratorSpec, *, efficiency_given: bool = False
) -> tuple[Dtype, Quantity, Assumption, Speedup | None]:
    """The training precision, the dense peak the efficiency is applied to, and any stated speed-up.

    The default efficiency is calibrated against the dense bf16 peak (fp16 where there is no
    bf16). bf16 and fp16 use that peak; fp32 and tf32 use their own, slower one. fp8 with the
    default efficiency keeps the bf16 peak and multiplies by ``FP8_SPEEDUP``, a stated assumption
    (applying a bf16-calibrated efficiency to the fp8 peak would be a free 2x). An efficiency you
    give is taken as yours for the precision you give, on its own peak. int8 is refused: no
    published training run in int8 calibrates it.
    """
    if given == "int8":
        raise InputError(
            "dtype", "int8 training is not modelled (no published run calibrates it); use bf16, fp16 or fp8"
        )
    if given is not None and given not in accelerator.peak:
        have = ", ".join(d for d in DTYPES if d in accelerator.peak and d != "int8")
        raise InputError("dtype", f"{accelerator.name} has no {given} peak; choose one of {have}")
    reference: Dtype = "bf16" if "bf16" in accelerator.peak else "fp16"
    dtype = given or reference
    speedup = FP8_SPEEDUP if dtype == "fp8" and not efficiency_given else None
    peak = accelerator.peak[reference if speedup else dtype]
    params: dict[str, Param] = {"dtype": reference if speedup else dtype, "accelerator": accelerator.name}
    if speedup is not None:
        params |= {"speedup": (speedup.central, speedup.low, speedup.high), "fp8_peak": accelerator.peak["fp8"]}
        basis = Basis("fp8", params | {"data": speedup.basis})
    elif given is None:
        basis = Basis("default", params)
    elif efficiency_given:
        basis = Basis("given_efficiency", params)
    else:
        basis = Basis("given", params | {"slower_than": reference if dtype in ("fp32", "tf32") else None})
    kind: Kind = "given" if given is not None else "default"
    note = Assumption("peak", peak, basis, kind=kind, source=accelerator.sources.get("peak", ""), field="dtype")
    return dtype, peak, note, speedup


def _evidence_note(runs: tuple[RunSummary, ...], generation: str) -> Assumption:
    """The published runs nearest to the estimate, with the efficiency each implies."""

    shown = tuple(
        (r.id, Q_(r.params, "parameter"), r.moe, r.accelerator, r.precision, Q_(r.implied_mfu, "")) for r in runs
    )
    same = all(r.generation == generation for r in runs)
    return Assumption(
        "nearest_runs",
        shown,
        Basis("same_generation" if same else "any_generation", {"generation": generation}),
        kind="calibrated",
        source="presets/runs.toml; 'costcalc calibration' lists every run",
    )


def _typical(values: Any) -> float:
    """One value, or the geometric mean of a sweep's values (for an assumption line)."""
    return float(np.exp(np.mean(np.log(np.asarray(values, dtype=float)))))


def _calibrated_basis(
    prediction: Prediction, generation: str, n: Any, moe: bool, flop_ratio: Any, speedup: Speedup | None, uncapped: Any
) -> Basis:
    """What the calibrated efficiency rests on, step by step, as typed data (render words it)."""
    ratio = _typical(flop_ratio) if np.any(np.abs(np.asarray(flop_ratio) - 1) > 1e-9) else None
    return Basis(
        "calibrated",
        {
            "fitted_runs": prediction.runs,
            "generation_runs": prediction.generation_runs if prediction.generation_known else None,
            "generation": generation,
            "params": Q_(_typical(n), "parameter"),
            "moe": moe,
            "reference": Q_(prediction.central, ""),
            "flop_ratio": ratio,
            "speedup": None if speedup is None else ("fp8 speed-up" if speedup.dtype == "fp8" else speedup.dtype),
            "speedup_factor": None if speedup is None else speedup.central,
            "capped": Q_(MAX_EFFICIENCY, "") if np.any(uncapped > MAX_EFFICIENCY) else None,
        },
    )


def resolve_efficiency(
    given: Quantity | None,
    accelerator: AcceleratorSpec,
    catalog: Catalog,
    *,
    flop_params: Quantity,
    moe: bool = False,
    flop_ratio: Any = 1.0,
    speedup: Speedup | None = None,
) -> Default:
    """The efficiency (MFU) applied to the counted FLOPs: given, or calibrated on published runs.

    The calibration predicts a reference MFU (of 6·N·D FLOPs, on the bf16 peak) from the
    accelerator's generation, the active parameters ``flop_params`` and ``moe``. The efficiency
    applied to the FLOPs the estimate counts is that x ``flop_ratio`` (counted FLOPs / 6·N·D, at a
    sequence length of at most ``CALIBRATION_SEQ_LEN``), so GPU-hours do not depend on how the
    FLOPs are counted, x the ``speedup`` of fp8 over bf16; it and the top of its range are held at
    ``MAX_EFFICIENCY`` (the peak), said in the basis when that binds.
    """
    if given is not None:
        return Default(given)
    model = efficiency_model(catalog)
    n = np.asarray(flop_params.m_as("parameter"), dtype=float)
    prediction = model.predict(accelerator.generation, n, moe)
    spread = prediction.spread if speedup is None else prediction.spread.combined(speedup.spread)
    low, high = spread.factors()
    factor = np.asarray(flop_ratio, dtype=float) * (speedup.central if speedup else 1.0)
    uncapped = prediction.central * factor
    applied = np.minimum(uncapped, MAX_EFFICIENCY)
    high = min(high, float(np.min(MAX_EFFICIENCY / applied)))  # the range's top is the peak at most
    basis = _calibrated_basis(prediction, accelerator.generation, n, moe, flop_ratio, speedup, uncapped)
    note = Assumption(
        "efficiency",
        Q_(applied, ""),
        basis,
        kind="calibrated",
        low=Q_(applied * low, ""),
        high=Q_(applied * high, ""),
        source="costcalc/data/calibration.json, derived from presets/runs.toml; 'costcalc calibration'",
        field="mfu",
    )
    evidence = model.nearest(accelerator.generation, _typical(n), moe)
    central = applied if applied.ndim else float(applied)
    return Default(
        Q_(central, ""), note, (low, high), spread, evidence, _evidence_note(evidence, accelerator.generation)
    )


def efficiency_for(
    inputs: EstimateInputs,
    flops: FlopCount,
    flop_params: Quantity,
    tokens: Quantity,
    moe: bool,
    accelerator: AcceleratorSpec,
    catalog: Catalog,
    speedup: Speedup | None,
    spec: ModelSpec | None = None,
) -> Default:
    """The efficiency applied to ``flops``, the FLOPs the estimate counts (counted once, by ``resolve``).

    An efficiency given is applied as it is; the calibrated one is converted by the ratio
    counted FLOPs / 6·N·D (N = ``flop_params``, D = ``tokens``), counted at a sequence length of at
    most ``CALIBRATION_SEQ_LEN``: up to that length the calibrated time already holds the attention
    FLOPs; beyond it they add time, at the same efficiency (only then are the FLOPs counted again,
    at the calibration's length).
    """
    ratio: Any = 1.0
    if inputs.mfu is None:
        counted = flops.model
        seq_len = inputs.seq_len or (spec.seq_len if spec is not None else None)
        if seq_len is not None and seq_len > CALIBRATION_SEQ_LEN:
            capped = training_flops(
                tokens, params=flop_params, spec=spec, seq_len=CALIBRATION_SEQ_LEN, causal=inputs.causal
            )
            counted = capped.model
        ratio = np.asarray((counted / dense_training_flops(flop_params, tokens)).m_as(""), dtype=float)
    return resolve_efficiency(
        inputs.mfu, accelerator, catalog, flop_params=flop_params, moe=moe, flop_ratio=ratio, speedup=speedup
    )
