"""``costcalc memory --longest-seq`` and ``--largest-batch``: the answer fits and one more does not.

Closed forms: with flash attention and a fixed recomputation, memory per GPU is linear in the
sequence length s and in the micro-batch b (Korthikanti et al. 2022 without the s² term, plus the
logits), total(n) = A + B·n, so the largest n that fits a capacity C is floor((C - A) / B). The
tests recover A and B from two evaluations of the memory formulas and compare. LitGPT's resource
tables (Llama 2 7B, LoRA r=8 on q and v, A100-40GB, longest Alpaca example 1,304 tokens, no
checkpointing): micro-batch 2 fits (29.07 GB), 4 is out of memory.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.memory_limits import CAPS, bisect_largest, memory_limit

LORA: dict[str, Any] = {"model": "llama-2-7b", "gpu": "a100-40gb", "method": "lora", "lora_rank": 8,
                        "lora_targets": "qv", "recompute": "full"}  # fmt: skip
PRETRAIN: dict[str, Any] = {"model": "llama-2-13b", "gpus": 8, "tp": 8, "pp": 1, "recompute": "full"}


def total(fields: dict[str, Any], **at: Any) -> float:
    """Bytes per GPU from the memory report itself (an independent path from the search's probe)."""
    report = costcalc.training_memory(**{**fields, **at})
    memory = report.finetune.memory if report.finetune is not None else report.memory
    assert memory is not None and memory.total is not None
    return float(memory.total)


@pytest.mark.parametrize(("edge", "cap"), [(1, 100), (37, 100), (64, 100), (65, 100), (100, 100), (1000, 100)])
def test_bisection_finds_the_last_value_that_fits(edge: int, cap: int) -> None:
    calls: list[int] = []

    def fits(n: int) -> bool:
        calls.append(n)
        return n <= edge

    assert bisect_largest(fits, cap) == min(edge, cap)
    assert len(calls) <= 2 * math.log2(cap) + 2  # doubling then halving
    assert bisect_largest(lambda n: False, cap) is None


@pytest.mark.parametrize(("fields", "quantity", "held"), [
    (LORA, "seq_len", {}), (LORA, "micro_batch", {"seq_len": 1304}),
    (PRETRAIN, "seq_len", {}), (PRETRAIN, "micro_batch", {"seq_len": 4096}),
])  # fmt: skip
def test_the_answer_matches_the_closed_form_and_one_more_does_not_fit(
    fields: dict[str, Any], quantity: str, held: dict[str, Any]
) -> None:
    found = memory_limit(**fields, **held, **{("longest_seq" if quantity == "seq_len" else "largest_batch"): True})
    one, two = total(fields, **held, **{quantity: 1}), total(fields, **held, **{quantity: 2})
    slope, intercept = two - one, 2 * one - two
    assert total(fields, **held, **{quantity: 1000}) == pytest.approx(intercept + 1000 * slope, rel=1e-9)  # linear
    assert found.value == math.floor((found.capacity - intercept) / slope)
    assert total(fields, **held, **{quantity: found.value}) <= found.capacity
    assert total(fields, **held, **{quantity: found.value + 1}) > found.capacity
    assert found.next_total == pytest.approx(total(fields, **held, **{quantity: found.value + 1}))
    assert 1 < found.value < CAPS[quantity] and not found.at_cap


def test_litgpt_out_of_memory_row_is_beyond_the_largest_micro_batch() -> None:
    """Llama 2 7B LoRA on an A100-40GB at 1,304 tokens without checkpointing: LitGPT ran micro-batch 2
    (29.07 GB) and ran out of memory at 4; the largest micro-batch that fits is 2 or 3."""
    found = memory_limit(**{**LORA, "recompute": "none"}, seq_len=1304, largest_batch=True)
    assert found.value in (2, 3) and "no GPU count given: one GPU" in found.notes


def test_the_report_says_the_setting_and_notes_the_models_context(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory", "--model", "llama-2-7b", "--gpu", "a100-40gb", "--method", "lora", "--longest-seq"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("Longest sequence that fits: ") and "(micro-batch 1)" in out
    assert "bisection on whole numbers" in out and "Fine-tuning memory per GPU (sft, lora" in out
    assert "longer than the model's context (4,096 tokens)" in out and "on 1 x A100-40GB" in out
    assert main(["memory", "--model", "llama-2-13b", "--gpus", "8", "--seq-len", "4096", "--largest-batch",
                 "--format", "json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    search = data["search"]
    assert search["quantity"] == "micro_batch" and search["held"] == {"seq_len": 4096}
    assert search["total"] <= search["capacity"] < search["next"]["total"]
    assert search["next"]["value"] == search["value"] + 1 and data["memory"]["layout"]["micro_batch"] == search["value"]


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "llama-2-7b", "--longest-seq", "--largest-batch"],
     "--longest-seq: give --longest-seq or --largest-batch, not both"),
    (["--model", "llama-2-7b", "--longest-seq", "--seq-len", "512"],
     "--seq-len: --longest-seq searches the sequence length: drop --seq-len"),
    (["--model", "llama-2-7b", "--largest-batch", "--micro-batch", "2"],
     "--micro-batch: --largest-batch searches the micro-batch: drop --micro-batch"),
    (["--params", "70e9", "--gpus", "1", "--longest-seq"],
     "--seq-len: nothing fits on this GPU even at sequence length 1 (needs 1234.0 GB of 80.0 GB)"),
    (["--params", "70e9", "--method", "qlora", "--gpu", "l4", "--largest-batch"],
     "--micro-batch: nothing fits on this GPU even at micro-batch 1"),
])  # fmt: skip
def test_bad_searches_are_one_line_errors(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_api_errors_name_the_field() -> None:
    with pytest.raises(InputError, match="micro_batch"):
        costcalc.memory_limit(model="llama-2-7b", micro_batch=2, largest_batch=True)
