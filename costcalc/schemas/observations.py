"""Facility observations with their sources: PUE, grid carbon intensity, electricity prices."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity

__all__ = ["CarbonObservation", "Observation", "PueObservation"]


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
