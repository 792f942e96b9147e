"""The fully resolved scenario behind an estimate: every input and assumption, each with its basis.

Built once by ``costcalc.estimator.resolve`` from inputs that were validated once; its quantities
are already in their units, so it is a plain frozen dataclass and is not validated again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from costcalc.base.stats import SplitT
from costcalc.base.units import Quantity
from costcalc.data.calibration import RunSummary
from costcalc.formulas.flops import FlopCount, Recompute
from costcalc.formulas.memory import MemoryBreakdown
from costcalc.schemas import AcceleratorSpec, Dtype, ModelSpec, NodeSpec
from costcalc.schemas.thresholds import ComputeThreshold

__all__ = ["Assumption", "Scenario", "Timing"]


class Assumption(BaseModel):
    """One input or default an estimate rests on, with why it has that value."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    value: str
    basis: str
    given: bool = False
    source: str = ""
    #: The input (an ``EstimateInputs`` field) this settles, for code that looks an assumption up; not shown.
    field: str = Field(default="", exclude=True)


#: A range as multiplicative factors (low, high) around a central value; None when the value is exact.
Factors = tuple[float, float] | None


@dataclass(frozen=True)
class Timing:
    """Time the efficiency does not set: a phase timed from its own bound, and a fixed time per run.

    GPU-hours = ``efficiency_flops`` / (peak x MFU) x stretch + ``phase_hours`` + ``fixed`` x GPUs.
    """

    #: The model FLOPs timed at the efficiency (the rest of the count is ``phase_hours``' work).
    efficiency_flops: Quantity
    #: GPU-hours of the phase timed otherwise (PPO/GRPO's memory-bound generation), 0 when none.
    phase_hours: Quantity
    phase: str
    phase_basis: str
    #: Wall-clock per run (loading, quantizing, saving), held on every GPU; None when none.
    fixed: Quantity | None
    #: The fixed time's range (low, high), or None when it was given.
    fixed_range: tuple[Quantity, Quantity] | None
    fixed_basis: str


@dataclass(frozen=True)
class Scenario:
    """Every input and assumption of one estimate, resolved from the inputs, presets and data."""

    model: ModelSpec | None
    params: Quantity
    flop_params: Quantity
    tokens: Quantity
    hardware: str
    accelerator: AcceleratorSpec
    node: NodeSpec | None
    gpus: Quantity | None
    dtype: Dtype
    peak: Quantity
    seq_len: int | None
    mfu: Quantity
    mfu_range: Factors
    price: Quantity | None
    price_range: Factors
    power: Quantity | None
    pue: Quantity
    pue_range: Factors
    carbon_intensity: Quantity
    carbon_range: Factors
    recompute: Recompute
    #: The training FLOPs, counted once (with ``recompute``); the efficiency is converted to this count.
    flops: FlopCount
    causal: bool
    memory: MemoryBreakdown | None
    assumptions: tuple[Assumption, ...]
    inputs: dict[str, Any]
    #: Wall-clock and GPU-hour multiplier from overheads (>= 1).
    stretch: float = 1.0
    #: Smooth spreads (log factors) of the uncertain defaults, for the Monte Carlo; None when given.
    mfu_spread: SplitT | None = None
    price_spread: SplitT | None = None
    pue_spread: SplitT | None = None
    carbon_spread: SplitT | None = None
    #: The published runs nearest to this scenario (the calibrated efficiency's evidence).
    evidence: tuple[RunSummary, ...] = ()
    samples: int | None = None
    seed: int = 0
    #: The regulatory compute thresholds the estimate is compared with (presets/thresholds.toml).
    thresholds: tuple[ComputeThreshold, ...] = ()
    #: The shape memory and the parallel layout are worked out on: the model's own, or for a
    #: parameter count the standard shape (``costcalc.formulas.shapes``); None for a sweep over counts.
    shape: ModelSpec | None = None
    #: A phase timed otherwise and a fixed time per run (fine-tuning); None: all FLOPs at the efficiency.
    timing: Timing | None = None
