"""What a quantity claim's outcome says: the reason, the deciding number and the tolerance, per branch.

Each expected text is rebuilt here from the evidence the claim is judged against (its figure, its
ends, the published GPU-hours and observed prices), so a recalibration moves both sides alike; the
wording is the one ``costcalc check`` prints.
"""

from __future__ import annotations

import pytest

from costcalc.commands.checks import check_claim
from costcalc.commands.claims.evidence import Evidence, evidence_for
from costcalc.commands.claims.outcome import Outcome
from costcalc.commands.claims.subject import resolve_subject
from costcalc.data.catalog import Catalog
from costcalc.render.claim_figures import show
from costcalc.render.claim_words import said
from costcalc.render.words import worded
from costcalc.schemas.claims import Claim

BLOOM = {"model": "bloom"}
LLAMA = {"model": "llama-2-70b"}
UNPUBLISHED = {"params": "70B", "tokens": "2T", "gpus": 2000}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


def judged(catalog: Catalog, quantity: str, relation: str, value: str, subject: dict[str, object]) -> Outcome:
    check = {"kind": "quantity", "quantity": quantity, "relation": relation, "value": value, "subject": subject}
    return check_claim(Claim(id="X", model="m", claim="c", check=check), catalog)


def evidence(catalog: Catalog, quantity: str, subject: dict[str, object]) -> Evidence:
    return evidence_for(quantity, resolve_subject(dict(subject), catalog), catalog)


def capital(text: str) -> str:
    return text[0].upper() + text[1:]


def test_a_published_figure_contradicts_bears_out_or_is_too_close(catalog: Catalog) -> None:
    ev = evidence(catalog, "gpu-hours", BLOOM)
    figure = show("gpu-hours", ev.low)
    wrong = judged(catalog, "gpu-hours", "=", "1.09M", BLOOM)
    assert wrong.reason == f"{capital(said(ev.figure))} contradicts 'gpu-hours = 1.09M' (tolerance 0.5%)."
    claim = 1.09e6 / ev.low - 1
    assert wrong.deciding == f"the figure {figure} against the claimed 1,090,000 GPU-h (claim {claim:+.1%})"
    assert wrong.tolerance == "0.5% (the default for a published figure)"
    more = judged(catalog, "gpu-hours", ">", "1M", BLOOM)
    assert more.reason == f"{capital(said(ev.figure))} bears out 'gpu-hours > 1M'."
    assert more.deciding == f"the figure {figure} against the claimed 1,000,000 GPU-h (claim {1e6 / ev.low - 1:+.1%})"
    assert more.tolerance == "0.5% (the default for a published figure, before it contradicts)"
    close = judged(catalog, "gpu-hours", ">", str(ev.low), BLOOM)
    assert close.reason == f"{capital(said(ev.figure))} is within 0.5% of the claimed value: too close to decide."
    assert close.deciding == f"the figure {figure} against the claimed {figure}"  # no "(claim +0.0%)"


def test_a_published_figure_against_a_claim_off_by_a_twentieth_of_a_percent(catalog: Catalog) -> None:
    ev = evidence(catalog, "gpu-hours", BLOOM)
    for factor, shown in ((1.0004, False), (1.0006, True), (0.9994, True)):
        outcome = judged(catalog, "gpu-hours", "<", str(ev.low * factor), BLOOM)
        assert ("(claim " in outcome.deciding) is shown, factor


def test_a_cost_against_published_gpu_hours_names_the_price_it_needs(catalog: Catalog) -> None:
    ev = evidence(catalog, "cost", LLAMA)
    assert ev.hours is not None and ev.prices is not None and ev.kind == "observed"
    cheap, dear = ev.prices
    inside = judged(catalog, "cost", "=", "5M", LLAMA)
    assert inside.reason == f"'cost = 5M' lies within {said(ev.figure)} (tolerance 25.0%)."
    assert (
        inside.deciding
        == f"needs {5e6 / ev.hours:.2f} USD per A100-80GB-hour; the dearest observed price is {dear:.2f}"
    )
    low = judged(catalog, "cost", "=", "1M", LLAMA)
    assert low.reason == (
        f"At the published GPU-hours the claim needs {1e6 / ev.hours:.2f} USD per GPU-hour, below the cheapest "
        f"observed A100-80GB price ({cheap:.2f}) by more than 25%."
    )
    assert (
        low.deciding == f"needs {1e6 / ev.hours:.2f} USD per A100-80GB-hour; the cheapest observed price is {cheap:.2f}"
    )
    high = judged(catalog, "cost", "=", "50M", LLAMA)
    assert high.reason == (
        f"At the published GPU-hours the claim needs {5e7 / ev.hours:.2f} USD per GPU-hour, above the dearest "
        f"observed A100-80GB price ({dear:.2f}) by more than 25%."
    )
    less = judged(catalog, "cost", "<", "50M", LLAMA)
    assert less.reason == f"{capital(said(ev.figure))} bears out 'cost < 50M'." and "dearest" in less.deciding
    more = judged(catalog, "cost", ">", "1M", LLAMA)
    assert f"the cheapest observed price is {cheap:.2f}" in more.deciding


def test_costcalcs_range_names_its_p10_or_p90_and_what_the_claim_implies(catalog: Catalog) -> None:
    ev = evidence(catalog, "gpu-hours", UNPUBLISHED)
    p10, p90 = show("gpu-hours", ev.low), show("gpu-hours", ev.high)
    low = judged(catalog, "gpu-hours", "=", "500000", UNPUBLISHED)
    assert low.reason == (
        f"No published gpu-hours figure, and 'gpu-hours = 500000' is outside {said(ev.figure)} by more than 25%."
    )
    assert low.deciding.startswith(f"costcalc's P10 {p10} against the claimed 500,000 GPU-h (claim ")
    assert "; the claim implies MFU " in low.deciding
    high = judged(catalog, "gpu-hours", "=", "9000000", UNPUBLISHED)
    assert high.deciding.startswith(f"costcalc's P90 {p90} against the claimed 9,000,000 GPU-h (claim +")
    zero = judged(catalog, "gpu-hours", "=", "0", UNPUBLISHED)  # nothing to imply from no GPU-hours
    assert zero.deciding == f"costcalc's P10 {p10} against the claimed 0 GPU-h (claim -100.0%)"
    half = judged(catalog, "gpu-hours", ">", "0.5", UNPUBLISHED)
    assert half.reason == (
        f"No published gpu-hours figure; 'gpu-hours > 0.5' fits {said(ev.figure)}: plausible, not confirmed."
    )
    assert "; the claim implies MFU " in half.deciding


def test_a_cost_inside_costcalcs_range_implies_a_price(catalog: Catalog) -> None:
    for subject, given in ((UNPUBLISHED, False), ({**UNPUBLISHED, "price": 2}, True)):
        ev = evidence(catalog, "cost", subject)
        est = resolve_subject(dict(subject), catalog).est
        default = [worded(a).value for a in est.assumptions if a.field == "price" and not a.given]
        price = "given" if given else default[0]
        assert ("USD/GPU-h" in price) if not given else (default == [])  # the default price, or none
        hours = float(est.gpu_hours.m_as("GPU_hour"))
        outcome = judged(catalog, "cost", "=", "4M", subject)
        assert outcome.deciding.startswith(
            f"{said(ev.figure)} holds the claimed $4M; it implies {4e6 / hours:.2f} USD per A100-80GB-hour at "
            f"costcalc's central efficiency (price {price}"
        ), outcome.deciding


def test_a_derived_figure_and_no_figure(catalog: Catalog) -> None:
    subject = {"model": "llama-2-70b", "gpus": 2000}
    ev = evidence(catalog, "days", subject)
    assert ev.kind == "derived" and ev.low == ev.high
    days = judged(catalog, "days", "=", "40", subject)
    assert days.reason == f"{capital(said(ev.figure))} bears out 'days = 40'."
    assert (
        days.deciding
        == f"the figure {show('days', ev.low)} against the claimed 40.0 days (claim {40 / ev.low - 1:+.1%})"
    )
    none = judged(catalog, "days", "<", "1 year", {"params": "70B"})
    assert none.verdict == "unverifiable"
    assert none.reason == "Nothing to judge 'days < 1 year' against: costcalc cannot say: no GPU count given (--gpus)."
    assert none.deciding == "costcalc cannot say: no GPU count given (--gpus)"


def test_a_range_from_published_gpu_hours_names_its_lower_or_upper_end(catalog: Catalog) -> None:
    ev = evidence(catalog, "energy", LLAMA)
    assert ev.kind == "observed" and ev.low < ev.high and ev.prices is None
    low = judged(catalog, "energy", "=", "1", LLAMA)
    assert (
        low.deciding
        == f"the lower end {show('energy', ev.low)} against the claimed 1 MWh (claim {1 / ev.low - 1:+.1%})"
    )
    high = judged(catalog, "energy", "=", "100000", LLAMA)
    assert high.deciding.startswith(f"the upper end {show('energy', ev.high)} against the claimed ")


def test_a_duration_inside_costcalcs_range_implies_nothing_more(catalog: Catalog) -> None:
    ev = evidence(catalog, "days", UNPUBLISHED)
    assert ev.kind == "estimate" and ev.low < 40 < ev.high
    assert judged(catalog, "days", "=", "40", UNPUBLISHED).deciding == f"{said(ev.figure)} holds the claimed 40.0 days"


def test_a_small_figure_still_shows_how_far_the_claim_is(catalog: Catalog) -> None:
    tiny = {"params": "100M", "tokens": "1B", "gpus": 1}
    ev = evidence(catalog, "co2", tiny)
    assert 0 < ev.high < 1  # below one tonne
    outcome = judged(catalog, "co2", "=", "5", tiny)
    assert outcome.deciding.startswith(f"costcalc's P90 {show('co2', ev.high)} against the claimed 5 tCO2e (claim +")
