"""``costcalc plan --stage``: methods, GPU types and counts that run a fine-tuning stage, cheapest first."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.memory_report import training_memory
from costcalc.commands.plan import StagePlan, plan_stage
from costcalc.commands.plan.stages import FINETUNE_GPUS, METHODS

#: The issue's question: SFT of Llama 2 7B on 100M tokens within a day.
ISSUE = ["plan", "--model", "llama-2-7b", "--stage", "sft", "--tokens", "100M", "--deadline", "1 day"]


@cache
def _issue_plan() -> StagePlan:
    return plan_stage(model="llama-2-7b", stage="sft", tokens="100M", deadline="1 day")


def _run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_issue_command_ranks_settings_by_cost_and_the_first_is_the_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _run(capsys, [*ISSUE, "--format", "json"])
    assert code == 0
    data = json.loads(out)
    rows = data["settings"]
    assert data["answer"] == rows[0]
    priced = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    assert priced == sorted(priced) and len(priced) >= 10
    assert rows[: len(priced)] == [r for r in rows if r["cost_usd"] is not None]  # unpriced ones after
    for row in rows:
        assert row["wall_clock_hours"] <= 24.0
        assert 0 < row["memory_gb"] <= row["capacity_gb"]
        assert row["gpus"] in (1, 2, 4) or row["gpus"] % 8 == 0
        low, high = row["range"]["cost_usd"] or (None, None)
        assert row["cost_usd"] is None or low < row["cost_usd"] < high
    assert {r["method"] for r in rows} == set(METHODS)
    assert {r["gpu"] for r in rows} <= {costcalc.Catalog.load().hardware(g).name for g in FINETUNE_GPUS}


def test_the_table_shows_the_answer_the_rerun_and_the_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, ISSUE)
    best = _issue_plan().answer
    assert code == 0
    assert f"answer (the cheapest): {best.method} on {best.gpus:,} x {best.gpu}" in out
    assert "method  GPU" in out and "cost range" in out and "memory/GPU" in out
    assert "sequence length 4,096: LLaMA-2-7B's context" in out  # the default, said


def test_each_setting_is_its_rerun_commands_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    """Plan and estimate cannot disagree: the rerun command of the first three settings, run, gives
    the plan's cost and wall-clock."""
    for setting in _issue_plan().settings[:3]:
        words = shlex.split(setting.command)[1:]
        code, out, _ = _run(capsys, [*words, "--format", "json"])
        assert code == 0
        est = json.loads(out)
        assert est["cost_usd"] == pytest.approx(setting.figure("cost_usd")[0], rel=1e-9)
        assert est["wall_clock_days"] * 24 == pytest.approx(setting.figure("wall_clock_hours")[0], rel=1e-9)


def _fits(setting: Any, gpus: int, zero: int | None) -> bool | None:
    fields = {"model": "llama-2-7b", "stage": "sft", "method": setting.method, "gpu": setting.gpu, "seq_len": 4096}
    report = training_memory(**fields, gpus=gpus, zero=zero).finetune
    assert report is not None
    return report.fits


def test_each_setting_is_on_its_fewest_gpus() -> None:
    """One step below a setting's count (the counts are 1, 2, 4, 8, 16...), the stage either fits in
    no layout tried or misses the day; at the count it fits."""
    plan = _issue_plan()
    ladder = [1, 2, 4, *range(8, 4097, 8)]
    below_checked = 0
    for s in plan.settings:
        assert _fits(s, s.gpus, s.zero) is True
        if s.gpus == 1:
            continue
        fewer = ladder[ladder.index(s.gpus) - 1]
        fits = any(_fits(s, fewer, zero) for zero in (None, 3))
        words = shlex.split(s.command)[2:]
        fields = dict(zip((w[2:].replace("-", "_") for w in words[::2]), words[1::2], strict=True))
        on_fewer = costcalc.estimate(**{**fields, "gpus": fewer}).wall_clock
        late = on_fewer is not None and on_fewer.m_as("hour") > 24.0
        assert not fits or late, (s.method, s.gpu, s.gpus)
        below_checked += 1
    assert below_checked >= 5  # full fine-tuning of 7B fits on no single 24-80 GB card


def test_a_shorter_deadline_takes_more_gpus_at_a_cost_no_lower() -> None:
    """The deadline raises the count: lora on H100 fits one GPU and takes hours, so 20 minutes take
    the fewest whole nodes that finish within them; without the fixed time per run (held on every
    GPU, so it grows with the count), the GPU-hours grow only as the efficiency falls with the count
    (the same price, so the cost grows in the same ratio)."""
    base = {"model": "llama-2-7b", "stage": "sft", "tokens": "100M", "gpu": "h100", "method": "lora"}
    day = plan_stage(**base, deadline="1 day", setup_time="0 h")
    hour = plan_stage(**base, deadline="20 min", setup_time="0 h")
    assert day.answer.gpus == 1 and hour.answer.gpus > 8 and hour.answer.gpus % 8 == 0
    assert hour.answer.figure("wall_clock_hours")[0] <= 1 / 3
    day_cost, hour_cost = day.answer.figure("cost_usd")[0], hour.answer.figure("cost_usd")[0]
    assert day_cost is not None and hour_cost is not None and hour_cost > day_cost
    ratio = (hour.answer.estimate.gpu_hours / day.answer.estimate.gpu_hours).m_as("")
    assert hour_cost / day_cost == pytest.approx(ratio, rel=1e-9) and ratio < 1.5
    words = shlex.split(hour.answer.command)[2:]
    fields = dict(zip((w[2:].replace("-", "_") for w in words[::2]), words[1::2], strict=True))
    fewer = costcalc.estimate(**{**fields, "gpus": hour.answer.gpus - 8})
    assert fewer.wall_clock is not None and fewer.wall_clock.m_as("minute") > 20  # one node fewer misses it


def test_a_ppo_or_grpo_plan_counts_a_prompt_and_its_generation_not_the_context() -> None:
    """PPO/GRPO's sequence is the prompt and its generation (256 + 256), not the model's 4,096 context."""
    grpo = plan_stage(model="llama-2-7b", stage="grpo", examples=1000, prompt_tokens=256, generated_tokens=256,
                      deadline="1 day", gpu="h100", method="lora")  # fmt: skip
    assert grpo.seq_len == 512 and "--seq-len 512" in grpo.answer.command and not grpo.notes
    assert float(grpo.tokens.m_as("token")) == 1000 * 8 * 512  # the default group of 8


def test_a_budget_keeps_the_settings_within_it(capsys: pytest.CaptureFixture[str]) -> None:
    plan = _issue_plan()
    costs = [c for s in plan.settings if (c := s.figure("cost_usd")[0]) is not None]
    cut = (costs[2] + costs[3]) / 2
    within = plan_stage(model="llama-2-7b", stage="sft", tokens="100M", deadline="1 day", budget=f"{cut} USD")
    assert [s.command for s in within.settings] == [s.command for s in plan.settings[:3]]
    assert any("over the budget" in x.reason for x in within.left_out)
    assert any("no price for this GPU" in x.reason for x in within.left_out)  # RTX-3090: a budget cannot hold
    code, _, err = _run(capsys, [*ISSUE, "--budget", f"{costs[0] / 2} USD"])
    assert code == 2 and err.startswith("costcalc plan: error: --deadline: no method and GPU type runs sft")
    assert "\n" not in err.strip()


def test_a_given_gpu_count_is_kept_or_the_setting_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_stage(model="llama-2-7b", stage="sft", tokens="100M", gpus=8, gpu="a100-80gb", deadline="1 day")
    assert {s.gpus for s in plan.settings} == {8} and {s.method for s in plan.settings} == set(METHODS)
    args = [*ISSUE, "--tokens", "1B", "--gpus", "1", "--gpu", "a100-80gb", "--method", "qlora"]
    code, _, err = _run(capsys, args)
    assert code == 2 and "qlora on A100-80GB: takes" in err and "on 1 GPUs" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "lora", "--deadline", "1 day"], "--method: describes a fine-tuning stage: give --stage"),
        (["--stage", "sft", "--tokens", "1M", "--deadline", "1 day", "--price", "2"],
         "--price: one value cannot hold for several GPU types: give --gpu with it"),
        (["--stage", "grpo", "--tokens", "1M", "--deadline", "1 day"], "--tokens: --stage grpo counts its own tokens"),
        (["--stage", "sft", "--tokens", "1M"], "--budget: give a budget"),
        (["--stage", "sft", "--deadline", "1 day"], "--tokens: --stage sft needs its own data"),
        (["--stage", "sft", "--tokens", "1M", "--deadline", "1 day", "--gpu", "h100", "--zero", "4"],
         "--zero: "),
    ],
)  # fmt: skip
def test_bad_stage_plans_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = _run(capsys, ["plan", "--model", "llama-2-7b", *args])
    assert code == 2 and err.startswith(f"costcalc plan: error: {message}"), err
    assert "\n" not in err.strip() and "Traceback" not in err


def test_the_api_keeps_plan_and_plan_stage_apart() -> None:
    with pytest.raises(InputError, match=r"planned by costcalc\.plan_stage") as refused:
        costcalc.plan(model="llama-2-7b", stage="sft", tokens="1M", deadline="1 day")
    assert refused.value.field == "stage"
    assert costcalc.plan_stage is plan_stage
    assert repr(_issue_plan()).startswith("StagePlan('sft of LLaMA-2-7B on 100M tokens within 24 hours'")


def test_a_pre_training_plan_loads_no_fine_tuning_code() -> None:
    """``plan_stage`` is loaded on first use: a pre-training plan never imports the fine-tuning
    memory model or formulas (as a pre-training estimate does not)."""
    code = (
        "import sys, costcalc; costcalc.plan('2M USD', gpu='h100'); "
        "print(sorted(m for m in sys.modules if m.endswith(('stages', 'finetune', 'finetune_memory', 'lora', "
        "'memory_report'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
    assert callable(costcalc.plan_stage)


def test_a_node_preset_is_planned_in_whole_nodes() -> None:
    """DGX-H100 comes in nodes of 8: no count below a node, however little the stage needs."""
    plan = plan_stage(model="llama-2-7b", stage="sft", tokens="10M", seq_len=512, deadline="1 day", gpu="dgx-h100")
    assert {s.gpus for s in plan.settings} == {8} and {s.gpu for s in plan.settings} == {"DGX-H100"}
    single = plan_stage(model="llama-2-7b", stage="sft", tokens="10M", seq_len=512, deadline="1 day", gpu="h100")
    assert {s.gpus for s in single.settings} < {1, 2, 4}
