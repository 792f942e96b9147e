"""A plotting helper for notebooks: a result against GPUs, parameters or tokens, with its P10-P90 band.

matplotlib is optional (``pip install 'costcalc[plot]'``) and imported only when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.labels import RESULT_FIELDS
from costcalc.estimator.api import estimate

__all__ = ["plot"]

#: What may go on the x axis, with the unit of its numbers.
X_AXES = {"gpus": "GPU", "params": "parameter", "tokens": "token"}


def plot(
    x: str = "gpus",
    values: Sequence[float] | np.ndarray | None = None,
    y: str = "cost",
    *,
    ax: Any = None,
    **inputs: Any,
) -> Any:
    """Plot ``y`` (``cost``, ``wall_clock``, ``gpu_hours``, ``energy``, ``co2``) against ``x``.

    ``values`` are the x values (default: 8 log-spaced points, 256 to 32,768 GPUs or 1B to 1T
    parameters or tokens); ``inputs`` are ``costcalc.estimate``'s other inputs. The line is the
    estimate, the band its P10-P90 range; both axes are logarithmic. Returns the matplotlib Axes.
    """
    if x not in X_AXES:
        raise InputError("x", f"expected one of {', '.join(X_AXES)}, got {x!r}")
    if y not in RESULT_FIELDS or y in ("flops", "hardware_flops"):
        raise InputError("y", "expected cost, wall_clock, gpu_hours, energy or co2")
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plot needs matplotlib: pip install 'costcalc[plot]'") from err
    default = np.geomspace(256, 32768, 8) if x == "gpus" else np.geomspace(1e9, 1e12, 8)
    xs = np.round(np.asarray(default if values is None else values, dtype=float))
    est = estimate(**{**inputs, x: xs})
    spec = RESULT_FIELDS[y]
    value, span = getattr(est, y), est.ranges.get(y)
    if value is None or span is None:
        raise InputError(y, f"{spec.label.lower()} is unknown for these inputs: {spec.missing}")
    central = np.broadcast_to(value.m_as(spec.unit), xs.shape)
    low = np.broadcast_to(span.low.m_as(spec.unit), xs.shape)
    high = np.broadcast_to(span.high.m_as(spec.unit), xs.shape)
    if ax is None:
        _, ax = plt.subplots()
    ax.fill_between(xs, low, high, alpha=0.25, label="P10 to P90")
    ax.plot(xs, central, marker="o", label="estimate")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"{x} ({X_AXES[x]})")
    ax.set_ylabel(f"{spec.label} ({spec.unit.replace('_', '-')})")
    ax.legend()
    return ax
