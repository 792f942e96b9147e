"""Published model shapes shared by the fine-tuning formula tests (sources beside each)."""

from __future__ import annotations

from typing import Any

from costcalc.base.units import Q_
from costcalc.schemas import ModelSpec


def shape(name: str, **fields: Any) -> ModelSpec:
    """A model with only a shape; ``params`` is a placeholder the formulas under test do not read."""
    return ModelSpec(name=name, params=Q_(1.0, "parameter"), **fields)


#: Llama 2 7B and 13B (Touvron et al. 2023, arXiv:2307.09288, Table 1 and the released params.json).
LLAMA2_7B = shape("llama-2-7b", layers=32, hidden=4096, heads=32, ffn=11008, mlp="gated", vocab=32000)
LLAMA2_13B = shape("llama-2-13b", layers=40, hidden=5120, heads=40, ffn=13824, mlp="gated", vocab=32000)
#: Llama 3 8B, grouped-query attention with 8 KV heads (Meta-Llama-3-8B config.json).
LLAMA3_8B = shape("llama-3-8b", layers=32, hidden=4096, heads=32, kv_heads=8, ffn=14336, mlp="gated", vocab=128256)
#: StarCoder 15.5B (Li et al. 2023, arXiv:2305.06161; bigcode/starcoder config.json): multi-query
#: attention, a plain 4h MLP, fused QKV (``c_attn``), tied embeddings, 8192 learned positions.
STARCODER = shape(
    "starcoder", layers=40, hidden=6144, heads=48, kv_heads=1, ffn=24576, mlp="plain", vocab=49152,
    tied_embeddings=True, learned_positions=8192, norm="layernorm", linear_bias=True,
)  # fmt: skip
#: Falcon 40B (LitGPT's ``falcon-40b`` config: 60 layers, n_embd 8192, 128 heads, 8 query groups,
#: plain MLP 4 x 8192, padded vocabulary 65024).
FALCON_40B = shape(
    "falcon-40b", layers=60, hidden=8192, heads=128, kv_heads=8, ffn=32768, mlp="plain", vocab=65024,
    norm="layernorm",
)  # fmt: skip
#: LLaMA 65B (Touvron et al. 2023, arXiv:2302.13971, Table 2: 80 layers, dimension 8192, 64 heads;
#: the MLP from the 2/3·4d rule rounded to 256, 22016).
LLAMA_65B = shape("llama-65b", layers=80, hidden=8192, heads=64, ffn=22016, mlp="gated", vocab=32000)
#: LLaMA 33B (same table: 60 layers, dimension 6656, 52 heads; MLP 17920).
LLAMA_33B = shape("llama-33b", layers=60, hidden=6656, heads=52, ffn=17920, mlp="gated", vocab=32000)
