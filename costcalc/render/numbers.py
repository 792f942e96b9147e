"""Whole columns of numbers as text at once: C's ``%.Pg`` for a million values without a Python loop.

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

import numpy as np

from costcalc.base.text import Printable, printable

__all__ = ["Part", "g_bytes", "joined_rows", "slots"]

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
