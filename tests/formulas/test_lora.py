"""LoRA adapter counts and block-wise quantized storage against closed forms on a stated shape."""

from __future__ import annotations

import pytest

from costcalc.data.catalog import Catalog
from costcalc.formulas.lora import (
    DQ_BITS,
    NF4_BITS,
    adapted_matrices,
    blockwise_quantized_bits,
    linear_layer_params,
    lora_params,
)
from costcalc.schemas import ModelSpec

#: l = 2, d = 64, n_h = 4, n_kv = 2 (d_k = 16), d_ff = 128, gated MLP, V = 100.
TINY = {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": 2, "head_dim": None, "ffn": 128, "vocab": 100}
MOE = {"experts": 4, "experts_per_token": 1, "shared_experts": 1, "expert_ffn": 32, "dense_layers": 1}


@pytest.fixture(scope="module")
def tiny() -> ModelSpec:
    return Catalog.load().model("llama-2-7b").model_copy(update={**TINY, "mlp": "gated"})


def test_blockwise_quantized_bits_closed_form() -> None:
    """QLoRA §3 (Dettmers et al. 2023): b = k + c₁/B₁, or k + c₂/B₁ + c₁/(B₁·B₂) with double quantization.
    NF4: 4 + 32/64 = 4.5; double: 4 + 8/64 + 32/(64·256) = 4.126953125. Other blocks: k = 3, B₁ = 16,
    c₁ = 8: 3.5; with B₂ = 4, c₂ = 2: 3 + 2/16 + 8/64 = 3.25."""
    assert NF4_BITS == 4.5 and blockwise_quantized_bits() == pytest.approx(4.5)
    assert DQ_BITS == 4.126953125  # exact in binary: 8/64 and 32/16384 are powers of two
    assert blockwise_quantized_bits(3, 16, 8) == pytest.approx(3.5)
    assert blockwise_quantized_bits(3, 16, 8, double=True, second_block=4, second_constant_bits=2) == pytest.approx(
        3.25
    )


def test_adapted_matrices_per_target(tiny: ModelSpec) -> None:
    """Hu et al. 2021 §7.1 (q and v); attention: q (64 -> 64), k and v (64 -> 2·16 = 32), o (64 -> 64);
    all-linear adds gate and up (64 -> 128) and down (128 -> 64); fused QKV is one 64 -> (4 + 2·2)·16 = 128."""
    assert adapted_matrices(tiny, "qv") == [(2, 64, 64), (2, 64, 32)]
    assert adapted_matrices(tiny, "qv", fused_qkv=True) == [(2, 64, 64), (2, 64, 32)]
    attention = [(2, 64, 64), (2, 64, 32), (2, 64, 32), (2, 64, 64)]
    assert adapted_matrices(tiny, "attention") == attention
    assert adapted_matrices(tiny, "attention", fused_qkv=True) == [(2, 64, 128), (2, 64, 64)]
    assert adapted_matrices(tiny, "all-linear") == [*attention, (2, 64, 128), (2, 64, 128), (2, 128, 64)]
    plain = tiny.model_copy(update={"mlp": "plain"})
    assert adapted_matrices(plain, "all-linear") == [*attention, (2, 64, 128), (2, 128, 64)]


def test_adapted_matrices_of_a_mixture_of_experts(tiny: ModelSpec) -> None:
    """One dense layer (d_ff = 128) and one MoE layer of 4 routed experts (1 per token) and 1 shared
    expert of d_ff = 32: every expert's MLP, (4 + 1) x 1 layer, or the active (1 + 1)."""
    moe = tiny.model_copy(update=MOE)
    attention = adapted_matrices(tiny, "attention")
    dense = [(1, 64, 128), (1, 64, 128), (1, 128, 64)]
    assert adapted_matrices(moe, "all-linear") == [*attention, *dense, (5, 64, 32), (5, 64, 32), (5, 32, 64)]
    assert adapted_matrices(moe, "all-linear", active=True) == [
        *attention,
        *dense,
        (2, 64, 32),
        (2, 64, 32),
        (2, 32, 64),
    ]
    no_dense = moe.model_copy(update={"dense_layers": 0})
    assert adapted_matrices(no_dense, "all-linear") == [*attention, (10, 64, 32), (10, 64, 32), (10, 32, 64)]


def test_lora_params_closed_form(tiny: ModelSpec) -> None:
    """N_lora = Σ r·(d_in + d_out) (Hu et al. 2021 §4.1). q and v at r = 8: 2·8·128 + 2·8·96 = 3584;
    at r = 1: 448. All linear layers at r = 2: 2·2·(128 + 96 + 96 + 128) + 2·2·(192 + 192 + 192) = 4096."""
    assert lora_params(tiny, "qv", 8).m_as("parameter") == 3584
    assert lora_params(tiny, "qv", 1).m_as("parameter") == 448
    assert lora_params(tiny, "all-linear", 2).m_as("parameter") == 4096
    assert str(lora_params(tiny, "qv", 1).units) == "parameter"


def test_lora_params_litgpt_count() -> None:
    """LitGPT, Llama 2 7B, q and v at r = 8: 32 layers x 2 x 8·(4096 + 4096) = 4,194,304."""
    assert lora_params(Catalog.load().model("llama-2-7b"), "qv", 8).m_as("parameter") == 4_194_304


def test_lora_rank_and_shape_are_checked(tiny: ModelSpec) -> None:
    with pytest.raises(ValueError, match="rank"):
        lora_params(tiny, "qv", 0)
    with pytest.raises(ValueError, match="architecture"):
        adapted_matrices(tiny.model_copy(update={"ffn": None}), "qv")
    mla = tiny.model_copy(update={"kv_lora_rank": 16, "head_dim": 16, "kv_heads": None})
    with pytest.raises(ValueError, match="latent"):
        adapted_matrices(mla, "attention")


def test_linear_layer_params_closed_form(tiny: ModelSpec) -> None:
    """What QLoRA stores in 4 bits: Σ d_in·d_out over all linear layers of the blocks:
    2·(64·64 + 64·32 + 64·32 + 64·64) + 2·(64·128 + 64·128 + 128·64) = 24576 + 49152 = 73728."""
    assert linear_layer_params(tiny).m_as("parameter") == 73728


def test_lora_params_of_a_mixture_of_experts(tiny: ModelSpec) -> None:
    """r = 1 on all linear layers: attention 2·(128 + 96 + 96 + 128) = 896, the dense layer's MLP
    192 + 192 + 192 = 576, and every expert's MLP (4 routed + 1 shared in one layer) 5·288 = 1,440:
    2,912; only the active ones (1 + 1): 896 + 576 + 2·288 = 2,048."""
    moe = tiny.model_copy(update=MOE)
    assert lora_params(moe, "all-linear", 1).m_as("parameter") == 2912
    assert lora_params(moe, "all-linear", 1, active=True).m_as("parameter") == 2048
    assert lora_params(moe, "attention", 1, fused_qkv=True).m_as("parameter") == 2 * (192 + 128)


def test_adapted_matrix_sizes_are_whole_numbers(tiny: ModelSpec) -> None:
    """d_k = d / n_h = 16 when no head size is given: every (count, d_in, d_out) is a whole number."""
    for targets in ("qv", "attention", "all-linear"):
        for fused in (False, True):
            sizes = adapted_matrices(tiny, targets, fused_qkv=fused)  # type: ignore[arg-type]
            assert all(type(n) is int for matrix in sizes for n in matrix)
