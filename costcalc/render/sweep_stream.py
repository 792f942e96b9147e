"""Every row of a sweep as CSV or JSON, streamed in chunks and formatted a column at a time.

Neither format builds the whole text, a list of records or a matrix of the columns: rows go out
in chunks of ``ROWS_PER_CHUNK``, each formatted by ``costcalc.render.numbers`` (numpy, one column
at a time) from views of the result's own arrays. A column that holds one value in a run of rows
is formatted once. CSV numbers have 6 significant digits (``%.6g``), JSON numbers 12; a missing
result is an empty CSV cell or JSON ``null``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.base.labels import RESULT_FIELDS
from costcalc.base.text import Printable
from costcalc.render.numbers import Part, joined_rows
from costcalc.render.sweep_notes import note_text

if TYPE_CHECKING:
    from costcalc.base.units import Quantity
    from costcalc.commands.sweep import SweepResult

__all__ = ["CSV_DIGITS", "JSON_DIGITS", "ROWS_PER_CHUNK", "csv_stream", "json_stream", "sweep_columns"]

ROWS_PER_CHUNK = 50_000
CSV_DIGITS = 6
JSON_DIGITS = 12
#: JSON's fits: index 0 no, 1 yes, 2 unknown (zero bytes are dropped when rows are joined).
_FITS = np.frombuffer(b"false" + b"true\0" + b"null\0", dtype=np.uint8).reshape(3, 5)


def sweep_columns(result: SweepResult) -> tuple[list[str], list[str], list[np.ndarray]]:
    """Headers of the categorical columns, headers of the numeric ones, and the numeric columns.

    Numeric columns: the swept quantities, each result, ``memory_gb``, ``fits`` (1 yes, 0 no, NaN
    unknown), then each result's range ends (``_low``, ``_high``). Results that cannot be computed
    (no price, no power) are NaN; every value is in the unit of ``Estimate.to_dict``'s key. The
    columns are the result's own arrays, not copies; a swept quantity is read in the unit ``sweep``
    holds it in (its input's, as in ``SweepResult.to_dict``).
    """
    labels = [k for k, v in result.columns.items() if isinstance(v, list)]
    numeric = [k for k in result.columns if k not in labels]
    specs = [spec for field, spec in RESULT_FIELDS.items() if field != "hardware_flops"]
    headers = [*numeric, *(spec.key for spec in specs), "memory_gb", "fits"]
    data = [np.asarray(_column(result, k).magnitude, dtype=float) for k in numeric]
    data += [result.values[spec.key].m_as(spec.unit) for spec in specs]
    data += [result.memory.m_as("GB"), result.fits]
    for spec in specs:
        for end, values in zip(("low", "high"), result.ranges[spec.key], strict=True):
            headers.append(f"{spec.key}_{end}")
            data.append(values.m_as(spec.unit))
    return labels, headers, data


def _column(result: SweepResult, name: str) -> Quantity:
    column = result.columns[name]
    assert not isinstance(column, list)  # a swept quantity, not names
    return column


def _runs(result: SweepResult, labels: list[str]) -> Iterator[tuple[int, int, tuple[Any, ...]]]:
    """(start, end, labels) of each run of rows with the same categorical values."""
    start = 0
    for key, group in itertools.groupby(zip(*(result.columns[k] for k in labels), strict=True)):
        count = sum(1 for _ in group)
        yield start, start + count, key
        start += count


def _chunks(result: SweepResult, labels: list[str]) -> Iterator[tuple[int, int, tuple[Any, ...], bool]]:
    """(start, end, labels, first chunk of its run) of every chunk of rows."""
    runs = _runs(result, labels) if labels else iter([(0, len(result), ())])
    for start, end, key in runs:
        for at in range(start, end, ROWS_PER_CHUNK):
            yield at, min(end, at + ROWS_PER_CHUNK), key, at == start


def _constant(column: np.ndarray, digits: int, missing: str) -> bytes | None:
    """The column's one value as text when it holds one value throughout (NaN counts as one), else None."""
    first = column[0]
    if np.isnan(first):
        return missing.encode() if bool(np.all(np.isnan(column))) else None
    return f"{first:.{digits}g}".encode() if bool(np.all(column == first)) else None


def _twins(headers: list[str], columns: list[np.ndarray], start: int, end: int) -> list[int]:
    """For each column, the first column equal to it over the rows (a range end equal to its
    central value, as FLOPs' are), so that it is formatted once."""
    index = {header: i for i, header in enumerate(headers)}
    twins = list(range(len(columns)))
    for i, header in enumerate(headers):
        central = index.get(header.removesuffix("_low").removesuffix("_high"), i)
        if central != i and np.array_equal(columns[i][start:end], columns[central][start:end], equal_nan=True):
            twins[i] = central
    return twins


def csv_stream(result: SweepResult) -> Iterator[tuple[str, int]]:
    """The CSV text in chunks, each with the rows written so far; the categorical values first."""
    labels, headers, columns = sweep_columns(result)
    yield ",".join([*labels, *headers]) + "\n", 0
    fixed: list[bytes | None] = []
    twins: list[int] = []
    for start, end, key, first in _chunks(result, labels):
        if first:
            fixed = [_constant(column[start:end], CSV_DIGITS, "") for column in columns]
            twins = _twins(headers, columns, start, end)
        cut: list[np.ndarray] = []
        parts: list[Part] = ["".join(f"{value}," for value in key).encode()]
        for i, (column, constant) in enumerate(zip(columns, fixed, strict=True)):
            cut.append(cut[twins[i]] if twins[i] < i else column[start:end])
            parts += [cut[i] if constant is None else constant, b","]
        parts[-1] = b"\n"
        yield joined_rows(parts, end - start, CSV_DIGITS), end


def json_stream(result: SweepResult) -> Iterator[tuple[str, int]]:
    """``{"rows": [...], "notes": [...]}`` in chunks, one row per line with its ``[low, high]`` ranges."""
    labels, headers, columns = sweep_columns(result)
    split = headers.index("fits")
    yield '{"rows": [\n', 0
    separator = ""
    for start, end, key, _ in _chunks(result, labels):
        named = "".join(
            f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}, " for k, v in zip(labels, key, strict=True)
        )
        parts: list[Part] = [("{" + named).encode()]
        for header, column in zip(headers[:split], columns[:split], strict=True):
            parts += [f'"{header}": '.encode(), column[start:end], b", "]
        fits = columns[split][start:end]
        parts += [b'"fits": ', _FITS[np.where(np.isnan(fits), 2, fits).astype(np.intp)], b', "range": {']
        for k in range(split + 1, len(headers), 2):
            parts += [f'"{headers[k].removesuffix("_low")}": ['.encode(), columns[k][start:end], b", "]
            parts += [columns[k + 1][start:end], b"], " if k + 2 < len(headers) else b"]"]
        parts.append(b"}},\n")
        text = joined_rows(parts, end - start, JSON_DIGITS, b"null")
        # the comma after the last row goes out only before the next (the separator is plain text)
        yield Printable(separator + text[:-2]), end
        separator = ",\n"
    notes = [note_text(note) for note in result.notes]
    yield f'\n], "notes": {json.dumps(notes, ensure_ascii=False)}}}\n', len(result)
