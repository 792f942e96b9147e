"""Facility observations with their sources: PUE, grid carbon intensity, electricity prices."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity

__all__ = ["CarbonObservation", "HostedPrice", "Observation", "PueObservation"]


class PueObservation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    value: float = Field(ge=1.0, le=3.0)
    scope: str
    source: str = Field(min_length=1)


class CarbonObservation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    value: Annotated[Quantity, QuantityOf("gCO2e/kWh", scalar=True)]
    scope: str
    source: str = Field(min_length=1)


class Observation(BaseModel):
    # built on first use, as the others: only 'costcalc costs' validates one (start-up)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    value: Annotated[Quantity, QuantityOf("USD/kWh", scalar=True)] | Annotated[float, Field(gt=0, allow_inf_nan=False)]
    scope: str
    source: str = Field(min_length=1)


class HostedPrice(BaseModel):
    """A hosted fine-tuning service's price per training token for one stage, method and size tier.

    ``min_params`` (exclusive) to ``max_params`` (inclusive) is the tier of model sizes the price is
    for; ``own_models`` marks a service that tunes only its own models, whose sizes are unpublished
    (its price is shown, never compared). ``method`` None: the service does not say.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    provider: str = Field(min_length=1)
    service: str = Field(min_length=1)
    stage: Literal["sft", "dpo"]
    method: Literal["full", "lora"] | None = None
    tier: str = Field(min_length=1, description="the sizes or models as the service names them")
    min_params: Annotated[Quantity, QuantityOf("parameter", scalar=True)] | None = None
    max_params: Annotated[Quantity, QuantityOf("parameter", scalar=True)] | None = None
    own_models: bool = False
    price: Annotated[Quantity, QuantityOf("USD/token", scalar=True, minimum=0.0)]
    date: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$")
    source: str = Field(min_length=1)
    rate_card: str = Field(min_length=1, description="the rate card's line as recorded (not verbatim)")
