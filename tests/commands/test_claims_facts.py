"""Stated facts: products checked exactly, benchmark wins counted against the tolerance and the majority."""

from __future__ import annotations

import pytest

from costcalc.commands.claims.facts import check_benchmark, check_match
from costcalc.render.claim_words import said
from costcalc.schemas.claims import BenchmarkCheck, MatchCheck

TOL = 0.5


@pytest.mark.parametrize(
    ("products", "verdict"),
    [
        ([[2.0, 3.0, 6.0]], "consistent"),
        ([[2.0, 3.0, 6.0 * (1 + 1e-9)]], "inconsistent"),
        ([[4.0, 0.5, 8.0]], "inconsistent"),
    ],
)
def test_products_are_checked_to_twelve_digits(products: list[list[float]], verdict: str) -> None:
    """a x b = product within 1e-12: 2 x 3 = 6 holds; 6·(1 + 1e-9) and 4 x 0.5 = 8 do not."""
    check = MatchCheck(kind="match", article=6.0, source=6.0, products=products)  # type: ignore[arg-type]
    assert check_match(check, None, 0.005).verdict == verdict  # type: ignore[arg-type]


def _benchmark(require: str, *gaps: float) -> BenchmarkCheck:
    """X against Y on one benchmark per gap: X scores 50 + gap, Y 50."""
    scores = [{"benchmark": f"b{i}", "subject": 50 + gap, "others": {"Y": 50.0}} for i, gap in enumerate(gaps)]
    return BenchmarkCheck(kind="benchmark", subject="X", require=require, scores=scores)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("require", "gaps", "verdict"),
    [
        ("all", (1.0, 1.0), "consistent"),
        ("all", (1.0, TOL), "inconsistent"),  # a lead of exactly the tolerance is not a win
        ("all", (1.0, TOL * 1.01), "consistent"),
        ("majority", (1.0, 1.0, -1.0), "consistent"),  # 2 of 3 is a majority: 3 // 2 + 1
        ("majority", (1.0, -1.0, -1.0), "inconsistent"),
        ("majority", (1.0, 1.0, -1.0, -1.0), "inconsistent"),  # 2 of 4 is not: 4 // 2 + 1 = 3
        ("majority", (1.0, 1.0, 1.0, -1.0), "consistent"),
    ],
)
def test_benchmark_wins_counted(require: str, gaps: tuple[float, ...], verdict: str) -> None:
    outcome = check_benchmark(_benchmark(require, *gaps), None, TOL)  # type: ignore[arg-type]
    assert outcome.verdict == verdict
    wins = sum(1 for gap in gaps if gap > TOL)
    needed = len(gaps) if require == "all" else len(gaps) // 2 + 1
    deciding = said(outcome.deciding)
    assert f"higher on {wins} of {len(gaps)}" in deciding and f"(needs {needed})" in deciding
