"""Capacity and ratio claims: the verdict boundary at 0.99x and 1.01x of the tolerance, by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from costcalc.base.units import Q_
from costcalc.commands.claims.figures import check_capacity, check_ratio
from costcalc.commands.claims.subject import figures_of
from costcalc.data.catalog import Catalog
from costcalc.render.claim_words import said
from costcalc.schemas.claims import CapacityCheck, RatioCheck

TOL = 0.1


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


def _capacity(used: float) -> CapacityCheck:
    """10 GPUs from 1 January over 10 to 20 days: 2,400 to 4,800 GPU-hours of capacity."""
    return CapacityCheck(
        kind="capacity", gpus=10, start=dt.date(2024, 1, 1), end_earliest=dt.date(2024, 1, 11),
        end_latest=dt.date(2024, 1, 21), used_gpu_hours=Q_(used, "GPU_hour"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("used", "verdict"),
    [(2160 * 0.99, "inconsistent"), (2160, "consistent"), (2160 * 1.01, "consistent"), (1200, "inconsistent")],
)
def test_capacity_boundary(catalog: Catalog, used: float, verdict: str) -> None:
    """The used GPU-hours fill at most used / 2,400 of the capacity: consistent from 1 - 10% = 90%, i.e.
    2,160 GPU-hours (at 0.99x of it, 89.1%, not; at 1.01x, 90.9%, yes). 1,200 used fill 25% to 50%, and
    on 10 dedicated GPUs take 1,200 / 240 = 5 days."""
    outcome = check_capacity(_capacity(used), catalog, TOL)
    assert outcome.verdict == verdict
    assert f"at most {used / 2400:.0%}" in said(outcome.deciding)
    assert f"= {used / 4800:.0%}-{used / 2400:.0%};" in said(outcome.estimate)
    if used == 1200:
        assert "5 days on 10 dedicated GPUs" in said(outcome.estimate)


@pytest.mark.parametrize(("factor", "verdict"), [(0.99, "consistent"), (1.01, "inconsistent")])
def test_ratio_boundary(catalog: Catalog, factor: float, verdict: str) -> None:
    """Both ratios must lie within claimed·(1 ± 10%): with the GPU-hour ratio equal to costcalc's FLOP
    ratio r, a claim of r / (1 + 0.1·f) holds at f = 0.99 and not at 1.01, and likewise r / (1 - 0.1·f)."""
    num, den = figures_of(catalog, model="llama-2-70b").flops, figures_of(catalog, model="llama-2-7b").flops
    ratio = float((num / den).m_as(""))
    for claimed in (ratio / (1 + TOL * factor), ratio / (1 - TOL * factor)):
        check = RatioCheck(
            kind="ratio", claimed=claimed, numerator="llama-2-70b", denominator="llama-2-7b",
            numerator_gpu_hours=Q_(ratio * 1000, "GPU_hour"), denominator_gpu_hours=Q_(1000, "GPU_hour"),
        )  # fmt: skip
        assert check_ratio(check, catalog, TOL).verdict == verdict
