"""The fine-tuning efficiency: a calibrated factor on the pre-training efficiency, shipped as one derived file.

This module is what an estimate of a stage other than pre-training reads; the fitting lives in
``costcalc.data.finetune_calibrate`` (``python -m costcalc.data.finetune_calibrate`` rewrites
``finetune_calibration.json`` from ``finetune_runs.json``; a test checks that the shipped file
equals a fresh derivation).

**The model.** A fine-tuning estimate applies the pre-training calibration's efficiency u_cal
(``costcalc.data.calibration``) times a factor ρ:

    log ρ = β₀ + β_sft·[stage sft or dpo] + β_lc·[stage long-context] + β_ad·[method lora or qlora]
            + β_g·log10(GPUs / 64) + β_s·log2(min(s, 8192) / 4096)

s the sequence length (beyond 8,192 the estimate already counts the extra attention FLOPs, so the
covariate stops there), the GPU count at 64 when not given. Each coefficient is pulled towards 0,
i.e. towards the pre-training calibration (partial pooling): a normal prior of spread ``PRIOR_SD``
against a run's scatter ``TAU`` weighs as (TAU / sd)² runs at ρ = 1 (``prior_weights``).

**The range.** log(published / predicted) left out family by family scatters more than the
pre-training range already says; the factor's own spread (two sides, one per stage class:
``stage_class``, fine-tuning sft and dpo, or the cluster stages continued, long-context and
pretrain) is that excess, in quadrature, and each prediction widens it by its coefficients'
posterior variance xᵀΣx: large where a stage, method, GPU count or length has few runs (wider
where runs are few).

**QLoRA** is not fitted (one run cannot carry it): its dequantization slowdown is LitGPT's timings
(``quant_factor``), stated, a second factor whose range adds in quadrature.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.display import said
from costcalc.base.files import read_text
from costcalc.base.stats import SplitT
from costcalc.data.calibration import Speedup, rounded

__all__ = [
    "CALIBRATION_SEQ_LEN",
    "COEFFICIENTS",
    "PRIOR_SD",
    "REFERENCE_GPUS",
    "RUNS_FILE",
    "SFT_LIKE",
    "SHIPPED_FILE",
    "TAU",
    "FinetuneModel",
    "FinetuneRun",
    "compose",
    "covariates",
    "implied_mfu",
    "model_from_json",
    "model_to_json",
    "prior_weights",
    "quant_factor",
    "range_of",
    "runs_file",
    "shipped_finetune_model",
    "stage_class",
]

RUNS_FILE = Path(__file__).with_name("finetune_runs.json")
SHIPPED_FILE = Path(__file__).with_name("finetune_calibration.json")
_MAX_BYTES = 1024 * 1024
#: The coefficients, in the order of ``covariates``.
COEFFICIENTS = ("fine-tuning", "stage sft/dpo", "stage long-context", "method lora/qlora", "per 10x GPUs",
                "per 2x length")  # fmt: skip
#: Prior spread (log units) of each coefficient around 0, the pre-training calibration: the overall
#: level ±30% (as the generation offsets); a stage ±50% (small-node full SFT can be far lower,
#: Alpaca <= 12% MFU, reference finetune.md §1); adapters ±30% (GPT-3's measured LoRA speed-up is
#: 1.33x against the 1.5x of the FLOP rule, §3.2); ±30% per decade of GPUs; ±10% per doubling.
PRIOR_SD = {"fine-tuning": 0.3, "stage sft/dpo": 0.5, "stage long-context": 0.5, "method lora/qlora": 0.3,
            "per 10x GPUs": 0.3, "per 2x length": 0.1}  # fmt: skip
#: The scatter of one run around the model (log units), fixed rather than estimated from a few runs:
#: the pre-training calibration's leave-one-family-out scale (its P10-P90 of x0.56 to x1.50 is
#: ±1.28 x 0.35-0.45).
TAU = 0.4
#: Where the GPU-count covariate is 0 (and where an estimate without a GPU count is put).
REFERENCE_GPUS = 64
#: The length up to which the pre-training calibration holds the attention FLOPs (as
#: ``costcalc.estimator.efficiency.CALIBRATION_SEQ_LEN``; a test holds them equal).
CALIBRATION_SEQ_LEN = 8192
_REFERENCE_SEQ_LEN = 4096
#: QLoRA "1.05-2x slower than 16-bit LoRA across published benchmarks" (reference finetune.md §3.2),
#: taken for a quantized base without its own timings (int8).
_STATED_SLOWDOWN = (1.05, 2.0)


@cache
def runs_file() -> dict[str, Any]:
    """``finetune_runs.json``: the runs used, those excluded (with the reason) and LitGPT's timings."""
    data: dict[str, Any] = json.loads(read_text(RUNS_FILE, max_bytes=_MAX_BYTES, what="fine-tuning runs"))
    return data


def implied_mfu(flops: float, gpu_hours: float, peak_flops: float) -> float:
    """u = C / (H · 3600 · P): C the FLOPs the estimate times, H GPU-hours, P the dense bf16 peak in FLOP/s."""
    return flops / (gpu_hours * 3600.0 * peak_flops)


#: The stages that take the SFT/DPO indicator and spread: a fine-tuning job on a few GPUs whose
#: trained part runs like SFT's. The runs fitted are SFT and DPO; ORPO and SimPO are DPO's pairs
#: without the reference, and PPO/GRPO's part timed at the efficiency (scoring and training) is
#: forward and backward passes of the same small jobs (their generation is timed from memory
#: bandwidth, ``costcalc.estimator.rl``).
SFT_LIKE = ("sft", "dpo", "orpo", "simpo", "ppo", "grpo")


def covariates(stage: str, method: str, gpus: float | None, seq_len: float | None) -> np.ndarray:
    """x of the model (see the module docstring): the GPU count at 64 and the length at 4,096 when not given."""
    length = min(seq_len, CALIBRATION_SEQ_LEN) if seq_len else _REFERENCE_SEQ_LEN
    return np.array([
        1.0,
        1.0 if stage in SFT_LIKE else 0.0,
        1.0 if stage == "long-context" else 0.0,
        1.0 if method in ("lora", "qlora") else 0.0,
        math.log10(gpus / REFERENCE_GPUS) if gpus else 0.0,
        math.log2(length / _REFERENCE_SEQ_LEN),
    ])  # fmt: skip


def stage_class(stage: str) -> str:
    """The class whose residuals set a stage's spread: "sft" (``SFT_LIKE``) or "cluster" (the rest)."""
    return "sft" if stage in SFT_LIKE else "cluster"


def prior_weights() -> dict[str, float]:
    """Each coefficient's prior in runs' worth: (TAU / sd)², runs at the pre-training calibration."""
    return {name: (TAU / sd) ** 2 for name, sd in PRIOR_SD.items()}


def compose(first: Speedup | None, second: Speedup | None) -> Speedup | None:
    """Two independent factors as one: central values multiply, log-ranges add in quadrature."""
    if first is None or second is None:
        return first or second
    central = first.central * second.central
    down = math.hypot(math.log(first.central / first.low), math.log(second.central / second.low))
    up = math.hypot(math.log(first.high / first.central), math.log(second.high / second.central))
    label = f"{first.dtype} x {second.dtype}"
    return Speedup(label, central, central * math.exp(-down), central * math.exp(up), f"{first.basis}; {second.basis}")


@dataclass(frozen=True)
class FinetuneRun:
    """A published run as the fine-tuning calibration used it."""

    id: str
    family: str
    stage: str
    method: str
    quant: str | None
    gpus: int | None
    seq_len: float  # the covariate's length (the longest phase's, capped by ``covariates``)
    generation: str
    accelerator: str
    params: float
    gpu_hours: float
    implied_mfu: float  # of the FLOPs the estimate times, on the dense bf16 peak
    calibrated_mfu: float  # the pre-training calibration's central for the same accelerator and size
    pretraining_spread: tuple[float, float]  # its split-t scales (low, high), generation level included
    pretraining_df: float
    quant_slowdown: float  # the stated factor of a quantized base (1 without)
    weight: float
    #: The fixed per-run time's central GPU-hours (``costcalc.data.setup_time``: fixed time x GPUs, 0
    #: without a GPU count), taken off ``gpu_hours`` before ``implied_mfu`` (an estimate adds it back).
    fixed_gpu_hours: float = 0.0

    @property
    def ratio(self) -> float:
        """ρ: implied / (calibrated x the quantized base's stated factor), the value fitted."""
        return self.implied_mfu / (self.calibrated_mfu * self.quant_slowdown)

    @property
    def x(self) -> np.ndarray:
        return covariates(self.stage, self.method, self.gpus, self.seq_len)


@dataclass(frozen=True)
class FinetuneModel:
    """The coefficients, their posterior covariance, the factor's own spread and the runs behind them."""

    coefficients: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    spreads: dict[str, SplitT]  # the factor's own per stage class (normal: df inf), before a prediction's xᵀΣx
    families: int
    runs: tuple[FinetuneRun, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)

    def log_factor(self, x: np.ndarray) -> tuple[float, float]:
        """log ρ at x, and its posterior variance xᵀΣx."""
        return float(np.dot(self.coefficients, x)), float(x @ np.array(self.covariance) @ x)

    def factor(self, stage: str, method: str, gpus: float | None, seq_len: float | None) -> Speedup:
        """The factor on the pre-training efficiency for a setting: central and P10-P90 (normal), basis in words."""
        x = covariates(stage, method, gpus, seq_len)
        central, variance = self.log_factor(x)
        low, high = self.spreads[stage_class(stage)].widened(variance).factors(0.1, 0.9)
        terms = tuple(
            (name, float(b * xi)) for name, b, xi in zip(COEFFICIENTS, self.coefficients, x, strict=True) if xi
        )
        basis = said("finetune.factor", runs=len(self.runs), families=self.families, log_factor=central, terms=terms,
                     stage=stage, method=method, gpus=gpus or None, reference_gpus=REFERENCE_GPUS,
                     seq_len=seq_len or _REFERENCE_SEQ_LEN)  # fmt: skip
        return Speedup(f"{stage} factor", math.exp(central), math.exp(central) * low, math.exp(central) * high, basis)


def model_to_json(model: FinetuneModel, excluded: list[tuple[str, str]]) -> dict[str, Any]:
    """The model as JSON-safe data, numbers rounded to 6 significant digits (a stable file)."""

    return {
        "about": "Derived from finetune_runs.json by 'python -m costcalc.data.finetune_calibrate'; do not edit.",
        "coefficient_names": list(COEFFICIENTS),
        "prior_sd": PRIOR_SD,
        "tau": TAU,
        **rounded({k: v for k, v in asdict(model).items() if k != "runs"}),
        "runs": [rounded(asdict(r)) for r in model.runs],
        "excluded": [{"id": i, "reason": why} for i, why in excluded],
    }


def model_from_json(data: dict[str, Any]) -> FinetuneModel:
    """The inverse of ``model_to_json`` (the excluded runs stay in the data)."""
    runs = []
    for r in data["runs"]:
        runs.append(FinetuneRun(**{**r, "pretraining_spread": tuple(r["pretraining_spread"])}))
    return FinetuneModel(
        coefficients=tuple(data["coefficients"]),
        covariance=tuple(tuple(row) for row in data["covariance"]),
        spreads={k: SplitT(v["low"], v["high"], float(v["df"])) for k, v in data["spreads"].items()},
        families=data["families"],
        runs=tuple(runs),
        notes=dict(data.get("notes", {})),
    )


@cache
def _shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_text(SHIPPED_FILE, max_bytes=_MAX_BYTES, what="fine-tuning calibration"))
    return data


def shipped_finetune_model() -> FinetuneModel:
    """The fine-tuning calibration shipped in the package."""
    return _shipped_model()


@cache
def _shipped_model() -> FinetuneModel:
    return model_from_json(_shipped_data())


def _spread(values: list[float], label: str, basis: str) -> Speedup:
    low, high = min(values), max(values)
    central = math.exp(sum(math.log(v) for v in values) / len(values))
    return Speedup(dtype=label, central=central, low=low, high=high, basis=basis)


def quant_factor(quant: str) -> Speedup:
    """The factor on the efficiency for a quantized frozen base (its dequantization costs time, not FLOPs).

    From LitGPT's timings (16-bit LoRA time / quantized time, per model): lowest, geometric mean,
    highest; int8 has no published timing, so it takes the reference's stated 1.05-2x range.
    """
    timings = runs_file()["qlora_timings"]
    if quant in timings["rows"][0]:
        values = [row["lora"] / row[quant] for row in timings["rows"]]
        basis = f"16-bit LoRA time / {quant} time, {len(values)} models: {timings['source']}"
        return _spread(values, f"{quant} slowdown", basis)
    slow, fast = _STATED_SLOWDOWN
    basis = f"no {quant} timings: the stated {slow}-{fast}x slowdown of quantized bases (QLoRA benchmarks)"
    return Speedup(
        dtype=f"{quant} slowdown", central=1 / math.sqrt(slow * fast), low=1 / fast, high=1 / slow, basis=basis
    )


def range_of(run_spread: SplitT, factor: Speedup) -> tuple[float, float]:
    """P10 and P90 factors of an estimate's efficiency: the pre-training spread with the factor's, as combined in
    ``costcalc.estimator.efficiency.resolve_efficiency``."""
    return run_spread.combined(factor.spread).factors()
