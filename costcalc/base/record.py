"""One field table per result type: what ``to_dict`` exports, under which key, in which unit.

A result class lists its ``FIELDS`` once, as ``Field(key, attr, unit)``; ``Record.to_dict`` walks
the table and turns each value into plain JSON data with ``plain``:

- a pint quantity becomes its magnitude in the declared unit: a number, or a list for an array,
  NaN as None, a ``whole`` field (a GPU count) as an int;
- a plain number is taken to be in that unit already (the formulas' byte counts are);
- a tuple or list is exported item by item, a mapping value by value, in that unit;
- a nested result by its own ``to_dict``, a dataclass field by field, an enum by its value;
- text, booleans and None as they are.

A quantity without a declared unit is an error: the unit is part of the export.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pint

__all__ = ["Field", "Record", "plain"]


class Field(NamedTuple):
    """One exported field: its JSON key, the attribute it reads (dotted for a nested one) and the
    unit its quantities are exported in (None for data that holds no quantity)."""

    key: str
    attr: str
    unit: str | None = None
    whole: bool = False  # a count exported as an int (GPUs), not a float


def _number(value: float, whole: bool) -> float | int | None:
    if math.isnan(value):
        return None
    return round(value) if whole else value


def plain(value: Any, unit: str | None = None, whole: bool = False) -> Any:
    """``value`` as JSON-ready data, its quantities as numbers in ``unit`` (see the module's docstring)."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, enum.Enum):  # a typed choice: its value
        return plain(value.value, unit, whole)
    if isinstance(value, pint.Quantity):
        if unit is None:
            raise TypeError(f"a quantity in {value.units} needs a declared unit to be exported")
        magnitude = np.asarray(value.m_as(unit), dtype=float)
        if magnitude.ndim:
            return [_number(v, whole) for v in magnitude.tolist()]
        return _number(float(magnitude), whole)
    if isinstance(value, np.ndarray):
        return [plain(v, unit, whole) for v in value.tolist()]
    if isinstance(value, np.generic):
        return plain(value.item(), unit, whole)
    if isinstance(value, float):
        return _number(value, whole)
    if isinstance(value, int):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "model_dump"):  # a pydantic model nested in a result: its own JSON-ready dump
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {k: plain(v, unit, whole) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v, unit, whole) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), unit, whole) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot export a {type(value).__name__}")


def _get(obj: object, attr: str) -> Any:
    """The attribute at a dotted path; None when a step on the way is None (an unknown range's end)."""
    for name in attr.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


class Record:
    """Mix-in: ``to_dict()`` from the class's ``FIELDS`` table, in its order."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[Field, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields of ``FIELDS`` as JSON-ready data, quantities as numbers in their declared units."""
        return {f.key: plain(_get(self, f.attr), f.unit, f.whole) for f in self.FIELDS}
