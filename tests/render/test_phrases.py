"""Sentences domain code hands over as text are phrases: a key and typed parameters, worded in render/.

Domain code calls ``costcalc.base.display.said(key, **params)``; ``costcalc.render.phrases.PHRASES``
maps each key to the function (in ``plan_words``, ``memory_words``, ``hosted_words``,
``data_words``) that words it. These tests hold the two tables together, keep the parameters data,
pin the sentences' boundaries, and change a sentence in one place.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import costcalc
from costcalc.base.display import Phrase, said
from costcalc.base.units import Q_
from costcalc.commands.sweep_notes import WholeCounts
from costcalc.render import phrases
from costcalc.render.data_words import default_length, finetune_factor, finetune_spread, weight_rule
from costcalc.render.hosted_words import no_size, own_models
from costcalc.render.memory_words import at_cap, model_parallel, more_gpus, none_fits, past_context
from costcalc.render.phrases import PHRASES, phrase_text
from costcalc.render.plan_words import budget_words, hours_words, no_fit, over_budget, plan_command, stage_command
from costcalc.render.sweep_notes import note_text

PACKAGE = Path(costcalc.__file__).parent
DOMAIN = ("base", "schemas", "formulas", "data", "estimator", "commands")


def _said_calls() -> list[tuple[str, ast.Call]]:
    """Every ``said(...)`` call in domain code, with the module it is in."""
    calls = []
    for layer in DOMAIN:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "said":
                    calls.append((path.relative_to(PACKAGE).as_posix(), node))
    return calls


def test_every_phrase_said_is_worded_and_every_wording_is_said() -> None:
    said_keys = set()
    for module, call in _said_calls():
        key = call.args[0]
        assert isinstance(key, ast.Constant) and isinstance(key.value, str), f"{module}:{call.lineno}: a literal key"
        said_keys.add(key.value)
    assert said_keys == set(PHRASES), (said_keys - set(PHRASES), set(PHRASES) - said_keys)


def test_a_phrase_hands_over_data_not_words() -> None:
    """No parameter of a ``said`` call is text built on the spot (an f-string, a join, a concatenation)."""
    problems = []
    for module, call in _said_calls():
        for kw in call.keywords:
            value = kw.value
            built = isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.BinOp)
                and any(isinstance(s, ast.JoinedStr | ast.Constant) for s in (value.left, value.right))
            )
            if built:
                problems.append(f"{module}:{call.lineno}: {kw.arg}")
    assert not problems, problems


def test_said_is_the_renderers_sentence() -> None:
    assert said("plan.gpus", gpus=Q_(1024, "GPU")) == "1,024 GPUs"
    assert (
        phrase_text(Phrase("memory.none_fits", {"gpus": 8}))
        == none_fits(8)
        == "no layout fits on 8 GPUs; this one comes closest"
    )
    with pytest.raises(KeyError):
        said("no.such.phrase")


@pytest.mark.parametrize(
    ("kind", "amount", "expected"),
    [
        ("USD", Q_(2e6, "USD"), "2,000,000 USD"),
        ("USD", Q_(100, "USD"), "100 USD"),  # from 100 up: every digit
        ("USD", Q_(99.94, "USD"), "99.9 USD"),  # below: 3 significant figures
        ("GPU_hour", Q_(0.5, "GPU_hour"), "0.5 GPU-hours"),
        ("FLOP", Q_(5.76e23, "FLOP"), "5.76e+23 FLOP"),
    ],
)
def test_a_budget_in_words(kind: str, amount: object, expected: str) -> None:
    assert budget_words(kind, amount) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (Q_(59, "minute"), "59 minutes"),
        (Q_(1, "hour"), "1 hour"),  # one: no plural
        (Q_(47.9, "hour"), "47.9 hours"),
        (Q_(48, "hour"), "2 days"),  # from two days: days
        (None, ""),
    ],
)
def test_a_duration_switches_unit_at_an_hour_and_two_days(duration: object, expected: str) -> None:
    assert hours_words(duration) == expected  # type: ignore[arg-type]


def test_a_plans_reasons_and_commands() -> None:
    assert no_fit(1) == "does not fit in memory on 1 GPU (ZeRO-1 or -3, recomputation)"
    assert no_fit(1024).startswith("does not fit in memory on 1,024 GPUs ")
    assert over_budget("USD", Q_(12345, "USD"), "10,000 USD") == "costs $1.23e+04, over the budget of 10,000 USD"
    assert (
        over_budget("GPU_hour", Q_(150, "GPU_hour"), "100 GPU-hours") == "costs 150, over the budget of 100 GPU-hours"
    )
    fields = {"params": Q_(7e9, "parameter"), "gpus": Q_(64, "GPU"), "gpu": "H100 SXM", "mfu": "40%"}
    assert plan_command(fields) == "costcalc estimate --params 7e+09 --gpus 64 --gpu 'H100 SXM' --mfu 40%"
    run = {"stage": "sft", "gpus": 8, "seq_len": Q_(4096, "token"), "count_bubble": True}
    assert stage_command(run) == "costcalc estimate --stage sft --gpus 8 --seq-len '4096 tok' --count-bubble"


def test_memory_and_hosted_reasons() -> None:
    assert past_context(4096) == "longer than the model's context (4,096 tokens): it would need a long-context stage"
    assert at_cap(1_048_576) == "the search's cap (1,048,576) fits: the answer is at least that"
    assert no_size(Q_(1.5e12, "parameter")) == "no price for a model of this size (1.5e+03B parameters)"
    assert own_models("tier-1", Q_(25, "USD/Mtoken")) == (
        "tunes only its own models (sizes unpublished), e.g. tier-1 at 25.00 USD per M tokens"
    )


def test_a_smallest_change_names_the_layout_it_fits() -> None:
    est = costcalc.estimate(params="7B", gpus=8)
    assert est.memory is not None and est.memory.total is not None
    m = est.memory
    gb = f"{m.total / 1e9:.1f} GB of {m.capacity / 1e9:.1f} GB"
    assert more_gpus(16, "TP=2 PP=1 DP=8", m) == f"16 GPUs (TP=2 PP=1 DP=8, recompute {m.recompute}, {gb})"
    assert model_parallel(2, 1, "x", m).startswith("--tp 2 (x, ")  # no --pp 1
    assert model_parallel(2, 4, "x", m).startswith("--tp 2 --pp 4 (x, ")


def test_the_data_bases_in_words() -> None:
    assert default_length(None, None) == "default training length"
    assert default_length("n_positions", 32768) == (
        "default training length; the config's n_positions 32,768 is the longest context"
    )
    assert (
        weight_rule({"A": 1.0, "B": 0.5}, {"includes_downtime": 0.25})
        == "1, x0.5 reliability B, x0.25 includes downtime"
    )
    assert finetune_spread(4, -0.125, 0.0) == "4 residuals, P10 -0.12 and P90 +0.00"
    basis = finetune_factor(
        20, 7, -0.5, (("fine-tuning", -0.2), ("stage sft/dpo", -0.3)), "sft", "full", None, 64, 4096
    )
    shown = "log factor = -0.50 (fine-tuning -0.20, stage sft/dpo -0.30) for sft, full"
    assert f"{shown}, no GPU count (taken as 64), length 4096;" in basis
    assert ", 8 GPUs, " in finetune_factor(20, 7, 0.0, (), "sft", "lora", 8.0, 64, 2048)


def test_a_whole_count_note_says_duplicates_only_when_there_are_some() -> None:
    assert note_text(WholeCounts("gpus", "log", 24, 6)) == (
        "gpus: the log range gives whole counts only: 24 values (rounded to whole gpus, 6 duplicates dropped)"
    )
    assert note_text(WholeCounts("nodes", "lin", 3, 0)) == (
        "nodes: the lin range gives whole counts only: 3 values (rounded to whole nodes)"
    )


def test_a_sentence_changes_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rewording a phrase in render/ rewords it in the plan's rerun command and in an estimate's memory notes."""
    monkeypatch.setitem(phrases.PHRASES, "plan.command", lambda fields: "rerun: " + ", ".join(fields))
    plan = costcalc.plan(budget="2M USD", gpu="h100")
    assert plan.command == "rerun: gpu, tokens, params" and plan.to_dict()["command"] == plan.command
    monkeypatch.setitem(phrases.PHRASES, "memory.none_fits", lambda gpus: f"nothing fits {gpus}")
    est = costcalc.estimate(model="llama-2-70b", gpus=8, tp=1, pp=1)
    assert est.memory is not None and "nothing fits 8" in est.memory.notes
