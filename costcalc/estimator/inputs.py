"""The validated inputs of an estimate and the fully resolved scenario behind it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity
from costcalc.formulas.flops import Recompute
from costcalc.formulas.memory import MemoryBreakdown, MemoryOptions, Optimizer
from costcalc.schemas import AcceleratorSpec, Dtype, ModelSpec, NodeSpec

__all__ = ["Assumption", "EstimateInputs", "Scenario"]


class Assumption(BaseModel):
    """One input or default an estimate rests on, with why it has that value."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    value: str
    basis: str
    given: bool = False
    source: str = ""


#: Plausibility bounds: far beyond any real run, tight enough that results stay finite floats.
ParamCount = QuantityOf("parameter", minimum=1.0, inclusive=True, maximum=1e16)
TokenCount = QuantityOf("token", minimum=1.0, inclusive=True, maximum=1e18)
GpuCount = QuantityOf("GPU", minimum=1.0, inclusive=True, maximum=1e9)


class EstimateInputs(BaseModel):
    """What a user may give, validated; anything left out is filled from presets and defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    params: Annotated[Quantity, ParamCount] | None = None
    active_params: Annotated[Quantity, ParamCount] | None = None
    tokens: Annotated[Quantity, TokenCount] | None = None
    model: str | None = Field(default=None, min_length=1, max_length=200)
    gpu: str | None = Field(default=None, min_length=1, max_length=200)
    gpus: Annotated[Quantity, GpuCount] | None = None
    nodes: PositiveInt | None = Field(default=None, le=100_000_000)
    mfu: Annotated[Quantity, QuantityOf("dimensionless", maximum=1.0)] | None = None
    price: Annotated[Quantity, QuantityOf("USD/GPU/hour", maximum=10_000.0)] | None = None
    dtype: Dtype | None = None
    seq_len: PositiveInt | None = Field(default=None, le=100_000_000)
    power: Annotated[Quantity, QuantityOf("W", minimum=1.0, inclusive=True, maximum=100_000.0)] | None = None
    pue: Annotated[Quantity, QuantityOf("dimensionless", minimum=1.0, inclusive=True, maximum=5.0)] | None = None
    carbon_intensity: (
        Annotated[Quantity, QuantityOf("gCO2e/kWh", minimum=0.0, inclusive=True, maximum=5000.0)] | None
    ) = None
    recompute: Recompute | None = None
    causal: bool = True
    zero: int | None = Field(default=None, ge=0, le=3)
    tp: PositiveInt | None = Field(default=None, le=1024)
    pp: PositiveInt | None = Field(default=None, le=10_000)
    sp: bool | None = None
    ep: PositiveInt | None = Field(default=None, le=10_000)
    micro_batch: PositiveInt | None = Field(default=None, le=1_000_000)
    optimizer: Optimizer | None = None
    goodput: (
        Annotated[Quantity, QuantityOf("dimensionless", scalar=True, minimum=0.05, inclusive=True, maximum=1.0)] | None
    ) = None
    checkpoint_overhead: (
        Annotated[Quantity, QuantityOf("dimensionless", scalar=True, inclusive=True, maximum=0.9)] | None
    ) = None
    eval_overhead: Annotated[Quantity, QuantityOf("dimensionless", scalar=True, inclusive=True, maximum=0.9)] | None = (
        None
    )
    count_bubble: bool = False
    samples: int | None = Field(default=None, ge=100, le=10_000_000)
    seed: int = 0

    def layout_given(self) -> bool:
        """True when the user fixed any part of the parallel layout."""
        return any(getattr(self, f) is not None for f in ("zero", "tp", "pp", "sp", "ep"))

    def memory_options(self) -> MemoryOptions:
        """The memory settings, with MemoryOptions' defaults for anything not given."""
        given = {f: getattr(self, f) for f in ("zero", "tp", "pp", "sp", "ep", "micro_batch", "optimizer")}
        given["recompute"] = self.recompute or "none"
        given["seq_len"] = self.seq_len
        return MemoryOptions(**{k: v for k, v in given.items() if v is not None})


class Scenario(BaseModel):
    """Every input and assumption of one estimate, resolved from the inputs, presets and data."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    model: ModelSpec | None
    params: Annotated[Quantity, QuantityOf("parameter")]
    flop_params: Annotated[Quantity, QuantityOf("parameter")]
    tokens: Annotated[Quantity, QuantityOf("token")]
    hardware: str
    accelerator: AcceleratorSpec
    node: NodeSpec | None
    gpus: Annotated[Quantity, QuantityOf("GPU")] | None
    dtype: Dtype
    peak: Annotated[Quantity, QuantityOf("TFLOP/s")]
    seq_len: int | None
    mfu: Annotated[Quantity, QuantityOf("dimensionless", maximum=1.0)]
    mfu_range: tuple[float, float] | None
    price: Annotated[Quantity, QuantityOf("USD/GPU/hour")] | None
    price_range: tuple[float, float] | None
    power: Annotated[Quantity, QuantityOf("W")] | None
    pue: Annotated[Quantity, QuantityOf("dimensionless", minimum=1.0, inclusive=True)]
    pue_range: tuple[float, float] | None
    carbon_intensity: Annotated[Quantity, QuantityOf("gCO2e/kWh", minimum=0.0, inclusive=True)]
    carbon_range: tuple[float, float] | None
    recompute: Recompute
    causal: bool
    memory: MemoryBreakdown | None
    stretch: float = Field(default=1.0, ge=1.0, description="wall-clock and GPU-hour multiplier from overheads")
    mfu_residuals: tuple[float, ...] | None = None
    price_samples: tuple[float, ...] | None = None
    pue_samples: tuple[float, ...] | None = None
    carbon_samples: tuple[float, ...] | None = None
    samples: int | None = None
    seed: int = 0
    assumptions: tuple[Assumption, ...]
    inputs: dict[str, Any]
