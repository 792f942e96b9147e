"""``costcalc memory`` with the fine-tuning inputs: the formulas end to end, and every bad input refused."""

from __future__ import annotations

import json

import pytest

from costcalc.cli import main
from costcalc.commands.memory_report import training_memory
from costcalc.data.catalog import Catalog
from costcalc.formulas.flops import parameter_count


def memory_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["memory", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["finetune"]  # type: ignore[no-any-return]


def test_lora_on_the_litgpt_setting_reproduces_its_measured_peak(capsys: pytest.CaptureFixture[str]) -> None:
    """LitGPT's resource tables: Llama 2 7B, LoRA r = 8 on q and v (its setting, given), the longest Alpaca
    example (1,304 tokens), one A100-40GB: 4,194,304 trainable parameters, 21.30 GB measured (±20%)."""
    data = memory_json(capsys, "--model", "llama-2-7b", "--gpu", "a100-40gb", "--method", "lora", "--seq-len", "1304",
                       "--lora-rank", "8", "--lora-targets", "qv")  # fmt: skip
    assert data["trainable_params"] == 4_194_304 and data["lora_rank"] == 8 and data["lora_targets"] == "qv"
    assert data["frozen"] == 2 * 6_738_415_616  # the preset's shape, 16-bit frozen weights
    assert data["total"] / 1e9 == pytest.approx(21.30, rel=0.20)  # type: ignore[operator]
    assert data["fits"] is True and data["layout"]["recompute"] == "none"  # type: ignore[index]


def test_qlora_defaults_to_nf4_with_double_quantization(capsys: pytest.CaptureFixture[str]) -> None:
    """QLoRA's setting (§3-4): NF4 + double quantization unless --quant says nf4; nf4 stores 0.373
    more bits per linear weight."""
    base = (
        "--model",
        "llama-2-7b",
        "--gpu",
        "a100-40gb",
        "--method",
        "qlora",
        "--seq-len",
        "1304",
        "--lora-rank",
        "8",
        "--lora-targets",
        "qv",
    )
    dq, nf4 = memory_json(capsys, *base), memory_json(capsys, *base, "--quant", "nf4")
    assert dq["quant"] == "nf4-dq" and nf4["quant"] == "nf4"
    assert nf4["frozen"] - dq["frozen"] == pytest.approx(6_476_005_376 * 0.373 / 8, rel=1e-3)  # type: ignore[operator]
    assert nf4["total"] / 1e9 == pytest.approx(14.14, rel=0.20)  # type: ignore[operator]  # LitGPT's nf4 row


def test_dpo_holds_a_reference_only_for_a_full_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """Reference "finetune.md" §4.4: full DPO adds a 2-byte reference (sharded by ZeRO-3 over the 8
    GPUs); LoRA DPO none; both run two sequences per pair, doubling the activations."""
    n = parameter_count(Catalog.load().model("llama-2-7b"))
    common = ("--model", "llama-2-7b", "--gpus", "8", "--zero", "3", "--recompute", "full")
    sft = memory_json(capsys, *common, "--method", "full")
    dpo = memory_json(capsys, *common, "--method", "full", "--stage", "dpo")
    lora = memory_json(capsys, *common, "--method", "lora", "--stage", "dpo")
    assert (sft["extra"], dpo["extra"], lora["extra"]) == (0.0, 2 * n / 8, 0.0)
    assert dpo["activations"] == pytest.approx(2 * sft["activations"])  # type: ignore[operator]
    assert dpo["weights"] + dpo["gradients"] + dpo["optimizer"] == pytest.approx(16 * n / 8)  # type: ignore[operator]


def test_recomputation_not_given_is_the_least_that_fits(capsys: pytest.CaptureFixture[str]) -> None:
    """Llama 2 7B LoRA at micro-batch 4 does not fit an A100-40GB without recomputation (LitGPT's OOM
    row); with full recomputation it does, and that is what is chosen when --recompute is not given."""
    args = (
        "--model",
        "llama-2-7b",
        "--gpu",
        "a100-40gb",
        "--method",
        "lora",
        "--seq-len",
        "1304",
        "--lora-rank",
        "8",
        "--lora-targets",
        "qv",
    )
    chosen = memory_json(capsys, *args, "--micro-batch", "4")
    assert chosen["layout"]["recompute"] == "full" and chosen["fits"] is True  # type: ignore[index]
    fixed = memory_json(capsys, *args, "--micro-batch", "4", "--recompute", "none")
    assert fixed["fits"] is False


def test_text_output_names_the_setting(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "--model",
        "llama-2-7b",
        "--gpu",
        "rtx4090",
        "--method",
        "qlora",
        "--seq-len",
        "1024",
        "--lora-rank",
        "8",
        "--lora-targets",
        "qv",
    ]
    assert main(["memory", *args]) == 0
    out = capsys.readouterr().out
    assert "Fine-tuning memory per GPU (sft, qlora nf4-dq, LoRA r=8 on qv: 4," in out
    assert "194,304 trainable" in out.replace("\n  ", " ")
    assert "of 25.8 GB: fits" in out  # the RTX 4090's 24 GiB
    assert "Layouts" not in out  # the pre-training layout search does not apply


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "lora", "--lora-rank", "0"], "--lora-rank: Input should be greater than 0"),
        (["--method", "qlora", "--quant", "nf3"], "--quant: Input should be 'nf4', 'nf4-dq' or 'int8'"),
        (["--quant", "nf4"], "--quant: a quantized base needs --method qlora (got no --method)"),
        (["--method", "lora", "--quant", "nf4"], "--quant: a quantized base needs --method qlora (got lora)"),
        (["--method", "full", "--lora-rank", "8"], "--lora-rank: adapters need --method lora or qlora (got full)"),
        (["--lora-targets", "qv"], "--lora-targets: adapters need --method lora or qlora"),
        (["--lora-targets", "mlp", "--method", "lora"], "--lora-targets: Input should be 'qv', 'attention' or"),
        (["--method", "dora"], "--method: Input should be 'full', 'lora' or 'qlora'"),
        (["--stage", "rlhf"], "--stage: Input should be 'pretrain', 'continued', 'long-context', 'sft', 'dpo',"),
        (["--stage", "ppo", "--method", "lora"], "--prompt-tokens: --stage ppo memory needs --prompt-tokens"),
        (
            ["--stage", "grpo", "--prompt-tokens", "9", "--generated-tokens", "9", "--critic-model", "350M"],
            "--critic-model: GRPO has no critic",
        ),
        (["--stage", "sft", "--teacher", "llama-9t"], "--teacher: unknown model preset 'llama-9t'"),
        (["--stage", "sft", "--generation-batch", "4"], "--generation-batch: --generation-batch is PPO/GRPO's"),
        (["--method", "lora", "--gpus", "2", "--tp", "2"], "--tp: fine-tuning memory is modelled with data parallel"),
    ],
)
def test_bad_fine_tuning_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["memory", "--model", "llama-2-7b", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"costcalc memory: error: {message}") and "\n" not in err and "Traceback" not in err


def test_a_parameter_count_alone_is_sized_on_its_standard_shape() -> None:
    """A count alone gets the standard shape (``costcalc.formulas.shapes``): 7B is Llama 2 7B's
    32 x 4096, so LoRA on qv at rank 8 trains LitGPT's 4,194,304 parameters; full fine-tuning of 7B
    needs 16 B/param = 112 GB of states alone, more than an A100-80GB; 1B full fits."""
    lora = training_memory(params="7B", gpu="a100", method="lora", lora_rank=8, lora_targets="qv").finetune
    big = training_memory(params="7B", gpu="a100", method="full").finetune
    small = training_memory(params="1B", gpu="a100", method="full").finetune
    assert lora is not None and big is not None and small is not None
    assert lora.trainable.m_as("parameter") == 4_194_304 and lora.fits is True and lora.total is not None
    assert lora.capacity.m_as("GB") == 80 and lora.total < lora.capacity
    assert big.memory.total is not None and big.memory.total > 112e9 and big.fits is False
    assert small.memory.total is not None and 16e9 < small.memory.total < 80e9 and small.fits is True


def test_repr_and_html_show_the_fine_tuning_verdict() -> None:
    report = training_memory(
        model="llama-2-7b", gpu="a100-40gb", method="lora", seq_len=1304, lora_rank=8, lora_targets="qv"
    )
    assert repr(report) == "MemoryReport(LLaMA-2-7B on ? x A100-40GB: 22.1 GB per GPU, fits)"
    assert "Fine-tuning memory per GPU" in report._repr_html_()
    assert report.finetune is not None and [n.key for n in report.finetune.notes] == ["one_gpu"]
    assert repr(report.finetune) == "FinetuneReport(lora sft: 22.1 GB of 40.0 GB per GPU, fits)"
    assert str(report.finetune).splitlines()[-1] == "  note: no GPU count given: one GPU"
