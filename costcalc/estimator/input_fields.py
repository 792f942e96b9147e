"""What each estimate input declares about itself: its group, option name, choices, and whether
the CLI, scenario files and sweeps take it (read from ``EstimateInputs``' field declarations)."""

from __future__ import annotations

import typing
from functools import cache
from typing import Any, Literal

from costcalc.base.fields import QuantityOf
from costcalc.estimator.inputs import EstimateInputs, field_extra

__all__ = [
    "categorical",
    "choices",
    "field_group",
    "in_cli",
    "in_scenario",
    "quantity_marker",
    "sweepable",
]


def field_group(name: str) -> str:
    """The group an input is shown in (one of ``GROUPS``)."""
    return str(field_extra(name).get("group", "model"))


def in_cli(name: str) -> bool:
    """Whether the input has a command-line option (some are for the API only)."""
    return bool(field_extra(name).get("cli", True))


def in_scenario(name: str) -> bool:
    """Whether the input is saved in a scenario file (run settings such as the seed are not)."""
    return bool(field_extra(name).get("scenario", True))


def quantity_marker(name: str) -> QuantityOf | None:
    """The ``QuantityOf`` marker of a quantity input, or None for plain inputs."""
    for meta in _annotated_metadata(EstimateInputs.model_fields[name].annotation):
        if isinstance(meta, QuantityOf):
            return meta
    return None


def _annotated_metadata(annotation: Any) -> list[Any]:
    found: list[Any] = []
    for arg in (annotation, *typing.get_args(annotation)):
        found += list(getattr(arg, "__metadata__", ()))
    return found


def choices(name: str) -> tuple[str, ...]:
    """The allowed values of an input whose type is a ``Literal`` (dtype, optimizer, recompute)."""
    annotation = EstimateInputs.model_fields[name].annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is Literal:
            return tuple(str(a) for a in typing.get_args(arg))
    return ()


@cache
def categorical() -> tuple[str, ...]:
    """Inputs a sweep may vary one value at a time (names, choices, node counts)."""
    return tuple(name for name in EstimateInputs.model_fields if field_extra(name).get("sweep") == "categorical")


@cache
def sweepable() -> dict[str, str]:
    """Inputs a sweep may vary (quantities that accept arrays), with the unit a bare number is read in."""
    out: dict[str, str] = {}
    for name in EstimateInputs.model_fields:
        marker = quantity_marker(name)
        if marker is not None and not marker.scalar:
            out[name] = marker.unit
    return out
