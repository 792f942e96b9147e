"""The default training efficiency: a small fitted model, shipped as one derived file.

This module is what ``costcalc estimate`` reads. It holds the model's form, its prediction, the
nearest published runs (the evidence shown with each estimate), and the reading and writing of
``calibration.json``, the one derived file shipped inside the package. The fitting itself lives in
``costcalc.data.calibrate`` (``python -m costcalc.data.calibrate`` rewrites the file from the
presets; a test checks that the shipped file equals a fresh derivation).

**The FLOP convention.** The efficiency is fitted, and applied, as a *reference MFU*: 6·N·D model
FLOPs (N the parameters active per token, D the tokens) over GPU-hours x the dense bf16 peak of
the accelerator (fp16 where it has no bf16), whatever the precision of the run. An estimate that
counts FLOPs another way (architecture-aware with a model shape and a sequence length, causal or
full attention) converts: the efficiency it applies to its own count C is the reference MFU x
C / (6·N·D), so GPU-hours = 6·N·D / (bf16 peak x reference MFU) whichever count is shown, and the
efficiency fitted and the efficiency applied are always of the same FLOP count.

**The model.** log(reference MFU) = a + g[generation] + b·x + min(0, m + m_x·x), with
x = log10(N / 10B) (N active parameters) and the last term only for a mixture of experts: an MoE
is never predicted more efficient than the dense model of its active size. The generation offsets
are shrunk toward zero (partial pooling), so a generation with few runs stays near the overall fit
and one without runs (B200, MI300X, TPU v5p) gets the overall fit with the offsets' prior spread
added to its range. Low precision is not in the fit: runs in fp8 enter at their implied MFU divided
by the assumed fp8 speed-up (``FP8_SPEEDUP``), and an fp8 estimate multiplies it back.

**The range.** log(MFU / prediction) follows a split Student t whose two scales come from the
residuals of leave-one-family-out cross-validation (each family predicted by a fit that never saw
it), widened by the uncertainty of the generation's offset; its degrees of freedom are the number of
families less the coefficients shared by all, the small-sample correction.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.files import read_text
from costcalc.base.stats import SplitT

__all__ = [
    "CENTER_LOG10_PARAMS",
    "FP8_SPEEDUP",
    "MAX_CALIBRATION_BYTES",
    "SHIPPED_FILE",
    "EfficiencyModel",
    "GenerationEffect",
    "Prediction",
    "RunSummary",
    "Speedup",
    "model_from_json",
    "model_to_json",
    "rounded",
    "shipped_model",
]

#: Where x = 0: the intercept is the log reference MFU of a 10B dense model.
CENTER_LOG10_PARAMS = 10.0
#: The calibration shipped with the package (derived; rewrite it with ``python -m costcalc.data.calibrate``).
SHIPPED_FILE = Path(__file__).with_name("calibration.json")
#: The largest calibration file read (the shipped one is about 25 kB).
MAX_CALIBRATION_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Speedup:
    """A stated speed-up of one precision over bf16: central value and P10-P90 range, with its basis."""

    dtype: str
    central: float
    low: float
    high: float
    basis: str

    @property
    def spread(self) -> SplitT:
        return SplitT.from_range(self.central, self.low, self.high)


#: The speed-up of an fp8 training run over the same run in bf16: an assumption, not a fit.
FP8_SPEEDUP = Speedup(
    dtype="fp8",
    central=1.3,
    low=1.0,
    high=1.7,
    basis=(
        "assumed, not fitted: fp8 matrix products run at up to 2x bf16 (the DeepSeek-V3 report, arXiv "
        "2412.19437, §3.3), but attention, communication, the optimizer and the parts an fp8 recipe keeps in "
        "bf16 do not; DeepSeek-V3, the only fp8 run, is also the only large MoE on H800, so the data cannot "
        "separate the two"
    ),
)


@dataclass(frozen=True)
class RunSummary:
    """A published run as the calibration used it: the evidence an estimate shows."""

    id: str
    name: str
    family: str
    developer: str
    generation: str
    accelerator: str
    params: float  # the N of 6·N·D: active parameters for a mixture of experts
    moe: bool
    precision: str  # "bf16" (bf16 or fp16 training) or "fp8"
    implied_mfu: float  # 6·N·D / (published GPU-hours x dense bf16 peak)
    weight: float
    weight_note: str = ""

    @property
    def fitted_mfu(self) -> float:
        """The value the fit sees: the implied MFU, at bf16 speed for a low-precision run."""
        return self.implied_mfu / (FP8_SPEEDUP.central if self.precision == "fp8" else 1.0)


@dataclass(frozen=True)
class GenerationEffect:
    """A generation's fitted offset (log MFU), its posterior variance, and the data behind it."""

    offset: float
    variance: float
    runs: int
    families: int


@dataclass(frozen=True)
class Prediction:
    """The default reference MFU for one configuration, its spread, and what it was fitted on: the
    published runs (``runs``) and those of the accelerator's generation (``generation_runs``, 0 when
    the generation has none and the range is widened)."""

    central: Any  # a float, or an array for a sweep over parameter counts
    spread: SplitT
    generation_known: bool
    runs: int
    generation_runs: int

    @property
    def range(self) -> tuple[float, float]:
        """P10 and P90 as factors of the central value."""
        return self.spread.factors()


@dataclass(frozen=True)
class EfficiencyModel:
    """The fitted coefficients, the residual spread, and the runs they came from."""

    intercept: float
    slope: float  # per decade of active parameters
    moe: float
    moe_slope: float  # per decade, for a mixture of experts
    generations: dict[str, GenerationEffect]
    unseen_generation_sd: float
    spread: SplitT
    families: int
    runs: tuple[RunSummary, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)

    def log_mfu(self, generation: str, params: Any, moe: bool) -> Any:
        """log reference MFU (see the module docstring); ``params`` may be an array."""
        x = np.log10(np.asarray(params, dtype=float)) - CENTER_LOG10_PARAMS
        effect = self.generations.get(generation)
        value = self.intercept + (effect.offset if effect else 0.0) + self.slope * x
        if moe:
            value = value + np.minimum(0.0, self.moe + self.moe_slope * x)
        return value if value.ndim else float(value)

    def predict(self, generation: str, params: Any, moe: bool) -> Prediction:
        """The default reference MFU (capped at 1) and its spread for one configuration."""
        effect = self.generations.get(generation)
        variance = effect.variance if effect else self.unseen_generation_sd**2
        central = np.minimum(np.exp(self.log_mfu(generation, params, moe)), 1.0)
        return Prediction(
            central=central if central.ndim else float(central),
            spread=self.spread.widened(variance),
            generation_known=effect is not None,
            runs=len(self.runs),
            generation_runs=effect.runs if effect is not None else 0,
        )

    def nearest(self, generation: str, params: float, moe: bool, k: int = 3) -> tuple[RunSummary, ...]:
        """The ``k`` published runs closest to a configuration: same generation, then nearest size.

        Distance: decades of active parameters, plus one for a dense/MoE mismatch. With no run of
        the generation, the nearest of any generation.
        """
        pool = [r for r in self.runs if r.generation == generation] or list(self.runs)
        x = math.log10(params)

        def distance(r: RunSummary) -> tuple[float, str]:
            return abs(math.log10(r.params) - x) + (1.0 if r.moe != moe else 0.0), r.id

        return tuple(sorted(pool, key=distance)[:k])


def rounded(value: Any) -> Any:
    """Data for a derived JSON file, every float rounded to 6 significant digits (a stable file that
    diffs cleanly when rederived); non-finite floats as text."""
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def model_to_json(model: EfficiencyModel) -> dict[str, Any]:
    """The model as JSON-safe data, numbers rounded to 6 significant digits (a stable file)."""

    data = asdict(model)
    data["runs"] = [asdict(r) for r in model.runs]
    return {
        "about": "Derived from presets/ by 'python -m costcalc.data.calibrate'; do not edit by hand.",
        "center_log10_params": CENTER_LOG10_PARAMS,
        "fp8_speedup": asdict(FP8_SPEEDUP),
        **rounded(data),
    }


def model_from_json(data: dict[str, Any]) -> EfficiencyModel:
    """The inverse of ``model_to_json``."""
    spread = data["spread"]
    return EfficiencyModel(
        intercept=data["intercept"],
        slope=data["slope"],
        moe=data["moe"],
        moe_slope=data["moe_slope"],
        generations={g: GenerationEffect(**e) for g, e in data["generations"].items()},
        unseen_generation_sd=data["unseen_generation_sd"],
        spread=SplitT(spread["low"], spread["high"], float(spread["df"])),
        families=data["families"],
        runs=tuple(RunSummary(**r) for r in data["runs"]),
        notes=dict(data.get("notes", {})),
    )


@cache
def shipped_model() -> EfficiencyModel:
    """The calibration shipped in the package (read once per process, as every file: a capped regular file)."""
    return model_from_json(json.loads(read_text(SHIPPED_FILE, max_bytes=MAX_CALIBRATION_BYTES, what="calibration")))
