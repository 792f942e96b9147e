"""Claim outcomes are data: a verdict, reasons as keys with typed parameters, quantities; render/ words them.

Every outcome of the article check and of a set of one-line claims is walked: the verdict is one
of the vocabulary, the tolerance a dimensionless quantity, the deciding and claimed figures
quantities, every sentence a ``Reason`` whose key the renderer has a sentence for, and no
parameter a bare number or a number already written out. The texts ``ClaimCheck`` carries are the
renderer's words of that data, so a sentence changed in ``costcalc.render`` changes everywhere.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pint
import pytest

import costcalc
from costcalc.base.units import Q_
from costcalc.commands.checks import ClaimCheck
from costcalc.commands.claims.outcome import VERDICTS, Outcome, Reason
from costcalc.estimator.result import ThresholdCrossing
from costcalc.estimator.scenario import Assumption
from costcalc.render import claim_words
from costcalc.render.checks import render_checks
from costcalc.render.claim_words import SENTENCES, outcome_words, said

CLAIMS = Path(costcalc.__file__).parent / "commands" / "claims"

#: One-line claims reaching published figures, upper bounds, derived and observed figures, costcalc's
#: range, and figures nothing publishes.
ONE_LINERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"model": "bloom"}, ["gpu-hours = 1082990", "gpu-hours > 2M", "days ~ 3.5 months", "gpus = 100", "flops > 1e23"]),
    ({"model": "falcon-180b"}, ["cost > 80M USD", "cost < 1 USD", "energy < 1000 MWh", "co2 > 1 tCO2e"]),
    ({"model": "llama-2-70b"}, ["gpu-hours = 500000", "cost = 4M USD", "tokens = 2T", "params ~ 70B"]),
    ({"params": "70B", "tokens": "2T", "gpus": 2000}, ["gpu-hours = 500000", "days = 40", "cost < 1 USD"]),
    ({"params": "7B", "gpu": "a100"}, ["days = 10", "gpus = 8", "tokens = 1T", "energy = 5 MWh"]),
]

#: A string parameter that is a number written out ('38%', '1,082,990', '$4M', '2.5x', '117.5 days').
_WRITTEN_NUMBER = re.compile(r"^[-+$]?\d[\d,]*(\.\d+)?\s*(%|[kMBT]|x|GPU-h|days|GPUs)?$")


#: Parameters that are the claim's own text, quoted as written: a match's values ('7B' as the source
#: writes it) and a quantity claim's value as stated ('1082990' in 'gpu-hours = 1082990').
AS_STATED = {("match.source_gives", "source"), ("match.differs", "source"), ("match.differs", "article")}
AS_STATED |= {(key, "stated") for key in SENTENCES if key.startswith("quantity.")}


@pytest.fixture(scope="module")
def checks() -> list[ClaimCheck]:
    found = list(costcalc.check_article())
    for subject, claims in ONE_LINERS:
        found += costcalc.check_claims(claims, **subject)
    return found


def _bad_params(value: Any, where: str) -> Iterator[str]:
    """Every parameter under ``value`` that is not typed data: a bare number, a number written out as
    text, or a type a sentence cannot take."""
    if isinstance(value, Reason):
        if value.key not in SENTENCES:
            yield f"{where}: no sentence for {value.key!r}"
        for name, param in value.params.items():
            if (value.key, name) not in AS_STATED:
                yield from _bad_params(param, f"{where}.{value.key}[{name}]")
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _bad_params(item, f"{where}[{i}]")
    elif isinstance(value, str):
        if _WRITTEN_NUMBER.match(value.strip()):
            yield f"{where}: a number written out {value!r}"
    elif not (value is None or isinstance(value, pint.Quantity | bool | dt.date | Assumption)):
        yield f"{where}: {type(value).__name__} {value!r}"


def test_every_outcome_is_typed_data(checks: list[ClaimCheck]) -> None:
    kinds = {c.outcome.estimate.key.split(".")[0] for c in checks if c.outcome is not None}
    assert kinds >= {"quantity", "match", "capacity", "ratio", "feasibility", "benchmark", "first", "node"}, kinds
    assert kinds >= {"share", "architecture", "largest", "ordinal", "wording", "acronym"}, kinds
    for check in checks:
        outcome = check.outcome
        assert isinstance(outcome, Outcome) and outcome.verdict in VERDICTS, check.id
        assert isinstance(outcome.tolerance, pint.Quantity) and outcome.tolerance.dimensionless, check.id
        assert 0 <= float(outcome.tolerance.m_as("")) < 1, check.id
        for figure in (outcome.decided_by, outcome.claimed):
            assert figure is None or isinstance(figure, pint.Quantity), check.id
        for sentence in (outcome.reason, outcome.estimate, outcome.rule, outcome.deciding):
            assert isinstance(sentence, Reason), check.id
        for sentence in (outcome.source_value, outcome.source):
            assert sentence is None or isinstance(sentence, Reason), check.id
        assert all(isinstance(t, ThresholdCrossing) for t in outcome.thresholds), check.id
        sentences = (
            outcome.reason,
            outcome.estimate,
            outcome.rule,
            outcome.deciding,
            outcome.source_value,
            outcome.source,
        )
        problems = [p for sentence in sentences for p in _bad_params(sentence, check.id)]
        assert problems == [], problems


def test_a_quantity_claims_figures_are_in_its_unit(checks: list[ClaimCheck]) -> None:
    bloom = next(c for c in checks if c.claim == "gpu-hours = 1082990")
    assert bloom.outcome is not None and bloom.outcome.claimed == Q_(1082990, "GPU_hour")
    assert (
        bloom.outcome.decided_by is not None
        and bloom.outcome.decided_by.dimensionality == Q_(1, "GPU_hour").dimensionality
    )
    days = next(c for c in checks if c.claim == "days = 40")
    assert days.outcome is not None and days.outcome.claimed == Q_(40, "day")


def test_the_texts_are_the_renderers_words_of_the_data(checks: list[ClaimCheck]) -> None:
    for check in checks:
        assert check.outcome is not None
        words = outcome_words(check.outcome)
        assert (check.reason, check.deciding, check.tolerance, check.estimate) == (
            words.reason, words.deciding, words.tolerance, words.estimate,
        ), check.id  # fmt: skip
        assert check.tolerance_value == check.outcome.tolerance


def test_a_sentence_changes_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewording a reason in render/ rewords it in the check's fields, its JSON and its report."""
    monkeypatch.setitem(claim_words.SENTENCES, "quantity.bears_out", lambda p: f"Borne out: {p['figure']}.")
    [result] = costcalc.check_claims(["gpu-hours > 1M"], model="bloom")
    assert result.reason == "Borne out: published 1,082,990 GPU-h."
    assert result.to_dict()["reason"] == result.reason
    assert "Borne out: published 1,082,990 GPU-h." in render_checks([result], "markdown", title="t")


def test_a_quantity_is_worded_in_the_unit_its_sentence_speaks() -> None:
    """A parameter reaches its sentence in the words' unit of its dimension, whatever unit it holds."""
    assert said(Reason("feasibility.rule", {"max_days": Q_(48, "hour")})) == "upper end within 2 days"
    assert said(Reason("capacity.rule", {"tol": Q_(20, "percent")})) == "used share >= 80%"
    price = {
        "needs": Q_(11.43 / 60, "USD/GPU/minute"),
        "accelerator": "A100-40GB",
        "side": "high",
        "price": Q_(4.1, "USD/GPU/hour"),
    }
    assert said(Reason("quantity.needs_price", price)) == (
        "needs 11.43 USD per A100-40GB-hour; the dearest observed price is 4.10"
    )


def _keys_given() -> set[str]:
    """Every reason key the claim checks can give: the literal first argument of each ``Reason(...)``
    (both branches of a conditional), read from the source."""
    keys: set[str] = set()
    for path in CLAIMS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Reason":
                first = node.args[0]
                branches = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                keys.update(b.value for b in branches if isinstance(b, ast.Constant) and isinstance(b.value, str))
    return keys


def test_every_key_has_a_sentence_and_every_sentence_a_key() -> None:
    given = _keys_given()
    assert len(given) > 100
    assert sorted(given - set(SENTENCES)) == [] and sorted(set(SENTENCES) - given) == []


def test_a_reason_cannot_be_changed_after_the_check() -> None:
    """A reason is part of a verdict: frozen, like the outcome that holds it."""
    import dataclasses

    from costcalc.commands.claims.outcome import Reason

    reason = Reason("figure", {"value": costcalc.Q_(1.0, "GPU_hour")})
    with pytest.raises(dataclasses.FrozenInstanceError):
        reason.key = "other"  # type: ignore[misc]
    assert reason["value"] == costcalc.Q_(1.0, "GPU_hour") and reason["missing"] is None
