"""'Most X are Y' claims: the share of the shipped runs against the share the wording needs, at its boundary."""

from __future__ import annotations

import pytest

from costcalc.commands.claims.statements import check_share
from costcalc.data.catalog import Catalog
from costcalc.data.runs import load_runs
from costcalc.render.claim_words import said
from costcalc.schemas.claims import ShareCheck


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


@pytest.mark.parametrize(("factor", "verdict"), [(0.99, "consistent"), (1.0, "consistent"), (1.01, "inconsistent")])
def test_share_boundary(catalog: Catalog, factor: float, verdict: str) -> None:
    """The share of dense runs, counted here from the shipped runs, against a needed share of 0.99x,
    1.0x and 1.01x of it: at least the needed share is consistent."""
    runs = load_runs(catalog)
    share = sum(1 for run in runs if run.architecture == "dense") / len(runs)
    check = ShareCheck(kind="share", field="architecture", values=["dense"], min_share=min(1.0, share * factor))
    outcome = check_share(check, catalog, 0.0)
    assert outcome.verdict == verdict
    assert f"({share:.0%})" in said(outcome.deciding)
