"""Generation (decoding) in RL fine-tuning: KV-cache size and memory-bandwidth-bound decode time.

Pure functions on quantities. Symbols: l layers, n_kv key/value heads, d_k head dimension, b bytes
per cached value, B sequences decoded together, P prompt tokens, R generated tokens, W bytes of
weights read per step, BW the accelerator's memory bandwidth.
"""

from __future__ import annotations

from costcalc.base.units import Q_, Quantity
from costcalc.schemas import ModelSpec

__all__ = ["decode_time", "kv_cache_bytes", "kv_cache_bytes_per_token"]


def kv_cache_bytes_per_token(spec: ModelSpec, bytes_per_value: float = 2) -> Quantity:
    """KV-cache bytes per token of one sequence: 2 · l · n_kv · d_k · b.

    Keys and values (the 2) of every layer, for each key/value head (GQA and MQA cache n_kv < n_h
    heads). Multi-head latent attention caches the compressed latent and the RoPE key instead:
    l · (d_c + d_h^R) · b (DeepSeek-V2, arXiv:2405.04434, §2.1.2 and Table 1).
    Source: Pope et al. 2022, "Efficiently Scaling Transformer Inference" (arXiv:2211.05102),
    §2.1 (KV cache size 2·n_layers·n_kv·d_head per token); Ainslie et al. 2023 (GQA).
    """
    if not spec.has_architecture:
        raise ValueError(f"{spec.name} has no complete architecture")
    assert spec.layers and spec.hidden and spec.heads
    if spec.kv_lora_rank is not None:
        per_layer = spec.kv_lora_rank + spec.qk_rope_head_dim
    else:
        d_k = spec.head_dim or spec.hidden // spec.heads
        per_layer = 2 * (spec.kv_heads or spec.heads) * d_k
    return Q_(spec.layers * per_layer * bytes_per_value, "B / token")


def kv_cache_bytes(spec: ModelSpec, tokens: float, sequences: float = 1, bytes_per_value: float = 2) -> Quantity:
    """KV cache of ``sequences`` sequences of ``tokens`` tokens each: B · T · 2 · l · n_kv · d_k · b."""
    result: Quantity = (kv_cache_bytes_per_token(spec, bytes_per_value) * Q_(tokens * sequences, "token")).to("B")
    return result


def decode_time(
    weight_bytes: Quantity, kv_per_token: Quantity, sequences: float, prompt_tokens: float, generated_tokens: float,
    bandwidth: Quantity, *, flops_per_token: Quantity | None = None, peak: Quantity | None = None,
) -> Quantity:  # fmt: skip
    """Time to generate R tokens for B sequences together, bound by memory bandwidth.

    Each decoding step reads every weight once and the cache of all B sequences:
    bytes = R·W + B·k·(R·P + R(R-1)/2)     (the cache holds P + t tokens at step t = 0 … R-1)
    t_memory = bytes / BW
    k: KV bytes per token (``kv_cache_bytes_per_token``). With the FLOPs per token and a peak, the
    compute bound t_compute = B·R·f / peak is taken when larger (a roofline; large batches become
    compute-bound). Prompt prefill is compute-bound and left to the FLOP count.
    Source: DeepSpeed-Chat blog (generation "requires running the actor model once for each of the
    256 generated tokens ... making it memory bandwidth bound"); Pope et al. 2022 §2 for the
    roofline of decoding.
    """
    r = generated_tokens
    cache_token_steps = Q_(sequences * (r * prompt_tokens + r * (r - 1) / 2), "token")
    moved = weight_bytes * r + kv_per_token * cache_token_steps
    memory: Quantity = (moved / bandwidth).to("s")
    if flops_per_token is None or peak is None:
        return memory
    compute: Quantity = (flops_per_token * Q_(sequences * r, "token") / peak).to("s")
    return max(memory, compute)
