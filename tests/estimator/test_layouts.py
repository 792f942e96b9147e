"""Layouts that answer a practitioner's questions: the cases of the memory-and-planning issue, each
against its closed form or published figure."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.memory_report import training_memory
from costcalc.commands.sweep import sweep
from costcalc.data.catalog import Catalog
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.layouts import (
    SHOWN,
    LayoutChoice,
    Problem,
    grid_candidates,
    plan_memory,
    search,
    smallest_fit,
    suggestions,
)
from costcalc.formulas.memory import (
    PRECISION_RECIPES,
    MemoryOptions,
    activation_bytes_per_layer,
    breakdown,
    state_bytes_per_param,
)
from costcalc.formulas.memory_grid import grid_memory
from costcalc.formulas.parallel import step_time_factor, tensor_parallel_comm_fraction
from costcalc.render.sweep import note_text
from costcalc.render.words import step_words, worded

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
    assert float(first.step["bubble"].m) == pytest.approx(first.memory.bubble)
    assert "bubble" in step_words(first.step) and "TP comm" in step_words(first.step)


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
    layout = next(a for a in auto.assumptions if a.key == "layout")
    memory = auto.memory
    assert memory is not None and layout.kind == "derived" and layout.basis.key == "searched"
    assert layout.value == (memory.tp, memory.pp, memory.dp, memory.ep, memory.zero, memory.sp, memory.recompute)
    assert "GPU-hours use the calibrated efficiency" in worded(layout).basis


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
    gpus = result.columns["gpus"].m_as("GPU")
    assert np.all(gpus == np.round(gpus)) and len(set(gpus.tolist())) == len(gpus) == 24
    assert note_text(result.notes[0]) == (
        "gpus: the log range gives whole counts only: 24 values (rounded to whole gpus, 6 duplicates dropped)"
    )
    # 7B's standard shape needs 112 GB of model states on one GPU: the sweep says so, and what fits
    assert tuple(note_text(note) for note in result.notes[1:]) == (
        "fits 0: no layout fits in memory at 1 point(s), first 7B parameters on 1 A100-80GB; smallest change "
        "that would fit: 2 GPUs (TP=2 PP=1 DP=1, recompute none, 73.9 GB of 80.0 GB)",
    )
    with pytest.raises(InputError, match="whole"):
        sweep(["gpus=67.21,128"], params="7B")


def test_categorical_sweep_matches_single_estimates() -> None:
    result = sweep(["gpu=a100,h100,b200", "gpus=64,128"], model="llama-2-7b")
    assert result.columns["gpu"] == ["A100-80GB"] * 2 + ["H100-SXM"] * 2 + ["B200"] * 2  # aliases resolved
    single = costcalc.estimate(model="llama-2-7b", gpu="h100", gpus=128)
    assert result.values["wall_clock_days"][3].m_as("day") == pytest.approx(single.wall_clock.m_as("day"))
    dtypes = sweep(["dtype=bf16,fp8"], model="llama-2-7b", gpu="h100", gpus=64)
    # fp8 with the default efficiency: the bf16 peak x the stated 1.3 speed-up, not the fp8 peak's free 2x
    hours = dtypes.values["gpu_hours"].m_as("GPU_hour")
    assert hours[0] == pytest.approx(1.3 * hours[1])
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


# 11. The search on a tiny stated shape, against closed forms (every expected value worked by hand).

#: l = 2, d = 64, n_h = 4 (multi-head, d_k = 16), d_ff = 128 gated, V = 100, s = 16. Forward FLOPs per
#: token (costcalc.formulas.flops): matmuls 2·2·(4·64·64 + 3·64·128) = 163,840; attention scores
#: 2·2·(16/2)·4·(16 + 16) = 4,096 (causal); LM head 2·64·100 = 12,800: training 3 x 180,736 = 542,208.
TINY = {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": None, "head_dim": None, "ffn": 128, "vocab": 100}
TRAINING, SCORES, MATMULS = 542_208, 4_096, 163_840


def _tiny_problem(catalog: Catalog, capacity: float = 80e9, **options: Any) -> Problem:
    spec = catalog.model("llama-2-7b").model_copy(update={**TINY, "seq_len": 16})
    gpu = catalog.accelerator("a100").model_copy(update={"memory": costcalc.Q_(capacity, "B")})
    return Problem(spec, 1e9, gpu, MemoryOptions(**options), frozenset(options))


def _found(layouts: list[Any]) -> set[tuple[int, int, bool, str]]:
    return {(lay.memory.tp, lay.memory.pp, lay.memory.sp, lay.memory.recompute) for lay in layouts}


def test_search_space_on_a_tiny_shape(catalog: Catalog) -> None:
    """On 4 GPUs: t in {1, 2, 4} (powers of two within the node), p in {1, 2} (at most l = 2 layers),
    sequence parallelism exactly when t > 1; flash attention drops selective recomputation (the same
    memory as none), eager keeps it."""
    flash = _found(search(_tiny_problem(catalog), 4))
    tp_pp = {(1, 1), (1, 2), (2, 1), (2, 2), (4, 1)}
    assert flash == {(t, p, t > 1, r) for t, p in tp_pp for r in ("none", "full")}
    eager = _found(search(_tiny_problem(catalog, attention="eager"), 4))
    assert eager == {(t, p, t > 1, r) for t, p in tp_pp for r in ("none", "selective", "full")}
    given = _found(search(_tiny_problem(catalog, recompute="selective", sp=False), 4))
    assert given == {(t, p, False, "selective") for t, p in tp_pp}


@pytest.mark.parametrize(("zero", "pipelined"), [(1, True), (2, False), (3, False)])
def test_zero_2_and_3_keep_one_pipeline_stage(catalog: Catalog, zero: int, pipelined: bool) -> None:
    """DeepSpeed refuses ZeRO-2/3 with pipeline parallelism: the search keeps them to p = 1 unless --pp is given."""
    stages = {lay.memory.pp for lay in search(_tiny_problem(catalog, zero=zero), 4)}
    assert (stages == {1, 2}) is pipelined and 1 in stages
    assert {lay.memory.pp for lay in search(_tiny_problem(catalog, zero=zero, pp=2), 4)} == {2}


def test_step_time_parts_closed_form(catalog: Catalog) -> None:
    """A100: 312 TFLOP/s bf16, NVLink 600 GB/s both directions, so B = 300 GB/s each way.
    Recomputation: selective adds the scores 4,096/542,208, full the layers' forward
    (163,840 + 4,096)/542,208. TP communication at t = 2 (Narayanan et al. 2021 §3.2):
    4·L·n·h·(t - 1)·peak / (B·F_hw), n = 4, or 6 with full recomputation (F_hw = 542,208 + 167,936)."""
    layouts = {
        (lay.memory.tp, lay.memory.pp, lay.memory.recompute): lay
        for lay in search(_tiny_problem(catalog, attention="eager", global_batch_tokens=16), 2)
    }
    peak, bandwidth = 312e12, 300e9
    none, selective, full = (layouts[(2, 1, r)] for r in ("none", "selective", "full"))
    assert none.recompute_extra == 0.0
    assert selective.recompute_extra == pytest.approx(SCORES / TRAINING)
    assert full.recompute_extra == pytest.approx((MATMULS + SCORES) / TRAINING)
    assert none.tp_comm == pytest.approx(4 * 2 * 4 * 64 * 1 * peak / (bandwidth * TRAINING))
    assert full.tp_comm == pytest.approx(4 * 2 * 6 * 64 * 1 * peak / (bandwidth * (TRAINING + MATMULS + SCORES)))
    assert full.step_time == pytest.approx((1 + full.recompute_extra) * (1 + full.tp_comm))
    single = layouts[(1, 1, "none")]
    assert single.tp_comm == 0.0 and single.step_time == pytest.approx(1.0)
    piped = layouts[(1, 2, "none")]  # a 16-token batch is 1 micro-batch per step: bubble (2 - 1)/1
    assert piped.memory.bubble == pytest.approx(1.0) and piped.step_time == pytest.approx(2.0)
    assert (piped.label, none.label) == ("TP=1 PP=2 DP=1", "TP=2 PP=1 DP=1")


def test_without_an_interconnect_tp_communication_is_not_counted(catalog: Catalog) -> None:
    problem = _tiny_problem(catalog)
    bare = Problem(
        problem.spec, problem.params, problem.accelerator.model_copy(update={"interconnect": None}),
        problem.options, problem.fixed,
    )  # fmt: skip
    layouts = search(bare, 2)
    assert {lay.tp_comm for lay in layouts} == {None}
    assert all(lay.step_time is not None and lay.step_time >= 1.0 for lay in layouts)


def test_rank_puts_the_fastest_fit_first_then_the_closest_to_fitting(catalog: Catalog) -> None:
    """Fitting layouts by step time (ties: less model parallelism); then the ones that do not fit
    by their total. All fit on 80 GB; on 21 GB none of the 4-GPU layouts fits (Ψ = 1e9: 16 GB of states
    over t·p, plus 2 GB and 10%), so they are ordered by total, least first."""
    fitting = search(_tiny_problem(catalog, attention="eager"), 4)
    steps = [lay.step_time for lay in fitting]
    assert all(lay.memory.fits for lay in fitting) and steps == sorted(steps)
    assert (fitting[0].memory.tp, fitting[0].memory.pp, fitting[0].memory.recompute) == (1, 1, "none")
    tight = search(_tiny_problem(catalog, 2.5e9, zero=0, attention="eager"), 4)
    totals = [lay.memory.total for lay in tight]
    assert not any(lay.memory.fits for lay in tight) and totals == sorted(totals)  # type: ignore[type-var]


def test_smallest_fit_doubles_from_the_given_model_parallelism(catalog: Catalog) -> None:
    """Everything fixed: ZeRO-3, t = 1, p = 1, no recomputation. Ψ = 1e9 needs 16e9/N states per
    GPU plus 2 GB and 10%: 19.6 GB on 1 GPU, 10.8 GB on 2, 1.1·4 + 2 = 6.4 GB on 4; activations
    2·16·64·34 + 4·16·100 = 76,032 bytes (Korthikanti Table 2 with flash attention, and the logits).
    On 9 GB the smallest count is 4, not found with a limit of 3; with t = 4 given, the doubling starts at 4."""
    fixed = {"zero": 3, "tp": 1, "pp": 1, "recompute": "none", "sp": False, "micro_batch": 1}
    found = smallest_fit(_tiny_problem(catalog, 9e9, **fixed))
    assert found is not None and found[0] == 4 and found[1].memory.total == pytest.approx(1.1 * (4e9 + 76_032) + 2e9)
    assert smallest_fit(_tiny_problem(catalog, 9e9, **fixed), limit=4) is not None
    assert smallest_fit(_tiny_problem(catalog, 9e9, **fixed), limit=3) is None
    wide = smallest_fit(_tiny_problem(catalog, 9e9, **{**fixed, "tp": 4}))
    assert wide is not None and wide[0] == 4 and wide[1].memory.dp == 1
    piped = smallest_fit(_tiny_problem(catalog, 9e9, **{**fixed, "zero": 1, "pp": 2}))
    assert piped is not None and piped[0] % 2 == 0
    assert smallest_fit(Problem(None, 1e9, catalog.accelerator("a100"), MemoryOptions(), frozenset())) is None


MOE = {"experts": 4, "experts_per_token": 1, "expert_ffn": 32, "dense_layers": 1}


def test_expert_parallel_degrees_searched(catalog: Catalog) -> None:
    """A tiny MoE (4 experts; routed parameters 1·4·3·64·32 = 24,576) on 8 GPUs: e runs over the
    powers of two dividing N_d = 8/(t·p) and the 4 experts; a dense model keeps e = 1."""
    problem = _tiny_problem(catalog)
    moe = Problem(problem.spec.model_copy(update=MOE), 1e9, problem.accelerator, MemoryOptions(), frozenset())  # type: ignore[union-attr]
    assert moe.expert_params == 24_576 and problem.expert_params == 0.0
    assert Problem(None, 1e9, problem.accelerator, MemoryOptions(), frozenset()).expert_params == 0.0
    found = {(lay.memory.tp, lay.memory.pp, lay.memory.ep) for lay in search(moe, 8)}
    expected = {(1, 1, e) for e in (1, 2, 4)} | {(1, 2, e) for e in (1, 2, 4)} | {(2, 1, e) for e in (1, 2, 4)}
    expected |= {(2, 2, e) for e in (1, 2)} | {(4, 1, e) for e in (1, 2)} | {(4, 2, 1)}
    assert found == expected
    assert {lay.memory.ep for lay in search(problem, 8)} == {1}
    labels = {lay.label for lay in search(moe, 8)}
    assert {"TP=1 PP=1 DP=8", "TP=1 PP=1 DP=8 EP=2", "TP=4 PP=2 DP=1"} <= labels


def test_tensor_parallelism_stays_within_a_node(catalog: Catalog) -> None:
    """Llama-2-7B (32 heads) on 16 GPUs: t runs over 1, 2, 4, 8 (a node's 8 GPUs), never 16."""
    spec = catalog.model("llama-2-7b")
    problem = Problem(spec, float(spec.params.m), catalog.accelerator("a100"), MemoryOptions(), frozenset())
    assert {lay.memory.tp for lay in search(problem, 16)} == {1, 2, 4, 8}


def test_search_without_a_shape(catalog: Catalog) -> None:
    """Without a model the stages are bounded by the GPU count; without an architecture no step time is
    estimated (no FLOPs per token to weigh recomputation and communication against)."""
    a100 = catalog.accelerator("a100")
    bare = search(Problem(None, 1e9, a100, MemoryOptions(), frozenset()), 4)
    assert {(lay.memory.tp, lay.memory.pp) for lay in bare} == {(1, 1), (1, 2), (1, 4), (2, 1), (2, 2), (4, 1)}
    assert {lay.step_time for lay in bare} == {None} and {lay.tp_comm for lay in bare} == {None}
    shapeless = _tiny_problem(catalog).spec.model_copy(update={"ffn": None})  # type: ignore[union-attr]
    layouts = search(Problem(shapeless, 1e9, a100, MemoryOptions(), frozenset()), 4)
    assert layouts and {lay.step_time for lay in layouts} == {None}
    assert {lay.recompute_extra for lay in layouts} == {0.0}


def test_layouts_and_problems_are_frozen(catalog: Catalog) -> None:
    problem = _tiny_problem(catalog)
    layout = search(problem, 2)[0]
    with pytest.raises(ValidationError):
        layout.step_time = 0.0  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        problem.params = 2.0  # type: ignore[misc]


def test_why_lists_the_step_time_parts(catalog: Catalog) -> None:
    """The bubble and the recomputation always, the TP communication when it is counted: three figures, or two."""
    counted = next(lay for lay in search(_tiny_problem(catalog), 2) if lay.memory.tp == 2)
    why = step_words(counted.step)
    assert counted.tp_comm is not None and f"+{counted.tp_comm:.0%}" in why and why.count("%") == 3
    problem = _tiny_problem(catalog)
    bare = problem.accelerator.model_copy(update={"interconnect": None})
    uncounted = search(Problem(problem.spec, 1e9, bare, MemoryOptions(), frozenset()), 2)[0]
    assert uncounted.tp_comm is None and step_words(uncounted.step).count("%") == 2


def test_at_most_five_layouts_are_shown(catalog: Catalog) -> None:
    """Ten layouts fit the tiny shape on 4 GPUs (flash attention): the estimate keeps the five fastest."""
    problem = _tiny_problem(catalog)
    assert problem.spec is not None
    fitting = [lay for lay in search(problem, 4) if lay.memory.fits]
    choice = plan_memory(EstimateInputs(), problem.spec, costcalc.Q_(1e9, "parameter"), problem.accelerator, None,
                         costcalc.Q_(4, "GPU"), "bf16")  # fmt: skip
    assert len(fitting) == 10 and SHOWN == 5
    assert [lay.memory for lay in choice.layouts] == [lay.memory for lay in fitting[:5]]
    assert choice.memory == fitting[0].memory and choice.recompute == "none"


def test_grid_candidates_of_a_shape_and_without_one(catalog: Catalog) -> None:
    """The grid of a sweep tries the layouts the shape allows up to the largest GPU count (4 heads: t
    at most 4; 2 layers: p at most 2); without an architecture only the given layout."""
    problem = _tiny_problem(catalog)
    tried = {(o.tp, o.pp, o.recompute) for o in grid_candidates(problem, 8)}
    assert tried == {(t, p, r) for t in (1, 2, 4) for p in (1, 2) for r in ("none", "full")}
    shapeless = problem.spec.model_copy(update={"ffn": None})  # type: ignore[union-attr]
    options = MemoryOptions(tp=2)
    assert grid_candidates(Problem(shapeless, 1e9, problem.accelerator, options, frozenset()), 8) == [options]


def _layout(base: Any, step: float | None, **memory: Any) -> Any:
    """A layout with the given step time and memory fields (total and capacity give the headroom)."""
    from costcalc.estimator.layouts import Layout

    return Layout(memory=base.model_copy(update=memory), recompute_extra=0.0, tp_comm=None, step_time=step)


def test_rank_keys(catalog: Catalog) -> None:
    """rank: fitting layouts first (even a slow one before a small one that does not fit), by step time
    (none counts as 0), then less model parallelism t·p, then more headroom; then the others by total
    (the model states when there is no total), then t·p."""
    from costcalc.estimator.layouts import rank

    base = search(_tiny_problem(catalog), 1)[0].memory
    fit = {"fits": True, "capacity": 10.0, "total": 5.0}
    slow = _layout(base, 5.0, **fit)
    small = _layout(base, None, fits=False, total=1.0)
    assert rank([small, slow]) == [slow, small]
    unknown = _layout(base, None, **fit)
    half = _layout(base, 0.5, **fit)
    assert rank([half, unknown]) == [unknown, half]
    deep, wide = _layout(base, 1.0, tp=1, pp=4, **fit), _layout(base, 1.0, tp=2, pp=1, **fit)
    assert rank([deep, wide]) == [wide, deep]
    full = _layout(base, 1.0, fits=True, capacity=5.0, total=5.0)
    roomy = _layout(base, 1.0, fits=True, capacity=5.5, total=5.0)
    assert (full.memory.headroom, roomy.memory.headroom) == (0.0, 0.5) and rank([full, roomy]) == [roomy, full]
    big, near = _layout(base, None, fits=False, total=9.0), _layout(base, None, fits=False, total=None, weights=2.0,
                                                                    gradients=2.0, optimizer=2.0)  # fmt: skip
    assert near.memory.states == 6.0 and rank([big, near]) == [near, big]
    deep_out = _layout(base, None, fits=False, total=9.0, tp=1, pp=4)
    wide_out = _layout(base, None, fits=False, total=9.0, tp=2, pp=1)
    assert rank([deep_out, wide_out]) == [wide_out, deep_out]


def test_smallest_fit_start_and_default_limit(catalog: Catalog) -> None:
    """Nothing fixed: the doubling starts at 1 GPU. Pipeline stages fixed at 3 (6 layers): it starts at
    3 and doubles (3, 6, ...). Ψ = 1e13 with ZeRO-3 on 2.1 GB GPUs: 1.1·(16Ψ/N + activations) + 2 GB
    fits when 16Ψ/N is below about 0.1 GB / 1.1 = 90.9 MB: on 2^21 GPUs (76.3 MB), not on 2^20 (152.6 MB),
    so not within the default limit of 2^20 GPUs."""
    assert smallest_fit(_tiny_problem(catalog)) is not None
    assert smallest_fit(_tiny_problem(catalog))[0] == 1  # type: ignore[index]
    six = _tiny_problem(catalog, pp=3)
    six = Problem(six.spec.model_copy(update={"layers": 6}), 1e9, six.accelerator, six.options, six.fixed)  # type: ignore[union-attr]
    found = smallest_fit(six)
    assert found is not None and found[0] == 3 and found[1].memory.pp == 3
    wide = _tiny_problem(catalog, tp=3)  # 6 heads of 16: t = 3 divides them; the doubling starts at 3
    wide = Problem(wide.spec.model_copy(update={"heads": 6, "hidden": 96}), 1e9, wide.accelerator, wide.options,  # type: ignore[union-attr]
                   wide.fixed)  # fmt: skip
    found = smallest_fit(wide)
    assert found is not None and found[0] == 3 and found[1].memory.tp == 3
    fixed = {"zero": 3, "tp": 1, "pp": 1, "recompute": "none", "sp": False, "micro_batch": 1}
    huge = _tiny_problem(catalog, 2.1e9, **fixed)
    huge = Problem(huge.spec, 1e13, huge.accelerator, huge.options, huge.fixed)
    assert smallest_fit(huge) is None
    beyond = smallest_fit(huge, limit=1 << 21)
    assert beyond is not None and beyond[0] == 1 << 21


def _flags(changes: list[str]) -> list[str]:
    """The options (or GPU count) each suggestion starts with, without the description in brackets."""
    return [change.split(" (")[0] for change in changes]


@pytest.mark.parametrize(
    ("capacity", "expected"),
    [(8.5e9, ["--zero 2", "8 GPUs"]), (7.75e9, ["--zero 3", "16 GPUs"]), (7e9, ["--zero 3", "32 GPUs"])],
)
def test_suggestions_for_a_shape(catalog: Catalog, capacity: float, expected: list[str]) -> None:
    """Ψ = 1e9 on 4 GPUs, t = p = 1 and ZeRO-1 fixed: states 2 + 2 + 12/4 = 7 bytes per parameter,
    9.7 GB with the allowance. ZeRO-2 needs 2 + 14/4 = 5.5 (8.05 GB), ZeRO-3 16/4 = 4 (6.4 GB); more GPUs
    at ZeRO-1: 8.05 GB on 8, 7.225 on 16, 6.81 on 32. The lowest stage that fits is suggested, and the
    smallest GPU count."""
    problem = _tiny_problem(catalog, capacity, zero=1, tp=1, pp=1, recompute="none", sp=False)
    assert not any(lay.memory.fits for lay in search(problem, 4))
    changes = suggestions(problem, 4)
    assert _flags(changes) == expected
    assert all(f"GB of {capacity / 1e9:.1f} GB" in change for change in changes)  # 7.75 GB shows as 7.8


@pytest.mark.parametrize(
    ("capacity", "fixed", "expected"),
    [
        (7e9, {}, ["--zero 2", "--tp 2"]),  # t·p = 2: 3.5 GB of states, 5.85 GB; t before p
        (7e9, {"tp": 1}, ["--zero 2", "--tp 1 --pp 2"]),
        (5e9, {}, ["--zero 3", "--tp 4"]),  # t·p = 4: 2.5 GB, 4.75 GB; ZeRO-3: 2 GB, 4.2 GB
        (5e9, {"tp": 1}, ["--zero 3", "--tp 1 --pp 4"]),
        (4e9, {"zero": 3}, []),  # even t·p = 8 needs 1.1·2 + 2 = 4.2 GB; no higher stage
    ],
)
def test_suggestions_without_a_shape(
    catalog: Catalog, capacity: float, fixed: dict[str, int], expected: list[str]
) -> None:
    """Ψ = 1e9 on 8 GPUs, no shape (model-state bounds): at ZeRO-1 a rank holding Ψ/(t·p) needs
    4e9/(t·p) + 1.5e9 bytes of states, 1.1 of that + 2 GB. The least t·p that could fit is suggested,
    tensor parallelism first."""
    gpu = catalog.accelerator("a100").model_copy(update={"memory": costcalc.Q_(capacity, "B")})
    problem = Problem(None, 1e9, gpu, MemoryOptions(**fixed), frozenset(fixed))  # type: ignore[arg-type]
    assert _flags(suggestions(problem, 8)) == expected


def test_a_suggestion_gives_the_states_it_leads_to(catalog: Catalog) -> None:
    """Without a shape, '--zero 2' on 8 GPUs leaves 2 + 14/8 = 3.75 bytes per parameter: 3.75 GB of
    model states for Ψ = 1e9, shown to 0.1 GB as 3.8."""
    gpu = catalog.accelerator("a100").model_copy(update={"memory": costcalc.Q_(7e9, "B")})
    first = suggestions(Problem(None, 1e9, gpu, MemoryOptions(), frozenset()), 8)[0]
    assert first.startswith("--zero 2 (") and "3.8 GB" in first and "3.7 GB" not in first


def _plan(catalog: Catalog, spec: Any, gpus: Any, capacity: float = 80e9, params: Any = 1e9, **given: Any) -> Any:
    gpu = catalog.accelerator("a100").model_copy(update={"memory": costcalc.Q_(capacity, "B")})
    count = None if gpus is None else costcalc.Q_(gpus, "GPU")
    return plan_memory(EstimateInputs(**given), spec, costcalc.Q_(params, "parameter"), gpu, None, count, "bf16")


def test_the_layout_notes_say_what_was_given(catalog: Catalog) -> None:
    """The layout is 'given' only when t, p and the recomputation all are; a recomputation other than
    none gets its own note, given when --recompute is. The choice counts the layouts that fit (10 on 4 GPUs)."""
    spec = _tiny_problem(catalog).spec
    chosen = _plan(catalog, spec, 4)
    assert [(n.key, n.given) for n in chosen.notes] == [("layout", False)] and " 10 " in worded(chosen.notes[0]).basis
    full = _plan(catalog, spec, 4, tp=1, pp=1, recompute="full")
    assert [(n.key, n.given) for n in full.notes] == [("layout", True), ("recompute", True)]
    both = _plan(catalog, spec, 4, tp=1, pp=1)
    assert [(n.key, n.given) for n in both.notes] == [("layout", False)]
    assert isinstance(chosen, LayoutChoice)
    with pytest.raises(FrozenInstanceError):
        chosen.recompute = "full"  # type: ignore[misc]


def test_plan_memory_checks_the_given_layout_against_the_gpus(catalog: Catalog) -> None:
    """--tp 8 on 4 GPUs is an error naming --tp; nothing given on 1 GPU is not."""
    spec = _tiny_problem(catalog).spec
    with pytest.raises(InputError) as err:
        _plan(catalog, spec, 4, tp=8)
    assert err.value.field == "tp"
    one = _plan(catalog, spec, 1)
    assert one.memory is not None and (one.memory.tp, one.memory.pp, one.memory.dp) == (1, 1, 1)


def test_plan_memory_of_arrays_and_of_a_parameter_count(catalog: Catalog) -> None:
    """Two parameter counts at once get no memory section; without a shape the model states decide:
    ZeRO-1 on 8 GPUs, 1.1·5.5 + 2 = 8.05 GB does not fit 7 GB (a note with the smallest change), fits
    80 GB with a note that no layout can be chosen, and none when a layout option is given."""
    pair = _plan(catalog, _tiny_problem(catalog).spec, 4, params=np.array([1e9, 2e9]))
    assert pair.memory is None and pair.notes == () and pair.layouts == ()
    tight = _plan(catalog, None, 8, 7e9)
    assert tight.memory is not None and tight.memory.fits is False and len(tight.memory.notes) == 3
    assert "--zero 2" in tight.memory.notes[-1] and "--tp 2" in tight.memory.notes[-1]
    roomy = _plan(catalog, None, 8)
    assert roomy.memory is not None and roomy.memory.fits is None and len(roomy.memory.notes) == 2
    given = _plan(catalog, None, 8, zero=1)
    assert given.memory is not None and len(given.memory.notes) == 1  # only the missing activations


def test_model_parallelism_suggested_within_a_node(catalog: Catalog) -> None:
    """Ψ = 1e9 on 16 GPUs at ZeRO-1 without a shape: 4e9/(t·p) + 12e9/16 bytes of states per GPU.
    Only t·p = 16 fits 3.2 GB (1.1·1.0 + 2 = 3.1 GB; t·p = 8 needs 3.375 GB), and TP stays within a
    node's 8 GPUs: --tp 8 --pp 2, not --tp 16. ZeRO-3 (1 GB of states, 3.1 GB) fits too."""
    gpu = catalog.accelerator("a100").model_copy(update={"memory": costcalc.Q_(3.2e9, "B")})
    changes = suggestions(Problem(None, 1e9, gpu, MemoryOptions(), frozenset()), 16)
    assert _flags(changes) == ["--zero 3", "--tp 8 --pp 2"]


def test_the_recomputation_note_says_whether_it_was_chosen(catalog: Catalog) -> None:
    """Llama-2-13B on 8 A100-80GB, ZeRO-3, eager attention: selective recomputation is needed and chosen
    (part of the fastest layout that fits); given, the note only states its cost."""
    spec = catalog.model("llama-2-13b")
    chosen = _plan(catalog, spec, 8, params=float(spec.params.m), zero=3, attention="eager")
    given = _plan(catalog, spec, 8, params=float(spec.params.m), zero=3, attention="eager", recompute="selective")
    (_, picked), (_, stated) = chosen.notes, given.notes
    assert (picked.value, picked.given, stated.value, stated.given) == ("selective", False, "selective", True)
    assert worded(picked).basis != worded(stated).basis and worded(picked).basis.endswith(worded(stated).basis)
