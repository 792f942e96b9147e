"""PPO and GRPO in an estimate, and distillation's teacher: the other models, the defaults, the
FLOPs by phase and the time of generation.

``check_rl`` refuses the options of a stage they do not belong to; ``rl_tokens`` counts the
sampled sequences; ``rl_count`` the FLOPs (``costcalc.formulas.finetune.rl_flops``) and the part
of them decoded one token at a time; ``generation_time`` times that part from the bytes each
decoding step moves and the accelerator's memory bandwidth (``costcalc.formulas.generation``),
not from the efficiency. The models a user names (reward, critic, teacher) are a model preset or
a parameter count such as ``350M`` (``other_model``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.parse import parse_quantity
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog
from costcalc.estimator.facility import Default
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption, Basis, Param
from costcalc.formulas.flops import CountMethod, FlopCount, FlopsPerToken
from costcalc.schemas import AcceleratorSpec, ModelSpec
from costcalc.schemas.training import Quant

__all__ = [
    "DEFAULT_GENERATION_BATCH",
    "DEFAULT_GROUP_SIZE",
    "DEFAULT_PPO_EPOCHS",
    "RL_FIELDS",
    "RL_STAGES",
    "TEACHER_FIELDS",
    "OtherModel",
    "check_rl",
    "generation_phase",
    "generation_time",
    "is_rl",
    "other_model",
    "rl_count",
    "rl_seq_len",
    "rl_tokens",
    "sequences",
]

RL_STAGES = ("ppo", "grpo")
#: PPO/GRPO's inputs (refused on any other stage), and distillation's.
RL_FIELDS = ("reward_model", "critic_model", "prompt_tokens", "generated_tokens", "group_size", "ppo_epochs",
             "generation_batch")  # fmt: skip
TEACHER_FIELDS = ("teacher", "precomputed_teacher")
#: GRPO's samples per prompt: TRL's GRPOTrainer default (``num_generations=8``); DeepSeekMath
#: (arXiv:2402.03300, §4.2) sampled 64 per question. Both from memory, not checked against the
#: paper or TRL's code.
DEFAULT_GROUP_SIZE = 8
#: Optimisation passes over each batch of samples: InstructGPT (arXiv:2203.02155, Appendix C.4)
#: trains each batch "for only a single inner epoch"; DeepSpeed-Chat's step 3 defaults to one.
#: Both from memory, not checked against the paper or DeepSpeed-Chat's scripts.
DEFAULT_PPO_EPOCHS = 1
#: Sequences decoded together per model copy: DeepSpeed-Chat's step-3 default per-device
#: generation batch (``per_device_generation_batch_size`` 16), from memory, not checked against
#: its scripts.
DEFAULT_GENERATION_BATCH = 16
_RL_ONLY = {"group_size": "grpo", "critic_model": "ppo"}


def is_rl(inputs: EstimateInputs) -> bool:
    """Whether the stage samples from the policy (PPO or GRPO)."""
    return inputs.stage in RL_STAGES


def check_rl(inputs: EstimateInputs) -> None:
    """PPO/GRPO's options on their stages only, and their data as prompts; a teacher on a stage
    that trains on data (not pretrain, DPO, PPO or GRPO); each refused with a one-line error."""
    stage = inputs.stage or "pretrain"
    given = [name for name in RL_FIELDS if getattr(inputs, name) is not None]
    if not is_rl(inputs):
        if given:
            raise InputError(given[0], f"`{given[0]}` is PPO/GRPO's (got `stage` {stage})")
    else:
        for name, only in _RL_ONLY.items():
            if getattr(inputs, name) is not None and stage != only:
                why = "GRPO has no critic (its baseline is the group's mean score)" if name == "critic_model" else ""
                raise InputError(name, why or f"`{name}` is {only.upper()}'s (got `stage` {stage})")
        for name in ("tokens", "example_tokens", "padding"):
            if getattr(inputs, name) is not None:
                raise InputError(name, f"`stage` {stage} counts its own tokens: give `examples` (the prompts), "
                                 "`prompt_tokens` and `generated_tokens`")  # fmt: skip
        if inputs.prompt_tokens is not None and inputs.generated_tokens is not None:
            length = inputs.prompt_tokens + inputs.generated_tokens
            if inputs.seq_len is not None and inputs.seq_len < length:
                raise InputError("seq_len", f"{inputs.seq_len:,} is shorter than a prompt and its generation "
                                 f"({length:,})")  # fmt: skip
    if inputs.precomputed_teacher is not None and inputs.teacher is None:
        raise InputError("precomputed_teacher", "a precomputed teacher needs `teacher`")
    if inputs.teacher is not None and stage in ("pretrain", "dpo", "orpo", "simpo", *RL_STAGES):
        raise InputError("teacher", f"distillation is a stage on data: give `stage` sft, continued or "
                         f"long-context (got `stage` {stage})")  # fmt: skip


def rl_seq_len(inputs: EstimateInputs) -> int | None:
    """A sampled sequence's length: the prompt and its generation, P + R (or ``seq_len`` when longer)."""
    if inputs.prompt_tokens is None or inputs.generated_tokens is None:
        return inputs.seq_len
    return inputs.seq_len or inputs.prompt_tokens + inputs.generated_tokens


def sequences(inputs: EstimateInputs) -> float:
    """Sequences sampled over the run: prompts x epochs x group size (1 for PPO)."""
    assert inputs.examples is not None
    group = (inputs.group_size or DEFAULT_GROUP_SIZE) if inputs.stage == "grpo" else 1
    return float(inputs.examples * (inputs.epochs or 1) * group)


def rl_tokens(inputs: EstimateInputs, spec: ModelSpec | None) -> Default:
    """T = prompts · epochs · G · (P + R): every sampled sequence, prompt and generation."""
    for name in ("examples", "prompt_tokens", "generated_tokens"):
        if getattr(inputs, name) is None:
            raise InputError(name, f"`stage` {inputs.stage} needs `{name}`"
                             + (" (the prompts)" if name == "examples" else ""))  # fmt: skip
    assert inputs.examples is not None and inputs.prompt_tokens is not None and inputs.generated_tokens is not None
    length = inputs.prompt_tokens + inputs.generated_tokens
    if spec is not None and spec.max_seq_len is not None and length > spec.max_seq_len:
        raise InputError("generated_tokens", f"a prompt and its generation ({length:,} tokens) are longer than "
                         f"{spec.name}'s context ({spec.max_seq_len:,})")  # fmt: skip
    group = (inputs.group_size or DEFAULT_GROUP_SIZE) if inputs.stage == "grpo" else None
    basis = Basis("samples", {"prompts": inputs.examples, "epochs": inputs.epochs or 1, "group": group,
                              "prompt": Q_(inputs.prompt_tokens, "token"),
                              "generated": Q_(inputs.generated_tokens, "token")})  # fmt: skip
    tokens = Q_(sequences(inputs) * length, "token")
    note = Assumption("tokens", tokens, basis, kind="given", source="costcalc.formulas.finetune.rl_flops",
                      field="tokens")  # fmt: skip
    return Default(tokens, note)


@dataclass(frozen=True)
class OtherModel:
    """A model beside the one trained (reward, critic, teacher): its name, parameters and shape."""

    name: str | None  # the preset's name; None for a parameter count
    params: float  # total parameters (memory)
    flop_params: float  # active parameters (FLOPs)
    spec: ModelSpec | None  # the preset's shape; None for a parameter count

    @property
    def value(self) -> str | Quantity:
        """The model as an assumption's value: the preset's name, or its parameter count."""
        return self.name if self.name is not None else Q_(self.params, "parameter")


def other_model(value: str, field: str, catalog: Catalog) -> OtherModel:
    """A model preset's name, or a parameter count such as ``350M`` (refused naming ``field``)."""
    text = value.strip()
    if text[:1].isdigit() or text[:1] in (".", "-", "+"):
        count = float(parse_quantity(text, field, "parameter").m_as("parameter"))
        if not 1e3 <= count <= 1e15:
            raise InputError(field, f"expected a parameter count between 1K and 1e15, got {text!r}")
        return OtherModel(None, count, count, None)
    spec: ModelSpec = catalog.get("model", text, field_name=field)
    total = float(spec.params.m_as("parameter"))
    active = float(spec.active_params.m_as("parameter")) if spec.active_params is not None else total
    return OtherModel(spec.name, total, active, spec)


def generation_time(
    inputs: EstimateInputs, shape: ModelSpec | None, weight_bytes: float, forward: Quantity,
    accelerator: AcceleratorSpec, peak: Quantity,
) -> tuple[Quantity, Basis]:  # fmt: skip
    """GPU-hours of decoding every sampled sequence, and how they were timed (as data).

    Sequences are decoded B at a time per model copy (``generation_batch``); a batch takes
    ``decode_time`` (each of its R steps reads the weights and the batch's KV cache at the
    memory bandwidth, or the compute roofline at the peak when that is slower); the run holds
    (sequences / B) such batches, each on the GPUs of one copy: GPU-hours = (S / B) · t_batch.
    The prompts' prefill is compute-bound and timed with the rest at the efficiency.
    """
    from costcalc.formulas.generation import decode_time, kv_cache_bytes_per_token  # fine-tuning only

    if shape is None or not shape.has_architecture:
        raise InputError("stage", f"`stage` {inputs.stage}'s generation needs the model's shape (its KV cache): "
                         "give `model`, `config_file` or a single `params`")  # fmt: skip
    assert inputs.prompt_tokens is not None and inputs.generated_tokens is not None
    batch = inputs.generation_batch or DEFAULT_GENERATION_BATCH
    kv = kv_cache_bytes_per_token(shape)
    bandwidth = accelerator.memory_bandwidth
    per_batch = decode_time(Q_(weight_bytes, "B"), kv, batch, inputs.prompt_tokens, inputs.generated_tokens,
                            bandwidth, flops_per_token=forward, peak=peak)  # fmt: skip
    hours: Quantity = (per_batch * sequences(inputs) / batch * Q_(1.0, "GPU")).to("GPU_hour")
    basis = Basis("generation", {
        "sequences": sequences(inputs), "batch": batch, "steps": inputs.generated_tokens,
        "weights": Q_(weight_bytes, "B"), "kv_per_token": kv, "bandwidth": bandwidth,
        "accelerator": accelerator.name, "per_batch": per_batch,
    })  # fmt: skip
    return hours, basis


def generation_phase(
    inputs: EstimateInputs, shape: ModelSpec | None, params: Quantity, decode: Quantity,
    accelerator: AcceleratorSpec, peak: Quantity, quant: Quant | None,
) -> tuple[Quantity, str, Basis]:  # fmt: skip
    """PPO/GRPO's generation GPU-hours (``generation_time``), its name and how it was timed: the
    actor's 16-bit weights (QLoRA: its ``quant`` ones) are read at every decoding step, and the
    forward FLOPs per token (for the roofline) come from the decode FLOPs of ``rl_count``."""
    from costcalc.formulas.finetune_memory import frozen_weight_bytes  # fine-tuning only

    assert inputs.generated_tokens is not None
    n = float(np.max(params.m_as("parameter")))
    try:
        weights = frozen_weight_bytes(shape, n, quant)
    except ValueError as err:
        raise InputError("method", str(err)) from None
    forward = decode / Q_(sequences(inputs) * inputs.generated_tokens, "token")
    hours, basis = generation_time(inputs, shape, weights, forward, accelerator, peak)
    return hours, "generation", basis


def _defaulted(key: str, given: Param, default: Param, source: str = "", **params: Param) -> Assumption:
    """A PPO/GRPO input: given, or its default (``params`` say what the default rests on)."""
    if given is not None:
        return Assumption(key, given, Basis("given"), kind="given", source=source, field=key)
    return Assumption(key, default, Basis("default", params), source=source, field=key)


def rl_count(
    inputs: EstimateInputs, actor: OtherModel, forward: FlopsPerToken, lora: Quantity | None, *,
    recompute: bool, catalog: Catalog, seq_len: int,
) -> tuple[FlopCount, Quantity, list[Assumption]]:  # fmt: skip
    """PPO/GRPO FLOPs (model, and hardware with recomputation), the FLOPs of decoding the generated
    tokens (timed by ``generation_time``, not the efficiency), and the assumptions naming the models
    and the defaults. The reference is the actor's starting weights (its forward, the actor's); the
    reward model and the critic default to the policy's model; the critic trains in full (6N_critic)."""
    from costcalc.formulas.finetune import forward_flops, rl_flops, train_flops_per_token  # fine-tuning only

    method = inputs.method or "full"
    assert inputs.prompt_tokens is not None and inputs.generated_tokens is not None and inputs.examples is not None
    actor_forward = Q_(forward.forward, "FLOP/token")

    def resolved(value: str | None, field: str) -> tuple[OtherModel, FlopsPerToken]:
        if value is None:
            return actor, forward
        other = other_model(value, field, catalog)
        return other, forward_flops(Q_(other.flop_params, "parameter"), other.spec, seq_len)

    reward, reward_forward = resolved(inputs.reward_model, "reward_model")
    ppo = inputs.stage == "ppo"
    critic, critic_forward = resolved(inputs.critic_model, "critic_model") if ppo else (None, None)
    counts = []
    for hardware in (False, True):
        counts.append(rl_flops(
            float(inputs.examples * (inputs.epochs or 1)), inputs.prompt_tokens, inputs.generated_tokens,
            actor_forward=actor_forward,
            actor_train=train_flops_per_token(forward, method, lora, recompute=recompute),
            reference_forward=actor_forward, reward_forward=Q_(reward_forward.forward, "FLOP/token"),
            critic_forward=Q_(critic_forward.forward, "FLOP/token") if critic_forward else None,
            critic_train=train_flops_per_token(critic_forward, "full", recompute=recompute) if critic_forward else None,
            ppo_epochs=inputs.ppo_epochs or DEFAULT_PPO_EPOCHS, recompute=hardware,
            group_size=(inputs.group_size or DEFAULT_GROUP_SIZE) if not ppo else 1,
        ))  # fmt: skip
    model, hardware_count = counts
    length = inputs.prompt_tokens + inputs.generated_tokens
    decode = model.generation * (inputs.generated_tokens / length)
    how = CountMethod("rl", adapters=lora is not None, critic=ppo)
    count = FlopCount(model=model.total, hardware=hardware_count.total, method=how)
    return count, decode.to("FLOP"), _model_notes(inputs, actor, reward, critic, lora is not None)


def _model_notes(
    inputs: EstimateInputs, actor: OtherModel, reward: OtherModel, critic: OtherModel | None, adapters: bool
) -> list[Assumption]:
    """The models beside the actor and the defaults of PPO/GRPO, each with its source. InstructGPT's
    figures (a 6B reward model for the 175B policy, one inner epoch) are quoted from memory and not
    checked against the paper; DeepSpeed-Chat's default is its step-3 script's, not checked either."""
    instructgpt = "Ouyang et al. 2022 (InstructGPT, arXiv:2203.02155) §3.5, not checked against the paper"
    notes = [
        _defaulted("reward_model", inputs.reward_model and reward.value, reward.value, instructgpt),
        Assumption("reference_model", actor.value, Basis("reference", {"adapters": adapters}), kind="derived",
                   source=instructgpt),
    ]  # fmt: skip
    if critic is not None:
        notes.append(_defaulted("critic_model", inputs.critic_model and critic.value, critic.value, instructgpt))
    else:
        source = "Shao et al. 2024 (DeepSeekMath, arXiv:2402.03300) §4.1; TRL's default not checked against its code"
        notes.append(_defaulted("group_size", inputs.group_size, DEFAULT_GROUP_SIZE, source))
    notes.append(
        _defaulted(
            "ppo_epochs",
            inputs.ppo_epochs,
            DEFAULT_PPO_EPOCHS,
            "InstructGPT Appendix C.4 (not checked against the paper); DeepSpeed-Chat step 3",
        )
    )
    notes.append(_defaulted("generation_batch", inputs.generation_batch, DEFAULT_GENERATION_BATCH,
                            "DeepSpeed-Chat (step 3's per_device_generation_batch_size; not checked against "
                            "its code)"))  # fmt: skip
    return notes
