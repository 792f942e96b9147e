"""The evidence a claim is judged against: how its figures are shown, and that it is a fixed value."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError

import pytest

from costcalc.commands.claims.evidence import Evidence
from costcalc.commands.claims.outcome import Reason
from costcalc.render.claim_figures import show


@pytest.mark.parametrize(
    ("quantity", "value", "shown"),
    [
        ("cost", 1_234_567.0, "$1.23M"),  # three significant figures
        ("cost", 2.5e6, "$2.5M"),
        ("gpu-hours", 1_234_567.4, "1,234,567 GPU-h"),
        ("days", 12.34, "12.3 days"),
        ("gpus", 1024, "1,024 GPUs"),
        ("flops", 1.2345e23, "1.235e+23 FLOP"),
        ("tokens", 2e12, "2T tokens"),
        ("params", 7e9, "7B parameters"),
        ("energy", 1234.5, "1,234 MWh"),
        ("co2", 1234.5, "1,234 tCO2e"),
        ("cost", math.nan, "unknown"),
        ("days", math.inf, "unknown"),
    ],
)
def test_figures_are_shown_in_the_claims_unit(quantity: str, value: float, shown: str) -> None:
    assert show(quantity, value) == shown


def test_evidence_is_frozen() -> None:
    evidence = Evidence(1.0, 2.0, "derived", "published", Reason("evidence.params", {"low": 1.0, "high": 2.0}), None)
    with pytest.raises(FrozenInstanceError):
        evidence.low = 0.0  # type: ignore[misc]
