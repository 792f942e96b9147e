"""Fine-tuning FLOPs, tokens and generation against their equations and the published anchors."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from finetune_shapes import LLAMA2_7B, LLAMA3_8B

from costcalc.base.units import Q_
from costcalc.formulas.finetune import (
    PADDING_BATCH_FACTOR,
    TrainFlops,
    distillation_flops,
    dpo_flops,
    dpo_tokens,
    example_tokens,
    forward_flops,
    forward_flops_per_token,
    rl_flops,
    sft_flops,
    train_flops_per_token,
)
from costcalc.formulas.flops import FlopsPerToken, flops_per_token, parameter_count
from costcalc.formulas.generation import decode_time, kv_cache_bytes, kv_cache_bytes_per_token
from costcalc.formulas.lora import lora_params

N = 7e9  # parameters of a shape-less model
N_LORA = 4e6


def per_token(method: str, *, recompute: bool = False, lora: float = N_LORA) -> tuple[float, float]:
    """(model, hardware) FLOPs per token of a shape-less N-parameter model (forward = 2N)."""
    result = train_flops_per_token(
        forward_flops(Q_(N, "parameter")),
        method,  # type: ignore[arg-type]
        Q_(lora, "parameter"),
        recompute=recompute,
    )
    return result.model.m_as("FLOP/token"), result.hardware.m_as("FLOP/token")


def test_full_is_6n_and_8n_with_recomputation() -> None:
    """Kaplan et al. 2020 §2.1: 6N per token; full recomputation adds a forward, 8N (reference
    "finetune.md" §3.1 and §3.3). Exact: any other factor fails."""
    assert per_token("full") == (6 * N, 6 * N)
    assert per_token("full", recompute=True) == (6 * N, 8 * N)


@pytest.mark.parametrize("method", ["lora", "qlora"])
def test_lora_is_4n_plus_6_nlora(method: str) -> None:
    """Reference "finetune.md" §3.2 (derived from LoRA §4.2 and QLoRA §3): 4N + 6·N_lora; with
    recomputation the hardware count adds a forward of the model and the adapters, 6N + 8·N_lora.
    QLoRA does the same FLOPs (dequantization costs time, not FLOPs). Exact values: a 6 in place of
    the 4, or a missing adapter term, fails."""
    assert per_token(method) == (4 * N + 6 * N_LORA, 4 * N + 6 * N_LORA)
    assert per_token(method, recompute=True) == (4 * N + 6 * N_LORA, 6 * N + 8 * N_LORA)


def test_lora_over_full_tends_to_two_thirds() -> None:
    """Thinking Machines (secondary, via the reference): LoRA costs "slightly more than two-thirds"
    of full fine-tuning per pass. Bounds: above 2/3 with adapters, exactly 2/3 without."""
    ratio = per_token("lora")[0] / per_token("full")[0]
    assert 2 / 3 < ratio < 2 / 3 + 0.001
    assert per_token("lora", lora=0.0)[0] / per_token("full")[0] == pytest.approx(2 / 3, rel=1e-12)


def test_attention_scores_have_no_weights_so_lora_keeps_their_whole_backward() -> None:
    """With the shape, attention scores (costcalc.formulas.flops) are trained at 3x their forward
    under every method, while frozen weight matmuls cost 2x: the LoRA/full gap is exactly the
    weight-gradient pass, W_layers + W_head, less the adapters' 6·N_lora."""
    fwd = flops_per_token(LLAMA2_7B, 4096)
    n_lora = lora_params(LLAMA2_7B, "qv", 8)
    full = train_flops_per_token(fwd, "full").model.m_as("FLOP/token")
    lora = train_flops_per_token(fwd, "lora", n_lora).model.m_as("FLOP/token")
    assert fwd.attention_scores > 0
    assert full - lora == pytest.approx(fwd.layer_matmuls + fwd.lm_head - 6 * n_lora.m_as("parameter"), rel=1e-12)
    assert lora == pytest.approx(2 * (fwd.layer_matmuls + fwd.lm_head) + 3 * fwd.attention_scores + 6 * 4_194_304)


def test_instructgpt_ppo_over_sft_is_12_2() -> None:
    """Ouyang et al. 2022 (InstructGPT, arXiv:2203.02155) §5.1: "training our 175B SFT model requires
    4.9 petaflops/s-days and training our 175B PPO-ptx model requires 60 petaflops/s-days, compared to
    3,640 petaflops/s-days for GPT-3". PPO-ptx/SFT = 12.2 and both together 1.8% of GPT-3 (reference
    "finetune.md" §3.5, derived). Tolerance: the ratio's stated three digits (0.5%)."""
    sft, ppo, gpt3 = (Q_(v, "PFLOPS * day") for v in (4.9, 60, 3640))
    assert sft.m_as("FLOP") == pytest.approx(4.2336e20, rel=1e-12)  # finetune-runs.json's conversion
    assert (ppo / sft).m_as("") == pytest.approx(12.2, rel=0.005)
    assert ((sft + ppo) / gpt3).m_as("") == pytest.approx(0.018, abs=0.0005)


def test_example_tokens_packed_batch_padded_and_max_padded() -> None:
    """n·e·t·p (Together AI: "n_epochs x tokens_per_training_dataset"; unpacked "dataset_length x
    max_seq_length"). Alpaca's bound (reference §6): 52,002 x 3 x 512 = 79.9M tokens at most."""
    assert example_tokens(52_002, 3, 300).m_as("token") == 52_002 * 3 * 300
    assert example_tokens(52_002, 3, 300, padding="batch").m_as("token") == 52_002 * 3 * 300 * PADDING_BATCH_FACTOR
    assert PADDING_BATCH_FACTOR == 2.0  # Krell et al. 2021: "up to 50% of all tokens can be padding"
    assert example_tokens(52_002, 3, 300, padding="max", seq_len=512).m_as("token") == pytest.approx(79.875e6, rel=1e-3)
    assert example_tokens(10, 1, 512, padding="max", seq_len=512).m_as("token") == 5120  # the boundary: t = s


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"padding": "max"}, "needs the sequence length"),
        ({"padding": "max", "seq_len": 299}, "longer than the sequence length 299"),
        ({"padding": "batch", "batch_factor": 0.99}, "at least 1"),
    ],
)
def test_example_tokens_rejects_impossible_padding(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        example_tokens(10, 1, 300, **kwargs)  # type: ignore[arg-type]


def test_dpo_tokens_count_the_prompt_twice() -> None:
    """Each pair runs prompt + chosen and prompt + rejected (reference §3.4): 2·t_p + t_c + t_r."""
    assert dpo_tokens(1000, 2, prompt=100, chosen=200, rejected=150).m_as("token") == 1000 * 2 * (300 + 250)
    assert dpo_tokens(1000, 1, 100, 200, 150, padding="max", seq_len=512).m_as("token") == 1000 * 1024


def test_dpo_reference_every_epoch_or_once_when_precomputed() -> None:
    """Reference §3.4: full policy D·(6N + 2N_ref); LoRA policy D·(4N + 6N_lora + 2N); precomputed
    log-probs pay 2N_ref once per dataset, not per epoch."""
    d, e = Q_(1e9, "token"), 3
    ref = forward_flops_per_token(Q_(N, "parameter"))
    full = train_flops_per_token(forward_flops(Q_(N, "parameter")), "full")
    lora = train_flops_per_token(forward_flops(Q_(N, "parameter")), "lora", Q_(N_LORA, "parameter"))
    assert dpo_flops(d, e, full, ref).model.m_as("FLOP") == pytest.approx(e * 1e9 * 8 * N)
    assert dpo_flops(d, e, lora, ref).model.m_as("FLOP") == pytest.approx(e * 1e9 * (6 * N + 6 * N_LORA))
    assert dpo_flops(d, e, full, ref, precomputed=True).model.m_as("FLOP") == pytest.approx(1e9 * (e * 6 * N + 2 * N))


def test_distillation_adds_the_teachers_forward() -> None:
    """2·N_teacher per token every epoch, or one pass when the teacher's outputs are precomputed."""
    d, teacher = Q_(1e9, "token"), forward_flops_per_token(Q_(70e9, "parameter"))
    student = train_flops_per_token(forward_flops(Q_(N, "parameter")), "full")
    assert distillation_flops(d, 2, student, teacher).model.m_as("FLOP") == pytest.approx(2e9 * (6 * N + 140e9))
    assert distillation_flops(d, 2, student, teacher, precomputed=True).model.m_as("FLOP") == pytest.approx(
        2e9 * 6 * N + 1e9 * 140e9
    )
    assert sft_flops(d, student).model.m_as("FLOP") == pytest.approx(6 * N * 1e9)


def test_ppo_and_grpo_phases() -> None:
    """Reference §3.5 (derived): per sequence of P + R tokens, generation 2N_actor, experience
    2(N_ref + N_reward + N_critic), training E(6N_actor + 6N_critic); GRPO drops the critic and
    samples G completions per prompt."""
    actor, critic, reward = (Q_(v, "parameter") for v in (13e9, 350e6, 350e6))
    kw = {
        "actor_forward": forward_flops_per_token(actor),
        "actor_train": train_flops_per_token(forward_flops(actor), "full"),
        "reference_forward": forward_flops_per_token(actor),
        "reward_forward": forward_flops_per_token(reward),
    }
    ppo = rl_flops(
        1000, 256, 256, **kw, ppo_epochs=1,
        critic_forward=forward_flops_per_token(critic),
        critic_train=train_flops_per_token(forward_flops(critic), "full"),
    )  # fmt: skip
    t = 1000 * 512
    assert ppo.generation.m_as("FLOP") == pytest.approx(t * 2 * 13e9)
    assert ppo.experience.m_as("FLOP") == pytest.approx(t * 2 * (13e9 + 350e6 + 350e6))
    assert ppo.training.m_as("FLOP") == pytest.approx(t * 6 * (13e9 + 350e6))
    grpo = rl_flops(1000, 256, 256, **kw, group_size=8)
    assert grpo.experience.m_as("FLOP") == pytest.approx(8 * t * 2 * (13e9 + 350e6))
    assert grpo.total.m_as("FLOP") == pytest.approx(8 * t * (2 * 13e9 + 2 * 13.35e9 + 6 * 13e9))
    with pytest.raises(ValueError, match="group size"):
        rl_flops(1, 1, 1, **kw, group_size=0)
    with pytest.raises(ValueError, match="both"):
        rl_flops(1, 1, 1, **kw, critic_forward=forward_flops_per_token(critic))


def test_kv_cache_bytes() -> None:
    """2·l·n_kv·d_k·b (Pope et al. 2022 §2.1): Llama 2 7B caches 2·32·32·128·2 = 524,288 B (0.5 MiB)
    per token in 16 bits; Llama 3 8B with 8 KV heads a quarter of that (Ainslie et al. 2023, GQA)."""
    assert kv_cache_bytes_per_token(LLAMA2_7B).m_as("B/token") == 524_288
    assert kv_cache_bytes_per_token(LLAMA3_8B).m_as("B/token") == 131_072
    assert kv_cache_bytes(LLAMA2_7B, 4096, sequences=8).m_as("GiB") == pytest.approx(16.0)


def test_decode_time_is_bytes_over_bandwidth_summed_over_steps() -> None:
    """Each step reads W and the growing cache; the closed form equals the step-by-step sum.
    Llama 2 7B in bf16 on an A100-80GB (2.039 TB/s): 256 tokens after a 256-token prompt, batch 16."""
    weights = Q_(2 * parameter_count(LLAMA2_7B), "B")
    kv, bw = kv_cache_bytes_per_token(LLAMA2_7B), Q_(2.039, "TB/s")
    stepwise = sum((weights + kv * Q_(16 * (256 + t), "token")) / bw for t in range(256))
    assert decode_time(weights, kv, 16, 256, 256, bw).m_as("s") == pytest.approx(stepwise.m_as("s"), rel=1e-12)
    # A batch large enough to be compute-bound takes the roofline's other side.
    fwd, peak = forward_flops_per_token(Q_(parameter_count(LLAMA2_7B), "parameter")), Q_(312, "TFLOP/s")
    memory_only = decode_time(weights, kv, 4096, 1, 1, bw)
    roofline = decode_time(weights, kv, 4096, 1, 1, bw, flops_per_token=fwd, peak=peak)
    assert roofline > memory_only
    assert roofline.m_as("s") == pytest.approx((fwd * Q_(4096, "token") / peak).m_as("s"))


# Closed forms on small stated numbers: a split forward of W = 100 FLOPs in the layers' matmuls,
# A = 10 in the attention scores and 5 in the LM head (F = 115), adapters of N_lora = 2.
SPLIT = FlopsPerToken(layer_matmuls=100.0, attention_scores=10.0, lm_head=5.0)


def _flops(result: object) -> tuple[float, float]:
    return result.model.m_as("FLOP/token"), result.hardware.m_as("FLOP/token")  # type: ignore[attr-defined]


def test_train_flops_per_token_closed_form() -> None:
    """full: 3F = 345, recomputation adds the layers' forward W + A = 110 (455). LoRA: 2·(W + head) + 3A +
    6·N_lora = 210 + 30 + 12 = 252, recomputation adds W + A + 2·N_lora = 114 (366); no adapters: 240."""
    assert _flops(train_flops_per_token(SPLIT, "full")) == (345.0, 345.0)
    assert _flops(train_flops_per_token(SPLIT, "full", recompute=True)) == (345.0, 455.0)
    lora = Q_(2.0, "parameter")
    assert _flops(train_flops_per_token(SPLIT, "lora", lora)) == (252.0, 252.0)
    assert _flops(train_flops_per_token(SPLIT, "qlora", lora, recompute=True)) == (252.0, 366.0)
    assert _flops(train_flops_per_token(SPLIT, "lora")) == (240.0, 240.0)


def test_forward_needs_the_shape_and_the_length() -> None:
    """The architecture-aware forward with a shape and a length; 2N in the layers without either."""
    params = Q_(7e9, "parameter")
    assert forward_flops(params, LLAMA2_7B, 4096) == flops_per_token(LLAMA2_7B, 4096)
    fallback = FlopsPerToken(layer_matmuls=1.4e10, attention_scores=0.0, lm_head=0.0)
    assert forward_flops(params, LLAMA2_7B, None) == fallback == forward_flops(params, None, 4096)


def test_batch_padding_factor_boundary() -> None:
    """Padding to the batch's longest multiplies by a factor of at least 1: 1.0 is allowed, 0.99 is not."""
    assert example_tokens(10, 1, 100, padding="batch", batch_factor=1.0).m_as("token") == 1000
    with pytest.raises(ValueError, match="at least 1"):
        example_tokens(10, 1, 100, padding="batch", batch_factor=0.99)


def test_dpo_and_distillation_hardware_closed_form() -> None:
    """D = 1000 tokens per epoch, 2 epochs, f = (345, 455) per token, a frozen forward of 50:
    model 2·1000·345 + 2·1000·50 = 790,000; hardware 2·1000·455 + 100,000 = 1,010,000; precomputed,
    the frozen forward runs once: 50,000."""
    policy = train_flops_per_token(SPLIT, "full", recompute=True)
    frozen = Q_(50.0, "FLOP/token")
    for stage in (dpo_flops, distillation_flops):
        flops = stage(Q_(1000, "token"), 2, policy, frozen)
        assert (flops.model.m_as("FLOP"), flops.hardware.m_as("FLOP")) == (790_000, 1_010_000)
        once = stage(Q_(1000, "token"), 2, policy, frozen, precomputed=True)
        assert (once.model.m_as("FLOP"), once.hardware.m_as("FLOP")) == (740_000, 960_000)


def test_rl_flops_closed_form() -> None:
    """GRPO, 3 prompts x G = 2 samples of P + R = 10 + 30 tokens: T = 240. Generation T·115; scoring by
    a reference (115) and a reward model (20): T·135; one epoch of training T·345 (no critic), or T·455
    with recomputation. PPO adds a critic's forward (20) and training (60)."""
    actor = train_flops_per_token(SPLIT, "full", recompute=True)
    forward, small = Q_(115.0, "FLOP/token"), Q_(20.0, "FLOP/token")
    common = {"actor_forward": forward, "actor_train": actor, "reference_forward": forward, "reward_forward": small}
    grpo = rl_flops(3, 10, 30, group_size=2, **common)  # type: ignore[arg-type]
    assert (grpo.generation.m_as("FLOP"), grpo.experience.m_as("FLOP"), grpo.training.m_as("FLOP")) == (
        240 * 115, 240 * 135, 240 * 345,
    )  # fmt: skip
    assert rl_flops(3, 10, 30, group_size=2, recompute=True, **common).training.m_as("FLOP") == 240 * 455  # type: ignore[arg-type]
    critic = TrainFlops(model=Q_(60.0, "FLOP/token"), hardware=Q_(80.0, "FLOP/token"))
    ppo = rl_flops(3, 10, 30, critic_forward=small, critic_train=critic, ppo_epochs=2, **common)  # type: ignore[arg-type]
    assert (ppo.experience.m_as("FLOP"), ppo.training.m_as("FLOP")) == (120 * 155, 2 * 120 * (345 + 60))
    assert ppo.total.m_as("FLOP") == pytest.approx(120 * 115 + 120 * 155 + 2 * 120 * 405)


def test_flop_results_are_frozen() -> None:
    per_token_flops = train_flops_per_token(SPLIT, "full")
    stage = sft_flops(Q_(10, "token"), per_token_flops)
    for value in (per_token_flops, stage, rl_flops(1, 1, 1, actor_forward=Q_(1.0, "FLOP/token"),
                  actor_train=per_token_flops, reference_forward=Q_(1.0, "FLOP/token"),
                  reward_forward=Q_(1.0, "FLOP/token"))):  # fmt: skip
        with pytest.raises(FrozenInstanceError):
            value.model = Q_(0.0, "FLOP")  # type: ignore[misc, union-attr]
