"""Training memory per GPU against the published formulas, and layout feasibility."""

from __future__ import annotations

import json

import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.commands.memory_report import training_memory
from costcalc.data.catalog import Catalog
from costcalc.formulas.memory import (
    MemoryOptions,
    activation_bytes_per_layer,
    breakdown,
    pipeline_bubble,
    zero_model_state_bytes,
)


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
