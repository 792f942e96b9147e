"""Golden test: every verdict and deciding number of the article check and of the README's claim examples.

``golden/claims.json`` was written from ``costcalc check`` (the article) and the README's
``costcalc check --model ... --claim ...`` examples before the two numeric claim checkers were
merged, so the merge can be seen to change no verdict, no deciding number and no tolerance. A row
corrected on purpose changes here in the same commit, and the commit says why.

What is stored per claim: the verdict, the numbers of the deciding text and of the tolerance text,
as printed. What must hold: the same verdict; every figure of the deciding text (an unsigned number:
a published or computed figure, a claimed value, a price, an efficiency) still printed in it, at any
precision that reads as the same number; and the same tolerance (its first percentage). Signed
numbers are relative differences worked out from the figures (``+10%``, ``claim -70.9%``), which a
checker may state either way round; the words around the numbers may change.

Regenerate (after a deliberate change only): ``python tests/commands/test_claims_golden.py``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import costcalc
from costcalc.commands.checks import ClaimCheck

GOLDEN = Path(__file__).parent / "golden" / "claims.json"

#: The README's one-line claim examples (section "One-line claims about any model" and "Reports").
README_EXAMPLES: list[tuple[str, list[str]]] = [
    ("falcon-180b", ["cost > 80M USD"]),
    ("bloom", ["gpu-hours = 1082990", "days ~ 3.5 months"]),
    ("llama-2-70b", ["gpu-hours = 500000"]),
]

_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?%?")


def numbers(text: str) -> list[str]:
    """The numbers of a text as printed, e.g. 'needs 11.43 USD ... is 4.10' -> ['11.43', '4.10']."""
    return _NUMBER.findall(text)


def pinned(result: ClaimCheck) -> dict[str, Any]:
    return {"verdict": result.verdict, "deciding": numbers(result.deciding), "tolerance": numbers(result.tolerance)}


def current() -> dict[str, dict[str, Any]]:
    rows = {f"article {r.id}": pinned(r) for r in costcalc.check_article()}
    for model, claims in README_EXAMPLES:
        for claim, result in zip(claims, costcalc.check_claims(claims, model=model), strict=True):
            rows[f"{model}: {claim}"] = pinned(result)
    return rows


@pytest.fixture(scope="module")
def now() -> dict[str, dict[str, Any]]:
    return current()


def _golden() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def test_every_golden_row_is_still_checked(now: dict[str, dict[str, Any]]) -> None:
    assert sorted(now) == sorted(_golden())


def value(number: str) -> float:
    return float(number.replace(",", "").rstrip("%"))


def figures(printed: list[str]) -> list[float]:
    """The unsigned numbers (figures, not relative differences) of a list of printed numbers."""
    return [value(n) for n in printed if n[0] not in "+-"]


def tolerance(printed: list[str]) -> float | None:
    """The first percentage of a tolerance text, the tolerance itself (None for count rules)."""
    return next((value(n) for n in printed if n.endswith("%")), None)


def same_figures(golden: list[str], now: list[str]) -> list[float]:
    """The golden figures no longer printed (empty when every one still is)."""
    printed = figures(now)
    return [g for g in figures(golden) if not any(math.isclose(g, p, rel_tol=1e-9) for p in printed)]


@pytest.mark.parametrize("key", sorted(_golden()))
def test_verdict_deciding_numbers_and_tolerance_unchanged(now: dict[str, dict[str, Any]], key: str) -> None:
    golden = _golden()[key]
    assert now[key]["verdict"] == golden["verdict"]
    assert same_figures(golden["deciding"], now[key]["deciding"]) == [], now[key]["deciding"]
    assert tolerance(now[key]["tolerance"]) == tolerance(golden["tolerance"])


def test_the_number_reader_keeps_signs_separators_and_percent() -> None:
    text = "needs 11.43 USD; 1,082,990 GPU-h (claim -70.9%) against 3.758e+24"
    assert numbers(text) == ["11.43", "1,082,990", "-70.9%", "3.758e+24"]


def test_a_lost_or_changed_figure_is_caught_and_precision_is_not() -> None:
    golden = numbers("117.5 days against the stated 106.5 (+10%); 3.750e+24")
    assert same_figures(golden, numbers("the figure 117.5 days against 106.5 days (claim -9.4%); 3.75e+24")) == []
    assert same_figures(golden, numbers("the figure 118.2 days against 106.5 days; 3.75e+24")) == [117.5]
    assert same_figures(golden, numbers("117.5 days; 3.75e+24")) == [106.5]
    assert tolerance(numbers("within 25% of observed 1.29-4.10")) == tolerance(numbers("25.0% (before it ...)"))
    assert tolerance(numbers("majority: higher on 2 of 3")) is None


if __name__ == "__main__":  # regenerate after a deliberate change
    GOLDEN.write_text(json.dumps(current(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.exit(0)
