"""The number styles every view uses, and whole columns of numbers as text at once.

The styles (``count``, ``grouped``, ``fixed``, ``percent``, ``general``, ``sig``, ``quantity_text``...)
are the one place a number's look is chosen: the words of ``costcalc.render.words``, the CLI's
views and the TUI call them. Domain code (``costcalc.estimator`` and below) formats no number.

The columns: C's ``%.Pg`` for a million values without a Python loop.

A sweep's CSV and JSON hold up to a million rows of some twenty numbers; formatting each with
``%`` costs seconds. Here a column becomes an (n, width) byte matrix laid out in a fixed template
(sign; ``0.`` and the zeros of a small fraction; the P digits, each followed by a slot for the
decimal point; the exponent), each slot filled or left as a zero byte by numpy, and rows are
joined by dropping the zero bytes. The text equals ``f"{v:.{P}g}"`` for every value: a value
whose rounding the floating-point scaling cannot decide (within a safe margin of a tie), or an
infinity, is formatted by Python instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.parse import format_count, unit_of
from costcalc.base.text import Printable, printable
from costcalc.base.units import Quantity

__all__ = [
    "LADDERS",
    "Part",
    "bare",
    "compact",
    "compact_value",
    "count",
    "fixed",
    "flop_figure",
    "format_quantity",
    "g_bytes",
    "general",
    "gigabytes",
    "grouped",
    "hours_count",
    "joined_rows",
    "money",
    "percent",
    "percent_span",
    "plain",
    "quantity_text",
    "sig",
    "slots",
]

# --- styles of one number -----------------------------------------------------------------------


def count(value: float, digits: int = 4) -> str:
    """A count with an SI suffix, as the inputs take it: '1.4T', '7B', '512'."""
    return format_count(value, digits)


def grouped(value: int | float) -> str:
    """A whole number with thousands separators: '8,192'."""
    return f"{value:,}"


def fixed(value: float, decimals: int) -> str:
    """A number with ``decimals`` digits after the point: '2.20', '1.090'."""
    return f"{value:.{decimals}f}"


def percent(fraction: float, decimals: int) -> str:
    """A fraction as a percentage: '40.1%'."""
    return f"{fraction:.{decimals}%}"


def general(value: float) -> str:
    """The shortest form Python's ``g`` gives: '312', '1.3', '1e+25'."""
    return f"{value:g}"


def sig(value: float, digits: int) -> str:
    """``digits`` significant figures: '1.25'."""
    return f"{value:.{digits}g}"


def percent_span(values: Any) -> str:
    """One fraction as a percentage ('40.1%') or the span of an array of them ('38.2% to 40.1%')."""
    m = np.asarray(values, dtype=float).reshape(-1)
    return f"{percent(m.min(), 1)} to {percent(m.max(), 1)}" if m.size > 1 and m.min() != m.max() else percent(m[0], 1)


_COUNT_NAMES = {"token": "tokens", "parameter": "parameters", "GPU": "GPUs"}


def quantity_text(q: Any) -> str:
    """A count for an assumption line: '1.4T tokens', or '5 values, 1B to 70B parameters'."""
    unit = next((u for u in _COUNT_NAMES if q.units == unit_of(u)), None)
    name = _COUNT_NAMES[unit] if unit else f"{q.units:~P}"
    m = np.asarray(q.magnitude, dtype=float)

    def show(v: float) -> str:
        return format_count(v) if unit else sig(v, 4)

    if m.size == 1:
        return f"{show(float(m.reshape(-1)[0]))} {name}".strip()
    return f"{m.size} values, {show(float(m.min()))} to {show(float(m.max()))} {name}".strip()


# --- quantities of results ----------------------------------------------------------------------


def money(value: float | None) -> str:
    """Dollars the way people say them: $3.71M, $730k, $2.5; '-' when unknown."""
    if value is None:
        return "-"
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"${value / threshold:.3g}{suffix}"
    return f"${value:.3g}"


def gigabytes(value: float | Quantity | None) -> str:
    """Bytes (a number of bytes, or a quantity of memory) as gigabytes with one decimal, or 'unknown'."""
    if value is None:
        return "unknown"
    size = float(value.m_as("GB")) if hasattr(value, "m_as") else value / 1e9
    return f"{size:.1f} GB"


#: Units people read, smallest first: a value is shown in the largest unit it reaches at least 1 of,
#: so no prefix a reader can misread ("mtCO2e", "µtCO2e") ever appears.
LADDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "wall_clock": (("second", "s"), ("minute", "min"), ("hour", "h"), ("day", "days")),
    "energy": (("Wh", "Wh"), ("kWh", "kWh"), ("MWh", "MWh"), ("GWh", "GWh"), ("TWh", "TWh")),
    "co2": (("gCO2e", "gCO2e"), ("kgCO2e", "kgCO2e"), ("tCO2e", "tCO2e"), ("ktCO2e", "ktCO2e"), ("MtCO2e", "MtCO2e")),
}


def _ladder(q: Quantity, field: str) -> str:
    steps = LADDERS[field]
    unit, label = steps[0]
    for candidate, name in steps:
        if abs(float(q.m_as(candidate))) >= 1:
            unit, label = candidate, name
    m = float(q.m_as(unit))
    return f"{m:,.1f} {label}" if m >= 10 and label == "days" else f"{m:.3g} {label}"


def _one(q: Quantity, field: str) -> str:
    if field in LADDERS:
        return _ladder(q, field)
    spec = RESULT_FIELDS.get(field)
    value = q.to(spec.unit) if spec is not None else q
    m = float(value.magnitude)
    if field == "gpu_hours":
        return f"{m:,.0f} GPU-h" if abs(m) >= 100 else f"{m:.3g} GPU-h"
    if field == "cost":
        return money(m)
    return f"{value:.3g~#P}"


def format_quantity(q: Quantity, field: str) -> str:
    """A quantity for people: compact SI prefixes (pint's ``~#P``) and familiar units.

    FLOPs use pint's compact form ("863 ZFLOP"); wall-clock, energy and CO2 a fixed ladder of
    everyday units (``LADDERS``: minutes, hours, days; Wh to GWh; g, kg, t CO2e); GPU-hours keep
    every digit, as papers report them ("1,720,320 GPU-h"), with three significant figures below
    100; dollars read as "$3.71M". An array shows its count and its smallest and largest values.
    """
    magnitude = np.asarray(q.magnitude)
    if magnitude.size == 1:
        return _one(q.__class__(float(magnitude.reshape(-1)[0]), q.units), field)
    low = q.__class__(float(magnitude.min()), q.units)
    high = q.__class__(float(magnitude.max()), q.units)
    return f"{magnitude.size} values, {_one(low, field)} to {_one(high, field)}"


def flop_figure(flop: float) -> str:
    """A FLOP threshold the way the rules write it: 10^25; other figures as 3.94e+25."""
    exponent = round(np.log10(flop)) if flop > 0 else 0
    return f"10^{exponent}" if flop > 0 and np.isclose(flop, 10.0**exponent, rtol=1e-12) else f"{flop:.3g}"


def hours_count(hours: float) -> str:
    """GPU-hours as a bare count: every digit from 100 up, three significant figures below (never "0")."""
    return f"{hours:,.0f}" if hours >= 100 else f"{hours:.3g}"


def compact(q: Quantity, field: str) -> str:
    """Shorter than ``format_quantity``, for 80 columns: GPU-hours as a count (1.29M GPU-h), dollars as money."""
    if field == "cost":
        return money(float(q.m_as("USD")))
    if field == "gpu_hours":
        return f"{format_count(float(q.m_as('GPU_hour')), 3)} GPU-h"
    return format_quantity(q, field)


def plain(value: float) -> str:
    """Three significant figures without exponents for everyday magnitudes: 720, 1,330, 52.6."""
    if abs(value) >= 100:
        digits = max(0, 3 - len(str(int(abs(value)))))
        return f"{round(value, -(len(str(int(abs(value)))) - 3)):,.{digits}f}"
    return f"{value:.3g}"


#: The unit energy and CO2 are shown in by ``compact_value`` and ``bare``, and its label.
_EVERYDAY = {"energy": ("MWh", "MWh"), "co2": ("tCO2e", "t")}


def compact_value(q: Quantity, field: str) -> str:
    """A result in few columns: energy in MWh and CO2 in t as plain numbers, the rest ``compact``."""
    if field in _EVERYDAY:
        unit, label = _EVERYDAY[field]
        return f"{plain(float(q.m_as(unit)))} {label}"
    return compact(q, field)


def bare(q: Quantity, field: str) -> str:
    """A range end as a bare number in the field's display unit (the unit is shown with the value)."""
    if field in _EVERYDAY:
        return plain(float(q.m_as(_EVERYDAY[field][0])))
    text = compact(q, field)
    for unit in (" GPU-h", " days", " day"):
        text = text.removesuffix(unit)
    return text


# --- whole columns -------------------------------------------------------------------------------

_ZERO, _DOT, _MINUS, _PLUS, _E = (ord(c) for c in "0.-+e")


#: Exact powers of ten as floats (correctly rounded beyond 10**22), for scaling by lookup.
_POWERS = np.array([10.0**k for k in range(309)])


def _scaled(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """a x 10**k, with exact powers of ten (a division for k < 0): one rounding where |k| <= 22."""
    scaled: np.ndarray = np.where(k >= 0, a * _POWERS[np.clip(k, 0, 308)], a / _POWERS[np.clip(-k, 0, 308)])
    return scaled


def _mantissa(a: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``digits`` significant digits of each a > 0 as an integer, its decimal exponent, and
    whether the rounding is too close to a tie for floating point to decide."""
    e = np.floor(np.log10(a)).astype(np.int64)
    scaled = _scaled(a, digits - 1 - e)
    d = np.rint(scaled)
    for _ in range(3):  # log10 can be one off near a power of ten; rounding up can carry into one
        wrong = np.flatnonzero((d >= 10.0**digits) | (d < 10.0 ** (digits - 1)))
        if not len(wrong):
            break
        e[wrong] += np.where(d[wrong] >= 10.0**digits, 1, -1)
        scaled[wrong] = _scaled(a[wrong], digits - 1 - e[wrong])
        d[wrong] = np.rint(scaled[wrong])
    margin = 10.0**digits * 2.0**-50  # 4x the error of the scaling (one or two roundings of 2**-53)
    tie = np.abs(scaled - np.floor(scaled) - 0.5) < margin
    return d.astype(np.int64), e, tie


def slots(digits: int) -> int:
    """Bytes one value may take in the template: room for any ``%g`` text and for ``null``."""
    return 2 * digits + 10


def _fill(out: np.ndarray, values: np.ndarray, p: int, missing: bytes) -> None:
    """Write each value as ``f"{v:.{p}g}"`` down the (slots, n) block ``out`` (zero bytes where
    nothing is written); NaN as ``missing``."""
    x = np.asarray(values, dtype=float).reshape(-1)
    usual = np.isfinite(x) & (np.abs(x) > 1e-280)  # zero and the tiniest values aside (Python formats those)
    d, e64, tie = _mantissa(np.where(usual, np.abs(x), 1.0), p)
    zero = x == 0
    d[zero] = 0
    e = np.where(zero, 0, e64).astype(np.int16)
    out[0] = np.signbit(x) * np.uint8(_MINUS)
    small = (e >= -4) & (e < 0)
    whole = (e >= 0) & (e < p)
    sci = ~(small | whole)
    _digits(out, d.astype(np.int32) if p <= 9 else d, e, p, small, whole, sci)
    size = np.abs(e)
    at = 6 + 2 * p - 1
    out[at] = sci * np.uint8(_E)
    out[at + 1] = sci * np.where(e < 0, np.uint8(_MINUS), np.uint8(_PLUS))
    out[at + 2] = (sci & (size >= 100)) * (size // 100 + _ZERO).astype(np.uint8)
    out[at + 3] = sci * ((size // 10) % 10 + _ZERO).astype(np.uint8)
    out[at + 4] = sci * (size % 10 + _ZERO).astype(np.uint8)
    nan = np.flatnonzero(np.isnan(x))
    if len(nan):
        out[:, nan] = 0
        out[: len(missing), nan] = np.frombuffer(missing, dtype=np.uint8)[:, None]
    for i in np.flatnonzero((tie & usual) | (~usual & ~zero & np.isfinite(x)) | np.isinf(x)).tolist():
        text = f"{x[i]:.{p}g}".encode()
        out[:, i] = 0
        out[: len(text), i] = np.frombuffer(text, dtype=np.uint8)


def g_bytes(values: np.ndarray, digits: int = 6, missing: bytes = b"") -> np.ndarray:
    """(n, width) ASCII bytes: each value as ``f"{v:.{digits}g}"``, padded with zero bytes; NaN as ``missing``."""
    x = np.asarray(values, dtype=float).reshape(-1)
    out = np.zeros((slots(digits), len(x)), dtype=np.uint8)
    _fill(out, x, digits, missing)
    return np.ascontiguousarray(out.T)


def _digits(
    out: np.ndarray, d: np.ndarray, e: np.ndarray, p: int, small: np.ndarray, whole: np.ndarray, sci: np.ndarray
) -> None:
    """Fill the slots of ``0.`` and a small fraction's zeros, the digits and the decimal point."""
    out[1] = small * np.uint8(_ZERO)
    out[2] = small * np.uint8(_DOT)
    for j in range(3):
        out[3 + j] = (small & (e < -1 - j)) * np.uint8(_ZERO)
    columns = []
    rest = d
    for _ in range(p):
        rest, digit = np.divmod(rest, 10)
        columns.append(digit.astype(np.uint8))
    columns.reverse()
    kept = np.full(len(d), p, dtype=np.int16)  # significant digits left once trailing zeros go
    trailing = np.ones(len(d), dtype=bool)
    for k in range(p - 1, 0, -1):
        trailing &= columns[k] == 0
        kept -= trailing
    limit = np.where(whole, np.maximum(kept, e + 1), kept)
    point = np.where(whole & (kept > e + 1), e, np.where(sci & (kept > 1), 0, -1))
    for k in range(p):
        out[6 + 2 * k] = (limit > k) * (columns[k] + np.uint8(_ZERO))
        if k < p - 1:
            out[7 + 2 * k] = (point == k) * np.uint8(_DOT)


Part = np.ndarray | bytes
"""One piece of every row: a column of numbers (formatted), an (n, width) byte matrix, or constant bytes."""


def _escaped(text: bytes) -> bytes:
    """UTF-8 text with its control characters but the line break escaped (``printable``)."""
    return printable(text.decode("utf-8")).encode("utf-8")


def joined_rows(parts: Sequence[Part], n: int, digits: int = 6, missing: bytes = b"") -> Printable:
    """n rows of text, each the concatenation of the parts: numbers as ``%.{digits}g`` (NaN as
    ``missing``), byte matrices as they are (zero bytes dropped), constant bytes repeated.

    Each column's template slots that no value uses (the exponent of a column of plain numbers,
    the sign of positive ones...) are left out before the rows are joined, halving the bytes moved.
    Constant bytes and ``missing`` pass ``printable``, and a byte matrix that is not printable ASCII
    is refused (ValueError), so the text is ``Printable``: writing it needs no second scan.
    """
    if n == 0:
        return Printable()
    missing = _escaped(missing)
    blocks = []
    made: dict[int, np.ndarray] = {}  # a column given twice is formatted once
    for part in parts:
        if not isinstance(part, bytes) and id(part) in made:
            blocks.append(made[id(part)])
            continue
        if isinstance(part, bytes):
            if part:
                text = _escaped(part)
                blocks.append(np.broadcast_to(np.frombuffer(text, dtype=np.uint8)[:, None], (len(text), n)))
            continue
        if part.ndim == 2:
            block = np.ascontiguousarray(part.T)
            if np.any(((block < 32) & (block != 0) & (block != 10)) | (block >= 127)):
                raise ValueError("a byte matrix of joined rows must be printable ASCII")
        else:
            block = np.zeros((slots(digits), n), dtype=np.uint8)
            _fill(block, part, digits, missing)
        made[id(part)] = block[block.any(axis=1)]
        blocks.append(made[id(part)])
    flat = np.concatenate(blocks, axis=0).T.reshape(-1)
    return Printable(flat[flat != 0].tobytes(), "utf-8")
