"""Published training runs: the data behind the default efficiency and the back-test."""

from __future__ import annotations

from costcalc.data.catalog import Catalog, validate_entry
from costcalc.schemas.runs import PublishedRun

__all__ = ["load_runs"]


def load_runs(catalog: Catalog) -> list[PublishedRun]:
    """Every ``[[run]]`` in the preset folders, validated (errors name the file and field)."""
    return [validate_entry(entry, PublishedRun) for entry in catalog.data("run")]
