"""Reading what ``--over`` (or ``costcalc.sweep``'s mapping) sweeps: each input's values, checked.

``name=v1,v2,...`` lists values; ``name=start..stop:log:N`` / ``:lin:N`` spaces them. Quantities
come back as an array in the field's unit, categorical inputs as their strings; GPU and node counts
are whole numbers (a range is rounded, its duplicates dropped and said). Every error names ``--over``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.parse import parse_quantity
from costcalc.commands.sweep_notes import WholeCounts
from costcalc.estimator.guards import MAX_POINTS
from costcalc.estimator.input_fields import categorical, sweepable

__all__ = ["MAX_LISTED", "MAX_SPEC_LENGTH", "RANGE_FORM", "WHOLE", "axis", "parse_sweep"]

#: Longest ``--over`` text read (a list of 100,000 short values fits); checked before parsing.
MAX_SPEC_LENGTH = 2_000_000
MAX_LISTED = 100_000
#: Swept inputs that count whole things: a range over them is rounded to whole counts.
WHOLE = frozenset({"gpus", "nodes"})


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


#: How a range is written, shown by every error about one.
RANGE_FORM = "a range is START..STOP:lin:N or START..STOP:log:N (N points)"


def _range_error(name: str, problem: str) -> InputError:
    return InputError("over", f"{name}: {problem}; {RANGE_FORM}")


def _spaced(name: str, unit: str, parts: tuple[str, str, str, str]) -> np.ndarray:
    start_text, stop_text, scale, count_text = parts
    if not count_text.strip().isdigit() or len(count_text.strip()) > 7:
        raise _range_error(name, f"the number of points must be a whole number from 2 to {MAX_POINTS:,}")
    try:
        start, stop = (_value(text, name, unit) for text in (start_text, stop_text))
    except InputError as err:
        raise _range_error(name, err.message.removeprefix(f"{name}: ")) from None
    count = int(count_text)
    if not 2 <= count <= MAX_POINTS:
        raise _range_error(name, f"the number of points must be between 2 and {MAX_POINTS:,}")
    if scale == "log":
        if start <= 0 or stop <= 0:
            raise _range_error(name, "a log-spaced range needs positive ends")
        return np.geomspace(start, stop, count)
    return np.linspace(start, stop, count)


def _value(text: str, name: str, unit: str) -> float:
    """One swept value; an error names ``--over`` and the swept input."""
    try:
        return float(parse_quantity(text, name, unit).m)
    except InputError as err:
        raise InputError("over", f"{name}: {err.message}") from None


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def parse_sweep(spec: str) -> tuple[str, np.ndarray | list[str], WholeCounts | None]:
    """``name=v1,v2,...`` or ``name=start..stop:log:N`` / ``:lin:N`` into (name, values, note).

    Quantities come back as an array in the field's unit; categorical inputs as their strings. A
    range over GPUs or nodes is rounded to whole numbers with duplicates dropped, and the note says so.
    """
    if not isinstance(spec, str):
        raise InputError("over", "expected NAME=VALUES")
    if len(spec) > MAX_SPEC_LENGTH:
        raise InputError("over", f"the value is too long ({len(spec):,} characters; at most {MAX_SPEC_LENGTH:,})")
    name, sep, values = spec.partition("=")
    name = name.strip().replace("-", "_")
    names = (*sweepable(), *categorical())
    if not sep or name not in names:
        raise InputError("over", f"expected NAME=VALUES with NAME one of {', '.join(names)}, got {_shown(spec)!r}")
    unit = sweepable().get(name, "")
    parts = _range_parts(values.strip())
    if name in categorical() and name not in WHOLE:
        if parts:
            raise InputError("over", f"{name}: list the values (a,b,c); a range needs numbers")
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not items:
            raise InputError("over", f"{name}: no values given")
        if len(items) > MAX_LISTED:
            raise InputError("over", f"{name}: too many listed values (at most {MAX_LISTED:,})")
        return name, items, None
    if parts:
        return _whole(name, _spaced(name, unit or "dimensionless", parts), parts)
    if ".." in values:  # a range with its scale or count missing or misspelt
        raise _range_error(name, f"cannot read the range {_shown(values.strip())!r}")
    items = [v for v in values.split(",") if v.strip()]
    if not items:
        raise InputError("over", f"{name}: no values given")
    if len(items) > MAX_LISTED:
        raise InputError("over", f"{name}: too many listed values (at most {MAX_LISTED:,}; use a range)")
    listed = np.array([_value(v, name, unit or "dimensionless") for v in items])
    if name in WHOLE and not np.all(listed == np.round(listed)):
        raise InputError("over", f"{name}: counts are whole numbers, got {listed[listed != np.round(listed)][0]:g}")
    return name, listed, None


def axis(name: Any, values: Any) -> tuple[str, np.ndarray | list[str], WholeCounts | None]:
    """One swept input given as Python values: checked and converted as ``parse_sweep`` does text."""
    if not isinstance(name, str):
        raise InputError("over", f"input names are text, got {type(name).__name__}")
    if isinstance(values, str):
        return parse_sweep(f"{name}={values}")
    key = name.strip().replace("-", "_")
    names = (*sweepable(), *categorical())
    if key not in names:
        raise InputError("over", f"{name!r} cannot be swept; one of {', '.join(names)}")
    unit = sweepable().get(key, "dimensionless")
    if hasattr(values, "m_as"):  # a pint quantity
        values = np.asarray(values.m_as(unit) if unit != "dimensionless" else values.m_as(""))
    count = len(values) if isinstance(values, Sequence | np.ndarray | range) else 0  # counted, not built
    limit = MAX_LISTED if key in categorical() and key not in WHOLE else MAX_POINTS
    if not 1 <= count <= limit:
        raise InputError("over", f"{key}: expected 1 to {limit:,} values, as a list, range or array (got {count:,})")
    items = list(np.asarray(values).reshape(-1)) if isinstance(values, np.ndarray) else list(values)
    if key in categorical() and key not in WHOLE:
        return key, [str(v) for v in items], None
    listed = np.array([_value(v, key, unit) if isinstance(v, str) else _number(v, key) for v in items])
    if key in WHOLE and not np.all(listed == np.round(listed)):
        raise InputError("over", f"{key}: counts are whole numbers, got {listed[listed != np.round(listed)][0]:g}")
    return key, listed, None


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError("over", f"{name}: expected numbers or texts with units, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise InputError("over", f"{name}: expected finite numbers")
    return number


def _whole(
    name: str, values: np.ndarray, parts: tuple[str, str, str, str]
) -> tuple[str, np.ndarray, WholeCounts | None]:
    """A range over a whole count rounded to whole counts, duplicates dropped, and the note that says so."""
    if name not in WHOLE:
        return name, values, None
    points = np.unique(np.maximum(1.0, np.round(values)))
    points = points if values[0] <= values[-1] else points[::-1]
    return name, points, WholeCounts(name, parts[2], len(points), len(values) - len(points))
