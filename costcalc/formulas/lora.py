"""Low-rank adapters (LoRA) and 4-bit weight storage (QLoRA): parameter counts and bits per weight.

Pure functions on a transformer shape (``ModelSpec``). Symbols: r the LoRA rank, d the hidden
size, n_h query heads, n_kv key/value heads, d_k the head dimension, d_ff the MLP width, l layers,
V the vocabulary.
"""

from __future__ import annotations

from costcalc.base.units import Q_, Quantity
from costcalc.schemas import ModelSpec
from costcalc.schemas.training import LoraTargets

__all__ = [
    "DQ_BITS",
    "NF4_BITS",
    "LoraTargets",
    "adapted_matrices",
    "blockwise_quantized_bits",
    "linear_layer_params",
    "lora_params",
]


def blockwise_quantized_bits(
    bits: float = 4, block: int = 64, constant_bits: float = 32, *, double: bool = False,
    second_block: int = 256, second_constant_bits: float = 8,
) -> float:  # fmt: skip
    """Bits stored per weight by block-wise quantization with one scale per block.

    b = k + c₁/B₁                        (one c₁-bit constant per block of B₁ weights)
    b = k + c₂/B₁ + c₁/(B₁·B₂)           with double quantization: the block constants are
                                         themselves quantized to c₂ bits in blocks of B₂
    k: bits per weight (4 for NF4); B₁ = 64, c₁ = 32 (fp32 absmax); B₂ = 256, c₂ = 8.
    NF4: 4 + 32/64 = 4.5 bits; NF4 with double quantization: 4 + 8/64 + 32/(64·256) = 4.127 bits.
    Source: Dettmers et al. 2023, "QLoRA: Efficient Finetuning of Quantized LLMs" (arXiv:2305.14314),
    §3 "Double Quantization": "reduces the memory footprint per parameter from 32/64 = 0.5 bits,
    to 8/64 + 32/(64·256) = 0.127 bits".
    """
    if double:
        return bits + second_constant_bits / block + constant_bits / (block * second_block)
    return bits + constant_bits / block


#: NF4 storage, bits per weight (QLoRA §3): 4.5.
NF4_BITS = blockwise_quantized_bits()
#: NF4 with double quantization, bits per weight (QLoRA §3): 4.127.
DQ_BITS = blockwise_quantized_bits(double=True)


def _attention_matrices(spec: ModelSpec, *, fused_qkv: bool) -> dict[str, tuple[int, int]]:
    """(d_in, d_out) of the attention projections of one layer: q, k, v (or fused qkv) and o."""
    assert spec.hidden and spec.heads
    if spec.is_mla:
        raise ValueError(f"{spec.name}: LoRA on multi-head latent attention is not modelled")
    d, n_h = spec.hidden, spec.heads
    d_k = spec.head_dim or d // n_h
    n_kv = spec.kv_heads or n_h
    o = (n_h * d_k, d)
    if fused_qkv:
        return {"qkv": (d, (n_h + 2 * n_kv) * d_k), "o": o}
    return {"q": (d, n_h * d_k), "k": (d, n_kv * d_k), "v": (d, n_kv * d_k), "o": o}


def _mlp_matrices(spec: ModelSpec, ffn: int) -> dict[str, tuple[int, int]]:
    """(d_in, d_out) of one MLP: gate and up (d -> d_ff) and down (d_ff -> d), no gate when plain."""
    assert spec.hidden
    d = spec.hidden
    up = {"gate": (d, ffn), "up": (d, ffn)} if spec.mlp == "gated" else {"up": (d, ffn)}
    return {**up, "down": (ffn, d)}


def adapted_matrices(
    spec: ModelSpec, targets: LoraTargets, *, fused_qkv: bool = False, active: bool = False
) -> list[tuple[int, int, int]]:
    """The linear layers LoRA adapts, as (count over the model, d_in, d_out).

    qv: the query and value projections (LoRA's paper, §7.1; LitGPT's default); attention: q, k, v
    and the output projection; all-linear: those and every MLP matrix (QLoRA §4: "LoRA on all
    linear transformer block layers"), the LM head excluded as PEFT's ``all-linear`` excludes it.
    ``fused_qkv``: q, k and v are one matrix d -> (n_h + 2·n_kv)·d_k (GPT-BigCode's ``c_attn``), so
    one adapter covers all three; it changes nothing for ``qv`` (LitGPT adapts q and v of its fused
    matrix separately). For a mixture of experts, every routed expert's MLP is adapted, or only the
    routed-to and shared ones with ``active``.
    """
    if not spec.has_architecture:
        raise ValueError(f"{spec.name} has no complete architecture")
    assert spec.layers and spec.ffn
    if targets == "qv":
        attention = _attention_matrices(spec, fused_qkv=False)
        return [(spec.layers, *attention[name]) for name in ("q", "v")]
    attention = _attention_matrices(spec, fused_qkv=fused_qkv)
    found = [(spec.layers, d_in, d_out) for d_in, d_out in attention.values()]
    if targets == "attention":
        return found
    if not spec.is_moe:
        return found + [(spec.layers, *m) for m in _mlp_matrices(spec, spec.ffn).values()]
    assert spec.experts and spec.experts_per_token and spec.expert_ffn
    moe_layers = spec.layers - spec.dense_layers
    per_layer = (spec.experts_per_token if active else spec.experts) + spec.shared_experts
    found += [(spec.dense_layers, *m) for m in _mlp_matrices(spec, spec.ffn).values() if spec.dense_layers]
    return found + [(moe_layers * per_layer, *m) for m in _mlp_matrices(spec, spec.expert_ffn).values()]


def lora_params(
    spec: ModelSpec, targets: LoraTargets, rank: int, *, fused_qkv: bool = False, active: bool = False
) -> Quantity:
    """Trainable LoRA parameters: N_lora = Σ over adapted matrices r·(d_in + d_out).

    Each adapted weight W (d_in x d_out) gains A (d_in x r) and B (r x d_out), trained while W is
    frozen. Which matrices: ``adapted_matrices``. Reproduces LitGPT's counts (Llama 2 7B, q and v,
    r = 8: 4,194,304) and the StarCoder QLoRA run's 110,428,160 (r = 32 on all linear layers of a
    fused-QKV model).
    Source: Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"
    (arXiv:2106.09685), §4.1 (h = W₀x + BAx, B ∈ R^{d x r}, A ∈ R^{r x k}).
    """
    if rank < 1:
        raise ValueError(f"the LoRA rank must be a positive whole number, not {rank}")
    matrices = adapted_matrices(spec, targets, fused_qkv=fused_qkv, active=active)
    return Q_(float(sum(count * rank * (d_in + d_out) for count, d_in, d_out in matrices)), "parameter")


def linear_layer_params(spec: ModelSpec) -> Quantity:
    """Weights in the transformer blocks' linear layers: what QLoRA stores in 4 bits.

    N_linear = Σ d_in·d_out over ``adapted_matrices(all-linear)``: l·attn + the MLPs (every
    expert of a mixture). Embeddings, the LM head, norms, biases and MoE routers are left out and
    stay at 16 bits (bitsandbytes replaces ``nn.Linear`` modules
    only and skips the output head; reference "finetune.md" §4.3).
    """
    matrices = adapted_matrices(spec, "all-linear")
    return Q_(float(sum(count * d_in * d_out for count, d_in, d_out in matrices)), "parameter")
