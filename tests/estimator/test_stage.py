"""Fine-tuning stages through ``costcalc estimate`` and ``check``: data, FLOPs, efficiency, errors.

Sources: the reference runs copied into ``costcalc/data/finetune_runs.json`` (Stanford Alpaca:
"Fine-tuning a 7B LLaMA model took 3 hours on 8 80GB A100s, which costs less than $100", i.e.
24 GPU-hours), and ``costcalc.formulas.finetune`` for the FLOP rules (each test names its tolerance).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.data.catalog import Catalog
from costcalc.data.finetune_calibrate import cross_validate, decide
from costcalc.data.finetune_efficiency import quant_factor, shipped_finetune_model
from costcalc.formulas.lora import lora_params
from costcalc.formulas.shapes import standard_shape
from costcalc.render.words import worded

ALPACA: dict[str, object] = {"model": "llama-2-7b", "stage": "sft", "examples": 52002, "epochs": 3,
                             "example_tokens": 512, "seq_len": 512, "gpus": 8}  # fmt: skip


def gpu_hours(est: costcalc.Estimate) -> tuple[float, float, float]:
    span = est.ranges["gpu_hours"]
    return tuple(float(q.m_as("GPU*hour")) for q in (est.gpu_hours, span.low, span.high))  # type: ignore[return-value]


def test_alpaca_range_holds_its_published_gpu_hours() -> None:
    """Stanford Alpaca (crfm.stanford.edu/2023/03/13/alpaca.html: "Fine-tuning a 7B LLaMA model took
    3 hours on 8 80GB A100s"): full SFT, 52,002 x 3 epochs padded to 512 tokens = 79.9M tokens, published
    24 GPU-h. The estimate's P10-P90 range, built from the leave-one-family-out residuals of the
    fine-tuning calibration, holds 24 GPU-h; its central value (14.3 GPU-h, 0.75 of them the fixed
    per-run time: Alpaca is one of the two sft runs and the fit pools it towards the others) is pinned
    so a change to the calibration shows."""
    est = costcalc.estimate(**ALPACA, padding="max")
    assert float(est.scenario.tokens.m_as("token")) == 52002 * 3 * 512
    central, low, high = gpu_hours(est)
    assert low < 24 < high
    assert central == pytest.approx(14.3, abs=0.05)
    assert float(est.ranges["wall_clock"].high.m_as("hour")) > 3  # 3 h published, within the range


def test_alpaca_predicted_without_its_family_is_a_stated_miss() -> None:
    """Out of sample, Alpaca's family left out of the fit and of the spread (nested): the other runs
    (StarCoder's QLoRA on one GPU, continued pre-training on clusters) say nothing of a small-node full
    SFT 3x slower, so the prediction (fixed time included) is about 7.8 GPU-h and its range (to 19.7)
    misses the published 24. The README and ``costcalc backtest`` report this miss; the test holds it
    so a change shows."""
    held = {h.run.id: h for h in cross_validate(decide(Catalog.load(user=False))[0])}["alpaca-7b"]
    assert held.predicted_gpu_hours == pytest.approx(24 * held.ratio) == pytest.approx(7.8, abs=0.05)
    assert not held.inside and held.gpu_hours_range[1] == pytest.approx(19.7, abs=0.05)


def test_padding_packed_batch_and_max_count_different_tokens() -> None:
    """D = n·e·t·p: packed p = 1, batch p = 2 (Krell et al. 2021), max p = s/t."""
    base = {**ALPACA, "example_tokens": 256}
    counted = {
        pad: float(costcalc.estimate(**base, padding=pad).scenario.tokens.m_as("token"))
        for pad in ("none", "batch", "max")
    }
    assert counted == {"none": 52002 * 3 * 256, "batch": 52002 * 3 * 512, "max": 52002 * 3 * 512.0}
    unset = costcalc.estimate(**{k: v for k, v in base.items() if k != "example_tokens"})
    assert float(unset.scenario.tokens.m_as("token")) == 52002 * 3 * 512  # default: --seq-len, an upper bound


def test_lora_on_a_parameter_count_uses_the_standard_shape_and_says_so() -> None:
    """--params 7B --method lora: N_lora on the standard shape at r = 16 on all-linear (the defaults),
    FLOPs (4N + 6·N_lora)·D with 2N forward (no attention term without a sequence length), exactly."""
    est = costcalc.estimate(params="7B", method="lora", gpus=8)
    n_lora = float(lora_params(standard_shape(7e9, 4096), "all-linear", 16).m_as("parameter"))
    d = float(est.scenario.tokens.m_as("token"))
    assert float(est.flops.m_as("FLOP")) == pytest.approx((4 * 7e9 + 6 * n_lora) * d, rel=1e-12)
    stage = next(a for a in est.assumptions if a.key == "stage")
    assert stage.value == "pretrain" and stage.basis["rank"] == 16 and stage.basis["standard_shape"] is True
    assert float(stage.basis["trained"].m_as("parameter")) == pytest.approx(n_lora, rel=1e-12)
    assert "LoRA r=16 on all-linear" in worded(stage).value and "standard shape" in worded(stage).value
    assert est.memory is None  # the layout search is pre-training's: no memory section


def test_lora_costs_two_thirds_of_full_and_qlora_is_slower() -> None:
    """Same data: LoRA FLOPs / full FLOPs between 2/3 and 0.7 (4N + 6·N_lora + attention vs 6N +
    attention, reference finetune.md §3.2); GPU-hours in that ratio over the calibrated adapters'
    factor (the fine-tuning calibration's ratio of the two settings' factors); QLoRA the same FLOPs at
    the nf4-dq slowdown derived from LitGPT's timings (1.15-2.05x). The fixed time per run is set to
    zero: it does not scale with the FLOPs (tests/estimator/test_rl.py)."""
    no_setup = {**ALPACA, "setup_time": "0 h"}  # the time at the efficiency alone (the fixed time adds to it)
    full = costcalc.estimate(**no_setup)
    lora = costcalc.estimate(**no_setup, method="lora")
    qlora = costcalc.estimate(**no_setup, method="qlora")
    ratio = float((lora.flops / full.flops).m_as(""))
    assert 2 / 3 < ratio < 0.7
    model = shipped_finetune_model()
    adapters = model.factor("sft", "lora", 8, 512).central / model.factor("sft", "full", 8, 512).central
    assert adapters == pytest.approx(math.exp(model.coefficients[3]), rel=1e-9)
    assert float((lora.gpu_hours / full.gpu_hours).m_as("")) == pytest.approx(ratio / adapters, rel=1e-9)
    assert float((qlora.flops / lora.flops).m_as("")) == pytest.approx(1.0)
    slowdown = float((qlora.gpu_hours / lora.gpu_hours).m_as(""))
    assert slowdown == pytest.approx(1 / quant_factor("nf4-dq").central, rel=1e-9) and 1.15 < slowdown < 2.05


def test_dpo_adds_the_reference_forward_every_epoch_unless_precomputed() -> None:
    """DPO, full policy, no attention term difference: C = e·D·f + e·D·F_ref, or D·F_ref once when
    precomputed (formulas.finetune.dpo_flops); the difference is (e - 1)·D_epoch·F_ref."""
    args = {"model": "llama-2-7b", "stage": "dpo", "examples": 1000, "epochs": 3, "example_tokens": 1024}
    args["seq_len"] = 1024
    every = costcalc.estimate(**args)
    once = costcalc.estimate(**args, precomputed_reference=True)
    d = float(every.scenario.tokens.m_as("token"))
    assert d == 1000 * 3 * 1024  # a pair of two 512-token sequences
    sft = costcalc.estimate(**{**args, "stage": "sft", "example_tokens": 512, "seq_len": 1024, "examples": 2000})
    f_ref = (float(every.flops.m_as("FLOP")) - float(sft.flops.m_as("FLOP"))) / d  # the reference's forward
    assert 0.3 < f_ref / (6 * 6.738e9) < 0.4  # 2N of 6N, plus attention
    saved = float((every.flops - once.flops).m_as("FLOP"))
    assert saved == pytest.approx(2 / 3 * d * f_ref, rel=1e-9)


def test_the_factor_is_the_calibrations_for_the_stage_method_gpus_and_length() -> None:
    """The estimate's "fine-tuning efficiency" note is the shipped calibration's factor for its own
    setting (stage, method, GPU count, sequence length); pretrain with full training has none."""
    est = costcalc.estimate(**ALPACA, padding="max")
    note = next(a for a in est.assumptions if a.key == "finetune_efficiency")
    factor = shipped_finetune_model().factor("sft", "full", 8, 512)
    assert (note.value.m_as(""), note.low.m_as(""), note.high.m_as("")) == (factor.central, factor.low, factor.high)
    assert note.kind == "calibrated" and "8 GPUs, length 512" in str(note.basis["data"])
    cpt = costcalc.estimate(model="llama-2-7b", stage="continued", tokens="23.2B", seq_len=4096, gpus=128)
    cpt_note = next(a for a in cpt.assumptions if a.key == "finetune_efficiency")
    assert cpt_note.value.m_as("") == shipped_finetune_model().factor("continued", "full", 128, 4096).central
    assert all(a.key != "finetune_efficiency" for a in costcalc.estimate(params="7B", gpus=8).assumptions)


def test_a_stage_never_inherits_the_presets_data() -> None:
    with pytest.raises(InputError, match="needs its own data"):
        costcalc.estimate(model="llama-2-7b", stage="continued", seq_len=4096)
    with pytest.raises(InputError, match="needs `seq_len`"):
        costcalc.estimate(model="llama-2-7b", stage="sft", tokens="1B")
    cpt = costcalc.estimate(model="llama-2-7b", stage="continued", tokens="23.2B", seq_len=4096, gpus=128)
    assert float(cpt.scenario.tokens.m_as("token")) == 23.2e9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "lora", "--lora-rank", "0"], "--lora-rank: Input should be greater than 0"),
        (["--stage", "sft", "--seq-len", "512", "--examples", "-1"], "--examples: Input should be greater than 0"),
        (["--method", "qlora", "--quant", "nf3"], "--quant: Input should be 'nf4', 'nf4-dq' or 'int8'"),
        (["--quant", "nf4"], "--quant: a quantized base needs --method qlora (got no --method)"),
        (["--tokens", "1M", "--examples", "10"], "--examples: give --tokens (the total over all epochs) or"),
        (["--stage", "sft"], "--tokens: --stage sft needs its own data: give --tokens or --examples"),
        (["--stage", "sft", "--tokens", "1M"], "--seq-len: --stage sft needs --seq-len"),
        (["--epochs", "3"], "--epochs: --epochs describes examples: give --examples too"),
        (["--padding", "max"], "--padding: --padding describes examples: give --examples too"),
        (["--stage", "sft", "--tokens", "1M", "--seq-len", "512", "--precomputed-reference"], "--precomputed-ref"),
        (["--stage", "grpo", "--tokens", "1M", "--seq-len", "512"], "--tokens: --stage grpo counts its own tokens"),
        (["--stage", "sft", "--examples", "9", "--example-tokens", "600", "--seq-len", "512", "--padding", "max"],
         "--example-tokens: an example of 600 tokens is longer than the sequence length 512"),
    ],
)  # fmt: skip
def test_bad_stage_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["estimate", "--model", "llama-2-7b", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"costcalc estimate: error: {message}") and "\n" not in err and "Traceback" not in err


def test_check_takes_the_stage_and_judges_it_by_costcalcs_range(capsys: pytest.CaptureFixture[str]) -> None:
    """The claim's subject takes estimate's inputs; Llama 2's published run is pre-training, so it is
    not the evidence: "cost < 100 USD" (Alpaca's statement) fits costcalc's range."""
    args = ["check", "--model", "llama-2-7b", "--stage", "sft", "--examples", "52002", "--epochs", "3"]
    assert main([*args, "--seq-len", "512", "--gpus", "8", "--claim", "cost < 100 USD", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "pre-training, not sft, full" in out and "184,320" not in out
    data = json.loads(out)
    assert [c["verdict"] for c in data] == ["unverifiable"]


def test_a_stage_estimate_imports_no_textual() -> None:
    code = (
        "import sys, costcalc; costcalc.estimate(model='llama-2-7b', stage='sft', method='qlora', tokens='1M', "
        "seq_len=512); print([m for m in ('textual', 'costcalc_tui', 'matplotlib') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_the_models_context_bounds_a_stages_sequence_length(tmp_path: Path) -> None:
    """A config file's max_position_embeddings (Llama 2 7B's 4,096, [L2-hf]) stays the model's context:
    a long-context stage at 8,192 is refused naming --seq-len; at 4,096 it runs."""
    config = {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
              "num_hidden_layers": 32, "max_position_embeddings": 4096, "vocab_size": 32000}  # fmt: skip
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(InputError, match="longer than the context") as refused:
        costcalc.estimate(config_file=str(path), stage="long-context", tokens="1B", seq_len=8192)
    assert refused.value.field == "seq_len"
    est = costcalc.estimate(config_file=str(path), stage="long-context", tokens="1B", seq_len=4096)
    assert est.scenario.seq_len == 4096


def test_layout_inputs_on_a_fine_tuning_estimate_say_where_memory_is(capsys: pytest.CaptureFixture[str]) -> None:
    """The layout search is pre-training's: a fine-tuning estimate states --zero as unused (pointing to
    costcalc memory) and refuses --count-bubble (data parallelism has no pipeline bubble)."""
    args = ["estimate", "--model", "llama-2-7b", "--stage", "sft", "--tokens", "10M", "--seq-len", "512"]
    assert main([*args, "--count-bubble"]) == 2
    assert capsys.readouterr().err.startswith("costcalc estimate: error: --count-bubble: a fine-tuning estimate")
    est = costcalc.estimate(model="llama-2-7b", stage="sft", tokens="10M", seq_len=512, zero=3)
    unused = next(a for a in est.assumptions if a.key == "zero" and a.basis["unused"])
    assert unused.value == 3 and worded(unused).name == "zero (not used)"
    assert "costcalc memory" in worded(unused).basis


def test_a_scenario_file_keeps_the_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--save writes the stage, method and data; --scenario reruns the same FLOPs and GPU-hours."""
    saved = tmp_path / "dpo.toml"
    args = ["--model", "llama-2-7b", "--stage", "dpo", "--method", "lora", "--examples", "1000", "--epochs", "2"]
    args += ["--example-tokens", "1024", "--seq-len", "1024", "--precomputed-reference", "--padding", "batch"]
    assert main(["estimate", *args, "--save", str(saved), "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    text = saved.read_text(encoding="utf-8")
    for line in ('stage = "dpo"', 'method = "lora"', "examples = 1000", "precomputed_reference = true"):
        assert line in text
    assert main(["estimate", "--scenario", str(saved), "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["flops"], again["gpu_hours"]) == (first["flops"], first["gpu_hours"])
