"""Small-sample statistics for the calibration and the derived defaults, and smooth sampling.

``quantile`` and ``median`` are plain Python on purpose: they run on a few dozen numbers at
start-up, where numpy's ``median``/``percentile`` cost more in dispatch than the arithmetic itself.
``SplitT`` describes a log-scale factor (an efficiency, a price) by its P10, P50 and P90 as a
smooth distribution; ``halton`` gives the randomly shifted low-discrepancy points a Monte Carlo
maps through its quantile function, so that the sampled percentiles hardly depend on the seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "HALTON_BASES",
    "HIGH_QUANTILE",
    "LOW_QUANTILE",
    "Z90",
    "SplitT",
    "halton",
    "halton_column",
    "median",
    "normal_quantile",
    "quantile",
    "t_quantile",
]


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


def _cornish_fisher(z: np.ndarray, df: float) -> np.ndarray:
    """Student t quantiles from normal ones (see ``t_quantile``), the polynomials in z² by Horner's rule."""
    if math.isinf(df):
        return z
    z2 = z * z
    g1 = (z2 + 1) / 4
    g2 = ((5 * z2 + 16) * z2 + 3) / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160
    result: np.ndarray = z * (1 + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df)
    return result


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t distribution with ``df`` degrees of freedom (df = inf: the normal).

    t_p ≈ z + g1(z)/ν + g2(z)/ν² + g3(z)/ν³ + g4(z)/ν⁴, z the normal quantile, with
    g1 = (z³ + z)/4, g2 = (5z⁵ + 16z³ + 3z)/96, g3 = (3z⁷ + 19z⁵ + 17z³ - 15z)/384,
    g4 = (79z⁹ + 776z⁷ + 1482z⁵ - 1920z³ - 945z)/92160.
    Source: Abramowitz and Stegun 1964, 26.7.5 (Cornish-Fisher expansion). Within 0.001 of the
    exact value for df >= 3 at the 10th and 90th percentiles (1.6374 against 1.6377 at df = 3).
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if df < 3:
        raise ValueError("t_quantile needs at least 3 degrees of freedom")
    return float(_cornish_fisher(normal_quantile(np.asarray(p)), df))


# Acklam's rational approximation of the normal quantile (relative error below 1.2e-9).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
      4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def normal_quantile(u: np.ndarray) -> np.ndarray:
    """The standard normal quantile of each probability in ``u`` (0 < u < 1), vectorised.

    Source: P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution
    function" (2003): a rational function in the centre (0.02425 <= u <= 0.97575) and in
    q = sqrt(-2 ln u) in the tails. Each region is computed on its own elements only.
    """
    u = np.clip(np.asarray(u, dtype=float), 1e-300, 1 - 1e-16)
    result = np.empty_like(u)
    centre = np.abs(u - 0.5) <= 0.5 - 0.02425
    q = u[centre] - 0.5
    r = q * q
    num = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
    result[centre] = num / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1)
    for side, sign in ((u < 0.5, 1.0), (u >= 0.5, -1.0)):
        tail = side & ~centre
        t = np.sqrt(-2 * np.log(np.minimum(u[tail], 1 - u[tail])))
        num = ((((_C[0] * t + _C[1]) * t + _C[2]) * t + _C[3]) * t + _C[4]) * t + _C[5]
        result[tail] = sign * num / ((((_D[0] * t + _D[1]) * t + _D[2]) * t + _D[3]) * t + 1)
    return result if result.ndim else result[()]


#: The standard normal's 90th percentile: a P10-P90 range spans ±Z90 standard deviations.
Z90 = float(normal_quantile(np.asarray(HIGH_QUANTILE)))


#: The Halton sequence's bases: one prime per dimension.
HALTON_BASES = (2, 3, 5, 7, 11, 13)


def halton_column(n: int, dim: int, shift: float) -> np.ndarray:
    """Dimension ``dim`` of the first ``n`` Halton points (i = 1..n), shifted by ``shift`` modulo 1.

    Point i's coordinate in base b is the radical inverse of i: its base-b digits mirrored after
    the point. Built one digit at a time: i = rest + d·b^j maps to phi(rest) + d / b^(j+1), so each
    step appends shifted copies of the last. The shift (Cranley and Patterson 1976) makes each seed
    give a different, equally uniform set of points.
    """
    base = HALTON_BASES[dim]
    phi, scale = np.zeros(1), 1.0 / base
    while len(phi) < n + 1:
        digits = min(base, -(-(n + 1) // len(phi)))  # the last step stops at index n
        phi = np.concatenate([phi + d * scale for d in range(digits)])
        scale /= base
    column = phi[1 : n + 1]
    column += shift
    column %= 1.0
    return column


def halton(n: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` randomly shifted Halton points in ``dims`` dimensions (bases 2, 3, 5, 7, ...).

    The quantiles of a function of these points converge about as 1/n rather than 1/sqrt(n) for
    plain random draws. ``halton_column`` gives one dimension at a time, to save memory.
    """
    shifts = rng.random(dims)
    return np.column_stack([halton_column(n, k, float(shifts[k])) for k in range(dims)])


@dataclass(frozen=True)
class SplitT:
    """A log-scale spread around a central value: a split Student t.

    log(value / central) = s_low · T below the centre and s_high · T above it, T ~ Student t with
    ``df`` degrees of freedom (inf: normal). Two scales let a range be asymmetric (0.94 to 4.05
    around 1.89); the t's heavier tails are the small-sample correction when the scales were
    estimated from few values. The median is the central value, and the P10 and P90 are
    exp(t_0.1 · s_low) and exp(t_0.9 · s_high) times it.
    """

    low: float
    high: float
    df: float = math.inf

    @classmethod
    def from_range(cls, central: float, low: float, high: float) -> SplitT:
        """The split normal whose P10, P50 and P90 are ``low``, ``central`` and ``high``."""
        return cls(math.log(central / low) / Z90, math.log(high / central) / Z90)

    def factors(self, p_low: float = LOW_QUANTILE, p_high: float = HIGH_QUANTILE) -> tuple[float, float]:
        """The range as factors of the central value: (P10 / P50, P90 / P50) by default."""
        return math.exp(t_quantile(p_low, self.df) * self.low), math.exp(t_quantile(p_high, self.df) * self.high)

    def widened(self, variance: float) -> SplitT:
        """The spread with an independent normal variance added to both sides (in log units)."""
        return SplitT(math.hypot(self.low, math.sqrt(variance)), math.hypot(self.high, math.sqrt(variance)), self.df)

    def combined(self, other: SplitT) -> SplitT:
        """The spread of the sum of two independent log factors, side by side in quadrature."""
        return SplitT(math.hypot(self.low, other.low), math.hypot(self.high, other.high), min(self.df, other.df))

    def log_quantile(self, u: np.ndarray) -> np.ndarray:
        """log(value / central) at the probabilities ``u``: maps uniform points to draws."""
        t = _cornish_fisher(normal_quantile(u), self.df)
        t *= np.where(t < 0, self.low, self.high)
        return t

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` random draws of log(value / central)."""
        return self.log_quantile(rng.random(n))
