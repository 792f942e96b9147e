"""Layouts that answer a practitioner's questions: the cases of the memory-and-planning issue, each
against its closed form or published figure."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.memory_report import training_memory
from costcalc.commands.sweep import sweep
from costcalc.data.catalog import Catalog
from costcalc.estimator.layouts import Problem, grid_candidates, search
from costcalc.formulas.memory import (
    PRECISION_RECIPES,
    MemoryOptions,
    activation_bytes_per_layer,
    breakdown,
    state_bytes_per_param,
)
from costcalc.formulas.memory_grid import grid_memory
from costcalc.formulas.parallel import step_time_factor, tensor_parallel_comm_fraction

GB = 1e9


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


# 1. Given options fix what they name; the rest is still searched.


def test_zero_3_alone_still_searches_recomputation() -> None:
    """Llama-2-13B on 8 A100-80GB with --zero 3. Eager attention without recomputation needs
    210.2 GB (Korthikanti's 5as/h term: 5·40·4096/5120 = 160 of the 194 per sbh); with selective
    recomputation 62.6 GB fits. costcalc now picks the recomputation itself; with flash attention
    (the default) no recomputation is needed at the same 62.6 GB."""
    eager = training_memory(model="llama-2-13b", gpus=8, zero=3, attention="eager")
    assert eager.memory is not None and eager.memory.fits
    assert eager.memory.recompute == "selective" and eager.memory.total == pytest.approx(62.6 * GB, rel=1e-3)
    none = training_memory(model="llama-2-13b", gpus=8, zero=3, attention="eager", recompute="none", tp=1, pp=1)
    assert none.memory is not None and none.memory.total == pytest.approx(210.2 * GB, rel=1e-3)
    flash = training_memory(model="llama-2-13b", gpus=8, zero=3)
    assert flash.memory is not None and flash.memory.fits and flash.memory.recompute == "none"
    assert main(["memory", "--model", "llama-2-13b", "--gpus", "8", "--zero", "3"]) == 0


def test_tp_and_pp_given_keep_sequence_parallelism_searched() -> None:
    """Llama-2-70B on 2048 A100-80GB with --tp 8 --pp 8 (eager): sequence parallelism stays on, as
    the automatic layout has it, giving 78.8 GB (Korthikanti Table 2: sbh(34/t + 5as/ht) per layer)
    instead of 104.6 GB without it."""
    est = costcalc.estimate(model="llama-2-70b", gpus=2048, tp=8, pp=8, attention="eager")
    m = est.memory
    assert m is not None and (m.tp, m.pp, m.sp, m.recompute) == (8, 8, True, "none")
    assert m.total == pytest.approx(78.8 * GB, rel=1e-3) and m.fits
    off = costcalc.estimate(model="llama-2-70b", gpus=2048, tp=8, pp=8, sp=False, recompute="none", attention="eager")
    assert off.memory is not None and off.memory.total == pytest.approx(104.6 * GB, rel=1e-3)


# 2. Ranked by estimated step time, memory as a constraint; GPU-hours unchanged.


def test_layouts_are_ranked_by_step_time(catalog: Catalog) -> None:
    """Llama-2-70B on 2048 H100 (eager): TP8 PP8 without recomputation fits (78.8 of 80 GB) but
    pays a 21.9% bubble, (p - 1)/m = 7/32 (Narayanan et al. 2021); TP8 PP1 with selective
    recomputation fits and is faster, so it ranks first."""
    r = training_memory(model="llama-2-70b", gpu="h100", gpus=2048, attention="eager")
    first = r.layouts[0]
    assert (first.memory.tp, first.memory.pp, first.memory.recompute) == (8, 1, "selective")
    steps = [lay.step_time for lay in r.layouts]
    assert steps == sorted(steps) and all(lay.memory.fits for lay in r.layouts)
    pp8 = next(
        lay
        for lay in search(_problem(catalog, "llama-2-70b", "h100", attention="eager"), 2048)
        if (lay.memory.tp, lay.memory.pp, lay.memory.recompute) == (8, 8, "none")
    )
    assert pp8.memory.bubble == pytest.approx(7 / 32) and pp8.step_time is not None
    assert first.step_time is not None and first.step_time < pp8.step_time
    assert "bubble" in first.why and "TP comm" in first.why


def test_step_time_closed_forms() -> None:
    """(1 + r)(1 + c)(1 + β); TP communication 4·L·n·h·(t−1)·peak / (B·F) with n = 4 all-reduces
    per layer (Narayanan et al. 2021 §3.2) and ring all-reduce 2(t−1)/t (Patarasuk and Yuan 2009)."""
    assert step_time_factor(0.1, 0.2, 0.5) == pytest.approx(1.1 * 1.2 * 1.5)
    assert tensor_parallel_comm_fraction(1, 8192, 80, 1e12, 1e15, 4.5e11) == 0
    assert tensor_parallel_comm_fraction(8, 8192, 80, 1e12, 1e15, 4.5e11) == pytest.approx(
        4 * 80 * 4 * 8192 * 7 * 1e15 / (4.5e11 * 1e12)
    )


def test_gpu_hours_stay_those_of_the_efficiency_unless_count_bubble() -> None:
    """The ranking only picks the layout: GPU-hours = FLOPs / (peak x MFU) whatever the layout;
    --count-bubble multiplies them by (1 + bubble)."""
    auto = costcalc.estimate(model="llama-2-70b", gpus=2048, mfu=0.4)
    pp8 = costcalc.estimate(model="llama-2-70b", gpus=2048, mfu=0.4, tp=8, pp=8, recompute="none")
    assert auto.gpu_hours.m == pytest.approx(pp8.gpu_hours.m)
    fixed = {"tp": 8, "pp": 8, "recompute": "none"}
    counted = costcalc.estimate(model="llama-2-70b", gpus=2048, mfu=0.4, count_bubble=True, **fixed)
    assert counted.gpu_hours.m == pytest.approx(pp8.gpu_hours.m * (1 + 7 / 32))
    layout = next(a for a in auto.assumptions if a.name == "layout")
    assert "GPU-hours use the calibrated efficiency" in layout.basis


# 3. Options given are never ignored.


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["memory", "--model", "llama-2-70b", "--pp", "1000"], "--pp: 1000 pipeline stages is more than"),
        (["memory", "--model", "llama-2-70b", "--tp", "3"], "--tp: tensor parallelism (3) must divide"),
        (["memory", "--model", "llama-2-70b", "--gpus", "64", "--pp", "128"], "--pp:"),
        (["memory", "--model", "deepseek-v3", "--ep", "3"], "--ep: ep (3) must divide"),
    ],
)
def test_impossible_given_options_are_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_given_pp_is_kept_without_a_gpu_count() -> None:
    r = training_memory(model="llama-2-70b", pp=16)
    assert r.memory is not None and r.memory.pp == 16 and r.memory.gpus % 16 == 0


# 4. A lower bound that exceeds the capacity says "does not fit", and what would.


def test_params_only_without_model_parallelism_does_not_fit_with_the_reason_and_the_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """70e9 parameters on 2000 A100-80GB with ZeRO-1 and no model parallelism: weights 2Ψ = 140 GB
    and gradients 2Ψ = 140 GB per GPU (Rajbhandari et al. 2020 §5.1) already exceed 80 GB. ZeRO-3
    shards all 16Ψ."""
    assert main(["estimate", "--params", "70e9", "--gpus", "2000", "--tp", "1", "--pp", "1"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # reports wrap at the terminal width
    assert "model states 280.4 GB (weights 140.0 GB, gradients 140.0 GB, optimizer 0.4 GB)" in out
    assert "of 80.0 GB: DOES NOT FIT" in out
    assert "smallest change that would fit: --zero 3 (TP=1 PP=1 DP=2000" in out


def test_params_only_gets_the_standard_shape_and_a_layout_that_fits(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's headline: a parameter count alone gets the standard shape (72 layers x 9,216 for
    70B) and the layout search a preset gets; 6·N·D of the count stays the FLOP count."""
    assert main(["estimate", "--params", "70e9", "--gpus", "2000"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "fits;" in out and "DOES NOT FIT" not in out and "Memory per GPU (TP=1 PP=1 " not in out
    assert "standard shape: 72 layers x 9,216 wide, 72 heads" in out and "FLOPs: 6·N·D" in out
    assert main(["memory", "--params", "70e9", "--pp", "1000"]) == 2
    assert "--pp: 1000 pipeline stages is more than" in capsys.readouterr().err


def test_zero_paper_subtotal_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    """ZeRO paper (Rajbhandari et al. 2020, Figure 1): 7.5B parameters on 64 GPUs with P_os need
    31.4 GB of model states per GPU (2Ψ + 2Ψ + 12Ψ/64)."""
    assert main(["memory", "--params", "7.5e9", "--gpus", "64", "--zero", "1", "--tp", "1", "--pp", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("standard shape (7.5B parameters) on 64 x A100-80GB\n")
    out = " ".join(out.split())
    assert "model states 31.4 GB (weights 15.0 GB, gradients 15.0 GB, optimizer 1.4 GB)" in out


# 5. FlashAttention.


def test_flash_attention_drops_the_score_term() -> None:
    """Dao et al. 2022 §3.1: the s x s scores are never stored, so without recomputation a layer
    keeps Korthikanti's selective-recomputation activations, sbh(34/t) with SP."""
    s, b, h, a, t = 4096, 1, 8192, 64, 8
    flash = activation_bytes_per_layer(s, b, h, a, t, sequence_parallel=True, recompute="none", attention="flash")
    eager = activation_bytes_per_layer(s, b, h, a, t, sequence_parallel=True, recompute="none", attention="eager")
    assert flash == pytest.approx(s * b * h * 34 / t)
    assert eager - flash == pytest.approx(s * b * h * 5 * a * s / (h * t))
    assert MemoryOptions().attention == "flash"


# 6. Precision of the training state.


def test_precision_recipes() -> None:
    """ZeRO paper: 2 + 2 + 12 = 16 bytes per parameter. Megatron-LM's bf16 recipe keeps fp32 main
    gradients: 2 + 4 + 12 = 18 bytes, or 6 + 12/d with its distributed optimizer (ZeRO-1)."""
    zero = state_bytes_per_param("bf16", "adamw", *PRECISION_RECIPES["zero-paper"])
    megatron = state_bytes_per_param("bf16", "adamw", *PRECISION_RECIPES["megatron-bf16"])
    assert sum(zero) == 16 and sum(megatron) == 18
    assert sum(state_bytes_per_param("bf16", "adamw", "bf16", "none")) == 12
    r = training_memory(params=1e9, gpus=64, zero=1, tp=1, pp=1, grad_dtype="fp32")
    assert r.memory is not None
    assert r.memory.states == pytest.approx(1e9 * (6 + 12 / 64))


# 7. Mixture of experts.


def test_deepseek_v3_memory_with_expert_parallelism(catalog: Catalog) -> None:
    """DeepSeek-V3 (arXiv:2412.19437 §3.2: PP16, EP64, ZeRO-1 on 2048 H800). Routed experts
    (671.03B - 37.55B active + 8 x 58 routed ones) are split over p·e ranks and their states sharded
    over N_d / e; dense parameters over p and N_d."""
    spec, h800 = catalog.model("deepseek-v3"), catalog.accelerator("h800")
    options = MemoryOptions(pp=16, ep=64, zero=1, recompute="full")
    m = breakdown(spec, float(spec.params.m), h800, 2048, options)
    expert = 58 * 256 * 3 * 7168 * 2048
    dense = float(spec.params.m) - expert
    assert m.weights == pytest.approx(2 * dense / 16 + 2 * expert / (16 * 64))
    assert m.optimizer == pytest.approx(12 * dense / 16 / 128 + 12 * expert / (16 * 64) / 2)
    assert m.fits
    r = training_memory(model="deepseek-v3", gpus=2048, ep=64)
    assert r.memory is not None and r.memory.fits and r.memory.ep == 64


# 10. Sweeps: whole GPU counts, categories, a vectorised memory check.


def test_sweep_gpu_counts_are_whole() -> None:
    result = sweep(["gpus=1..100:log:30"], params="7B")
    gpus = np.array(result.columns["gpus"])
    assert np.all(gpus == np.round(gpus)) and len(set(gpus.tolist())) == len(gpus) == 24
    assert result.notes[0] == (
        "gpus: the log range gives whole counts only: 24 values (rounded to whole gpus, 6 duplicates dropped)"
    )
    # 7B's standard shape needs 112 GB of model states on one GPU: the sweep says so, and what fits
    assert result.notes[1:] == (
        "fits 0: no layout fits in memory at 1 point(s), first 7B parameters on 1 A100-80GB; smallest change "
        "that would fit: 2 GPUs (TP=2 PP=1 DP=1, recompute none, 73.9 GB of 80.0 GB)",
    )
    with pytest.raises(InputError, match="whole"):
        sweep(["gpus=67.21,128"], params="7B")


def test_categorical_sweep_matches_single_estimates() -> None:
    result = sweep(["gpu=a100,h100,b200", "gpus=64,128"], model="llama-2-7b")
    assert result.columns["gpu"] == ["A100-80GB"] * 2 + ["H100-SXM"] * 2 + ["B200"] * 2  # aliases resolved
    single = costcalc.estimate(model="llama-2-7b", gpu="h100", gpus=128)
    assert result.values["wall_clock_days"][3] == pytest.approx(single.wall_clock.m_as("day"))
    dtypes = sweep(["dtype=bf16,fp8"], model="llama-2-7b", gpu="h100", gpus=64)
    # fp8 with the default efficiency: the bf16 peak x the stated 1.3 speed-up, not the fp8 peak's free 2x
    assert dtypes.values["gpu_hours"][0] == pytest.approx(1.3 * dtypes.values["gpu_hours"][1])
    nodes = sweep(["nodes=1..64:log:7"], model="llama-2-7b", gpu="dgx-h100")
    assert nodes.columns["nodes"] == [1, 2, 4, 8, 16, 32, 64]


def test_vectorised_memory_check_matches_the_search(catalog: Catalog) -> None:
    """The grid's least memory per point equals the least over ``search`` at that point."""
    problem = _problem(catalog, "llama-2-70b", "a100")
    gpus = np.array([8.0, 64.0, 96.0, 2048.0])
    best, exact = grid_memory(
        problem.spec, np.full(4, problem.params), 0.0, gpus, grid_candidates(problem, 2048), dtype="bf16"
    )
    assert exact
    for count, value in zip(gpus.astype(int).tolist(), best.tolist(), strict=True):
        least = min(lay.memory.total or np.inf for lay in search(problem, count))
        assert value == pytest.approx(least)


@pytest.mark.parametrize(
    ("model", "gpu", "counts"),
    [
        # dense: counts below, at and between the model-parallel sizes, odd counts no layout divides
        ("llama-2-70b", "a100", [1, 2, 3, 7, 8, 12, 16, 24, 63, 64, 96, 100, 513, 1000, 2048]),
        # mixture of experts: expert parallelism must divide N_d too
        ("deepseek-v3", "h100", [8, 16, 24, 64, 96, 256, 1000, 2048]),
    ],
)
def test_the_grid_equals_the_search_at_every_count(catalog: Catalog, model: str, gpu: str, counts: list[int]) -> None:
    """At every count (usable by every layout, some, or none) the grid's least memory is the least
    over ``search``, with one parameter count throughout and with a different count per point."""
    problem = _problem(catalog, model, gpu)
    gpus = np.array(counts, dtype=float)
    layouts = grid_candidates(problem, max(counts))
    same, _ = grid_memory(problem.spec, np.full(len(counts), problem.params), problem.expert_params, gpus, layouts)
    scalar, _ = grid_memory(problem.spec, np.float64(problem.params), problem.expert_params, gpus, layouts)
    for count, value in zip(counts, same.tolist(), strict=True):
        least = min((lay.memory.total or np.inf for lay in search(problem, count)), default=np.inf)
        assert value == pytest.approx(least), count
    assert np.array_equal(same, scalar)
    # a different parameter count per point: each point as if the grid were called for it alone
    varied = problem.params * np.linspace(1.0, 1.5, len(counts))
    each, _ = grid_memory(problem.spec, varied, problem.expert_params, gpus, layouts)
    alone = [grid_memory(problem.spec, varied[i : i + 1], problem.expert_params, gpus[i : i + 1], layouts)[0][0]
             for i in range(len(counts))]  # fmt: skip
    assert each.tolist() == alone
    assert np.isfinite(each).all()  # t = p = e = 1 can use every count


def test_the_memory_check_of_a_sweep_is_vectorised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of GPU counts get their memory check from one vectorised call over the grid of
    points and layouts, not one search per point (its speed is measured in benchmarks/, not here)."""
    from costcalc.commands import sweep as sweep_module

    calls: list[int] = []
    original = sweep_module.grid_memory

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "grid_memory", counting)
    result = sweep(["gpus=8..1000000:log:10000"], model="llama-2-70b")
    assert len(result) > 5000 and set(result.fits.tolist()) == {0.0, 1.0}
    assert len(calls) == 1


def test_sweep_json_has_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--model", "llama-2-7b", "--over", "gpus=8,16", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"][0]["fits"] is True and data["rows"][0]["memory_gb"] > 0


def _problem(catalog: Catalog, model: str, gpu: str, **options: object) -> Problem:
    spec = catalog.model(model)
    opts = MemoryOptions(**options)  # type: ignore[arg-type]
    return Problem(spec, float(spec.params.m), catalog.accelerator(gpu), opts, frozenset(options))
