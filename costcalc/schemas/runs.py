"""A published training run: the figures it reports, the basis of each, its source and flags.

Besides the published figures, each run carries typed fields a calibration can use: the model
``family`` (same developer and series, for leaving a whole family out at a time), the
``architecture``, ``flags`` from a closed vocabulary describing why a figure is not a clean
pre-training measurement, ``duplicate_of``, and the ``calibration_set`` it belongs to. The
inclusion rule is ``costcalc.data.runs.usable_for_calibration``.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from costcalc.base.fields import Count, QuantityOf, SeqLen
from costcalc.base.units import Quantity

__all__ = ["FLAGS", "Architecture", "CalibrationSet", "Flag", "PublishedRun"]

Architecture = Literal["dense", "moe", "ssm", "hybrid"]

#: Why a run's figures are not a clean, whole pre-training measurement.
Flag = Literal[
    # the GPU-hours are a bound ("less than", "up to", "over N tokens/s"), not a value
    "upper_bound",
    # not a whole pre-training run: one segment only, or adapter training on a pre-trained model
    "partial_run",
    # GPU-hours = GPU count x wall-clock: idle time, restarts and evaluation included
    "includes_downtime",
    # the same figure as another run (see duplicate_of)
    "duplicate",
    # state-space or hybrid layers: 6·N·D does not count its FLOPs as for a transformer
    "non_transformer",
    # the hours come from an instruct-model card or a table that may include post-training
    "may_include_post_training",
    # the unit of the device count is unclear (e.g. MI250X modules vs their two GCDs)
    "device_count_unclear",
    # no published GPU-hours (energy or throughput only)
    "no_gpu_hours",
    # the accelerator has no preset (no sourced peak): the name is kept, the run cannot be priced
    "hardware_without_preset",
]
FLAGS: tuple[str, ...] = get_args(Flag)

#: "core": the 18 runs the default efficiency was first fitted on; "more": runs added later.
CalibrationSet = Literal["core", "more"]


class PublishedRun(BaseModel):
    """One published pre-training run, with the basis of each figure and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    name: str
    developer: str
    family: str = Field(
        min_length=1, description="model series of one developer (runs of a family are not independent)"
    )
    architecture: Architecture = "dense"
    model: str | None = Field(
        default=None, description="model preset whose shape gives the FLOP count (None: 6·N·D, no shape)"
    )
    params: Annotated[Quantity, QuantityOf("parameter", scalar=True)]
    active_params: Annotated[Quantity, QuantityOf("parameter", scalar=True)] | None = None
    tokens: Annotated[Quantity, QuantityOf("token", scalar=True)] | None = Field(
        default=None, description="None where the source gives no token count"
    )
    accelerator: str | None = Field(
        default=None, description="accelerator preset name (or the real name, flagged, where no preset exists)"
    )
    hardware: str
    gpus: Count | None = None
    gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)] | None = None
    gpu_hours_basis: str | None = None
    gpu_hours_pretrain: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)] | None = None
    wall_clock_days: Annotated[Quantity, QuantityOf("day", scalar=True)] | None = None
    wall_clock_basis: str | None = None
    reported_tflops_per_gpu: float | None = Field(default=None, gt=0)
    reported_mfu: float | None = Field(default=None, ge=0.001, le=1)  # as MIN_MFU: below 0.1% is no run
    reported_tokens_per_sec_per_gpu: float | None = Field(default=None, gt=0)
    cost_usd: Annotated[Quantity, QuantityOf("USD", scalar=True)] | None = None
    cost_basis: str | None = None
    energy_mwh: Annotated[Quantity, QuantityOf("MWh", scalar=True)] | None = None
    energy_basis: str | None = None
    co2_t: Annotated[Quantity, QuantityOf("tCO2e", scalar=True, inclusive=True)] | None = None
    co2_basis: str | None = None
    seq_len: SeqLen | None = None
    precision: str | None = None
    reliability: Literal["A", "B", "C"]
    flags: tuple[Flag, ...] = ()
    duplicate_of: str | None = Field(default=None, description="id of the run whose figure this one repeats")
    year: int | None = Field(
        default=None, ge=2015, le=2100, description="year of the source's date (arXiv id or dated statement)"
    )
    calibration_set: CalibrationSet = "core"
    source: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PublishedRun:
        if len(set(self.flags)) != len(self.flags):
            raise ValueError("flags must not repeat")
        if ("duplicate" in self.flags) != (self.duplicate_of is not None):
            raise ValueError("the 'duplicate' flag and duplicate_of go together")
        if self.duplicate_of == self.id:
            raise ValueError("a run cannot duplicate itself")
        if ("no_gpu_hours" in self.flags) != (self.gpu_hours is None):
            raise ValueError("the 'no_gpu_hours' flag is set exactly when gpu_hours is missing")
        if self.accelerator is None and "hardware_without_preset" not in self.flags:
            raise ValueError("a run without an accelerator needs the 'hardware_without_preset' flag")
        if (self.architecture == "moe") != (self.active_params is not None):
            raise ValueError("MoE runs (and only they) give active_params")
        if self.architecture in ("ssm", "hybrid") and "non_transformer" not in self.flags:
            raise ValueError(f"a {self.architecture} run needs the 'non_transformer' flag")
        if self.active_params is not None and self.active_params > self.params:
            raise ValueError("active_params cannot exceed params")
        return self

    @property
    def pretraining_gpu_hours(self) -> Quantity | None:
        """GPU-hours of the pre-training the token count refers to (excludes post-training)."""
        return self.gpu_hours_pretrain if self.gpu_hours_pretrain is not None else self.gpu_hours
