"""One parser for every quantity a person types: the CLI, the API, the TUI and preset files use it.

Accepted forms (numbers are ASCII decimal, optionally with ``,`` or ``_`` between digit groups):

* plain numbers in the field's own unit: ``70e9``, ``2000``, ``0.4``
* a scale word or suffix: ``70B``, ``70 billion``, ``2T``, ``1.5k``, ``2M USD``
* a unit expression: ``2e12 tokens``, ``312 TFLOP/s``, ``2.5 USD/GPU/h``, ``2.5 USD per GPU-hour``,
  ``3.5 months``, ``400 W``, ``57 gCO2e/kWh``, ``40%``, ``$2M``

Safety: the text is never evaluated. The number is read by a regular expression and ``float``;
only the unit part reaches pint, and only after a whitelist check that admits letters, digits,
``* / · ( ) % _`` and exponents of at most 9, at most ``MAX_TOTAL_EXPONENT`` in all, never
nested: a tower such as ``9**9**9`` or ``((ks/s)**9)**9`` is rejected before pint sees it (pint
would raise its factor to the 729th power and overflow). Every error from pint, and any
arithmetic error while converting, becomes an ``InputError`` naming the field.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity, ureg

__all__ = ["describe_dimension", "format_count", "parse_quantity", "to_quantity"]

MAX_INPUT_LENGTH = 200
#: The sum of the absolute exponents in one unit: real units need 3 at most (m**2/s**3).
MAX_TOTAL_EXPONENT = 12

_NUMBER = re.compile(
    r"""^\s*(?P<sign>[+-]?)
    (?P<int>[0-9]{1,3}(?:[,_][0-9]{3})+|[0-9]+)?(?:\.(?P<frac>[0-9]+))?
    (?:[eE](?P<exp>[+-]?[0-9]{1,4}))?""",
    re.VERBOSE,
)

#: Scale words and suffixes (short scale). Suffixes apply only when followed by a space or the end.
_SCALES: dict[str, float] = {
    "k": 1e3,
    "K": 1e3,
    "thousand": 1e3,
    "M": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "B": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "T": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
    "quadrillion": 1e15,
}
_SCALE = re.compile(r"^\s*(?P<word>[A-Za-z]+)(?=\s|$)")
_UNIT_CHARS = re.compile(r"^[A-Za-z0-9_µμ%*/·^()\s.]*$")
_EXPONENT = re.compile(r"(\*\*|\^)\s*(?P<value>[-+]?\s*[0-9]*\.?[0-9]*)")
_DASHED_WORDS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)-([A-Za-z_][A-Za-z0-9_]*)")

_DIMENSION_NAMES: dict[str, str] = {
    "[compute]": "a FLOP count",
    "[compute] / [time]": "a throughput such as 312 TFLOP/s",
    "[token]": "a token count",
    "[parameter]": "a parameter count",
    "[accelerator]": "a GPU count",
    "[accelerator] * [time]": "GPU-hours",
    "[time]": "a duration such as 30 days",
    "[currency]": "an amount of money such as 2M USD",
    "[currency] / [accelerator] / [time]": "a price such as 2.5 USD/GPU/h",
    "[mass] * [length] ** 2 / [time] ** 3": "a power such as 400 W",
    "[mass] * [length] ** 2 / [time] ** 2": "an energy such as 1.4 GWh",
    "[emissions]": "an emissions mass such as 25 tCO2e",
    "[emissions] * [time] ** 2 / [mass] / [length] ** 2": "a carbon intensity such as 385 gCO2e/kWh",
    "[information]": "a memory size such as 80 GB",
    "[mass]": "a mass",
    "[length]": "a length",
    "[information] / [time]": "a bandwidth such as 2 TB/s",
    "dimensionless": "a plain number",
}


def format_count(value: float, digits: int = 4) -> str:
    """A count the way people write it and ``parse_quantity`` reads it back: 2T, 70B, 1.5k."""
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


@lru_cache(maxsize=512)
def unit_of(text: str) -> Any:
    """The registry's unit for a (trusted or already whitelisted) unit string, parsed once."""
    return ureg.parse_units(text)


def describe_dimension(unit: Any) -> str:
    """A reader's name for the dimension of a unit or quantity ("a token count", ...)."""
    dim = unit_of(unit).dimensionality if isinstance(unit, str) else unit.dimensionality
    key = "dimensionless" if not dim else str(dim)
    return _DIMENSION_NAMES.get(key, f"a quantity of dimension {key}")


def _clean_unit(text: str, field: str) -> str:
    unit = text.strip()
    if unit.startswith("$"):
        unit = "USD" + unit[1:]
    unit = re.sub(r"\s+per\s+", " / ", unit)
    unit = _DASHED_WORDS.sub(r"(\1*\2)", unit)
    if not _UNIT_CHARS.match(unit):
        bad = next(ch for ch in unit if not _UNIT_CHARS.match(ch))
        raise InputError(field, f"unexpected character {bad!r} in unit {text.strip()!r}")
    _check_exponents(unit, field)
    return unit


def _check_exponents(unit: str, field: str) -> None:
    """Refuse exponents that could overflow pint: nested or chained, over 9, or over the total.

    One pass over the text: a stack records, for each open parenthesis, whether its group
    holds an exponent, so an exponent applied to such a group (``(x**9)**9``) is nested.
    """
    groups = [False]  # does the group at each depth hold an exponent? (index 0: the whole unit)
    closed_with_exponent = False  # the group that just closed held one
    total = 0.0
    position = 0
    while position < len(unit):
        char = unit[position]
        if char == "(":
            groups.append(False)
        elif char == ")":
            if len(groups) == 1:
                raise InputError(field, "unbalanced parentheses in the unit")
            closed_with_exponent = groups.pop()
            groups[-1] = groups[-1] or closed_with_exponent
            position += 1
            continue
        elif unit.startswith(("**", "^"), position):
            match = _EXPONENT.match(unit, position)
            assert match is not None  # the pattern matches any operator, with or without a number
            text = match["value"].replace(" ", "")
            try:
                exponent = abs(float(text))
            except ValueError:
                raise InputError(field, "an exponent must be a number such as 2 or -1") from None
            before = unit[:position].rstrip()
            if before.endswith(")") and closed_with_exponent:
                raise InputError(field, "nested exponents are not allowed in units")
            after = unit[match.end() :].lstrip()
            if after.startswith(("**", "^")):
                raise InputError(field, "chained exponents are not allowed in units")
            if exponent > 9:
                raise InputError(field, f"unit exponent {text!r} is too large (at most 9)")
            total += exponent
            if total > MAX_TOTAL_EXPONENT:
                raise InputError(field, f"the unit's exponents add up to more than {MAX_TOTAL_EXPONENT}")
            groups[-1] = True
            position = match.end()
            closed_with_exponent = False
            continue
        if not char.isspace():
            closed_with_exponent = False
        position += 1


def parse_quantity(text: str, field: str, unit: str) -> Quantity:
    """Parse ``text`` into a quantity in ``unit`` for the input named ``field``.

    A bare number is taken to be in ``unit``. Raises ``InputError`` (naming ``field``) for
    anything that is not a finite number with a unit of the right dimension.
    """
    if not isinstance(text, str):
        raise InputError(field, f"expected text, got {type(text).__name__}")
    if len(text) > MAX_INPUT_LENGTH:
        raise InputError(field, f"input is too long ({len(text)} characters; at most {MAX_INPUT_LENGTH})")
    raw = text.strip()
    if not raw:
        raise InputError(field, f"expected {describe_dimension(unit)}, got an empty value")
    dollar = raw.startswith("$")
    body = raw[1:] if dollar else raw
    match = _NUMBER.match(body)
    if match is None or (match.group("int") is None and match.group("frac") is None):
        raise InputError(field, f"expected a number such as {_example(unit)}, got {raw!r}")
    digits = (match.group("int") or "0").replace(",", "").replace("_", "")
    number = float(f"{match.group('sign')}{digits}.{match.group('frac') or '0'}e{match.group('exp') or '0'}")
    rest = body[match.end() :]
    scale_match = _SCALE.match(rest)
    if scale_match and scale_match.group("word") in _SCALES:
        number *= _SCALES[scale_match.group("word")]
        rest = rest[scale_match.end() :]
    if not math.isfinite(number):
        raise InputError(field, f"expected a finite number, got {raw!r}")
    unit_text = f"USD {rest}" if dollar else rest
    if not unit_text.strip():
        return Q_(number, unit_of(unit))
    cleaned = _clean_unit(unit_text, field)
    try:
        parsed_unit = unit_of(cleaned)
    except pint.UndefinedUnitError as err:
        raise InputError(field, f"unknown unit {str(err.args[0]) if err.args else cleaned!r} in {raw!r}") from None
    except Exception:  # pint's expression parser raises several types on malformed text
        raise InputError(field, f"cannot read the unit {unit_text.strip()!r} in {raw!r}") from None
    try:
        quantity = Q_(number, parsed_unit)
    except (ArithmeticError, ValueError):
        raise InputError(field, f"cannot read the unit {unit_text.strip()!r} in {raw!r}") from None
    return _convert(quantity, field, unit, raw)


def _example(unit: str) -> str:
    examples = {
        "parameter": "70e9 or 70B",
        "token": "2e12 or 2T tokens",
        "GPU": "2000",
        "USD / GPU / hour": "2.5 USD/GPU/h",
        "dimensionless": "0.4 or 40%",
    }
    return examples.get(unit, f"1.5 {unit}")


def _convert(quantity: Quantity, field: str, unit: str, shown: str) -> Quantity:
    try:
        target = unit_of(unit)
        return quantity if quantity.units == target else quantity.to(target)
    except pint.DimensionalityError:
        got = describe_dimension(quantity)
        raise InputError(field, f"expected {describe_dimension(unit)}, got {got} ({shown})") from None
    except ArithmeticError:  # a conversion factor beyond floating point (OverflowError...)
        raise InputError(field, f"{shown} is out of the range of numbers costcalc can handle") from None


#: The most values one array input may hold (sweeps and the API alike); see the README.
MAX_ARRAY_SIZE = 1_000_000
#: numpy broadcasts at most 32 dimensions.
MAX_ARRAY_DIMENSIONS = 32


def _digits(value: Any) -> str:
    text = str(value) if not isinstance(value, int) or abs(value) < 10**50 else f"a {len(str(abs(value)))}-digit number"
    return text


def _real_array(value: Any, field: str) -> np.ndarray:
    """An array of real numbers (no booleans, complex numbers, text or objects), size-capped."""
    size = getattr(value, "size", None) if isinstance(value, np.ndarray) else len(value)
    if size is not None and size > MAX_ARRAY_SIZE:
        raise InputError(field, f"too many values ({size:,}; at most {MAX_ARRAY_SIZE:,})")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError, RuntimeError):  # ragged, too deep (> 32 dimensions)...
        raise InputError(field, "expected numbers in the array") from None
    if array.dtype.kind == "O" and all(isinstance(v, int | float) and not isinstance(v, bool) for v in array.flat):
        try:
            array = array.astype(float)  # Python ints too large for int64
        except OverflowError:
            raise InputError(field, "a value in the array is too large for a floating-point number") from None
    if array.dtype.kind == "b":
        raise InputError(field, "expected numbers in the array, got booleans")
    if array.dtype.kind == "c":
        raise InputError(field, "expected real numbers in the array, got complex numbers")
    if array.dtype.kind not in "iuf":
        raise InputError(field, "expected numbers in the array")
    if array.size > MAX_ARRAY_SIZE:
        raise InputError(field, f"too many values ({array.size:,}; at most {MAX_ARRAY_SIZE:,})")
    if array.ndim > MAX_ARRAY_DIMENSIONS:
        raise InputError(field, f"too many dimensions ({array.ndim}; at most {MAX_ARRAY_DIMENSIONS})")
    return array.astype(float)


def to_quantity(value: Any, field: str, unit: str) -> Quantity:
    """Turn a number, numpy array, string or pint quantity into a quantity in ``unit``.

    Numbers and arrays are taken to be in ``unit``; strings go through ``parse_quantity``;
    quantities are converted (and must come from costcalc's registry). Booleans are refused.
    """
    if isinstance(value, bool | np.bool_):
        raise InputError(field, f"expected {describe_dimension(unit)}, got a boolean")
    if isinstance(value, str):
        return parse_quantity(value, field, unit)
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            raise InputError(field, "quantity comes from another pint registry; use costcalc.ureg")
        magnitude = _real_magnitude(value.magnitude, field, "the quantity's magnitude")
        return _convert(Q_(magnitude, value.units), field, unit, f"{value:~P}")
    return Q_(_real_magnitude(value, field, describe_dimension(unit)), unit_of(unit))


def _real_magnitude(value: Any, field: str, expected: str) -> float | np.ndarray:
    """A real float or array of floats from a number or array; anything else (booleans, complex
    numbers, text, objects) is an ``InputError`` saying what was ``expected``."""
    if isinstance(value, bool | np.bool_):
        raise InputError(field, f"expected {expected}, got a boolean")
    if isinstance(value, int | float | np.integer | np.floating):
        try:
            return float(value)
        except OverflowError:
            raise InputError(field, f"{_digits(value)} is too large for a floating-point number") from None
    if isinstance(value, np.ndarray | list | tuple):
        return _real_array(value, field)
    if isinstance(value, complex | np.complexfloating):
        raise InputError(field, f"expected a real number, got the complex number {value}")
    raise InputError(field, f"expected {expected}, got {type(value).__name__}")
