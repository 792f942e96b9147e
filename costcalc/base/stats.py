"""Small-sample statistics for the calibration and the derived defaults.

Plain Python on purpose: these run on a few dozen numbers at start-up, where numpy's
``median``/``percentile`` cost more in lazy imports and dispatch than the arithmetic itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["HIGH_QUANTILE", "LOW_QUANTILE", "median", "quantile"]


#: The ends of every nominal 80% range in costcalc: the 10th and 90th percentiles.
LOW_QUANTILE, HIGH_QUANTILE = 0.10, 0.90


def quantile(values: Iterable[float], q: float) -> float:
    """The q-th quantile (0 <= q <= 1) with linear interpolation between order statistics.

    Position h = (n - 1)·q in the sorted values x; result x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]).
    This is numpy's default ("linear", Hyndman and Fan 1996 definition 7).
    """
    data = sorted(values)
    if not data:
        raise ValueError("quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be between 0 and 1")
    h = (len(data) - 1) * q
    lower = math.floor(h)
    upper = min(lower + 1, len(data) - 1)
    return data[lower] + (h - lower) * (data[upper] - data[lower])


def median(values: Iterable[float]) -> float:
    """The median: the 0.5 quantile."""
    return quantile(values, 0.5)
