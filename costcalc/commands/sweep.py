"""``costcalc sweep``: one vectorised estimate over the Cartesian product of swept inputs.

``--over gpus=512,1024,2048`` lists values; ``--over params=1e9..1e12:log:7`` spaces them. The
inputs that may be swept are the quantity inputs that accept arrays (``sweepable()``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.parse import parse_quantity
from costcalc.data.catalog import default_catalog
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import sweepable
from costcalc.estimator.result import Estimate

__all__ = ["MAX_SWEEP", "parse_sweep", "sweep"]

_RANGE = re.compile(r"^(?P<start>[^.][^:]*?)\.\.(?P<stop>[^:]+):(?P<scale>log|lin):(?P<count>[0-9]+)$")


def parse_sweep(spec: str) -> tuple[str, np.ndarray]:
    """``name=v1,v2,...`` or ``name=start..stop:log:N`` / ``:lin:N`` into (name, values in its unit)."""
    if not isinstance(spec, str):
        raise InputError("over", "expected NAME=VALUES")
    name, sep, values = spec.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or name not in sweepable():
        raise InputError("over", f"expected NAME=VALUES with NAME one of {', '.join(sweepable())}, got {spec!r}")
    unit = sweepable()[name]
    match = _RANGE.match(values.strip())
    if match:
        start = float(parse_quantity(match["start"], name, unit).m)
        stop = float(parse_quantity(match["stop"], name, unit).m)
        count = int(match["count"])
        if not 2 <= count <= 1_000_000:
            raise InputError("over", f"{name}: the number of points must be between 2 and 1,000,000")
        if match["scale"] == "log":
            if start <= 0 or stop <= 0:
                raise InputError("over", f"{name}: a log-spaced range needs positive ends")
            return name, np.geomspace(start, stop, count)
        return name, np.linspace(start, stop, count)
    items = [v for v in values.split(",") if v.strip()]
    if not items:
        raise InputError("over", f"{name}: no values given")
    if len(items) > 100_000:
        raise InputError("over", f"{name}: too many listed values (at most 100,000; use a range)")
    return name, np.array([float(parse_quantity(v, name, unit).m) for v in items])


def sweep(
    over: Sequence[str], presets: Iterable[Path | str] = (), **fixed: Any
) -> tuple[dict[str, np.ndarray], Estimate]:
    """One vectorised estimate over the Cartesian product of the swept inputs."""
    if not over:
        raise InputError("over", "give at least one --over NAME=VALUES")
    axes = dict(parse_sweep(spec) for spec in over)
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
    return columns, estimate(catalog=catalog, **fixed, **columns)


MAX_SWEEP = 10_000_000
