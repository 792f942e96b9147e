"""The one parser for what people type (costcalc.base.parse)."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest

from costcalc.base.errors import InputError
from costcalc.base.parse import parse_quantity, to_quantity
from costcalc.base.units import Q_


@pytest.mark.parametrize(
    ("text", "unit", "expected", "expected_unit"),
    [
        ("70e9", "parameter", 70e9, "parameter"),
        ("70B", "parameter", 70e9, "parameter"),
        ("70 billion", "parameter", 70e9, "parameter"),
        ("70 billion parameters", "parameter", 70e9, "parameter"),
        ("2T", "token", 2e12, "token"),
        ("2e12 tokens", "token", 2e12, "token"),
        ("2T tokens", "token", 2e12, "token"),
        ("1.5k", "GPU", 1500, "GPU"),
        ("1,082,990", "GPU_hour", 1_082_990, "GPU_hour"),
        ("1,082,990 GPU-hours", "GPU_hour", 1_082_990, "GPU_hour"),
        ("312 TFLOP/s", "TFLOP/s", 312, "TFLOP/s"),
        ("312 TFLOPS", "TFLOP/s", 312, "TFLOP/s"),
        ("0.312 PFLOP/s", "TFLOP/s", 312, "TFLOP/s"),
        ("2.5 USD/GPU/h", "USD/GPU/hour", 2.5, "USD/GPU/hour"),
        ("2.5 USD per GPU-hour", "USD/GPU/hour", 2.5, "USD/GPU/hour"),
        ("$2.5/GPU/h", "USD/GPU/hour", 2.5, "USD/GPU/hour"),
        ("$2M", "USD", 2e6, "USD"),
        ("2M USD", "USD", 2e6, "USD"),
        ("3.5 months", "day", 3.5 * 365.25 / 12, "day"),
        ("400 W", "W", 400, "W"),
        ("6.5 kW", "W", 6500, "W"),
        ("57 gCO2e/kWh", "gCO2e/kWh", 57, "gCO2e/kWh"),
        ("0.385 kgCO2e/kWh", "gCO2e/kWh", 385, "gCO2e/kWh"),
        ("40%", "dimensionless", 0.4, "dimensionless"),
        ("  0.4  ", "dimensionless", 0.4, "dimensionless"),
        ("80 GB", "GB", 80, "GB"),
    ],
)
def test_accepted_forms(text: str, unit: str, expected: float, expected_unit: str) -> None:
    q = parse_quantity(text, "field", unit)
    assert q.m_as(expected_unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [
        ("", "token", "empty"),
        ("   ", "token", "empty"),
        ("70 kg", "parameter", "expected a parameter count, got a mass"),
        ("2.5 USD/h", "USD/GPU/hour", "expected a price"),
        ("400 W", "token", "expected a token count"),
        ("nan", "token", "expected a number"),
        ("inf", "token", "expected a number"),
        ("1e999", "token", "finite"),
        ("\u0667\u0660", "token", "expected a number"),  # Arabic-Indic digits
        ("\uff17\uff10", "token", "expected a number"),  # full-width digits
        ("9**9**9", "parameter", "chained exponents"),
        ("2 tokens**99", "token", "too large"),
        ("1 m**9**9**9", "token", "chained exponents"),
        ("__import__('os').system('echo hi')", "token", "expected a number"),
        ("1 __import__('os')", "token", "unexpected character"),
        ("1; rm -rf /", "token", "unexpected character"),
        ("70 furlongs", "parameter", "unknown unit"),
        ("x" * 500, "token", "too long"),
        ("70 tokens tokens", "token", "expected a token count"),
    ],
)
def test_rejected_with_field_and_reason(text: str, unit: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_quantity(text, "myfield", unit)
    assert err.value.field == "myfield"
    assert message in err.value.message
    assert str(err.value).startswith("myfield: ")
    assert "\n" not in str(err.value)


def test_text_is_never_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A would-be code injection is read as text: eval and exec are never reached."""
    import builtins

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("evaluated user input")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    for text in ("1 + 1", "2**10", "(lambda: 1)()", "1 tokens * 2", "open('x')"):
        with contextlib.suppress(InputError):
            parse_quantity(text, "f", "token")


def test_numbers_arrays_and_quantities_agree() -> None:
    a = to_quantity(70e9, "params", "parameter")
    b = to_quantity("70B", "params", "parameter")
    c = to_quantity(Q_(70, "gigaparameter"), "params", "parameter")
    assert a.m == b.m == pytest.approx(c.m)
    arr = to_quantity(np.array([1e9, 2e9]), "params", "parameter")
    assert arr.m.tolist() == [1e9, 2e9]
    assert to_quantity([1, 2], "gpus", "GPU").m.tolist() == [1.0, 2.0]


def test_booleans_and_foreign_quantities_are_refused() -> None:
    import pint

    with pytest.raises(InputError, match="boolean"):
        to_quantity(True, "gpus", "GPU")
    other = pint.UnitRegistry()
    with pytest.raises(InputError, match="another pint registry"):
        to_quantity(other.Quantity(1, "second"), "wall", "day")


def test_gpu_hours_and_hours_cannot_be_mixed() -> None:
    """GPU is a dimension: adding GPU-hours to wall-clock hours is an error, not a number."""
    import pint

    with pytest.raises(pint.DimensionalityError):
        Q_(10, "GPU*hour") + Q_(10, "hour")
    assert math.isclose((Q_(10, "GPU*hour") / Q_(2, "GPU")).m_as("hour"), 5)
