"""``costcalc check`` on a fine-tuning stage: the issue's Alpaca claim, its verdict and reason."""

from __future__ import annotations

import json

import pytest

import costcalc
from costcalc.cli import main
from costcalc.render.text import money

#: Alpaca (reference finetune.md §6): full SFT of a 7B model, 52,002 examples x 3 epochs at <= 512
#: tokens on 8 A100-80GB, "< $100". Llama 2 7B stands in for LLaMA 7B (same shape).
ALPACA = ["--model", "llama-2-7b", "--stage", "sft", "--examples", "52002", "--epochs", "3", "--seq-len", "512",
          "--gpus", "8"]  # fmt: skip
TOLERANCE = 0.25  # the default for costcalc's range, before it contradicts (the reason says so)


def _cost_range() -> tuple[float, float, float]:
    est = costcalc.estimate(model="llama-2-7b", stage="sft", examples=52002, epochs=3, seq_len=512, gpus=8)
    assert est.cost is not None
    span = est.ranges["cost"]
    return float(span.low.m_as("USD")), float(est.cost.m_as("USD")), float(span.high.m_as("USD"))


def _verdict(capsys: pytest.CaptureFixture[str], claim: str) -> dict[str, str]:
    assert main(["check", *ALPACA, "--claim", claim, "--format", "json"]) == 0
    [found] = json.loads(capsys.readouterr().out)
    return {"verdict": found["verdict"], "reason": found["reason"]}


def test_the_issue_command_gives_the_verdict_and_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    low, central, high = _cost_range()
    assert main(["check", *ALPACA, "--claim", "cost < 100 USD"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 unverifiable" in out and "cost < 100 USD unverifiable" in out
    expected = (f"No published cost figure; 'cost < 100 USD' fits costcalc's range {money(low)} to {money(high)} "
                f"(central {money(central)}): plausible, not confirmed.")  # fmt: skip
    assert f"C1 UNVERIFIABLE: {expected}" in out
    assert "the published runs of LLaMA-2-7B are pre-training, not sft, full" in out  # why no run decides it


def test_the_verdict_turns_at_the_tolerance_below_costcalcs_range(capsys: pytest.CaptureFixture[str]) -> None:
    """A claimed ceiling below costcalc's low end by more than the tolerance is implausible; just
    within it, unverifiable."""
    low, _, _ = _cost_range()
    edge = low / (1 + TOLERANCE)
    assert _verdict(capsys, f"cost < {edge * 0.99:.6g} USD")["verdict"] == "implausible"
    assert _verdict(capsys, f"cost < {edge * 1.01:.6g} USD")["verdict"] == "unverifiable"
    above = _verdict(capsys, "cost > 1000 USD")
    assert above["verdict"] == "implausible" and "outside costcalc's range" in above["reason"]
