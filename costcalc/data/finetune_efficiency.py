"""Fine-tuning efficiency factors, derived from published runs (``finetune_runs.json``).

Until a fine-tuning calibration exists, a stage's efficiency is the pre-training calibration's
(``costcalc.data.calibration``) times a stated factor range derived here, in code, from the runs:

* each run's implied MFU of 6·N·D on the dense bf16 peak, u = 6·N·D / (GPU-hours x 3600 x peak);
* its ratio to the calibration's reference MFU for the same accelerator generation and size,
  ρ = u / u_cal(generation, N);
* a stage's factor: P10 = the lowest ρ, P90 = the highest, central = their geometric mean, over the
  runs of its class: all runs for sft and dpo (small-node SFT is far below cluster runs: Alpaca's
  bound), the continued pre-training runs for continued and long-context;
* QLoRA's dequantization slowdown from LitGPT's timings (16-bit LoRA time / quantized time, per
  model): lowest, geometric mean, highest; int8 has no published timing, so it takes the reference's
  stated 1.05-2x range for quantized bases.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from costcalc.data.calibrate import efficiency_model
from costcalc.data.calibration import Speedup
from costcalc.data.catalog import Catalog

__all__ = ["RUNS_FILE", "RunRatio", "implied_mfu", "quant_factor", "run_ratios", "stage_factor"]

RUNS_FILE = Path(__file__).with_name("finetune_runs.json")
#: The stages whose factor comes from the continued pre-training runs only (cluster runs).
_CLUSTER_STAGES = ("continued", "long-context")
#: QLoRA "1.05-2x slower than 16-bit LoRA across published benchmarks" (reference finetune.md §3.2),
#: taken for a quantized base without its own timings (int8).
_STATED_SLOWDOWN = (1.05, 2.0)


@cache
def _runs_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RUNS_FILE.read_text(encoding="utf-8"))
    return data


def implied_mfu(params: float, tokens: float, gpu_hours: float, peak_flops: float) -> float:
    """u = 6·N·D / (H · 3600 · P): N parameters, D tokens, H GPU-hours, P the dense bf16 peak in FLOP/s."""
    return 6.0 * params * tokens / (gpu_hours * 3600.0 * peak_flops)


@dataclass(frozen=True)
class RunRatio:
    """One published run: its implied MFU, the calibration's for it, and their ratio."""

    id: str
    stage: str
    implied: float
    calibrated: float

    @property
    def ratio(self) -> float:
        return self.implied / self.calibrated


def run_ratios(catalog: Catalog) -> tuple[RunRatio, ...]:
    """Every run of ``finetune_runs.json`` against the pre-training calibration of ``catalog``."""
    model = efficiency_model(catalog)
    out = []
    for run in _runs_file()["runs"]:
        accelerator = catalog.accelerator(run["accelerator"])
        peak = float(accelerator.peak["bf16"].m_as("FLOP/s"))
        implied = implied_mfu(run["params"], run["tokens"], run["gpu_hours"], peak)
        calibrated = float(model.predict(accelerator.generation, run["params"], False).central)
        out.append(RunRatio(run["id"], run["stage"], implied, calibrated))
    return tuple(out)


def _spread(values: list[float], label: str, basis: str) -> Speedup:
    low, high = min(values), max(values)
    central = math.exp(sum(math.log(v) for v in values) / len(values))
    return Speedup(dtype=label, central=central, low=low, high=high, basis=basis)


def stage_factor(stage: str, catalog: Catalog) -> Speedup | None:
    """The factor on the calibrated efficiency for a stage (None for pretrain: the calibration's own)."""
    if stage == "pretrain":
        return None
    ratios = [r for r in run_ratios(catalog) if stage not in _CLUSTER_STAGES or r.stage in _CLUSTER_STAGES]
    shown = "; ".join(f"{r.id} {r.implied:.1%} / {r.calibrated:.1%}" for r in ratios)
    basis = f"published runs' implied MFU / the calibration's for them: {shown}"
    return _spread([r.ratio for r in ratios], f"{stage} factor", basis)


def quant_factor(quant: str) -> Speedup:
    """The factor on the efficiency for a quantized frozen base (its dequantization costs time, not FLOPs)."""
    timings = _runs_file()["qlora_timings"]
    if quant in timings["rows"][0]:
        values = [row["lora"] / row[quant] for row in timings["rows"]]
        basis = f"16-bit LoRA time / {quant} time, {len(values)} models: {timings['source']}"
        return _spread(values, f"{quant} slowdown", basis)
    slow, fast = _STATED_SLOWDOWN
    basis = f"no {quant} timings: the stated {slow}-{fast}x slowdown of quantized bases (QLoRA benchmarks)"
    return Speedup(
        dtype=f"{quant} slowdown", central=1 / math.sqrt(slow * fast), low=1 / fast, high=1 / slow, basis=basis
    )
