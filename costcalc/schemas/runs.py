"""A published training run: the figures it reports, the basis of each and its source."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity

__all__ = ["PublishedRun"]


class PublishedRun(BaseModel):
    """One published pre-training run, with the basis of each figure and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    name: str
    developer: str
    model: str = Field(description="model preset whose shape gives the FLOP count")
    params: Annotated[Quantity, QuantityOf("parameter", scalar=True)]
    active_params: Annotated[Quantity, QuantityOf("parameter", scalar=True)] | None = None
    tokens: Annotated[Quantity, QuantityOf("token", scalar=True)]
    accelerator: str
    hardware: str
    gpus: PositiveInt | None = None
    gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)] | None = None
    gpu_hours_basis: str | None = None
    gpu_hours_pretrain: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)] | None = None
    wall_clock_days: Annotated[Quantity, QuantityOf("day", scalar=True)] | None = None
    wall_clock_basis: str | None = None
    reported_tflops_per_gpu: float | None = Field(default=None, gt=0)
    reported_mfu: float | None = Field(default=None, gt=0, le=1)
    reported_tokens_per_sec_per_gpu: float | None = Field(default=None, gt=0)
    cost_usd: Annotated[Quantity, QuantityOf("USD", scalar=True)] | None = None
    cost_basis: str | None = None
    energy_mwh: Annotated[Quantity, QuantityOf("MWh", scalar=True)] | None = None
    energy_basis: str | None = None
    co2_t: Annotated[Quantity, QuantityOf("tCO2e", scalar=True)] | None = None
    co2_basis: str | None = None
    seq_len: PositiveInt | None = None
    precision: str | None = None
    reliability: Literal["A", "B", "C"]
    source: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    notes: str | None = None

    @property
    def pretraining_gpu_hours(self) -> Quantity | None:
        """GPU-hours of the pre-training the token count refers to (excludes post-training)."""
        return self.gpu_hours_pretrain if self.gpu_hours_pretrain is not None else self.gpu_hours
