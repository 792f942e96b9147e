"""Training FLOP counts: pure functions, each with its equation, symbols and source.

Conventions: a matrix product A(m x k) . B(k x n) costs 2mkn FLOPs (a multiply and an add per
term). The backward pass costs twice the forward (gradients with respect to both the activations
and the weights), so training costs 3x the forward pass. "Model FLOPs" are the FLOPs the model
needs; "hardware FLOPs" add what activation recomputation re-does. MFU is defined on model FLOPs
(Chowdhery et al. 2022, PaLM, Appendix B), which is what costcalc's efficiency means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from costcalc.base.units import Q_, Quantity
from costcalc.schemas import ModelSpec

__all__ = [
    "PER_PARAM_TOKEN",
    "FlopsPerToken",
    "Recompute",
    "attended_keys",
    "dense_training_flops",
    "flops_per_token",
    "llama_ffn",
    "narayanan_flops",
    "parameter_count",
]

Recompute = Literal["none", "selective", "full"]

#: 6 FLOPs per parameter per token: 2 forward (one multiply-add per weight), 4 backward.
PER_PARAM_TOKEN = Q_(6.0, "FLOP / parameter / token")


def dense_training_flops(params: Quantity, tokens: Quantity) -> Quantity:
    """C = 6 · N · D, the standard estimate of dense-transformer training compute.

    N: parameters (for a mixture of experts, the parameters active per token); D: training
    tokens. 2·N FLOPs per token forward (one multiply-add per weight) and 4·N backward.
    Leaves out the attention-score term and activation recomputation.
    Source: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1;
    Hoffmann et al. 2022 (Chinchilla), Appendix F.
    """
    result: Quantity = (PER_PARAM_TOKEN * params * tokens).to("FLOP")
    return result


def narayanan_flops(
    batch: float, seq_len: float, layers: float, hidden: float, vocab: float, *, recompute: bool
) -> float:
    """FLOPs of one training iteration of a GPT-style model, closed form.

    F = 72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h))    without activation recomputation
    F = 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))    with full recomputation (one extra forward)

    B: batch size in sequences, s: sequence length, l: layers, h: hidden size, V: vocabulary.
    Assumes multi-head attention, a 4h MLP, no causal-mask saving, and counts the LM head.
    Source: Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU
    Clusters Using Megatron-LM", §5.1 and Appendix, eq. (3).
    """
    if recompute:
        return 96 * batch * seq_len * layers * hidden**2 * (1 + seq_len / (6 * hidden) + vocab / (16 * layers * hidden))
    return 72 * batch * seq_len * layers * hidden**2 * (1 + seq_len / (6 * hidden) + vocab / (12 * layers * hidden))


@dataclass(frozen=True)
class FlopsPerToken:
    """Forward-pass FLOPs per token, split by where they are spent."""

    layer_matmuls: float  # projections and MLP (or active experts) in all layers
    attention_scores: float  # Q·Kᵀ and softmax·V in all layers
    lm_head: float  # final projection to the vocabulary

    @property
    def forward(self) -> float:
        return self.layer_matmuls + self.attention_scores + self.lm_head

    def training(self) -> float:
        """Model FLOPs per token for a training step: 3 x forward (forward + 2x backward)."""
        return 3 * self.forward

    def hardware(self, recompute: Recompute) -> float:
        """Hardware FLOPs per token: training plus what recomputation re-does.

        none: nothing. selective: the attention-score part is recomputed in the backward pass
        (Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
        Models", §4.2). full: the whole forward of every layer is recomputed (the LM head is not),
        as in Narayanan et al. 2021's 96·B·s·l·h² form.
        """
        extra = {
            "none": 0.0,
            "selective": self.attention_scores,
            "full": self.layer_matmuls + self.attention_scores,
        }[recompute]
        return self.training() + extra


def _attention_projection_params(spec: ModelSpec) -> int:
    """Attention projection weights of one layer (matrices only).

    Multi-head (with GQA/MQA): d·(n_h·d_k) + 2·d·(n_kv·d_k) + (n_h·d_k)·d.
    Multi-head latent attention (DeepSeek-V3, arXiv:2412.19437 §2.1.1, with d_c the KV latent,
    d_c' the query latent, d_h the non-RoPE and d_h^R the RoPE dimension per head, d_v the value
    dimension): d·d_c' + d_c'·n_h·(d_h + d_h^R) + d·(d_c + d_h^R) + d_c·n_h·(d_h + d_v) + n_h·d_v·d,
    with d·n_h·(d_h + d_h^R) for the query when it is not compressed.
    """
    assert spec.hidden and spec.heads
    d, n_h = spec.hidden, spec.heads
    d_k = spec.head_dim or d // n_h
    if spec.kv_lora_rank is not None:
        d_qk, d_v, d_c = d_k + spec.qk_rope_head_dim, spec.v_head_dim or d_k, spec.kv_lora_rank
        query = d * n_h * d_qk if spec.q_lora_rank is None else d * spec.q_lora_rank + spec.q_lora_rank * n_h * d_qk
        return query + d * (d_c + spec.qk_rope_head_dim) + d_c * n_h * (d_k + d_v) + n_h * d_v * d
    n_kv = spec.kv_heads or n_h
    return 2 * d * n_h * d_k + 2 * d * n_kv * d_k


def _attention_extra_params(spec: ModelSpec) -> int:
    """Per-layer attention parameters outside the matrices: MLA's latent norms, Q/K/V biases."""
    assert spec.hidden and spec.heads
    d_k = spec.head_dim or spec.hidden // spec.heads
    extra = (spec.q_lora_rank or 0) + (spec.kv_lora_rank or 0)
    if spec.qkv_bias and not spec.linear_bias:
        extra += (spec.heads + 2 * (spec.kv_heads or spec.heads)) * d_k
    return extra


def _mlp_params(hidden: int, ffn: int, gated: bool) -> int:
    """MLP weights: 3·d·d_ff for a gated MLP (SwiGLU: gate, up, down), 2·d·d_ff otherwise."""
    return (3 if gated else 2) * hidden * ffn


def _layer_mlp_params(spec: ModelSpec, *, active: bool, biases: bool = True) -> int:
    """MLP (or MoE) weights summed over all layers; ``active`` counts only routed-to experts."""
    assert spec.layers and spec.hidden and spec.ffn
    gated = spec.mlp == "gated"
    if not spec.is_moe:
        return spec.layers * _mlp_params(spec.hidden, spec.ffn, gated)
    assert spec.experts and spec.experts_per_token and spec.expert_ffn
    expert = _mlp_params(spec.hidden, spec.expert_ffn, gated)
    routed = spec.experts_per_token if active else spec.experts
    router = spec.hidden * spec.experts + (spec.experts if spec.router_bias and biases else 0)
    moe_layer = (routed + spec.shared_experts) * expert + router
    dense = spec.dense_layers * _mlp_params(spec.hidden, spec.ffn, gated)
    return dense + (spec.layers - spec.dense_layers) * moe_layer


def llama_ffn(hidden: int, multiple_of: int = 256) -> int:
    """Llama's MLP size rule: int(2·4d/3) rounded up to a multiple of 256 (11008 for d = 4096).

    Source: Touvron et al. 2023, Llama 2, ``llama/model.py`` ``FeedForward`` (this project's
    reference "model-architectures.md", note 2).
    """
    return multiple_of * -(-int(2 * 4 * hidden / 3) // multiple_of)


def parameter_count(spec: ModelSpec, *, active: bool = False) -> int:
    """Parameters implied by a transformer shape.

    N = l·(attn + mlp + norms + biases) + V·d·(1 if tied else 2) + final norm (+ extras)

    attn = d·(n_h·d_k) + 2·d·(n_kv·d_k) + (n_h·d_k)·d; mlp = 3·d·d_ff (gated) or 2·d·d_ff;
    norms: d per RMSNorm or bias-free LayerNorm, 2d per LayerNorm with bias; biases (when
    ``linear_bias``): (n_h·d_k + 2·n_kv·d_k + d) + (d_ff + d); extras: an embedding LayerNorm
    (2d), learned position embeddings (positions x d). For MoE, mlp counts every expert
    (``active=False``) or the routed-to and shared experts (``active=True``), plus the router
    (d·E, + E with a bias); multi-head latent attention adds its two latent norms (d_c' + d_c).
    Source: the cross-check in this project's reference "model-architectures.md" §2, which
    reproduces BLOOM's stated 176,247,271,424 and PaLM's 540.35B exactly.
    """
    if not spec.has_architecture:
        raise ValueError(f"{spec.name} has no complete architecture")
    assert spec.layers and spec.hidden and spec.heads and spec.vocab and spec.ffn
    d = spec.hidden
    d_k = spec.head_dim or d // spec.heads
    n_kv = spec.kv_heads or spec.heads
    norm_size = 2 * d if spec.norm == "layernorm" else d
    per_layer = _attention_projection_params(spec) + _attention_extra_params(spec) + spec.norms_per_layer * norm_size
    if spec.linear_bias:
        per_layer += (spec.heads * d_k + 2 * n_kv * d_k + d) + (spec.ffn + d)
    embeddings = spec.vocab * d * (1 if spec.tied_embeddings else 2)
    extras = (2 * d if spec.embedding_norm else 0) + spec.learned_positions * d
    final_norm = norm_size if spec.norms_per_layer else 0
    return spec.layers * per_layer + _layer_mlp_params(spec, active=active) + embeddings + extras + final_norm


def flops_per_token(spec: ModelSpec, seq_len: int, *, causal: bool = True) -> FlopsPerToken:
    """Architecture-aware forward FLOPs per token.

    layer matmuls = 2 · l · (attn + mlp_active)       (2 FLOPs per weight per token)
    attention     = l · 2 · s_ctx · n_h · (d_qk + d_v)  (Q·Kᵀ and softmax·V; d_qk = d_v = d_k unless MLA)
    LM head       = 2 · d · V
    with s_ctx = s/2 under causal masking (the average number of keys a query attends to) and
    s_ctx = s without. With a sliding window of w keys (Mistral; Jiang et al. 2023, §2) shorter
    than s, s_ctx = w − w²/(2s) causal (a query sees min(i, w) keys; the mean over i = 1..s) and
    w without the causal saving. GQA changes only the K/V projection sizes; gated MLPs have three matrices;
    MoE counts the experts each token is routed to. Biases, norms, softmax and the embedding
    lookup are negligible and left out.
    Sources: Narayanan et al. 2021 (§5.1) for the term structure; Megatron-LM
    ``num_floating_point_operations`` for GQA, gated-MLP and MoE terms; Chowdhery et al. 2022
    (PaLM, App. B) for the attention term, which it writes 12·l·h·s per token for training
    (= 3 x forward, no causal saving).
    """
    if not spec.has_architecture:
        raise ValueError(f"{spec.name} has no complete architecture")
    assert spec.layers and spec.hidden and spec.heads and spec.vocab
    d_k = spec.head_dim or spec.hidden // spec.heads
    d_qk = d_k + (spec.qk_rope_head_dim if spec.is_mla else 0)
    d_v = (spec.v_head_dim or d_k) if spec.is_mla else d_k
    s_ctx = attended_keys(seq_len, spec.sliding_window, causal=causal)
    matmul_weights = spec.layers * _attention_projection_params(spec) + _layer_mlp_params(
        spec, active=True, biases=False
    )
    return FlopsPerToken(
        layer_matmuls=2.0 * matmul_weights,
        attention_scores=spec.layers * 2.0 * s_ctx * spec.heads * (d_qk + d_v),
        lm_head=2.0 * spec.hidden * spec.vocab,
    )


def attended_keys(seq_len: int, window: int | None, *, causal: bool = True) -> float:
    """The mean number of keys a query attends to, s_ctx, in a sequence of s = ``seq_len`` tokens.

    Causal: s/2 (query i sees i keys), or with a sliding window w < s (query i sees min(i, w)):
    (1/s)·Σ min(i, w) ≈ w − w²/(2s), equal to s/2 at w = s. Without the causal saving (the
    Megatron/PaLM convention): s, or w with a window. Source: Jiang et al. 2023, "Mistral 7B", §2
    (sliding window attention: each token attends to at most W tokens of the previous layer).
    """
    if window is None or window >= seq_len:
        return seq_len / 2 if causal else float(seq_len)
    return window - window**2 / (2 * seq_len) if causal else float(window)


@dataclass(frozen=True)
class CountMethod:
    """How training FLOPs were counted, as data (``costcalc.render.words`` says it in words).

    ``key``: ``architecture`` (per token from the shape, at ``seq_len``, ``causal`` or not, with a
    sliding ``window`` shorter than the sequence), ``dense`` (6·N·D; ``model`` and ``note`` when a
    named model's shape is not modelled), ``finetune`` (4N + 6·N_lora with ``adapters``, else 6N;
    ``dpo`` adds the reference's forward and ``teacher`` a distillation teacher's, once when
    ``precomputed``; the forward is ``architecture``-aware or 2N) or ``rl`` (PPO/GRPO: generation,
    scoring by the reference and reward model, and the ``critic``'s too for PPO, and training).
    """

    key: Literal["architecture", "dense", "finetune", "rl"]
    model: str | None = None
    seq_len: int | None = None
    causal: bool = True
    window: int | None = None
    note: str | None = None
    adapters: bool = False
    dpo: bool = False
    precomputed: bool = False
    architecture: bool = False
    teacher: bool = False
    critic: bool = False


@dataclass(frozen=True)
class FlopCount:
    """Training FLOPs of a run: model FLOPs, hardware FLOPs and how they were counted."""

    model: Quantity
    hardware: Quantity
    method: CountMethod


def training_flops(
    tokens: Quantity,
    *,
    params: Quantity,
    spec: ModelSpec | None = None,
    seq_len: int | None = None,
    causal: bool = True,
    recompute: Recompute = "none",
) -> FlopCount:
    """Count training FLOPs with the architecture when it is known, else with 6·N·D.

    With a complete architecture and a sequence length: ``flops_per_token`` x D (model FLOPs),
    and ``FlopsPerToken.hardware`` x D with recomputation. Otherwise C = 6·N·D with N the
    active parameters; full recomputation then adds one forward pass (8·N·D hardware FLOPs),
    and selective recomputation is not counted (its attention term needs the architecture).
    """
    if spec is not None and spec.has_architecture and seq_len is not None:
        per_token = flops_per_token(spec, seq_len, causal=causal)
        unit = Q_(1.0, "FLOP / token")
        window = spec.sliding_window if spec.sliding_window is not None and spec.sliding_window < seq_len else None
        return FlopCount(
            model=(per_token.training() * unit * tokens).to("FLOP"),
            hardware=(per_token.hardware(recompute) * unit * tokens).to("FLOP"),
            method=CountMethod("architecture", model=spec.name, seq_len=seq_len, causal=causal, window=window),
        )
    model = dense_training_flops(params, tokens)
    factor = 8 / 6 if recompute == "full" else 1.0
    unmodelled = spec is not None and not spec.has_architecture
    method = CountMethod(
        "dense",
        model=spec.name if unmodelled and spec is not None else None,
        note=(spec.architecture_note or "shape not modelled") if unmodelled and spec is not None else None,
    )
    return FlopCount(model=model, hardware=model * factor, method=method)
