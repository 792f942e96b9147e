"""Training memory per GPU against the published formulas, and layout feasibility."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

import costcalc
from costcalc.base.errors import InputError
from costcalc.base.units import Q_
from costcalc.cli import main
from costcalc.commands.memory_report import training_memory
from costcalc.data.catalog import Catalog
from costcalc.formulas.flops import Recompute
from costcalc.formulas.memory import (
    PRECISION_RECIPES,
    Attention,
    MemoryOptions,
    activation_bytes_per_layer,
    breakdown,
    expert_params,
    first_stage_activations,
    model_state_lower_bound,
    optimizer_state_bytes,
    pipeline_bubble,
    state_bytes_per_param,
    validate_fixed_layout,
    zero_model_state_bytes,
)
from costcalc.schemas import AcceleratorSpec, ModelSpec


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.mark.parametrize(
    ("stage", "published_gb"),
    [(0, 120.0), (1, 31.4), (2, 16.6), (3, 1.88)],
)
def test_zero_paper_worked_example(stage: int, published_gb: float) -> None:
    """Rajbhandari et al. 2020 (ZeRO, arXiv:1910.02054), Figure 1: a 7.5B-parameter model on 64
    GPUs with Adam (K = 12) needs 120 GB per GPU as baseline, 31.4 GB with P_os, 16.6 GB with
    P_os+g and 1.88 GB with P_os+g+p. Tolerance 0.5% (the paper rounds to three digits)."""
    total = sum(zero_model_state_bytes(7.5e9, 64, stage))
    assert total / 1e9 == pytest.approx(published_gb, rel=0.005)


def test_korthikanti_table_2_forms() -> None:
    """Korthikanti et al. 2022 (arXiv:2205.05198) Table 2, per layer: sbh(34 + 5as/h) with no
    parallelism; sbh(10 + 24/t + 5as/ht) with tensor parallelism; sbh(34/t + 5as/ht) adding sequence
    parallelism; selective recomputation drops the 5as/ht term; full recomputation keeps 2sbh.
    Shape: GPT-3 175B (a = 96, h = 12288), s = 2048, b = 1, t = 8."""
    s, b, h, a, t = 2048, 1, 12288, 96, 8
    sbh = s * b * h

    def per_layer(tp: int, sp: bool, rc: str) -> float:
        return activation_bytes_per_layer(s, b, h, a, tp, sequence_parallel=sp, recompute=rc)  # type: ignore[arg-type]

    assert per_layer(1, False, "none") == pytest.approx(sbh * (34 + 5 * a * s / h))
    assert per_layer(t, False, "none") == pytest.approx(sbh * (10 + 24 / t + 5 * a * s / (h * t)))
    assert per_layer(t, True, "none") == pytest.approx(sbh * (34 / t + 5 * a * s / (h * t)))
    assert per_layer(t, False, "selective") == pytest.approx(sbh * (10 + 24 / t))
    assert per_layer(t, True, "selective") == pytest.approx(sbh * 34 / t)
    assert per_layer(t, False, "full") == pytest.approx(2 * sbh)
    # Selective recomputation drops exactly the attention-score term 5as²b (Korthikanti §5).
    assert per_layer(1, False, "none") - per_layer(1, False, "selective") == pytest.approx(5 * a * s * s * b)


def test_pipeline_bubble() -> None:
    """Narayanan et al. 2021 §2.2.1: bubble fraction (p - 1)/m."""
    assert pipeline_bubble(8, 32) == pytest.approx(7 / 32)
    assert pipeline_bubble(1, 5) == 0


def test_falcon_published_layout_fits(catalog: Catalog) -> None:
    """Falcon-180B model card (project ledger S8): 'up to 4,096 A100 40GB GPUs, using a 3D
    parallelism strategy (TP=8, PP=8, DP=64) combined with ZeRO'. The card does not give the
    micro-batch or recomputation: with micro-batch 1 it fits with full recomputation, or with
    sequence parallelism and selective recomputation, and not without recomputation."""
    falcon, a40 = catalog.model("falcon-180b"), catalog.accelerator("a100-40gb")
    params = float(falcon.params.m)

    def fits(**options: object) -> bool | None:
        opts = MemoryOptions(tp=8, pp=8, zero=1, **options)  # type: ignore[arg-type]
        memory = breakdown(falcon, params, a40, 4096, opts)
        assert memory.dp == 64
        return memory.fits

    assert fits(recompute="full") is True
    assert fits(recompute="selective", sp=True) is True
    assert fits(recompute="none") is False


def test_parts_sum_and_sharding(catalog: Catalog) -> None:
    spec, a100 = catalog.model("llama-2-7b"), catalog.accelerator("a100")
    m = breakdown(spec, float(spec.params.m), a100, 64, MemoryOptions(tp=2, pp=2, zero=2, recompute="full"))
    assert m.total == pytest.approx(m.weights + m.gradients + m.optimizer + m.activations + m.overhead)
    per_rank = float(spec.params.m) / 4
    assert m.weights == pytest.approx(2 * per_rank)
    assert m.gradients == pytest.approx(2 * per_rank / 16)
    assert m.optimizer == pytest.approx(12 * per_rank / 16)


def test_optimizers_and_micro_batches(catalog: Catalog) -> None:
    spec, a100 = catalog.model("llama-2-7b"), catalog.accelerator("a100")
    params = float(spec.params.m)

    def total(**options: object) -> float:
        memory = breakdown(spec, params, a100, 8, MemoryOptions(tp=8, **options))  # type: ignore[arg-type]
        assert memory.total is not None and memory.total > 0
        return memory.total

    assert total(optimizer="adam8bit") < total(optimizer="sgd") < total(optimizer="adamw")
    sizes = [total(micro_batch=b) for b in (1, 2, 4, 8)]
    assert sizes == sorted(sizes)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"model": "llama-2-7b", "gpus": 8, "tp": 16}, "tp", "cannot exceed the GPU count"),
        ({"model": "llama-2-7b", "gpus": 64, "pp": 64}, "pp", "more than LLaMA-2-7B's 32 layers"),
        ({"model": "llama-2-7b", "gpus": 8, "micro_batch": 0}, "micro_batch", "greater than 0"),
        ({"model": "llama-2-7b", "gpus": 10, "tp": 4}, "gpus", "multiple of tp x pp"),
        ({"model": "llama-2-7b", "gpus": 24, "tp": 3}, "tp", "must divide"),
        ({"model": "llama-2-7b", "gpus": 8, "zero": 4}, "zero", "less than or equal to 3"),
        ({"model": "llama-2-7b", "gpus": 8, "optimizer": "lion"}, "optimizer", "adamw"),
    ],
)
def test_impossible_layouts_are_errors(kwargs: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        training_memory(**kwargs)
    assert err.value.field == field and message in err.value.message


def test_smallest_fit_is_smallest(catalog: Catalog) -> None:
    report = training_memory(model="llama-2-70b", recompute="full", zero=3)
    assert report.smallest_fit is not None
    m = report.smallest_fit.memory
    assert m.fits
    assert not any(lay.memory.fits for lay in _layouts(catalog, m.gpus // 2))


def _layouts(catalog: Catalog, gpus: int) -> list:  # type: ignore[type-arg]
    from costcalc.estimator.layouts import Problem, search

    spec = catalog.model("llama-2-70b")
    options = MemoryOptions(recompute="full", zero=3)
    fixed = frozenset({"recompute", "zero"})
    problem = Problem(spec, float(spec.params.m), catalog.accelerator("a100"), options, fixed)
    return search(problem, gpus)


def test_estimate_picks_the_fastest_layout_that_fits() -> None:
    """Llama-2-70B on 2000 A100-80GB: with flash attention no recomputation is needed (TP=8, SP:
    34.9 GB of model states + 11.5 GB of activations); with eager attention the 5as/ht term does
    not fit and costcalc falls back to recomputation, which adds hardware FLOPs."""
    est = costcalc.estimate(model="llama-2-70b", gpus=2000)
    assert est.memory is not None and est.memory.fits
    assert est.scenario.recompute == est.memory.recompute == "none"
    assert est.hardware_flops == est.flops
    eager = costcalc.estimate(model="llama-2-70b", gpus=2000, attention="eager")
    assert eager.memory is not None and eager.memory.fits and eager.memory.recompute != "none"
    assert eager.hardware_flops > eager.flops
    fixed = costcalc.estimate(model="llama-2-70b", gpus=2000, recompute="none", tp=8, pp=1, attention="eager")
    assert fixed.memory is not None and fixed.memory.fits is False


def test_memory_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory", "--model", "bloom", "--gpu", "dgx-a100", "--nodes", "48", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("weights", "gradients", "optimizer", "activations", "overhead", "total"):
        assert isinstance(data[key], float) and data[key] > 0
    assert isinstance(data["fits"], bool) and data["gpus"] == 384
    assert data["layouts"] and data["smallest_fit"]["gpus"] >= 1
    assert main(["estimate", "--model", "bloom", "--gpus", "384", "--tp", "4", "--pp", "12", "--format", "json"]) == 0
    memory = json.loads(capsys.readouterr().out)["memory"]
    assert memory["layout"]["tp"] == 4 and memory["layout"]["pp"] == 12 and memory["layout"]["dp"] == 8


# Closed forms on small stated inputs: every expected value below is worked by hand from the
# formula's source, so a wrong operator, boundary or constant in costcalc.formulas.memory fails.

TINY = {"layers": 2, "hidden": 64, "heads": 4, "ffn": 128, "vocab": 100, "seq_len": 16}


def _tiny(catalog: Catalog, **update: object) -> ModelSpec:
    """Llama-2-7B's preset cut to L = 2, h = 64, a = 4, V = 100, s = 16 (only the shape is used)."""
    return catalog.model("llama-2-7b").model_copy(update={**TINY, **update})


def _gpu(catalog: Catalog, capacity_bytes: float) -> AcceleratorSpec:
    return catalog.accelerator("a100").model_copy(update={"memory": Q_(capacity_bytes, "B")})


@pytest.mark.parametrize(
    ("dtype", "optimizer", "grad_dtype", "master", "expected"),
    [
        # 16-bit weights and gradients, K = 12 (ZeRO §3.1: 2 + 2 + 12 = 16 bytes per parameter)
        ("bf16", "adamw", None, "fp32", (2.0, 2.0, 12.0)),
        # Megatron-LM fp32 main gradients: 2 + 4 + 12 = 18 bytes
        ("fp16", "adamw", "fp32", "fp32", (2.0, 4.0, 12.0)),
        ("bf16", "adamw", "fp16", "none", (2.0, 2.0, 8.0)),  # no fp32 master copy: K = 12 - 4
        ("bf16", "adam8bit", None, "fp32", (2.0, 2.0, 6.0)),  # Dettmers et al. 2022: 4 + 2·1
        ("bf16", "sgd", "bf16", "fp32", (2.0, 2.0, 8.0)),  # master 4 + momentum 4
        ("fp8", "adamw", None, "fp32", (2.0, 2.0, 12.0)),  # FP8 recipes keep 16-bit weights
        # fp32 training: 4-byte weights and gradients, the weights are their own master copy
        ("fp32", "adamw", None, "fp32", (4.0, 4.0, 8.0)),
        ("tf32", "sgd", "bf16", "none", (4.0, 4.0, 4.0)),
        ("fp32", "adam8bit", None, "fp32", (4.0, 4.0, 2.0)),
    ],
)
def test_state_bytes_per_param(
    dtype: str, optimizer: str, grad_dtype: str | None, master: str, expected: tuple[float, float, float]
) -> None:
    assert state_bytes_per_param(dtype, optimizer, grad_dtype, master) == expected  # type: ignore[arg-type]


def test_precision_recipes_published_totals() -> None:
    """ZeRO §3.1: 16 bytes per parameter; Megatron-LM docs: 18 bytes (bf16 with fp32 main gradients)."""
    totals = {name: sum(state_bytes_per_param("bf16", "adamw", *recipe)) for name, recipe in PRECISION_RECIPES.items()}
    assert totals == {"zero-paper": 16.0, "megatron-bf16": 18.0}


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (0, (4000.0, 3000.0, 5000.0)),
        (1, (4000.0, 3000.0, 500.0)),
        (2, (4000.0, 300.0, 500.0)),
        (3, (400.0, 300.0, 500.0)),
    ],
)
def test_zero_stages_shard_each_part(stage: int, expected: tuple[float, float, float]) -> None:
    """Rajbhandari et al. 2020 §5.1 with Ψ = 1000, N_d = 10, 4-byte weights, 3-byte gradients, K = 5:
    stage 1 shards the K·Ψ optimizer states (5000 -> 500), stage 2 also the gradients (3000 -> 300),
    stage 3 also the weights (4000 -> 400)."""
    got = zero_model_state_bytes(1000.0, 10, stage, param_bytes=4, grad_bytes=3, k=5)
    assert got == pytest.approx(expected)
    assert optimizer_state_bytes(1000.0, 5, 10) == pytest.approx(500.0)


def test_activation_forms_with_micro_batch_two() -> None:
    """Korthikanti et al. 2022 Table 2 with s = 16, b = 2, h = 64, a = 4, t = 2 (sbh = 2048,
    5as/(ht) = 5·4·16/128 = 2.5): none 2048·(10 + 12 + 2.5) = 50176; with SP 2048·(17 + 2.5) = 39936;
    flash (no s x s scores, Dao et al. 2022) 2048·22 = 45056; full recomputation 2sbh = 4096, or
    2sbh/t = 2048 with SP."""

    def per_layer(sp: bool, recompute: Recompute, attention: Attention) -> float:
        return activation_bytes_per_layer(
            16, 2, 64, 4, 2, sequence_parallel=sp, recompute=recompute, attention=attention
        )

    assert per_layer(False, "none", "eager") == pytest.approx(50176)
    assert per_layer(True, "none", "eager") == pytest.approx(39936)
    assert per_layer(False, "none", "flash") == pytest.approx(45056)
    assert per_layer(True, "selective", "eager") == pytest.approx(2048 * 17)
    assert per_layer(False, "full", "eager") == pytest.approx(4096)
    assert per_layer(True, "full", "flash") == pytest.approx(2048)


def test_breakdown_closed_form(catalog: Catalog) -> None:
    """Ψ = 8e6 on 8 GPUs, t = 2, p = 1 (N_d = 4), ZeRO-1, b = 2, eager, bf16 + AdamW; tiny shape.
    States per GPU (ZeRO §5.1, Ψ/t = 4e6): weights 2·4e6 = 8e6, gradients 8e6, optimizer 12·4e6/4 = 12e6.
    Activations (Korthikanti Table 2): L·sbh(10 + 24/t + 5as/(ht)) = 2·2048·24.5 = 100352, plus the fp32
    logits 4·s·b·V/t = 4·16·2·100/2 = 6400 with p = 1: 106752. Overhead 2 GB + 10% of the rest.
    Micro-batches per step: 4·2^20 tokens / 16 = 262144 sequences / (b·N_d = 8) = 32768; no bubble."""
    options = MemoryOptions(tp=2, zero=1, micro_batch=2, attention="eager")
    m = breakdown(_tiny(catalog), 8e6, _gpu(catalog, 80e9), 8, options)
    assert (m.weights, m.gradients, m.optimizer) == pytest.approx((8e6, 8e6, 12e6))
    assert m.activations == pytest.approx(106752)
    assert m.overhead == pytest.approx(2e9 + 0.1 * (28e6 + 106752))
    assert m.total == pytest.approx(1.1 * (28e6 + 106752) + 2e9)
    assert (m.dp, m.gpus, m.grad_bytes, m.micro_batches, m.bubble) == (4, 8, 2.0, 32768, 0.0)
    assert m.headroom == pytest.approx(80e9 - m.total)
    assert m.fits is True and m.notes == ()
    data = m.to_dict()
    assert data["model_states"] == pytest.approx(28e6) and data["micro_batches_per_step"] == 32768


def test_breakdown_pipeline_sequence_and_fp32(catalog: Catalog) -> None:
    """The same model with p = 2 (N_d = 2): no logits term on the first stage, 2·2048·24.5 = 100352
    activations; states on Ψ/(t·p) = 2e6. An explicit --seq-len 32 overrides the preset's 16 (sbh doubles,
    5as/(ht) = 5 too: 2·4096·27 = 221184). fp32 training doubles the activations and stores 4 + 4 + 8
    bytes per parameter. Micro-batches: 262144 / (2·2) = 65536, bubble (p - 1)/m = 1/65536."""
    spec, gpu = _tiny(catalog), _gpu(catalog, 80e9)
    piped = breakdown(spec, 8e6, gpu, 8, MemoryOptions(tp=2, pp=2, micro_batch=2, attention="eager"))
    assert piped.activations == pytest.approx(100352)
    assert (piped.weights, piped.gradients, piped.optimizer) == pytest.approx((4e6, 4e6, 12e6))
    assert (piped.dp, piped.micro_batches) == (2, 65536) and piped.bubble == pytest.approx(1 / 65536)
    longer = breakdown(spec, 8e6, gpu, 8, MemoryOptions(tp=2, pp=2, micro_batch=2, attention="eager", seq_len=32))
    assert longer.seq_len == 32 and longer.activations == pytest.approx(221184)
    fp32 = breakdown(spec, 8e6, gpu, 8, MemoryOptions(tp=2, pp=2, micro_batch=2, attention="eager"), dtype="fp32")
    assert fp32.activations == pytest.approx(2 * 100352)
    assert (fp32.weights, fp32.gradients, fp32.optimizer) == pytest.approx((8e6, 8e6, 8e6))
    logits = breakdown(spec, 8e6, gpu, 8, MemoryOptions(tp=2, micro_batch=2, attention="eager"), dtype="fp32")
    assert logits.activations == pytest.approx(2 * 100352 + 6400)  # the fp32 logits are not doubled


def test_fit_boundary_at_capacity(catalog: Catalog) -> None:
    """A layout fits when its total is at most the capacity: at 1.0x and 1.01x it fits, at 0.99x not."""
    spec, options = _tiny(catalog), MemoryOptions(tp=2, micro_batch=2, attention="eager")
    total = breakdown(spec, 8e6, _gpu(catalog, 80e9), 8, options).total
    assert total is not None
    fits = {f: breakdown(spec, 8e6, _gpu(catalog, total * f), 8, options).fits for f in (0.99, 1.0, 1.01)}
    assert fits == {0.99: False, 1.0: True, 1.01: True}


def test_without_a_shape_the_states_bound_the_fit(catalog: Catalog) -> None:
    """No architecture: no activations, overhead or total. Ψ = 1e9 on 8 GPUs, ZeRO-1: states
    2e9 + 2e9 + 12e9/8 = 5.5e9, lower bound 1.1·5.5e9 + 2e9 = 8.05e9 (model_state_lower_bound).
    Below 0.99x of it the layout does not fit; at the bound or above it is undecided (None).
    The pipeline estimate falls back to 2048-token sequences: 4·2^20 / 2048 / 8 = 256 micro-batches."""
    assert model_state_lower_bound(5.5e9) == pytest.approx(8.05e9)
    results = {f: breakdown(None, 1e9, _gpu(catalog, 8.05e9 * f), 8, MemoryOptions()) for f in (0.99, 1.0, 1.01)}
    assert {f: m.fits for f, m in results.items()} == {0.99: False, 1.0: None, 1.01: None}
    m = results[1.0]
    assert (m.activations, m.overhead, m.total, m.headroom) == (None, None, None, None)
    assert m.states == pytest.approx(5.5e9) and m.micro_batches == 256
    assert len(results[0.99].notes) == 2 and len(m.notes) == 1  # the missing shape, and the does-not-fit
    few = breakdown(None, 1e9, _gpu(catalog, 80e9), 8, MemoryOptions(global_batch_tokens=2048))
    assert few.micro_batches == 1  # one sequence over N_d = 8 still takes one micro-batch


def test_first_stage_activations_need_the_whole_shape(catalog: Catalog) -> None:
    options = MemoryOptions(attention="eager")
    assert first_stage_activations(None, options, 16, 1.0) is None
    assert first_stage_activations(_tiny(catalog), options, None, 1.0) is None
    assert first_stage_activations(_tiny(catalog, layers=None), options, 16, 1.0) is None
    assert first_stage_activations(_tiny(catalog, ffn=None), options, 16, 1.0) is None
    # b = 1, t = 1: 2·1024·(34 + 5) + 4·16·100 = 79872 + 6400, scaled activations only
    assert first_stage_activations(_tiny(catalog), options, 16, 1.0) == pytest.approx(86272)
    assert first_stage_activations(_tiny(catalog), options, 16, 3.0) == pytest.approx(3 * 79872 + 6400)


def test_notes_counted(catalog: Catalog) -> None:
    """Notes (counted, not worded): sequence parallelism without TP, fp8/int8 weights assumed 16-bit."""
    spec, gpu = _tiny(catalog), _gpu(catalog, 80e9)

    def notes(dtype: str = "bf16", **options: object) -> int:
        return len(breakdown(spec, 8e6, gpu, 8, MemoryOptions(**options), dtype=dtype).notes)  # type: ignore[arg-type]

    assert (notes(sp=True), notes(sp=True, tp=2), notes(tp=2)) == (1, 0, 0)
    assert (notes("fp8"), notes("int8"), notes("fp16"), notes("fp32")) == (1, 1, 0, 0)


def test_experts_sharded_over_expert_data_parallel(catalog: Catalog) -> None:
    """A tiny MoE: L = 2, one dense layer, 4 routed gated experts of d_ff = 32: expert parameters
    (L - dense)·E·3·h·d_ff = 1·4·3·64·32 = 24576 (2·h·d_ff = 16384 for a plain MLP). Ψ = 1e6 on 8 GPUs,
    e = 2, ZeRO-3: the dense 975424 shard over N_d = 8; each rank's 24576/2 = 12288 expert parameters
    shard over N_d/e = 4 (DeepSpeed-MoE §4): weights 2·975424/8 + 2·12288/4, and so on."""
    moe = _tiny(catalog, experts=4, experts_per_token=1, expert_ffn=32, dense_layers=1, mlp="gated")
    assert expert_params(moe) == 24576
    assert expert_params(moe.model_copy(update={"mlp": "plain"})) == 16384
    assert expert_params(moe.model_copy(update={"expert_ffn": None})) == 0
    assert expert_params(_tiny(catalog)) == 0
    m = breakdown(moe, 1e6, _gpu(catalog, 80e9), 8, MemoryOptions(ep=2, zero=3))
    dense, expert = 1e6 - 24576, 24576 / 2
    assert m.weights == pytest.approx(2 * dense / 8 + 2 * expert / 4)
    assert m.gradients == pytest.approx(2 * dense / 8 + 2 * expert / 4)
    assert m.optimizer == pytest.approx(12 * dense / 8 + 12 * expert / 4)
    one = breakdown(moe, 1e6, _gpu(catalog, 80e9), 8, MemoryOptions(ep=1, zero=1))
    assert one.optimizer == pytest.approx(12 * dense / 8 + 12 * 24576 / 8)


@pytest.mark.parametrize(
    ("gpus", "options", "field"),
    [
        (8, {"ep": 2}, "ep"),  # a dense model has no experts to spread
        (6, {"ep": 4}, "ep"),  # e must divide N_d = 6
        (4, {"tp": 8}, "tp"),  # t > gpus
        (4, {"tp": 2, "pp": 4}, "pp"),  # t·p > gpus
        (6, {"tp": 4}, "gpus"),  # gpus not a multiple of t·p
        (12, {"pp": 3}, "pp"),  # three stages for two layers
        (8, {"tp": 8}, "tp"),  # 8 does not divide 4 heads
    ],
)
def test_layout_errors_name_the_field(catalog: Catalog, gpus: int, options: dict[str, int], field: str) -> None:
    with pytest.raises(InputError) as err:
        breakdown(_tiny(catalog), 8e6, _gpu(catalog, 80e9), gpus, MemoryOptions(**options))  # type: ignore[arg-type]
    assert err.value.field == field


def test_layout_limits_are_inclusive(catalog: Catalog) -> None:
    """t = gpus, t·p = gpus, p = L, t = a and e = N_d are all allowed."""
    spec, moe_update = _tiny(catalog), {"experts": 4, "experts_per_token": 1, "expert_ffn": 32}
    gpu = _gpu(catalog, 80e9)
    assert breakdown(spec, 8e6, gpu, 4, MemoryOptions(tp=4)).dp == 1
    assert breakdown(spec, 8e6, gpu, 4, MemoryOptions(tp=2, pp=2)).dp == 1
    assert breakdown(spec, 8e6, gpu, 2, MemoryOptions(pp=2)).pp == 2
    assert breakdown(_tiny(catalog, **moe_update), 8e6, gpu, 4, MemoryOptions(ep=4)).ep == 4
    moe = _tiny(catalog, **moe_update)
    with pytest.raises(InputError) as err:
        validate_fixed_layout(moe, MemoryOptions(ep=3), frozenset({"ep"}))
    assert err.value.field == "ep"
    validate_fixed_layout(moe, MemoryOptions(ep=3, tp=3, pp=9), frozenset())  # nothing fixed: nothing checked
    validate_fixed_layout(None, MemoryOptions(pp=9), frozenset({"pp"}))


def test_memory_options_defaults_and_bounds() -> None:
    """The defaults (ZeRO-1, no model parallelism, micro-batch 1, Llama 2's 4M-token batch) and every
    bound, at the bound and one past it: the same limits the command-line options state."""
    assert MemoryOptions().model_dump() == {
        "zero": 1, "tp": 1, "pp": 1, "sp": False, "ep": 1, "micro_batch": 1, "seq_len": None,
        "recompute": "none", "optimizer": "adamw", "attention": "flash", "grad_dtype": None,
        "master_weights": "fp32", "global_batch_tokens": 4 * 2**20,
    }  # fmt: skip
    bounds = {
        "zero": (0, 3), "tp": (1, 1024), "pp": (1, 10_000), "ep": (1, 10_000), "micro_batch": (1, 1_000_000),
        "seq_len": (1, 100_000_000),
    }  # fmt: skip
    for field, (low, high) in bounds.items():
        assert getattr(MemoryOptions(**{field: low}), field) == low  # type: ignore[arg-type]
        assert getattr(MemoryOptions(**{field: high}), field) == high  # type: ignore[arg-type]
        for bad in (low - 1, high + 1):
            with pytest.raises(ValidationError):
                MemoryOptions(**{field: bad})  # type: ignore[arg-type]
    assert MemoryOptions(global_batch_tokens=1e12).global_batch_tokens == 1e12
    assert MemoryOptions(global_batch_tokens=0.5).global_batch_tokens == 0.5  # any positive count
    for bad_tokens in (0.0, 1e12 + 1):
        with pytest.raises(ValidationError):
            MemoryOptions(global_batch_tokens=bad_tokens)


def test_options_and_breakdowns_are_frozen(catalog: Catalog) -> None:
    """Both are values shared by the layouts of a search: neither can be changed in place."""
    options = MemoryOptions()
    memory = breakdown(_tiny(catalog), 8e6, _gpu(catalog, 80e9), 8, options)
    with pytest.raises(ValidationError):
        options.tp = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        memory.fits = False  # type: ignore[misc]


def test_experts_sharded_when_expert_parallelism_spans_the_data_parallel_ranks(catalog: Catalog) -> None:
    """e = N_d = 4 (ZeRO-2, fp32 main gradients: 2-byte weights, 4-byte gradients): each rank holds
    24576/4 = 6144 expert parameters whose replicas are on N_d/e = 1 rank, so only the dense
    975424 shard: weights 2·975424 + 2·6144 (ZeRO-2 keeps them whole), gradients 4·975424/4 + 4·6144,
    optimizer 12·975424/4 + 12·6144."""
    moe = _tiny(catalog, experts=4, experts_per_token=1, expert_ffn=32, dense_layers=1, mlp="gated")
    m = breakdown(moe, 1e6, _gpu(catalog, 80e9), 4, MemoryOptions(ep=4, zero=2, grad_dtype="fp32"))
    dense, expert = 1e6 - 24576, 24576 / 4
    assert (m.weights, m.gradients, m.optimizer) == pytest.approx(
        (2 * dense + 2 * expert, 4 * dense / 4 + 4 * expert, 12 * dense / 4 + 12 * expert)
    )


@pytest.mark.parametrize(
    ("params", "figures"),
    [
        # ZeRO-0 on one GPU, 16 bytes per parameter: states 2.5 GB, bound 1.1·2.5 + 2 = 4.75 GB
        (156_250_000, ("2.5 GB", "4.8 GB", "3.8 GB")),
        # states 5.75 GB (to the nearest 0.1 GB, 5.8), bound 8.325 GB
        (359_375_000, ("5.8 GB", "8.3 GB", "3.8 GB")),
    ],
)
def test_the_does_not_fit_note_gives_the_figures(catalog: Catalog, params: float, figures: tuple[str, ...]) -> None:
    """Without a shape, the note that the states alone do not fit on a 3.75 GB GPU gives the states, the
    bound with the overhead allowance and the capacity in GB to 0.1 (4.75 and 3.75 round up to 4.8 and 3.8)."""
    m = breakdown(None, params, _gpu(catalog, 3.75e9), 1, MemoryOptions(zero=0))
    assert m.fits is False and len(m.notes) == 2
    assert all(figure in m.notes[1] for figure in figures), m.notes[1]


def test_without_a_sequence_length_the_step_counts_2048_token_sequences(catalog: Catalog) -> None:
    """No shape, no --seq-len: a batch of 2049·2048 tokens is 2,049 sequences of 2,048, on one GPU
    with micro-batch 1 that many micro-batches."""
    m = breakdown(None, 1e9, _gpu(catalog, 80e9), 1, MemoryOptions(global_batch_tokens=2049 * 2048))
    assert m.micro_batches == 2049


@pytest.mark.parametrize(("gpus", "ep"), [(3, 2), (6, 4), (4, 8)])
def test_expert_parallelism_must_divide_the_data_parallel_degree(catalog: Catalog, gpus: int, ep: int) -> None:
    """A mixture of experts: e = 2 on N_d = 3, 4 on 6 and 8 on 4 are refused, naming --ep."""
    moe = _tiny(catalog, experts=8, experts_per_token=1, expert_ffn=32, dense_layers=1, mlp="gated")
    with pytest.raises(InputError) as err:
        breakdown(moe, 1e6, _gpu(catalog, 80e9), gpus, MemoryOptions(ep=ep))
    assert err.value.field == "ep"
