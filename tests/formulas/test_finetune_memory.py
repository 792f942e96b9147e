"""LoRA parameter counts and fine-tuning memory against published counts and measured fits."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from finetune_shapes import FALCON_40B, LLAMA2_7B, LLAMA2_13B, LLAMA3_8B, LLAMA_33B, LLAMA_65B, STARCODER

from costcalc.data.catalog import Catalog
from costcalc.formulas.finetune_memory import (
    FinetuneMemory,
    FinetuneSetup,
    dpo_reference_params,
    finetune_memory,
    frozen_weight_bytes,
    rl_extra_params,
)
from costcalc.formulas.flops import parameter_count
from costcalc.formulas.lora import DQ_BITS, NF4_BITS, blockwise_quantized_bits, linear_layer_params, lora_params
from costcalc.schemas import ModelSpec


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def capacity(catalog: Catalog, gpu: str) -> float:
    return float(catalog.accelerator(gpu).memory.m_as("B"))


@pytest.mark.parametrize(
    ("spec", "targets", "rank", "fused", "published"),
    [
        (LLAMA2_7B, "qv", 8, False, 4_194_304),  # LitGPT resource tables (10/20/2023), Llama 2 7B
        (LLAMA2_13B, "qv", 8, False, 6_553_600),  # same table, Llama 2 13B
        (FALCON_40B, "qv", 8, False, 12_042_240),  # same table, Falcon 40B (8 KV heads)
        (LLAMA3_8B, "qv", 8, False, 3_407_872),  # LitGPT, Llama 3 8B (GQA: v is 4096 -> 1024)
        # HF personal-copilot blog: "trainable params: 110,428,160" (r = 32 on c_attn, c_proj, c_fc;
        # = 40 x 32 x (12,544 + 12,288 + 30,720 + 30,720), reference "finetune.md" §9.1)
        (STARCODER, "all-linear", 32, True, 110_428_160),
    ],
    ids=["llama2-7b", "llama2-13b", "falcon-40b", "llama3-8b", "starcoder"],
)
def test_lora_params_equal_the_published_counts(
    spec: ModelSpec, targets: str, rank: int, fused: bool, published: int
) -> None:
    """N_lora = Σ r·(d_in + d_out), exactly (a count, no tolerance)."""
    assert lora_params(spec, targets, rank, fused_qkv=fused).m_as("parameter") == published  # type: ignore[arg-type]


def test_lora_targets_and_rank_scale_the_count() -> None:
    """Boundaries: the count is linear in r; attention adds k and o; all-linear adds the three MLP
    matrices of a gated MLP; a fused QKV adapter is smaller than three separate ones; rank 0 is refused."""
    qv, attn, every = (lora_params(LLAMA2_7B, t, 8).m_as("parameter") for t in ("qv", "attention", "all-linear"))  # type: ignore[arg-type]
    assert lora_params(LLAMA2_7B, "qv", 16).m_as("parameter") == 2 * qv
    assert attn == 2 * qv  # q, k, v, o are all 4096 x 4096 in Llama 2 7B
    assert every - attn == 32 * 8 * 3 * (4096 + 11008)
    unfused = lora_params(STARCODER, "all-linear", 32).m_as("parameter")
    assert unfused - 110_428_160 == 40 * 32 * 6144 * 2  # three adapters read the input three times
    with pytest.raises(ValueError, match="positive"):
        lora_params(LLAMA2_7B, "qv", 0)


def test_nf4_bits_and_the_double_quantization_saving() -> None:
    """QLoRA §3: constants "32/64 = 0.5 bits per parameter"; double quantization "8/64 + 32/(64·256)
    = 0.127 bits, a reduction of 0.373 bits per parameter", ≈3.0 GB at 65B (reference §4.3)."""
    nf4, dq = NF4_BITS, DQ_BITS
    assert nf4 == 4.5
    assert dq == pytest.approx(4.127, abs=5e-4)
    assert nf4 - dq == pytest.approx(0.373, abs=5e-4)
    assert 65e9 * (nf4 - dq) / 8 / 1e9 == pytest.approx(3.0, abs=0.05)
    assert blockwise_quantized_bits(bits=4, block=128) == 4.25  # larger blocks, fewer constants


def test_qlora_quantizes_only_the_linear_layers() -> None:
    """Reference §4.3: for LLaMA-7B, 6.48e9 x 0.516 B + 0.26e9 x 2 B ≈ 3.9 GB (the embeddings and
    head stay at 16 bits). A 4.5-bit store of the 7B is 0.30 GB larger than 4.127 bits."""
    n = parameter_count(LLAMA2_7B)
    linear = linear_layer_params(LLAMA2_7B).m_as("parameter")
    assert linear == pytest.approx(6.48e9, rel=0.001)
    dq = frozen_weight_bytes(LLAMA2_7B, n, "nf4-dq")
    assert dq / 1e9 == pytest.approx(3.87, abs=0.01)
    assert dq == pytest.approx(linear * 4.127 / 8 + (n - linear) * 2, rel=1e-4)
    assert frozen_weight_bytes(LLAMA2_7B, n, "nf4") - dq == pytest.approx(linear * 0.373 / 8, rel=1e-3)
    assert frozen_weight_bytes(LLAMA2_7B, n) == 2 * n
    with pytest.raises(ValueError, match="shape"):
        frozen_weight_bytes(None, n, "nf4")


def test_full_fine_tuning_is_16_bytes_per_parameter() -> None:
    """Mixed-precision AdamW: 2 + 2 + 12 = 16 B/param (HF personal-copilot blog, "16 bytes per
    parameter"); 8-bit AdamW 2 + 2 + 6 = 10; CPU offload leaves the 2-byte weights (ZeRO-Offload);
    ZeRO-3 over 8 GPUs divides all of it by 8."""
    n = 7e9

    def states(**kw: object) -> float:
        m = finetune_memory(None, n, FinetuneSetup(**kw))  # type: ignore[arg-type]
        return m.frozen + m.weights + m.gradients + m.optimizer - m.pageable

    assert states() == 16 * n
    assert states(optimizer="adam8bit") == 10 * n
    assert states(offload=True) == 2 * n
    assert states(zero=3, dp=8) == 16 * n / 8


def test_lora_is_frozen_weights_plus_16_bytes_per_trainable() -> None:
    """Reference §4.2: frozen at 2 B + 16 B per trainable parameter; sharded frozen weights under
    ZeRO-3/FSDP; QLoRA needs a 4-bit type and 4-bit types need QLoRA."""
    n, t = parameter_count(LLAMA2_7B), 4_194_304.0
    m = finetune_memory(LLAMA2_7B, n, FinetuneSetup(method="lora", trainable=t, seq_len=1304))
    assert (m.frozen, m.weights + m.gradients + m.optimizer) == (2 * n, 16 * t)
    sharded = finetune_memory(LLAMA2_7B, n, FinetuneSetup(method="lora", trainable=t, seq_len=1304, zero=3, dp=4))
    assert sharded.frozen == 2 * n / 4
    with pytest.raises(ValueError, match="4-bit"):
        finetune_memory(LLAMA2_7B, n, FinetuneSetup(method="qlora", trainable=t))
    with pytest.raises(ValueError, match="qlora"):
        finetune_memory(LLAMA2_7B, n, FinetuneSetup(method="lora", trainable=t, quant="nf4"))
    with pytest.raises(ValueError, match="trainable"):
        finetune_memory(LLAMA2_7B, n, FinetuneSetup(method="lora"))


def litgpt(spec: ModelSpec, quant: str | None, micro_batch: int = 1, seq_len: int = 1304) -> FinetuneMemory:
    """LitGPT's resource-table setting: LoRA r = 8 on q and v, bf16, no activation checkpointing,
    the longest Alpaca example (1,304 tokens for Llama 2)."""
    method = "qlora" if quant else "lora"
    setup = FinetuneSetup(
        method=method, trainable=lora_params(spec, "qv", 8).m_as("parameter"), quant=quant,  # type: ignore[arg-type]
        micro_batch=micro_batch, seq_len=seq_len,
    )  # fmt: skip
    return finetune_memory(spec, parameter_count(spec), setup)


@pytest.mark.parametrize(
    ("spec", "quant", "micro_batch", "measured_gb"),
    [
        (LLAMA2_7B, None, 1, 21.30),
        (LLAMA2_7B, "nf4", 1, 14.14),
        (LLAMA2_7B, "nf4-dq", 1, 13.84),
        (LLAMA2_7B, None, 2, 29.07),
        (LLAMA2_13B, None, 1, 38.12),
        (LLAMA2_13B, "nf4", 1, 23.14),
    ],
)
def test_litgpt_measured_peaks_within_20_percent(
    spec: ModelSpec, quant: str | None, micro_batch: int, measured_gb: float
) -> None:
    """litgpt tutorials/resource-tables.md (10/20/2023), A100-SXM4-40GB, "Max GPU RAM" in GB.
    Tolerance ±20% (the brief's band; fitcheck-llm reports ±15% on T4)."""
    assert litgpt(spec, quant, micro_batch).total / 1e9 == pytest.approx(measured_gb, rel=0.20)  # type: ignore[operator]


def test_litgpt_out_of_memory_rows(catalog: Catalog) -> None:
    """The same table's OOM rows on one A100-40GB: Llama 2 7B at micro-batch 4, and Falcon 40B with
    any quantization. Falcon's longest Alpaca example is not stated: 1,034 tokens, the shortest of the
    stated longest examples, is the conservative choice."""
    a100 = capacity(catalog, "A100-40GB")
    assert litgpt(LLAMA2_7B, None, micro_batch=4).fits(a100) is False
    for quant in (None, "nf4", "nf4-dq"):
        assert litgpt(FALCON_40B, quant, seq_len=1034).fits(a100) is False
    # ...and every measured row fits, Llama 2 13B LoRA at 38.12 GB the tightest
    for spec, quant, micro_batch in ((LLAMA2_7B, None, 2), (LLAMA2_13B, None, 1), (LLAMA2_13B, "nf4-dq", 1)):
        assert litgpt(spec, quant, micro_batch).fits(a100) is True


def guanaco(spec: ModelSpec, *, paged: bool = True) -> FinetuneMemory:
    """QLoRA's Guanaco setting (Dettmers et al. 2023 §4-5; the repository's finetune_guanaco_*.sh):
    NF4 with double quantization, LoRA r = 64 on all linear layers, paged AdamW, micro-batch 1,
    gradient checkpointing, 512 target tokens after a 16-token source maximum: s = 528."""
    setup = FinetuneSetup(
        method="qlora", trainable=lora_params(spec, "all-linear", 64).m_as("parameter"), quant="nf4-dq",
        paged=paged, micro_batch=1, seq_len=528, recompute="full",
    )  # fmt: skip
    return finetune_memory(spec, parameter_count(spec), setup)


def test_qlora_65b_fits_one_48gb_gpu_and_33b_one_24gb_gpu(catalog: Catalog) -> None:
    """QLoRA (arXiv:2305.14314): 65B finetuning "from >780GB of GPU memory to <48GB"; Guanaco 33B
    "can be trained on 24 GB consumer GPUs". 48 GB and 24 GB as sold (RTX A6000; RTX 3090/4090).
    Both fits need the paged optimizer (its states spill to CPU RAM): without it the 65B exceeds the
    paper's "<48GB" (decimal) and the 33B a 24 GiB card, so the rule is pinned from both sides."""
    for gpu in ("RTX-A6000", "L40S"):
        assert guanaco(LLAMA_65B).fits(capacity(catalog, gpu)) is True
    assert guanaco(LLAMA_65B).fits(48e9) is True
    for gpu in ("RTX-3090", "RTX-4090", "L4", "A10G"):
        assert guanaco(LLAMA_33B).fits(capacity(catalog, gpu)) is True
    assert guanaco(LLAMA_65B, paged=False).fits(48e9) is False
    assert guanaco(LLAMA_33B, paged=False).fits(capacity(catalog, "RTX-4090")) is False
    # The 65B's 4-bit base: the paper measures 37,074 MB (Figure 6, via bitsandbytes #790);
    # the formula gives the weights alone, below it by the dequantization buffers (within 10%).
    assert guanaco(LLAMA_65B).frozen / 1e9 == pytest.approx(37.074, rel=0.10)


def test_dpo_reference_and_rl_extra_models() -> None:
    """Reference §3.4 and §4.4: a full DPO policy holds a 2-byte reference; LoRA holds none (adapters
    off), nor do precomputed log-probs; PPO holds reward + reference + critic; GRPO no critic."""
    n = 7e9
    assert dpo_reference_params("full", n) == n
    assert dpo_reference_params("lora", n) == dpo_reference_params("full", n, precomputed=True) == 0.0
    assert rl_extra_params("full", n, critic=n, reward=1e9) == (n + 1e9, n)
    assert rl_extra_params("lora", n, critic=n, reward=1e9, critic_lora=4e6) == (n + 1e9, 4e6)
    assert rl_extra_params("full", n, critic=None, reward=1e9) == (n + 1e9, 0.0)
    base = FinetuneSetup(seq_len=2048)
    dpo = FinetuneSetup(seq_len=2048, sequences_per_example=2, extra_frozen=n)
    one, two = (finetune_memory(LLAMA2_7B, n, s) for s in (base, dpo))
    assert two.extra - one.extra == 2 * n
    assert two.activations == pytest.approx(2 * one.activations)  # type: ignore[operator]


# Closed forms on small stated numbers (bytes), with the 2 GB + 10% overhead allowance of memory.py.
PARTS = {"frozen": 10.0, "weights": 20.0, "gradients": 30.0, "optimizer": 40.0, "extra": 5.0, "kv_cache": 7.0}
TINY = {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": None, "head_dim": None, "ffn": 128, "vocab": 100}


def test_finetune_memory_parts_closed_form() -> None:
    """resident = 10 + 20 + 30 + 40 + 5 + 7 + 100 (activations) - 40 (pageable) = 172; overhead
    2e9 + 10% of (172 - 10 frozen - 5 extra) = 2e9 + 15.7; lower bound without activations:
    72 + 2e9 + 10% of 57. The total fits a capacity equal to it, not one byte less."""
    m = FinetuneMemory(**PARTS, activations=100.0, pageable=40.0)
    assert m.resident == 172.0
    assert m.overhead == pytest.approx(2e9 + 15.7, abs=1e-3)
    assert m.total == pytest.approx(2e9 + 187.7, abs=1e-3)
    assert m.lower_bound == pytest.approx(2e9 + 77.7, abs=1e-3)
    assert m.total is not None and (m.fits(m.total), m.fits(m.total - 1)) == (True, False)
    unknown = FinetuneMemory(**PARTS, activations=None, pageable=40.0)
    assert (unknown.resident, unknown.overhead, unknown.total) == (None, None, None)
    bound = unknown.lower_bound
    assert (unknown.fits(bound), unknown.fits(bound - 1), unknown.fits(bound + 1)) == (None, False, None)


def test_frozen_weight_bytes_closed_form(catalog: Catalog) -> None:
    """Tiny shape: 2·(4·64·64 + 3·64·128) = 81,920 linear weights (QLoRA stores them in bits/8 bytes),
    the rest at 2 bytes. N = 100,000: 16-bit 200,000; int8 81,920 + 2·18,080 = 118,080; NF4
    81,920·4.5/8 + 36,160 = 82,240. A count below the linear weights is all linear: 1,000·4.5/8 = 562.5."""
    tiny = catalog.model("llama-2-7b").model_copy(update=TINY)
    assert frozen_weight_bytes(tiny, 1e5) == 2e5
    assert frozen_weight_bytes(tiny, 1e5, "int8") == 118_080
    assert frozen_weight_bytes(tiny, 1e5, "nf4") == pytest.approx(82_240)
    assert frozen_weight_bytes(tiny, 1e3, "nf4") == pytest.approx(562.5)
    with pytest.raises(ValueError, match="shape"):
        frozen_weight_bytes(None, 1e5, "nf4")


def test_rl_extra_params_closed_form() -> None:
    """Actor 10, reward 2, critic 3 (adapters 1): a full actor's reference is a copy (frozen 2 + 10); a
    LoRA actor's is its base. A LoRA critic keeps its base frozen and trains its adapters; GRPO has none."""
    assert rl_extra_params("full", 10, critic=3, reward=2) == (12, 3)
    assert rl_extra_params("lora", 10, critic=3, reward=2, critic_lora=1) == (5, 1)
    assert rl_extra_params("lora", 10, critic=3, reward=2) == (5, 0.0)
    assert rl_extra_params("full", 10, critic=None, reward=2) == (12, 0.0)
    assert rl_extra_params("qlora", 10, critic=None, reward=2) == (2, 0.0)


def test_finetune_setup_defaults_and_sharding(catalog: Catalog) -> None:
    """Defaults: full fine-tuning, AdamW, no ZeRO, one GPU, micro-batch 1: 2 + 2 + 12 bytes per
    parameter unsharded, nothing else. ZeRO-3 over 4 GPUs shards the frozen 2·N of a LoRA run too."""
    setup = FinetuneSetup()
    assert (setup.method, setup.zero, setup.dp, setup.micro_batch, setup.sequences_per_example) == ("full", 0, 1, 1, 1)
    assert (setup.extra_frozen, setup.extra_trainable, setup.kv_cache, setup.paged, setup.offload) == (
        0,
        0,
        0,
        False,
        False,
    )
    m = finetune_memory(None, 1e9, setup)
    assert (m.frozen, m.weights, m.gradients, m.optimizer, m.extra, m.activations) == (0.0, 2e9, 2e9, 12e9, 0.0, None)
    tiny = catalog.model("llama-2-7b").model_copy(update=TINY)
    lora = FinetuneSetup(method="lora", trainable=1e6, zero=3, dp=4, extra_frozen=1e6)
    sharded = finetune_memory(tiny, 1e9, lora)
    assert (sharded.frozen, sharded.extra) == (2e9 / 4, 2e6 / 4)
    assert (sharded.weights, sharded.optimizer) == (2e6 / 4, 12e6 / 4)
    with pytest.raises(FrozenInstanceError):
        setup.dp = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        m.frozen = 1.0  # type: ignore[misc]
