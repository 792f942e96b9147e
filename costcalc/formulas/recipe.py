"""A recipe's total: its stages' quantities and ranges added up, with the stated correlation rule."""

from __future__ import annotations

from collections.abc import Sequence

from costcalc.base.units import Quantity

__all__ = ["RANGE_RULE", "TOTAL_FIELDS", "comonotone_total"]

#: The results a recipe adds up over its stages, run one after another (FLOPs stay per stage).
TOTAL_FIELDS = ("gpu_hours", "wall_clock", "cost", "energy", "co2")
#: The rule ``comonotone_total`` applies, as printed and exported with a recipe's total.
RANGE_RULE = (
    "the total's range sums the stages' P10s and P90s: the stages share the efficiency model, "
    "prices, PUE and carbon intensity, so their errors are taken as fully correlated (conservative)"
)


def comonotone_total(
    centrals: Sequence[Quantity], lows: Sequence[Quantity], highs: Sequence[Quantity]
) -> tuple[Quantity, Quantity, Quantity]:
    """The total of stages run one after another, with its range, for fully correlated stages.

    Equation::

        X       = sum_k X_k
        P10(X)  = sum_k P10(X_k)
        P90(X)  = sum_k P90(X_k)

    Symbols: ``X_k`` is stage k's quantity (GPU-hours, days, cost, energy or CO2), its central
    estimate and its 10th and 90th percentiles given as ``centrals``, ``lows`` and ``highs``.

    Why: the stages of one recipe share the efficiency model, the prices, the PUE and the grid's
    carbon intensity, so when one stage's efficiency is lower than assumed the others' are too:
    their errors are correlated. Taking them as fully correlated (comonotone: each stage's error is
    the same increasing function of one common draw) makes the quantile of the sum exactly the sum
    of the quantiles (quantiles of comonotone sums add: Dhaene et al. 2002, "The concept of
    comonotonicity in actuarial science and finance: theory", Insurance: Mathematics and
    Economics 31(1)), so summing the P10s and P90s is exact under that assumption, and it is the
    widest (conservative) range any correlation could give; independent stages give a narrower one.

    All three lists must hold quantities of one dimension and at least one stage.
    """
    if not centrals or not len(centrals) == len(lows) == len(highs):
        raise ValueError("comonotone_total needs at least one stage and as many lows and highs as centrals")
    unit = centrals[0].units
    total, low, high = (sum((q.to(unit) for q in qs[1:]), qs[0].to(unit)) for qs in (centrals, lows, highs))
    return total, low, high
