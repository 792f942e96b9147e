"""Pydantic models of every preset table: hardware and models, published runs, claims, observations.

The preset loader (``costcalc.data.catalog``) imports only these. The hardware and model specs are
re-exported here; runs, claims and observations are imported from their modules when needed.
"""

from costcalc.schemas.hardware import (
    DTYPES,
    AcceleratorSpec,
    Dtype,
    ModelSpec,
    NodeSpec,
    PriceObservation,
    PurchaseObservation,
)

__all__ = ["DTYPES", "AcceleratorSpec", "Dtype", "ModelSpec", "NodeSpec", "PriceObservation", "PurchaseObservation"]
