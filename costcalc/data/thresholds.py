"""Loading the compute thresholds (``[[threshold]]`` tables in the preset folders)."""

from __future__ import annotations

from functools import cache

from costcalc.base.errors import PresetError
from costcalc.data.catalog import Catalog, validate_entry
from costcalc.schemas.thresholds import ComputeThreshold

__all__ = ["load_thresholds"]


@cache
def load_thresholds(catalog: Catalog) -> tuple[ComputeThreshold, ...]:
    """Every ``[[threshold]]``, validated (errors name the file and field), lowest figure first."""
    entries = catalog.data("threshold")
    thresholds = [validate_entry(entry, ComputeThreshold) for entry in entries]
    seen: set[str] = set()
    for entry, threshold in zip(entries, thresholds, strict=True):
        if threshold.id in seen:
            raise PresetError(str(entry.path), f"{entry.where}.id", f"threshold id {threshold.id!r} is used twice")
        seen.add(threshold.id)
    return tuple(sorted(thresholds, key=lambda t: float(t.flop.m_as("FLOP"))))
