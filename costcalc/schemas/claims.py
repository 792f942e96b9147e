"""The claims of an article as data: wording, values, sources and the numbers each check needs.

The verdict is not data: ``costcalc.commands.checks`` computes it from these numbers and
costcalc's own estimates.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity

Value = float | str | list[float | str]


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    tolerance: float | None = Field(default=None, ge=0, le=10, description="overrides the kind's default")


class MatchCheck(_Check):
    """The article's value against the primary source's (None: no source gives it)."""

    kind: Literal["match"]
    article: Value
    source: Value | None = None
    products: list[list[float]] = Field(default_factory=list, description="[a, b, a*b] triples to verify")


class CapacityCheck(_Check):
    """N GPUs over a calendar window against the GPU-hours actually used."""

    kind: Literal["capacity"]
    gpus: PositiveInt
    start: dt.date
    end_earliest: dt.date
    end_latest: dt.date
    used_gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]

    @model_validator(mode="after")
    def _ordered(self) -> CapacityCheck:
        if not self.start < self.end_earliest <= self.end_latest:
            raise ValueError("need start < end_earliest <= end_latest")
        return self


class RatioCheck(_Check):
    """A claimed ratio of two runs' compute, against published GPU-hours and costcalc's FLOPs."""

    kind: Literal["ratio"]
    claimed: float = Field(gt=0)
    numerator: str
    denominator: str
    numerator_gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]
    denominator_gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]


class CostCheck(_Check):
    """A claimed cost against published GPU-hours x costcalc's observed prices."""

    kind: Literal["cost"]
    claimed: Annotated[Quantity, QuantityOf("USD", scalar=True)]
    gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]
    gpu: str


class ComputeCheck(_Check):
    """A published compute figure against costcalc's FLOP count for the model and tokens."""

    kind: Literal["compute"]
    model: str
    tokens: Annotated[Quantity, QuantityOf("token", scalar=True)]
    published: Annotated[Quantity, QuantityOf("FLOP", scalar=True)]


class DurationCheck(_Check):
    """A claimed duration against GPU-hours / GPUs."""

    kind: Literal["duration"]
    claimed: Annotated[Quantity, QuantityOf("day", scalar=True)]
    gpu_hours: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]
    gpus: PositiveInt


class GpuHoursCheck(_Check):
    """Reported GPU-hours against costcalc's estimate and its range."""

    kind: Literal["gpu_hours"]
    model: str
    tokens: Annotated[Quantity, QuantityOf("token", scalar=True)]
    gpu: str
    gpus: PositiveInt
    claimed: Annotated[Quantity, QuantityOf("GPU_hour", scalar=True)]


class FeasibilityCheck(_Check):
    """Whether a cluster could train the models in a plausible time (nothing published to compare)."""

    kind: Literal["feasibility"]
    models: list[str] = Field(min_length=1)
    gpu: str
    gpus: PositiveInt
    max_days: float = Field(gt=0)


class Score(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark: str
    subject: float
    others: dict[str, float] = Field(min_length=1)


class BenchmarkCheck(_Check):
    """'X beats Y': on all listed benchmarks (``all``) or on most of them (``majority``)."""

    kind: Literal["benchmark"]
    subject: str
    require: Literal["all", "majority"]
    scores: list[Score] = Field(min_length=1)


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    released: dt.date
    params: float = Field(gt=0)


class FirstCheck(_Check):
    """'X was the first': the subject's release date against the other candidates'."""

    kind: Literal["first"]
    subject: str
    candidates: list[Candidate] = Field(min_length=2)


class NodeTypeCheck(_Check):
    """A guessed node type: the preset's CPUs against the CPUs the source reports."""

    kind: Literal["node_type"]
    claimed_node: str
    actual_system: str
    actual_cpus: str


Check = Annotated[
    MatchCheck
    | CapacityCheck
    | RatioCheck
    | CostCheck
    | ComputeCheck
    | DurationCheck
    | GpuHoursCheck
    | FeasibilityCheck
    | BenchmarkCheck
    | FirstCheck
    | NodeTypeCheck,
    Field(discriminator="kind"),
]


class Claim(BaseModel):
    """One claim of the article, with what the sources say and the data to check it."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    model: str
    topic: str
    claim: str = Field(min_length=1, description="the article's own wording")
    claim_en: str
    article_value: str
    source_value: str
    source: str = Field(min_length=1)
    in_estimator: bool = Field(description="False for facts outside the cost estimator (benchmarks, dates)")
    check: Check
