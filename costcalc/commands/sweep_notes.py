"""What a sweep notes, as data: a range over a count made whole, duplicates dropped from an axis,
points where no layout fits.

``costcalc.render.sweep.note_text`` words each note (the axes' own notes are text already).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from costcalc.base.record import Field, Record, plain
from costcalc.base.units import Quantity

__all__ = ["DuplicatesDropped", "NoFit", "Note", "Repeated", "WholeCounts"]


@dataclass(frozen=True)
class Repeated(Record):
    """A value given more than once on a swept axis: the value kept (a quantity in the axis's unit,
    or a name as its preset spells it), how many times it was given, and its spellings (names only)."""

    value: Quantity | str
    times: int
    spellings: tuple[str, ...] = ()

    FIELDS = (Field("times", "times"), Field("spellings", "spellings"))

    def to_dict(self) -> dict[str, Any]:
        """The value (a number in the axis's unit, or the name), how many times, the spellings."""
        value = self.value if isinstance(self.value, str) else plain(self.value, str(self.value.units))
        return {"value": value, **super().to_dict()}


@dataclass(frozen=True)
class DuplicatesDropped(Record):
    """A swept axis whose repeated values were dropped: how many, and which values repeated."""

    axis: str
    dropped: int
    repeated: tuple[Repeated, ...]

    FIELDS = (Field("axis", "axis"), Field("dropped", "dropped"), Field("repeated", "repeated"))


@dataclass(frozen=True)
class WholeCounts(Record):
    """A range over a whole count (GPUs, nodes) rounded to whole counts: the axis, the range's scale
    (``log`` or ``lin``), how many values are left and how many duplicates the rounding dropped."""

    axis: str
    scale: str
    values: int
    dropped: int

    FIELDS = (Field("axis", "axis"), Field("scale", "scale"), Field("values", "values"), Field("dropped", "dropped"))


@dataclass(frozen=True)
class NoFit(Record):
    """Points where no layout fits in memory: how many, the first (its parameters, GPU count and
    accelerator), and the smallest changes that would fit it (``layouts.suggestions``)."""

    points: int
    params: Quantity
    gpus: Quantity
    accelerator: str
    changes: tuple[str, ...]

    FIELDS = (
        Field("points", "points"),
        Field("params", "params", "parameter"),
        Field("gpus", "gpus", "GPU", whole=True),
        Field("accelerator", "accelerator"),
        Field("changes", "changes"),
    )


#: What a sweep notes: the axes' own notes (text), a range made whole, duplicates dropped, points
#: that do not fit (``costcalc.render.sweep_notes.note_text`` words each).
Note = str | WholeCounts | DuplicatesDropped | NoFit
