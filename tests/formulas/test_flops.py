"""FLOP counts against published closed forms and parameter counts against published shapes."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

import costcalc
from costcalc.base.units import Q_
from costcalc.cli import main
from costcalc.data.catalog import default_catalog
from costcalc.formulas.flops import (
    attended_keys,
    dense_training_flops,
    flops_per_token,
    llama_ffn,
    narayanan_flops,
    parameter_count,
    training_flops,
)
from costcalc.render.words import count_words
from costcalc.schemas import ModelSpec


def gpt3_like(**overrides: object) -> ModelSpec:
    """GPT-3 175B's shape (Brown et al. 2020, Table 2.1): 96 layers, d 12288, 96 heads, V 50257."""
    shape: dict[str, object] = {
        "name": "gpt3",
        "params": 175e9,
        "layers": 96,
        "hidden": 12288,
        "heads": 96,
        "ffn": 4 * 12288,
        "mlp": "plain",
        "vocab": 50257,
    }
    shape.update(overrides)
    return ModelSpec.model_validate(shape)


@pytest.mark.parametrize("recompute", [False, True])
@pytest.mark.parametrize(("batch", "seq"), [(1536, 2048), (8, 4096), (1, 512)])
def test_architecture_count_reproduces_narayanan_closed_form(batch: int, seq: int, recompute: bool) -> None:
    """Narayanan et al. 2021 (arXiv:2104.04473), §5.1 eq. (3): 72·B·s·l·h²·(1 + s/6h + V/12lh),
    96·B·s·l·h²·(1 + s/6h + V/16lh) with recomputation. Same assumptions (MHA, 4h MLP, no causal
    saving), so the architecture-aware count must agree to rounding (tolerance 1e-12)."""
    spec = gpt3_like()
    per_token = flops_per_token(spec, seq, causal=False)
    count = per_token.hardware("full") if recompute else per_token.training()
    expected = narayanan_flops(batch, seq, 96, 12288, 50257, recompute=recompute)
    assert count * batch * seq == pytest.approx(expected, rel=1e-12)


def test_chinchilla_compute() -> None:
    """Hoffmann et al. 2022 (arXiv:2203.15556), Table 3: Chinchilla, 70B parameters on 1.4T
    tokens, 5.76e23 FLOPs (the issue's "≈ 5.9e23"; 6·N·D gives 5.88e23). Tolerance 3%."""
    flops = dense_training_flops(Q_(70e9, "parameter"), Q_(1.4e12, "token"))
    assert flops.m_as("FLOP") == pytest.approx(5.88e23, rel=1e-9)
    assert flops.m_as("FLOP") == pytest.approx(5.76e23, rel=0.03)


def test_gpt3_compute() -> None:
    """Brown et al. 2020 (arXiv:2005.14165), Table D.1: GPT-3 175B trained on 300B tokens,
    3.14e23 FLOPs. 6·N·D = 3.15e23; tolerance 1%."""
    flops = dense_training_flops(Q_(175e9, "parameter"), Q_(300e9, "token"))
    assert flops.m_as("FLOP") == pytest.approx(3.14e23, rel=0.01)


def test_falcon_paper_compute() -> None:
    """Almazrouei et al. 2023 (arXiv:2311.16867) Table 1, via the project's claims ledger:
    Falcon-180B took 43,500 PF-days = 3.758e24 FLOP; 6·N·D with the exact N is 3.750e24.
    Tolerance 1%."""
    spec = default_catalog().model("falcon-180b")
    flops = dense_training_flops(spec.params, Q_(3.5e12, "token"))
    assert flops.m_as("FLOP") == pytest.approx(43_500 * 1e15 * 86_400, rel=0.01)


# Stated parameter counts that the shapes must reproduce exactly: the project reference
# model-architectures.md §2 (BLOOM: model card "176,247,271,424 parameters"; PaLM: Chowdhery et al.
# 2022 Table 1 "540.35B"; the others from their configs as cross-checked there).
PUBLISHED_COUNTS = {
    "LLaMA-2-7B": 6_738_415_616,
    "LLaMA-2-13B": 13_015_864_320,
    "LLaMA-2-70B": 68_976_648_192,
    "Baichuan-2-7B": 7_505_973_248,
    "Baichuan-2-13B": 13_896_668_160,
    "Falcon-180B": 178_557_088_768,
    "BLOOM-176B": 176_247_271_424,
    "OPT-175B": 174_604_468_224,
    "MPT-7B": 6_649_286_656,
    "Nemotron-4-340B": 341_029_195_776,
    "PaLM-540B": 540_356_474_880,
    "TinyLlama-1.1B": 1_100_048_384,
}


@pytest.mark.parametrize(("name", "expected"), PUBLISHED_COUNTS.items())
def test_parameter_count_from_shape(name: str, expected: int) -> None:
    spec = default_catalog().model(name)
    assert parameter_count(spec) == expected


def test_every_model_preset_params_match_its_shape() -> None:
    for spec in default_catalog().all("model"):
        if spec.has_architecture:
            assert parameter_count(spec) == int(spec.params.m), spec.name


def test_causal_mask_halves_the_attention_term_only() -> None:
    spec = gpt3_like()
    full = flops_per_token(spec, 2048, causal=False)
    causal = flops_per_token(spec, 2048, causal=True)
    assert causal.attention_scores == pytest.approx(full.attention_scores / 2)
    assert causal.layer_matmuls == full.layer_matmuls
    assert causal.lm_head == full.lm_head


def test_gqa_shrinks_only_the_kv_projections() -> None:
    mha = flops_per_token(gpt3_like(), 2048)
    gqa = flops_per_token(gpt3_like(kv_heads=8), 2048)
    d, d_k = 12288, 128
    # K and V projections: 2·d·(n_kv·d_k) weights per layer, 2 FLOPs per weight per token.
    assert mha.layer_matmuls - gqa.layer_matmuls == pytest.approx(2 * 96 * 2 * d * (96 - 8) * d_k)
    assert mha.attention_scores == gqa.attention_scores


def test_gated_mlp_has_three_matrices() -> None:
    plain = gpt3_like(ffn=1000)
    gated = gpt3_like(ffn=1000, mlp="gated")
    diff = flops_per_token(gated, 2048).layer_matmuls - flops_per_token(plain, 2048).layer_matmuls
    assert diff == pytest.approx(2 * 96 * 12288 * 1000)


def test_moe_counts_routed_and_shared_experts() -> None:
    """A small MoE: 4 layers (1 dense), 8 experts, top-2, 1 shared; counts worked by hand."""
    d, ffn, e_ffn, layers = 64, 256, 32, 4
    spec = ModelSpec(
        name="moe",
        params=1,
        layers=layers,
        hidden=d,
        heads=4,
        ffn=ffn,
        mlp="gated",
        vocab=100,
        experts=8,
        experts_per_token=2,
        shared_experts=1,
        expert_ffn=e_ffn,
        dense_layers=1,
    )
    attn = 4 * d * d
    expert = 3 * d * e_ffn
    total = layers * (attn + 2 * d) + 3 * d * ffn + 3 * (8 * expert + expert + d * 8) + 2 * 100 * d + d
    active = layers * (attn + 2 * d) + 3 * d * ffn + 3 * (2 * expert + expert + d * 8) + 2 * 100 * d + d
    assert parameter_count(spec) == total
    assert parameter_count(spec, active=True) == active
    per_token = flops_per_token(spec, 16)
    assert per_token.layer_matmuls == 2 * (layers * attn + 3 * d * ffn + 3 * (3 * expert + d * 8))


def test_recompute_adds_hardware_flops_not_model_flops() -> None:
    spec = default_catalog().model("llama-2-7b")
    tokens = Q_(1e12, "token")
    none = training_flops(tokens, params=spec.params, spec=spec, seq_len=4096)
    selective = training_flops(tokens, params=spec.params, spec=spec, seq_len=4096, recompute="selective")
    full = training_flops(tokens, params=spec.params, spec=spec, seq_len=4096, recompute="full")
    assert none.model == selective.model == full.model == none.hardware
    assert none.hardware < selective.hardware < full.hardware
    # Full recomputation re-does the layers' forward: hardware/model is just under 4/3.
    assert 1.3 < (full.hardware / full.model).m < 4 / 3


def test_without_architecture_falls_back_to_6nd() -> None:
    count = training_flops(Q_(2e12, "token"), params=Q_(7e9, "parameter"))
    assert count.model.m_as("FLOP") == pytest.approx(6 * 7e9 * 2e12)
    assert count.method.key == "dense" and "6·N·D" in count_words(count.method)
    full = training_flops(Q_(2e12, "token"), params=Q_(7e9, "parameter"), recompute="full")
    assert full.hardware.m_as("FLOP") == pytest.approx(8 * 7e9 * 2e12)


def test_flops_are_linear_in_tokens() -> None:
    spec = default_catalog().model("llama-2-70b")
    one = training_flops(Q_(1e12, "token"), params=spec.params, spec=spec, seq_len=4096).model
    three = training_flops(Q_(3e12, "token"), params=spec.params, spec=spec, seq_len=4096).model
    assert (three / one).m_as("") == pytest.approx(3)


def test_attention_flops_convention_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """--attention-flops full counts every key, as Narayanan et al. 2021's 72·B·s·l·h²·(1 + s/6h +
    V/12lh) does (BLOOM-176B: MHA, 4h MLP; biases are not in the closed form and not counted);
    causal (the default) counts half the keys, so the two differ by exactly the halved score term,
    3 · l · 2 · (s/2) · h per token. The default efficiency is converted to either count, so the
    GPU-hours do not change with the convention."""
    tokens, seq, layers, hidden, vocab = 366e9, 2048, 70, 14336, 250880
    full_estimate, causal_estimate = (
        costcalc.estimate(model="bloom", attention_flops="full"),
        costcalc.estimate(model="bloom"),
    )
    full, causal = full_estimate.flops.m_as("FLOP"), causal_estimate.flops.m_as("FLOP")
    assert full_estimate.gpu_hours.m_as("GPU_hour") == pytest.approx(causal_estimate.gpu_hours.m_as("GPU_hour"))
    assert full == pytest.approx(narayanan_flops(tokens / seq, seq, layers, hidden, vocab, recompute=False), rel=1e-12)
    assert full - causal == pytest.approx(3 * layers * 2 * seq * hidden * tokens, rel=1e-12)
    assert costcalc.estimate(model="bloom", causal=False).flops.m_as("FLOP") == full
    assert main(["estimate", "--model", "bloom", "--attention-flops", "full"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "attention FLOPs: full (all keys)" in out and "changes the FLOPs shown, not the GPU-hours" in out
    assert main(["estimate", "--model", "bloom", "--attention-flops", "half"]) == 2


# Closed forms on a tiny stated shape: l = 2, d = 64, n_h = 4, gated d_ff = 128, V = 100 (untied),
# RMSNorm. Per layer: MLP 3·64·128 = 24,576; two norms 2·64 = 128. Embeddings 2·100·64 = 12,800;
# final norm 64. So N = 2·(attention + extras + 128) + 2·24,576 + 12,800 + 64.
TINY = {
    "layers": 2, "hidden": 64, "heads": 4, "kv_heads": None, "head_dim": None, "ffn": 128, "mlp": "gated",
    "vocab": 100, "norm": "rmsnorm", "norms_per_layer": 2, "tied_embeddings": False, "linear_bias": False,
    "qkv_bias": False, "embedding_norm": False, "learned_positions": 0,
}  # fmt: skip
REST = 2 * 24_576 + 12_800 + 64


def _tiny(**update: object) -> ModelSpec:
    return default_catalog().model("llama-2-7b").model_copy(update={**TINY, **update})


def test_multi_head_latent_attention_counts() -> None:
    """DeepSeek-V3 §2.1.1 with d_h = 16, d_h^R = 8, d_v = 12, d_c = 32: d·(d_c + d_h^R) = 2,560,
    d_c·n_h·(d_h + d_v) = 3,584, n_h·d_v·d = 3,072; the query uncompressed d·n_h·(d_h + d_h^R) = 6,144
    (15,360 in all), or through d_c' = 24: 64·24 + 24·4·24 = 3,840 (13,056). The latent norms add
    d_c (+ d_c'). Scores: l·2·(s/2)·n_h·(d_qk + d_v) = 2·2·8·4·36 = 4,608 at s = 16."""
    mla = {"kv_lora_rank": 32, "head_dim": 16, "qk_rope_head_dim": 8, "v_head_dim": 12}
    assert parameter_count(_tiny(**mla)) == 2 * (15_360 + 32 + 128) + REST
    assert parameter_count(_tiny(**mla, q_lora_rank=24)) == 2 * (13_056 + 56 + 128) + REST
    assert flops_per_token(_tiny(**mla), 16).attention_scores == 4_608


def test_qkv_and_linear_biases() -> None:
    """GQA with n_kv = 2 and d_k = 32 (given, not d/n_h): projections 2·64·4·32 + 2·64·2·32 = 24,576.
    Q/K/V biases (Qwen2) add (n_h + 2·n_kv)·d_k = 256 per layer; biases on every linear layer add
    (n_h·d_k + 2·n_kv·d_k + d) + (d_ff + d) = 320 + 192 = 512 instead."""
    gqa = {"kv_heads": 2, "head_dim": 32}
    assert parameter_count(_tiny(**gqa)) == 2 * (24_576 + 128) + REST
    assert parameter_count(_tiny(**gqa, qkv_bias=True)) == 2 * (24_576 + 256 + 128) + REST
    assert parameter_count(_tiny(**gqa, qkv_bias=True, linear_bias=True)) == 2 * (24_576 + 512 + 128) + REST


def test_flops_per_token_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        flops_per_token(_tiny(), 16).lm_head = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("hidden", "multiple", "ffn"),
    [
        (4096, 256, 11008),  # Llama 2 7B: int(8·4096/3) = 10,922, up to 43 x 256
        (5120, 256, 13824),  # Llama 2 13B: 13,653 up to 54 x 256
        (96, 256, 256),  # int(8·96/3) = 256 is already a multiple: not rounded further
        (64, 32, 192),  # int(170.7) = 170 up to 6 x 32
    ],
)
def test_llama_ffn_rule(hidden: int, multiple: int, ffn: int) -> None:
    """Touvron et al. 2023, Llama 2 model.py FeedForward: int(2·4d/3) rounded up to a multiple of 256."""
    assert llama_ffn(hidden, multiple) == ffn
    if multiple == 256:
        assert llama_ffn(hidden) == ffn


def test_norms_embeddings_and_positions_counts() -> None:
    """No norms: no final norm either (2·16,384 attention + 2·24,576 MLP + 12,800 embeddings); LayerNorm
    with bias counts 2d per norm (2·2·128 + 128 for the final one); tied embeddings count V·d once; an
    embedding LayerNorm adds 2d and learned positions 4,096·d."""
    attention, mlp = 2 * 16_384, 2 * 24_576
    assert parameter_count(_tiny(norms_per_layer=0)) == attention + mlp + 12_800
    assert parameter_count(_tiny(norm="layernorm")) == attention + mlp + 12_800 + 2 * 256 + 128
    assert parameter_count(_tiny(tied_embeddings=True)) == attention + mlp + 6_400 + 2 * 128 + 64
    extras = {"embedding_norm": True, "learned_positions": 4096}
    assert parameter_count(_tiny(**extras)) == attention + mlp + 12_800 + 2 * 128 + 64 + 128 + 4096 * 64


@pytest.mark.parametrize(
    ("seq_len", "window", "causal", "keys"),
    [
        (4096, None, True, 2048.0),  # s/2
        (4096, None, False, 4096.0),  # s
        (4096, 1024, True, 896.0),  # w - w²/(2s) = 1024 - 1,048,576/8,192 (Mistral 7B §2)
        (4096, 1024, False, 1024.0),  # w
        (4096, 4096, True, 2048.0),  # a window as long as the sequence changes nothing
        (1024, 4096, True, 512.0),
    ],
)
def test_attended_keys_closed_form(seq_len: int, window: int | None, causal: bool, keys: float) -> None:
    assert attended_keys(seq_len, window, causal=causal) == keys
    if causal:
        assert attended_keys(seq_len, window) == keys


def test_sliding_window_in_the_count_and_its_method() -> None:
    """A window shorter than the sequence cuts the scores (s_ctx = 8 - 64/32 = 6 instead of 8 at s = 16,
    w = 8) and the method names it; an equal window changes nothing and is not named."""
    tokens, params = Q_(1e6, "token"), Q_(1e5, "parameter")
    plain = training_flops(tokens, params=params, spec=_tiny(), seq_len=16)
    windowed = training_flops(tokens, params=params, spec=_tiny(sliding_window=8), seq_len=16)
    same = training_flops(tokens, params=params, spec=_tiny(sliding_window=16), seq_len=16)
    scores = 3 * 2 * 2 * 4 * 32 * 1e6  # 3 x l·2·n_h·(d_k + d_k) per key, x D
    assert (plain.model - windowed.model).m_as("FLOP") == pytest.approx(scores * (8 - 6))
    assert (
        same.model == plain.model and count_words(same.method).count("16") == count_words(plain.method).count("16") == 1
    )
    assert "8" in count_words(windowed.method).replace("16", "")
    assert training_flops(tokens, params=params, spec=_tiny(), seq_len=16, causal=True).model == plain.model


def test_the_6nd_fallback_and_its_method() -> None:
    """Without an architecture: 6·N·D, with hardware FLOPs equal to it unless full recomputation adds a
    forward (8·N·D); the method says why the shape was not used."""
    tokens, params = Q_(1e6, "token"), Q_(1e5, "parameter")
    none = training_flops(tokens, params=params, spec=_tiny(ffn=None), seq_len=16)
    assert none.model.m_as("FLOP") == none.hardware.m_as("FLOP") == pytest.approx(6e11)
    assert "shape not modelled" in count_words(none.method)
    noted = training_flops(tokens, params=params, spec=_tiny(ffn=None, architecture_note="a hybrid"), seq_len=16)
    assert "a hybrid" in count_words(noted.method) and "shape not modelled" not in count_words(noted.method)
    with pytest.raises(FrozenInstanceError):
        none.method = ""  # type: ignore[misc]


def test_router_bias_is_a_parameter_not_a_flop() -> None:
    """A router bias adds E parameters per MoE layer but no matmul FLOPs."""
    moe = {"experts": 4, "experts_per_token": 1, "expert_ffn": 32, "dense_layers": 1}
    plain, biased = _tiny(**moe), _tiny(**moe, router_bias=True)
    assert parameter_count(biased) - parameter_count(plain) == 4
    assert flops_per_token(biased, 16) == flops_per_token(plain, 16)


def test_parameter_counts_are_whole_numbers() -> None:
    """A count of parameters is an int, also when the head size comes from d / n_h (with GQA, Q/K/V
    biases or biases on every layer, and multi-head latent attention without a compressed query)."""
    shapes = [
        _tiny(kv_heads=2),
        _tiny(kv_heads=2, qkv_bias=True),
        _tiny(linear_bias=True),
        _tiny(kv_lora_rank=32, qk_rope_head_dim=8, head_dim=16, v_head_dim=12),
    ]
    for spec in shapes:
        assert type(parameter_count(spec)) is int and type(parameter_count(spec, active=True)) is int
