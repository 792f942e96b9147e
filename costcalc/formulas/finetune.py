"""Fine-tuning compute: tokens from examples, and FLOPs per stage and method.

Pure functions on quantities. Symbols: N parameters (active parameters for a mixture of experts),
N_lora the LoRA adapter parameters, D tokens processed (all epochs, prompt and response, padding
included), s sequence length, E PPO epochs, G the GRPO group size. Forward FLOPs per token are
2N plus the attention-score term when the shape is known (``costcalc.formulas.flops``); training a
weight costs 3x its forward (forward, activation gradient, weight gradient: Kaplan et al. 2020 §2.1).
Reference for the rules below: this project's "finetune.md" §2-3 (each rule names its source).
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.base.units import Q_, Quantity
from costcalc.formulas.flops import FlopsPerToken, flops_per_token
from costcalc.schemas import ModelSpec
from costcalc.schemas.training import Method, Padding

__all__ = [
    "PADDING_BATCH_FACTOR",
    "Method",
    "Padding",
    "RLFlops",
    "StageFlops",
    "TrainFlops",
    "distillation_flops",
    "dpo_flops",
    "dpo_tokens",
    "example_tokens",
    "forward_flops",
    "forward_flops_per_token",
    "rl_flops",
    "sft_flops",
    "train_flops_per_token",
]


#: Tokens processed per real token when examples are padded to the longest in their batch (not
#: packed). Krell et al. 2021 ("Efficient Sequence Packing without Cross-contamination",
#: arXiv:2107.02027): "up to 50% of all tokens can be padding", i.e. 1 / (1 - 0.5) = 2 tokens
#: processed per real token; the HF packing blog's "up to 2x improvement in training throughput"
#: agrees. The top of the 1.0-2.0 range the reference gives as typical ("finetune.md" §2).
PADDING_BATCH_FACTOR = 2.0

_PER_TOKEN = "FLOP / token"


def _padded(tokens_per_sequence: float, padding: Padding, seq_len: int | None, factor: float) -> float:
    """Tokens one sequence occupies: itself (packed), x ``factor`` (padded to the batch's longest),
    or ``seq_len`` (padded to the maximum length, as Together AI bills unpacked data:
    "dataset_length x max_seq_length")."""
    if padding == "none":
        return tokens_per_sequence
    if padding == "batch":
        if factor < 1:
            raise ValueError(f"the padding factor must be at least 1, not {factor}")
        return tokens_per_sequence * factor
    if seq_len is None:
        raise ValueError("padding to the maximum length needs the sequence length")
    if tokens_per_sequence > seq_len:
        raise ValueError(f"an example of {tokens_per_sequence:g} tokens is longer than the sequence length {seq_len}")
    return float(seq_len)


def example_tokens(
    examples: float, epochs: float, tokens_per_example: float, *, padding: Padding = "none",
    seq_len: int | None = None, batch_factor: float = PADDING_BATCH_FACTOR,
) -> Quantity:  # fmt: skip
    """Tokens a fine-tuning stage processes: D = n · e · t · p.

    n examples, e epochs, t tokens per example (prompt and response: training on responses only
    changes the loss, not the matmuls), p the padding factor: 1 when packed (``none``),
    ``batch_factor`` when padded to the longest in the batch, s/t when padded to the sequence
    length s (``max``). Source: Together AI's fine-tuning pricing ("total_tokens = n_epochs x
    tokens_per_training_dataset"; without packing "dataset_length x max_seq_length").
    """
    return Q_(examples * epochs * _padded(tokens_per_example, padding, seq_len, batch_factor), "token")


def dpo_tokens(
    pairs: float, epochs: float, prompt: float, chosen: float, rejected: float, *,
    padding: Padding = "none", seq_len: int | None = None, batch_factor: float = PADDING_BATCH_FACTOR,
) -> Quantity:  # fmt: skip
    """Tokens a DPO stage processes: D = n · e · [(t_p + t_c)·p_c + (t_p + t_r)·p_r].

    Each of the n pairs runs two sequences, the prompt with the chosen completion and the prompt
    with the rejected one, each padded as in ``example_tokens``. Source: Rafailov et al. 2023
    (DPO, arXiv:2305.18290), eq. 7 (the loss needs log-probabilities of both completions);
    reference "finetune.md" §3.4.
    """
    per_pair = _padded(prompt + chosen, padding, seq_len, batch_factor) + _padded(
        prompt + rejected, padding, seq_len, batch_factor
    )
    return Q_(pairs * epochs * per_pair, "token")


def forward_flops(params: Quantity, spec: ModelSpec | None = None, seq_len: int | None = None) -> FlopsPerToken:
    """Forward FLOPs per token, split: the architecture-aware count (``flops_per_token``, causal
    attention at the stage's length) when the shape and length are known, else 2N in the layers."""
    if spec is not None and spec.has_architecture and seq_len is not None:
        return flops_per_token(spec, seq_len)
    return FlopsPerToken(layer_matmuls=2.0 * params.m_as("parameter"), attention_scores=0.0, lm_head=0.0)


def forward_flops_per_token(params: Quantity, spec: ModelSpec | None = None, seq_len: int | None = None) -> Quantity:
    """F = 2N (+ attention scores) per token: one forward pass of a frozen model (a DPO reference,
    a PPO reference or reward model, a distillation teacher, or generation)."""
    return Q_(forward_flops(params, spec, seq_len).forward, _PER_TOKEN)


@dataclass(frozen=True)
class TrainFlops:
    """Training FLOPs per token: model FLOPs (what MFU counts) and hardware FLOPs (with recomputation)."""

    model: Quantity
    hardware: Quantity


def train_flops_per_token(
    forward: FlopsPerToken, method: Method, lora: Quantity | None = None, *, recompute: bool = False
) -> TrainFlops:
    """Training FLOPs per token for full fine-tuning, LoRA or QLoRA.

    full:        3·F                                    (F = W + A: weight matmuls W ≈ 2N, scores A)
    LoRA, QLoRA: 2·W + 3·A + 6·N_lora  ≈ 4N + 6·N_lora  (forward + activation-gradient backward of
                 the frozen weights, no weight gradients; attention scores have no weights, so their
                 backward is whole; the adapters are trained, 6 FLOPs per parameter)
    recomputation (hardware FLOPs): + one forward of the layers, W_layers + A (+ 2·N_lora).
    QLoRA does the same matmuls after dequantizing to 16 bits: its cost is time, not FLOPs.
    Sources: Hu et al. 2021 (LoRA, arXiv:2106.09685) §4.2, "we do not need to calculate the
    gradient for the vast majority of the parameters"; Dettmers et al. 2023 (QLoRA) §3, "we only
    compute weight gradients for the LoRA parameters"; Sung et al. 2022 (arXiv:2206.06522), the
    backward "still requires backpropagation through the large pre-trained backbone model".
    The 4N rule is derived in reference "finetune.md" §3.2 (GPT-3's measured gain is below it).
    """
    weights = forward.layer_matmuls + forward.lm_head
    if method == "full":
        model = forward.training()
        extra = forward.layer_matmuls + forward.attention_scores
    else:
        n_lora = 0.0 if lora is None else lora.m_as("parameter")
        model = 2 * weights + 3 * forward.attention_scores + 6 * n_lora
        extra = forward.layer_matmuls + forward.attention_scores + 2 * n_lora
    hardware = model + (extra if recompute else 0.0)
    return TrainFlops(model=Q_(model, _PER_TOKEN), hardware=Q_(hardware, _PER_TOKEN))


@dataclass(frozen=True)
class StageFlops:
    """A stage's FLOPs: model (MFU) and hardware (with recomputation), in FLOP."""

    model: Quantity
    hardware: Quantity


def sft_flops(tokens: Quantity, per_token: TrainFlops) -> StageFlops:
    """Supervised fine-tuning, continued pre-training or long-context training: C = D · f_method."""
    return StageFlops(model=(tokens * per_token.model).to("FLOP"), hardware=(tokens * per_token.hardware).to("FLOP"))


def _frozen_pass(tokens_per_epoch: Quantity, epochs: float, forward: Quantity, precomputed: bool) -> Quantity:
    """A frozen model's forward over the data: every epoch, or once when its outputs are precomputed."""
    result: Quantity = (tokens_per_epoch * (1.0 if precomputed else epochs) * forward).to("FLOP")
    return result


def dpo_flops(
    tokens_per_epoch: Quantity, epochs: float, policy: TrainFlops, reference_forward: Quantity, *,
    precomputed: bool = False,
) -> StageFlops:  # fmt: skip
    """DPO: C = e·D_pairs·f_policy + e·D_pairs·F_ref, or D_pairs·F_ref once when precomputed.

    D_pairs: tokens of one epoch counting both sequences of each pair (``dpo_tokens`` with e = 1);
    f_policy from ``train_flops_per_token``; F_ref the reference model's forward (2N_ref). With
    LoRA the reference is the base model with the adapters off: no extra memory, but its forward
    is still computed. TRL's ``precompute_ref_log_probs`` pays the reference once per dataset.
    Source: reference "finetune.md" §3.4 (derived), after Rafailov et al. 2023 (DPO), eq. 7.
    """
    reference = _frozen_pass(tokens_per_epoch, epochs, reference_forward, precomputed)
    return StageFlops(
        model=(tokens_per_epoch * epochs * policy.model).to("FLOP") + reference,
        hardware=(tokens_per_epoch * epochs * policy.hardware).to("FLOP") + reference,
    )


def distillation_flops(
    tokens_per_epoch: Quantity, epochs: float, student: TrainFlops, teacher_forward: Quantity, *,
    precomputed: bool = False,
) -> StageFlops:  # fmt: skip
    """Logit distillation: C = e·D·f_student + e·D·2N_teacher, the teacher once when precomputed.

    The student trains as in ``train_flops_per_token``; the teacher runs a forward pass on every
    token to give the soft targets (Hinton et al. 2015, "Distilling the Knowledge in a Neural
    Network", §2), unless its outputs were stored beforehand, which costs one pass over the data.
    """
    teacher = _frozen_pass(tokens_per_epoch, epochs, teacher_forward, precomputed)
    return StageFlops(
        model=(tokens_per_epoch * epochs * student.model).to("FLOP") + teacher,
        hardware=(tokens_per_epoch * epochs * student.hardware).to("FLOP") + teacher,
    )


@dataclass(frozen=True)
class RLFlops:
    """PPO/GRPO FLOPs by phase (FLOP): generation runs memory-bound, the rest compute-bound."""

    generation: Quantity
    experience: Quantity
    training: Quantity

    @property
    def total(self) -> Quantity:
        return self.generation + self.experience + self.training


def rl_flops(
    prompts: float,
    prompt_tokens: float,
    generated_tokens: float,
    *,
    actor_forward: Quantity,
    actor_train: TrainFlops,
    reference_forward: Quantity,
    reward_forward: Quantity,
    critic_forward: Quantity | None = None,
    critic_train: TrainFlops | None = None,
    ppo_epochs: float = 1,
    group_size: int = 1,
    recompute: bool = False,
) -> RLFlops:
    """PPO (with a critic) or GRPO (without, G samples per prompt) FLOPs over a set of prompts.

    T = prompts · G · (P + R)                    tokens of all sampled sequences (P prompt, R generated)
    generation  = T · F_actor                    (2·N_actor per token; memory-bound: ``generation``)
    experience  = T · (F_ref + F_reward + F_critic)   forward passes scoring the samples
    training    = E · T · (f_actor + f_critic)   (f from ``train_flops_per_token``; LoRA actor 4N + 6N_lora)
    GRPO has no critic terms (``critic_* = None``) and G > 1; PPO has G = 1.
    Sources: Ouyang et al. 2022 (InstructGPT) §3.5 for the four models (the section, from memory:
    not checked against the paper); DeepSeekMath
    (arXiv:2402.03300) §4.1, "GRPO foregoes the critic model, instead estimating the baseline
    from group scores"; the phase split is derived in reference "finetune.md" §3.5.
    """
    if group_size < 1:
        raise ValueError(f"the group size must be a positive whole number, not {group_size}")
    if (critic_forward is None) != (critic_train is None):
        raise ValueError("a critic needs both its forward and its training FLOPs")
    tokens = Q_(prompts * group_size * (prompt_tokens + generated_tokens), "token")
    scoring = reference_forward + reward_forward
    if critic_forward is not None:
        scoring = scoring + critic_forward

    def train(part: TrainFlops | None) -> Quantity:
        if part is None:
            return Q_(0.0, _PER_TOKEN)
        return part.hardware if recompute else part.model

    return RLFlops(
        generation=(tokens * actor_forward).to("FLOP"),
        experience=(tokens * scoring).to("FLOP"),
        training=(ppo_epochs * tokens * (train(actor_train) + train(critic_train))).to("FLOP"),
    )
