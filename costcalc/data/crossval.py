"""Judging the calibration out of sample: grouped cross-validation, nested so its ranges are honest too.

Each group (a family: same developer and model series; or a whole developer) is left out in turn;
the model is derived again from the other groups alone, spread included (whose own
leave-one-family-out residuals then never see the left-out group either), and predicts the
left-out runs. The figures are those the issue asks of a calibration: median absolute log error
of the GPU-hours, share within 25%, share of published figures inside the P10-P90 range (overall
and per generation), and the median width of that range. ``costcalc backtest`` prints them beside
the in-sample ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from costcalc.base.stats import median
from costcalc.data.calibrate import derive
from costcalc.data.calibration import FP8_SPEEDUP, RunSummary

__all__ = ["GROUPINGS", "HeldOut", "Summary", "cross_validate", "summarize"]

#: How runs are grouped for leaving out: by family, or by developer.
GROUPINGS: dict[str, Callable[[RunSummary], str]] = {
    "family": lambda p: p.family,
    "developer": lambda p: p.developer,
}


@dataclass(frozen=True)
class HeldOut:
    """One run predicted by a model that never saw its group: MFU predicted, P10-P90, published."""

    run: RunSummary
    group: str
    predicted_mfu: float
    low: float
    high: float

    @property
    def ratio(self) -> float:
        """Predicted over published GPU-hours (= published over predicted MFU)."""
        return self.run.fitted_mfu / self.predicted_mfu

    @property
    def inside(self) -> bool:
        return self.low <= self.run.fitted_mfu <= self.high

    @property
    def width(self) -> float:
        """P90 / P10 of the predicted GPU-hours (= of the MFU)."""
        return self.high / self.low


def cross_validate(points: Sequence[RunSummary], by: str = "family") -> list[HeldOut]:
    """Leave each group out, derive the model from the rest, predict the group's runs."""
    group = GROUPINGS[by]
    out: list[HeldOut] = []
    for name in sorted({group(p) for p in points}):
        kept = [p for p in points if group(p) != name]
        if not kept:
            continue
        model = derive(kept)
        for p in points:
            if group(p) != name:
                continue
            prediction = model.predict(p.generation, p.params, p.moe)
            spread = prediction.spread.combined(FP8_SPEEDUP.spread) if p.precision == "fp8" else prediction.spread
            low, high = spread.factors()
            central = float(prediction.central)
            out.append(HeldOut(p, name, central, central * low, central * high))
    return out


@dataclass(frozen=True)
class Summary:
    """The figures of a set of predictions (each run counted once, whatever its weight)."""

    runs: int
    median_abs_log_error: float
    within_25_percent: float
    coverage: float
    median_width: float
    coverage_by_generation: dict[str, tuple[float, int]]


def summarize(
    ratios: Sequence[float], inside: Sequence[bool], widths: Sequence[float], generations: Sequence[str]
) -> Summary:
    """Median |log ratio|, share within 25%, share inside, median width, coverage per generation."""
    by_generation: dict[str, tuple[float, int]] = {}
    for g in sorted(set(generations)):
        hits = [ok for ok, gen in zip(inside, generations, strict=True) if gen == g]
        by_generation[g] = (sum(hits) / len(hits), len(hits))
    return Summary(
        runs=len(ratios),
        median_abs_log_error=median(abs(math.log(r)) for r in ratios),
        within_25_percent=sum(abs(r - 1) <= 0.25 for r in ratios) / len(ratios),
        coverage=sum(inside) / len(inside),
        median_width=median(widths),
        coverage_by_generation=by_generation,
    )
