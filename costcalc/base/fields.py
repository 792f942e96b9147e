"""Pydantic v2 field types for pint quantities.

``Annotated[Quantity, QuantityOf("token")]`` accepts a number (taken to be in tokens), a string
("2T tokens", parsed by ``costcalc.base.parse``), a numpy array or a pint quantity of the right
dimension, and stores a quantity in the stated unit. This is the "marker class implementing
``__get_pydantic_core_schema__``" pattern from pydantic's documentation, so models need no
``arbitrary_types_allowed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, PositiveInt, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from costcalc.base.errors import InputError
from costcalc.base.parse import parse_quantity, to_quantity
from costcalc.base.units import Quantity

__all__ = [
    "Count",
    "NoBool",
    "QuantityOf",
    "SeqLen",
    "SequenceLength",
    "WholeCount",
    "WholeNumber",
    "first_error",
    "magnitude_check",
]


#: A sequence length with a k or M suffix, read as model cards write contexts: 4k = 4,096.
_BINARY_COUNT = re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<suffix>[kKM])\s*$")


def _whole(number: float, shown: str) -> int:
    if not number.is_integer():
        raise ValueError(f"expected a whole number, got {shown}")
    return int(number)


def _whole_number(value: Any) -> Any:
    """A count as typed: booleans and lists refused, text read by ``parse_quantity`` (``4k``,
    ``32,000``, ``1e5``) into a whole number; pydantic then checks the type and the bounds."""
    if isinstance(value, bool | np.bool_):
        raise ValueError("expected a whole number, got a boolean")
    if isinstance(value, np.ndarray) and value.ndim == 0:  # np.array(100): one number
        value = value.item()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray | list | tuple):
        raise ValueError("expected a single whole number, not a list")
    if isinstance(value, str):
        try:
            number = float(parse_quantity(value, "value", "dimensionless").m)
        except InputError as err:
            raise ValueError(err.message) from None
        return _whole(number, repr(value.strip()))
    return value


def _sequence_length(value: Any) -> Any:
    """As ``_whole_number``, but ``4k`` is 4,096 and ``1M`` 1,048,576 (contexts are powers of two)."""
    match = _BINARY_COUNT.match(value) if isinstance(value, str) else None
    if match is None:
        return _whole_number(value)
    scale = 1024 if match["suffix"] in "kK" else 1024**2
    return _whole(float(match["number"]) * scale, repr(value.strip()))


#: For whole-number inputs (``Annotated[int, WholeNumber]``): text with a scale suffix (``4k``)
#: reads as ``parse_quantity`` reads it; booleans (pydantic would read True as 1) and lists are refused.
WholeNumber = BeforeValidator(_whole_number)
#: The earlier name of ``WholeNumber``.
NoBool = WholeNumber
#: For a sequence length: ``4k`` is 4,096, ``128k`` 131,072, as model cards give contexts.
SequenceLength = BeforeValidator(_sequence_length)
#: A count of whole things, at least 1, read as typed (preset and claims files use it too).
Count = Annotated[PositiveInt, WholeNumber]
#: A count of whole things that may be 0.
WholeCount = Annotated[int, WholeNumber]
#: A sequence length (``4k`` = 4,096).
SeqLen = Annotated[PositiveInt, SequenceLength]


def magnitude_check(magnitude: Any, *, minimum: float, inclusive: bool, maximum: float | None) -> str | None:
    """Return why ``magnitude`` (scalar or array) is out of range, or None when it is fine."""
    values = np.asarray(magnitude, dtype=float)
    if values.size == 0:
        return "expected at least one value"
    if not np.all(np.isfinite(values)):
        return "expected a finite number (not NaN or infinity)"
    too_low = values < minimum if inclusive else values <= minimum
    if np.any(too_low):
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        low = float(values[too_low].flat[0])
        if low < 0 and (minimum > 0 or not inclusive):  # a negative count or amount: say what is wrong
            return f"must be positive ({bound}), got {low:g}"
        return f"expected a value {bound}, got {low:g}"
    if maximum is not None and np.any(values > maximum):
        return f"expected a value <= {maximum:g}, got {float(values[values > maximum].flat[0]):g}"
    return None


@dataclass(frozen=True)
class QuantityOf:
    """Validate into a pint quantity of ``unit``; by default strictly positive and finite."""

    unit: str
    minimum: float = 0.0
    inclusive: bool = False
    maximum: float | None = None
    #: Refuse arrays (preset and claim figures, overheads); sweepable inputs and results allow them.
    scalar: bool = False
    #: Counts of whole things (GPUs): a fractional value is refused, in scalars and arrays alike.
    whole: bool = False

    def validate(self, value: Any, field: str) -> Quantity:
        try:
            quantity = to_quantity(value, field, self.unit)
        except InputError as err:
            raise ValueError(err.message) from None
        if self.scalar and np.asarray(quantity.magnitude).ndim:
            raise ValueError("expected a single value, not a list")
        problem = magnitude_check(
            quantity.magnitude, minimum=self.minimum, inclusive=self.inclusive, maximum=self.maximum
        )
        if problem:
            raise ValueError(
                f"{problem} ({self.unit})" if self.unit != "dimensionless" else problem + self._hint(quantity)
            )
        if self.whole:
            values = np.asarray(quantity.magnitude, dtype=float)
            whole = np.round(values)
            # Floating-point noise (np.geomspace gives 127.99999999999997) is not a fraction.
            fractional = np.abs(values - whole) > 1e-9 * np.maximum(1.0, np.abs(values))
            if np.any(fractional):
                raise ValueError(f"expected a whole number of {self.unit}s, got {float(values[fractional].flat[0]):g}")
            quantity = quantity.__class__(whole if values.ndim else float(whole), quantity.units)
        return quantity

    def _hint(self, quantity: Quantity) -> str:
        """For a share (at most 1) typed as a percentage number: suggest the percent sign."""
        values = np.asarray(quantity.magnitude, dtype=float).reshape(-1)
        if self.maximum == 1.0 and values.size == 1 and 1.0 < values[0] <= 100.0:
            return f"; for a percentage write {values[0]:g}%"
        return ""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def _validate(value: Any, info: core_schema.ValidationInfo) -> Quantity:
            return self.validate(value, info.field_name or "value")

        return core_schema.with_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda q: f"{q:~P}", when_used="json"),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "description": f"a quantity in {self.unit} (or a plain number)"}


#: Steps pydantic adds to an error's location inside unions and validators (not field names).
_VALIDATOR_STEP = re.compile(r"^(function-\w+|constrained-\w+|\w+-union)\[.*\]$")


def first_error(err: ValidationError) -> tuple[str, str]:
    """The field path and message of a pydantic ValidationError's first error, for one-line reports."""
    detail = err.errors(include_url=False)[0]
    parts = [str(part) for part in detail["loc"] if not _VALIDATOR_STEP.match(str(part))]
    field = ".".join(parts) or "value"
    message = str(detail["msg"]).removeprefix("Value error, ")
    kind = detail.get("type", "")
    if kind == "missing":
        message = "is required but missing"
    elif kind == "extra_forbidden":
        message = "is not a known field"
    return field, message
