"""``costcalc sweep``: one vectorised estimate over the Cartesian product of swept inputs.

``--over gpus=512,1024,2048`` lists values; ``--over params=1e9..1e12:log:7`` spaces them. The
inputs that may be swept are the quantity inputs that accept arrays (``sweepable()``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.parse import parse_quantity
from costcalc.data.catalog import default_catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.guards import MAX_POINTS
from costcalc.estimator.inputs import sweepable
from costcalc.estimator.result import Estimate
from costcalc.estimator.scenario import Assumption

__all__ = ["MAX_SWEEP", "parse_sweep", "sweep", "sweep_note"]

#: Longest ``--over`` text read (a list of 100,000 short values fits); checked before parsing.
MAX_SPEC_LENGTH = 2_000_000
MAX_LISTED = 100_000
#: Swept inputs that count whole things: a range over them is rounded to whole counts.
WHOLE = frozenset({"gpus"})


def _range_parts(values: str) -> tuple[str, str, str, str] | None:
    """``start..stop:scale:count`` split in one linear pass (no backtracking pattern), or None."""
    head, sep, count = values.rpartition(":")
    head, sep2, scale = head.rpartition(":")
    if not (sep and sep2) or scale not in ("log", "lin"):
        return None
    start, dots, stop = head.partition("..")
    if not dots:
        return None
    return start, stop, scale, count


def parse_sweep(spec: str) -> tuple[str, np.ndarray]:
    """``name=v1,v2,...`` or ``name=start..stop:log:N`` / ``:lin:N`` into (name, values in its unit).

    A range over a count of whole things (GPUs) is rounded to whole counts, duplicates dropped;
    ``sweep_note`` says so.
    """
    if not isinstance(spec, str):
        raise InputError("over", "expected NAME=VALUES")
    if len(spec) > MAX_SPEC_LENGTH:
        raise InputError("over", f"the value is too long ({len(spec):,} characters; at most {MAX_SPEC_LENGTH:,})")
    name, sep, values = spec.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or name not in sweepable():
        shown = spec if len(spec) <= 80 else spec[:77] + "..."
        raise InputError("over", f"expected NAME=VALUES with NAME one of {', '.join(sweepable())}, got {shown!r}")
    unit = sweepable()[name]
    parts = _range_parts(values.strip())
    if parts:
        start_text, stop_text, scale, count_text = parts
        if not count_text.strip().isdigit() or len(count_text.strip()) > 7:
            raise InputError("over", f"{name}: the number of points must be a whole number from 2 to {MAX_POINTS:,}")
        start, stop = (_value(text, name, unit) for text in (start_text, stop_text))
        count = int(count_text)
        if not 2 <= count <= MAX_POINTS:
            raise InputError("over", f"{name}: the number of points must be between 2 and {MAX_POINTS:,}")
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise InputError("over", f"{name}: a log-spaced range needs positive ends")
            points = np.geomspace(start, stop, count)
        else:
            points = np.linspace(start, stop, count)
        if name in WHOLE:
            points = np.unique(np.round(points))
            points = points if start <= stop else points[::-1]
        return name, points
    items = [v for v in values.split(",") if v.strip()]
    if not items:
        raise InputError("over", f"{name}: no values given")
    if len(items) > MAX_LISTED:
        raise InputError("over", f"{name}: too many listed values (at most {MAX_LISTED:,}; use a range)")
    return name, np.array([_value(v, name, unit) for v in items])


def _value(text: str, name: str, unit: str) -> float:
    """One swept value; an error names ``--over`` and the swept input."""
    try:
        return float(parse_quantity(text, name, unit).m)
    except InputError as err:
        raise InputError("over", f"{name}: {err.message}") from None


def sweep_note(spec: str, values: np.ndarray) -> str | None:
    """What rounding a range over a whole count did, for the output; None if it did nothing."""
    name, _, text = spec.partition("=")
    name = name.strip().replace("-", "_")
    parts = _range_parts(text.strip())
    if name not in WHOLE or parts is None:
        return None
    asked = int(parts[3])
    rounded = f"rounded to whole {name}" + (
        f", {asked - len(values):,} duplicates dropped" if asked > len(values) else ""
    )
    return f"{name}: the {parts[2]} range gives whole counts only: {len(values):,} values ({rounded})"


def sweep(
    over: Sequence[str], presets: Iterable[Path | str] = (), **fixed: Any
) -> tuple[dict[str, np.ndarray], Estimate]:
    """One vectorised estimate over the Cartesian product of the swept inputs.

    A note on rounded whole counts is added to the estimate's assumptions (name "sweep").
    """
    if not over:
        raise InputError("over", "give at least one --over NAME=VALUES")
    parsed = [(spec, *parse_sweep(spec)) for spec in over]
    axes = {name: values for _, name, values in parsed}
    if len(axes) != len(over):
        raise InputError("over", "each input may be swept once")
    clash = set(axes) & set(fixed)
    if clash:
        raise InputError(sorted(clash)[0], "is both swept and fixed")
    size = math.prod(len(v) for v in axes.values())
    if size > MAX_SWEEP:
        raise InputError("over", f"the sweep has {size:,} points; at most {MAX_SWEEP:,}")
    grids = np.meshgrid(*axes.values(), indexing="ij")
    columns = {name: grid.reshape(-1) for name, grid in zip(axes, grids, strict=True)}
    catalog = default_catalog(presets)
    result = estimate(catalog=catalog, **fixed, **columns)
    notes = [note for spec, _, values in parsed if (note := sweep_note(spec, values))]
    if notes:
        extra = tuple(Assumption(name="sweep", value=note, basis="a count of GPUs is whole") for note in notes)
        result = dataclasses.replace(result, assumptions=(*result.assumptions, *extra))
    return columns, result


#: The most points one sweep computes (the product of its axes); stated in the README.
MAX_SWEEP = MAX_POINTS
