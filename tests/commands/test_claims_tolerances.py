"""Claim verdicts at their boundaries: 0.99x and 1.01x of every tolerance, each relation's strict edge.

With evidence [L, H] and tolerance t a claim is refuted beyond [L / (1 + t), H (1 + t)] (``=``,
``~``), at or past H (1 + t) for ``>`` (past it for ``>=``), at or below L / (1 + t) for ``<``
(below it for ``<=``); proven when the evidence sits inside [v / (1 + t), v (1 + t)] (``=``) or
strictly beyond v (``>``, ``<``; at v for ``>=``, ``<=``). Each boundary is computed here from the
evidence the claim is judged against and the tolerance its kind documents.
"""

from __future__ import annotations

import dataclasses

import pytest

from costcalc.base.units import Q_
from costcalc.commands.checks import check_claim
from costcalc.commands.claims.evidence import evidence_for
from costcalc.commands.claims.outcome import DEFAULT_TOLERANCE, EVIDENCE_TOLERANCE, Outcome, Reason, same
from costcalc.commands.claims.quantity import APPROX_FACTOR, APPROX_MINIMUM, judge
from costcalc.commands.claims.subject import resolve_subject
from costcalc.data.catalog import Catalog
from costcalc.render.claim_figures import millions
from costcalc.schemas.claims import Claim

TOLERANCES = (0.0, 0.005, 0.05, 0.15, 0.25, 0.5)


def step(t: float) -> float:
    """How far off the edge to probe: 1% (0.99x and 1.01x), or 0.1% for a tolerance the 1% would cross."""
    return 0.01 if t >= 0.02 else 0.001


@pytest.mark.parametrize("t", TOLERANCES)
def test_about_is_refuted_just_beyond_the_stretched_evidence(t: float) -> None:
    low, high = 100.0, 200.0
    assert judge("=", high * (1 + t) * 0.99, low, high, t) == "possible"
    assert judge("=", high * (1 + t) * 1.01, low, high, t) == "refuted"
    assert judge("=", low / (1 + t) * 1.01, low, high, t) == "possible"
    assert judge("=", low / (1 + t) * 0.99, low, high, t) == "refuted"
    assert judge("=", high * (1 + t), low, high, t) == "possible"  # the edges themselves still allow it
    assert judge("=", low / (1 + t), low, high, t) == "possible"


@pytest.mark.parametrize("t", TOLERANCES[1:])
def test_about_a_single_figure_is_proven_within_the_tolerance(t: float) -> None:
    figure, d = 100.0, step(t)
    for relation in ("=", "~"):
        assert judge(relation, figure * (1 + t) * (1 - d), figure, figure, t) == "proven"
        assert judge(relation, figure * (1 + t) * (1 + d), figure, figure, t) == "refuted"
        assert judge(relation, figure / (1 + t) * (1 + d), figure, figure, t) == "proven"
        assert judge(relation, figure / (1 + t) * (1 - d), figure, figure, t) == "refuted"
    assert judge("=", figure, figure, figure, 0.0) == "proven"
    assert judge("=", figure * 1.001, figure, figure, 0.0) == "refuted"


def test_about_a_narrow_interval_is_proven_only_when_the_claim_stretches_over_all_of_it() -> None:
    # [100, 110] with t = 0.25: proven for 110 / 1.25 = 88 <= v <= 125, refuted below 80 or above 137.5
    assert judge("=", 88 * 1.01, 100, 110, 0.25) == "proven"
    assert judge("=", 88 * 0.99, 100, 110, 0.25) == "possible"
    assert judge("=", 125 * 0.99, 100, 110, 0.25) == "proven"
    assert judge("=", 125 * 1.01, 100, 110, 0.25) == "possible"


@pytest.mark.parametrize("t", TOLERANCES)
def test_more_than_is_proven_below_the_low_end_and_refuted_past_the_stretched_high_end(t: float) -> None:
    low, high = 100.0, 200.0
    for relation in (">", ">="):
        assert judge(relation, low * 0.99, low, high, t) == "proven"
        assert judge(relation, low * 1.01, low, high, t) == "possible"
        assert judge(relation, high * (1 + t) * 0.99, low, high, t) == "possible"
        assert judge(relation, high * (1 + t) * 1.01, low, high, t) == "refuted"
    assert judge(">", low, low, high, t) == "possible" and judge(">=", low, low, high, t) == "proven"
    assert judge(">", high * (1 + t), low, high, t) == "refuted"
    assert judge(">=", high * (1 + t), low, high, t) == "possible"


@pytest.mark.parametrize("t", TOLERANCES)
def test_less_than_is_proven_above_the_high_end_and_refuted_below_the_stretched_low_end(t: float) -> None:
    low, high = 100.0, 200.0
    for relation in ("<", "<="):
        assert judge(relation, high * 1.01, low, high, t) == "proven"
        assert judge(relation, high * 0.99, low, high, t) == "possible"
        assert judge(relation, low / (1 + t) * 1.01, low, high, t) == "possible"
        assert judge(relation, low / (1 + t) * 0.99, low, high, t) == "refuted"
    assert judge("<", high, low, high, t) == "possible" and judge("<=", high, low, high, t) == "proven"
    assert judge("<", low / (1 + t), low, high, t) == "refuted"
    assert judge("<=", low / (1 + t), low, high, t) == "possible"


def test_the_documented_tolerances() -> None:
    assert {k: v[0] for k, v in EVIDENCE_TOLERANCE.items()} == {
        "published": 0.005,
        "prices": 0.25,
        "flops": 0.05,
        "duration": 0.15,
        "range": 0.25,
    }
    assert (APPROX_FACTOR, APPROX_MINIMUM) == (2.0, 0.25)
    exact = ("feasibility", "benchmark", "first", "node_type", "quantity", "share", "architecture", "largest")
    assert {
        "match": 0.005,
        "capacity": 0.2,
        "ratio": 0.25,
        **dict.fromkeys(exact, 0.0),
        "ordinal": 0.0,
        "wording": 0.0,
        "acronym": 0.0,
    } == DEFAULT_TOLERANCE


def test_same_is_relative_and_text_ignores_case_and_spacing() -> None:
    assert same(100.0, 100.4, 0.005) and not same(100.0, 100.6, 0.005)
    assert same(0.0, 0.0, 0.0) and not same(0.0, 1e-12, 0.5)  # relative only: no absolute slack
    assert same([1.0, 2.0], [1.0, 2.0], 0.0) and not same([1.0, 2.0], [1.0, 2.1], 0.01)
    assert not same([1.0], [1.0, 2.0], 0.5)
    assert same("Mixture of  Experts", "mixture of experts", 0.0) and not same("MoE", "Mixture", 0.0)
    assert same(["a"], ["A"], 0.0) and not same(["a"], "a", 0.0)  # a list equals only a list
    assert same(100, "100", 0.0) and not same(100, "100.0", 0.0)  # a number and a text compare as text
    assert millions(1_720_320) == "1.72M" and millions(12_345_000_000) == "12345.00M"


def test_an_outcome_cannot_be_changed_after_the_check() -> None:
    said = Reason("acronym.same")
    result = Outcome("consistent", said, said, said, said, Q_(0.0, ""))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.verdict = "inconsistent"  # type: ignore[misc]


# -- the tolerance each kind of evidence takes, through the checks themselves --------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(user=False)


def outcome(
    catalog: Catalog, quantity: str, relation: str, value: float, subject: dict[str, object], **extra: object
) -> Outcome:
    check = {"kind": "quantity", "quantity": quantity, "relation": relation, "value": value, "subject": subject}
    return check_claim(Claim(id="X", model="m", claim="c", check={**check, **extra}), catalog)


CASES = [  # quantity, subject, kind of evidence, the verdicts inside and beyond the tolerance
    ("gpu-hours", {"model": "bloom"}, "published", ("consistent", "inconsistent")),
    ("days", {"model": "bloom"}, "duration", ("consistent", "inconsistent")),
    ("flops", {"model": "llama-3.1-405b"}, "flops", ("consistent", "inconsistent")),
    ("cost", {"model": "llama-2-70b"}, "prices", ("consistent", "implausible")),
    ("gpu-hours", {"params": "70B", "tokens": "2T", "gpus": 2000}, "range", ("unverifiable", "implausible")),
]


@pytest.mark.parametrize(("quantity", "subject", "kind", "verdicts"), CASES)
def test_each_evidence_decides_at_its_own_tolerance(
    catalog: Catalog, quantity: str, subject: dict[str, object], kind: str, verdicts: tuple[str, str]
) -> None:
    ev = evidence_for(quantity, resolve_subject(dict(subject), catalog), catalog)
    assert ev.tolerance_kind == kind
    t = EVIDENCE_TOLERANCE[kind][0]
    inside, beyond = verdicts
    for relation, tol in (("=", t), ("~", max(APPROX_FACTOR * t, APPROX_MINIMUM)), ("<=", t)):
        edge, d = ev.low / (1 + tol), step(tol)
        near = outcome(catalog, quantity, relation, edge * (1 + d), subject)
        assert near.verdict in (inside, "unverifiable"), (relation, near.reason)
        assert outcome(catalog, quantity, relation, edge * (1 - d), subject).verdict == beyond, relation
        assert f"{tol:.1%}" in near.tolerance
    for relation, tol in (("=", t), ("~", max(APPROX_FACTOR * t, APPROX_MINIMUM)), (">=", t)):
        edge, d = ev.high * (1 + tol), step(tol)
        assert outcome(catalog, quantity, relation, edge * (1 - d), subject).verdict in (inside, "unverifiable")
        assert outcome(catalog, quantity, relation, edge * (1 + d), subject).verdict == beyond, relation


def test_a_claims_own_tolerance_replaces_the_default_and_tilde_doubles_it(catalog: Catalog) -> None:
    bloom = {"model": "bloom"}
    figure = evidence_for("gpu-hours", resolve_subject(dict(bloom), catalog), catalog).low
    for own in (0.02, 0.2):
        approx = max(APPROX_FACTOR * own, APPROX_MINIMUM)  # 25% (the minimum) and 40%
        for relation, tol in (("=", own), ("~", approx)):
            inside = outcome(catalog, "gpu-hours", relation, figure * (1 + tol) * 0.99, bloom, tolerance=own)
            beyond = outcome(catalog, "gpu-hours", relation, figure * (1 + tol) * 1.01, bloom, tolerance=own)
            assert (inside.verdict, beyond.verdict) == ("consistent", "inconsistent"), (own, relation)
            assert f"{tol:.1%}" in inside.tolerance and "the claim's own tolerance" in inside.tolerance


def test_a_published_figure_judged_by_the_range_is_consistent_or_inconsistent(catalog: Catalog) -> None:
    subject = {"params": "70B", "tokens": "2T", "gpus": 2000}
    ev = evidence_for("gpu-hours", resolve_subject(dict(subject), catalog), catalog, "estimate")
    edge = ev.high * 1.25
    inside = outcome(catalog, "gpu-hours", "=", edge * 0.99, subject, judge_by="estimate")
    beyond = outcome(catalog, "gpu-hours", "=", edge * 1.01, subject, judge_by="estimate")
    assert (inside.verdict, beyond.verdict) == ("consistent", "inconsistent")
    assert "costcalc's P90" in beyond.deciding and "(claim +26." in beyond.deciding
    assert "the claim implies MFU" in inside.reason


def test_every_verdict_carries_its_tolerance_as_a_number() -> None:
    """The tolerance a verdict used is data (``tolerance_value``), the one its text states: a quantity
    claim's is its evidence's default (twice it, at least ``APPROX_MINIMUM``, for '~'); the article's
    other claims use their kind's default unless they give their own."""
    import re

    import costcalc
    from costcalc.data.claims import load_claims

    claims = {c.id: c for c in load_claims(Catalog.load())}
    results = [*costcalc.check_article(), *costcalc.check_claims(["days ~ 3.5 months"], model="bloom")]
    kinds = {claims[r.id].check.kind if r.id in claims else "quantity" for r in results}
    assert {"quantity", "match", "capacity", "ratio"} <= kinds
    for r in results:
        assert r.tolerance_value.dimensionless, r
        tolerance = float(r.tolerance_value.m_as(""))
        assert 0 <= tolerance < 1, r
        kind = claims[r.id].check.kind if r.id in claims else "quantity"
        own = claims[r.id].check.tolerance if r.id in claims else None
        if kind != "quantity":
            assert tolerance == (DEFAULT_TOLERANCE[kind] if own is None else own), r.id
            continue
        stated = re.match(r"(\d+(?:\.\d+)?)%", r.tolerance)
        assert stated is not None and float(stated.group(1)) == pytest.approx(100 * tolerance, abs=0.05), r
        defaults = {t for t, _ in EVIDENCE_TOLERANCE.values()}
        about = {max(APPROX_FACTOR * t, APPROX_MINIMUM) for t in defaults}
        assert tolerance in defaults | about | ({own} if own is not None else set()), r
