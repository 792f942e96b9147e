"""The fully resolved scenario behind an estimate: every input and assumption, each with its basis.

Built once by ``costcalc.estimator.resolve`` from inputs that were validated once; its quantities
are already in their units, so it is a plain frozen dataclass and is not validated again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from costcalc.base.stats import SplitT
from costcalc.base.units import Quantity
from costcalc.data.calibration import RunSummary
from costcalc.formulas.flops import CountMethod, FlopCount, Recompute
from costcalc.formulas.memory import MemoryBreakdown
from costcalc.schemas import AcceleratorSpec, Dtype, ModelSpec, NodeSpec
from costcalc.schemas.thresholds import ComputeThreshold

__all__ = ["KINDS", "Assumption", "Basis", "Kind", "Param", "Scenario", "Timing"]


#: Where an assumption's value comes from: given by you, a preset's, a default, worked out from
#: other inputs, fitted on published data, or a notice about the inputs themselves.
Kind = Literal["given", "preset", "default", "derived", "calibrated", "notice"]
KINDS: tuple[Kind, ...] = ("given", "preset", "default", "derived", "calibrated", "notice")

#: A typed parameter of an assumption: a quantity, a number, a flag, a name or a choice, how FLOPs
#: were counted, or a tuple of them.
Param: TypeAlias = Quantity | float | int | bool | str | CountMethod | tuple["Param", ...] | None


@dataclass(frozen=True)
class Basis:
    """Why an assumption has its value: a key naming the reason, and the typed parameters it is
    worded with (the words are ``costcalc.render.words``'s)."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.params.get(name)


@dataclass(frozen=True)
class Assumption:
    """One input or default an estimate rests on, as data: what it settles (``key``), its value (a
    quantity, or a typed choice such as a preset's name), its range, its kind, why (``basis``) and
    its source. ``costcalc.render.words`` words it; nothing here is pre-formatted text.
    """

    #: What it settles: an ``EstimateInputs`` field or a named default (``layout``, ``ranges``...).
    key: str
    #: A quantity, or a typed choice (a preset's name, a layout, a precision...); None when unknown.
    value: Param
    basis: Basis
    kind: Kind = "default"
    #: The P10 and P90 of an uncertain default (quantities in the value's unit), else None.
    low: Quantity | None = None
    high: Quantity | None = None
    source: str = ""
    #: The input (an ``EstimateInputs`` field) this settles, for code that looks an assumption up.
    field: str = ""

    @property
    def given(self) -> bool:
        """Whether you gave it (a value or a preset's name), rather than costcalc."""
        return self.kind == "given"


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
    #: The phase's name (``generation``), "" when none.
    phase: str
    #: How the phase was timed, as data (``costcalc.estimator.rl.generation_time``).
    phase_basis: Basis
    #: Wall-clock per run (loading, quantizing, saving), held on every GPU; None when none.
    fixed: Quantity | None
    #: The fixed time's range (low, high), or None when it was given.
    fixed_range: tuple[Quantity, Quantity] | None
    #: Where the fixed time comes from: ``given``, or ``setup_default`` (``costcalc.data.setup_time``).
    fixed_basis: Basis


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
