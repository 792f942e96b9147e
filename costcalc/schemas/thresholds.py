"""Training-compute thresholds that regulators use: the figure, the rule's dates and its source."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from costcalc.base.fields import QuantityOf
from costcalc.base.units import Quantity

__all__ = ["ComputeThreshold"]


class ComputeThreshold(BaseModel):
    """A rule that applies to models trained with more than ``flop`` FLOPs ("greater than", as the texts say)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    flop: Annotated[Quantity, QuantityOf("FLOP", scalar=True)]
    jurisdiction: str = Field(min_length=1)
    adopted: dt.date
    applies_from: dt.date | None = None
    revoked: dt.date | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ComputeThreshold:
        for later in (self.applies_from, self.revoked):
            if later is not None and later < self.adopted:
                raise ValueError("applies_from and revoked cannot come before adopted")
        return self

    @property
    def status(self) -> str:
        """The rule's dates in a few words: adopted, applying from, revoked."""
        parts = [f"adopted {self.adopted.isoformat()}"]
        if self.applies_from is not None:
            parts.append(f"applies from {self.applies_from.isoformat()}")
        if self.revoked is not None:
            parts.append(f"revoked {self.revoked.isoformat()}")
        return "; ".join(parts)
