"""``costcalc memory --method/--stage``: fine-tuning memory per GPU (full, LoRA, QLoRA; SFT, DPO, ...).

The formulas are ``costcalc.formulas.finetune_memory`` and ``costcalc.formulas.lora``; this module
turns the user's inputs into their setup. Fine-tuning is modelled with data parallelism only
(ZeRO/FSDP sharding over the GPUs): ``guards.check_finetune`` refuses tensor, pipeline, sequence
and expert parallelism rather than ignore them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.base.record import Field, Record
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.rl import DEFAULT_GENERATION_BATCH, RL_STAGES, other_model
from costcalc.estimator.stage import DEFAULT_LORA_RANK, DEFAULT_LORA_TARGETS, DEFAULT_QUANT
from costcalc.formulas.finetune import Method
from costcalc.formulas.finetune_memory import (
    FinetuneMemory,
    FinetuneSetup,
    dpo_reference_params,
    finetune_memory,
    frozen_weight_bytes,
    rl_extra_params,
)
from costcalc.formulas.lora import lora_params
from costcalc.schemas import ModelSpec
from costcalc.schemas.training import PAIRED_STAGES

__all__ = ["DEFAULT_LORA_RANK", "DEFAULT_LORA_TARGETS", "DEFAULT_QUANT", "FinetuneReport", "finetune_report"]

_LAYOUT = ("dp", "zero", "micro_batch", "seq_len", "recompute", "attention", "optimizer")


#: Why a fine-tuning report adds a note (``costcalc.render.memory`` words each, with its parameters).
NoteKey = Literal[
    "no_activations", "over_without_activations", "one_gpu", "dpo_adapters", "rl_models", "zero3_generation"
]
_PARTS = ("frozen", "weights", "gradients", "optimizer", "extra", "kv_cache", "activations", "pageable")


@dataclass(frozen=True)
class Note:
    """A note on the report: its key and the typed parameters it is worded with (bytes, counts, names)."""

    key: NoteKey
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, **self.params}


@dataclass(frozen=True, repr=False)
class FinetuneReport(Displayed, Record):
    """The fine-tuning setting as resolved, its memory per GPU and the verdict.

    ``trainable`` is a parameter count and ``capacity`` the GPU's memory, as quantities; ``memory``
    is the formulas' breakdown in bytes per GPU (``costcalc.formulas.finetune_memory``, exported in
    bytes); ``notes`` are ``Note`` data; ``extra_label`` names the extra frozen weights (DPO's
    reference, PPO's reference and reward model, a teacher).
    """

    method: Method
    stage: str
    lora_rank: int | None
    lora_targets: str | None
    trainable: Quantity
    setup: FinetuneSetup
    memory: FinetuneMemory
    capacity: Quantity
    notes: tuple[Note, ...]
    extra_label: str = "reference"

    FIELDS = (
        *(Field(key, f"memory.{key}", "B") for key in _PARTS),
        Field("overhead", "memory.overhead", "B"),
        Field("total", "memory.total", "B"),
        Field("capacity", "capacity", "B"),
        Field("fits", "fits"),
        Field("method", "method"),
        Field("stage", "stage"),
        Field("lora_rank", "lora_rank"),
        Field("lora_targets", "lora_targets"),
        Field("quant", "setup.quant"),
        Field("trainable_params", "trainable", "parameter"),
        Field("layout", "layout"),
        Field("notes", "notes"),
        Field("extra_models", "extra_label"),
    )

    @property
    def fits(self) -> bool | None:
        return self.memory.fits(float(self.capacity.m_as("B")))

    @property
    def total(self) -> Quantity | None:
        """Memory per GPU with the overhead allowance (None without activations)."""
        total = self.memory.total
        return None if total is None else Q_(total, "B")

    @property
    def layout(self) -> dict[str, object]:
        """The data-parallel layout and the memory options the report was computed for."""
        return {key: getattr(self.setup, key) for key in _LAYOUT}


def _trainable(inputs: EstimateInputs, method: Method, spec: ModelSpec | None, params: float) -> float:
    if method == "full":
        return params
    if spec is None or not spec.has_architecture:
        raise InputError("method", f"{method} needs the model's shape: give `model`, `config_file` or a shape")
    rank = inputs.lora_rank or DEFAULT_LORA_RANK
    try:
        return float(lora_params(spec, inputs.lora_targets or DEFAULT_LORA_TARGETS, rank).m_as("parameter"))
    except ValueError as err:
        raise InputError("lora_targets", str(err)) from None


@dataclass(frozen=True)
class _Extras:
    """The models and cache held beside the trained one (``FinetuneSetup``'s extra fields)."""

    frozen: float = 0.0
    trainable: float = 0.0
    kv_cache: float = 0.0
    label: str = "reference"
    seq_len: int | None = None
    notes: tuple[Note, ...] = ()


def _extras(
    inputs: EstimateInputs, method: Method, spec: ModelSpec | None, params: float, catalog: Catalog | None
) -> _Extras:
    """DPO's reference; PPO/GRPO's reference, reward model, critic and generation KV cache
    (``costcalc.formulas.finetune_memory.rl_extra_params``, ``costcalc.formulas.generation``); a
    distillation teacher's weights unless its outputs are precomputed. The critic trains in full."""
    stage = inputs.stage or "sft"
    teacher = 0.0
    if inputs.teacher is not None and not inputs.precomputed_teacher:
        teacher = other_model(inputs.teacher, "teacher", catalog or Catalog.load()).params
    if stage == "dpo":
        return _Extras(frozen=dpo_reference_params(method, params) + teacher)
    if stage not in RL_STAGES:
        return _Extras(frozen=teacher, label="teacher")
    from costcalc.formulas.generation import kv_cache_bytes  # PPO/GRPO only

    for name in ("prompt_tokens", "generated_tokens"):
        if getattr(inputs, name) is None:
            raise InputError(name, f"`stage` {stage} memory needs `{name}` (the KV cache)")
    assert inputs.prompt_tokens is not None and inputs.generated_tokens is not None
    length = inputs.prompt_tokens + inputs.generated_tokens
    found = catalog or Catalog.load()
    reward = params if inputs.reward_model is None else other_model(inputs.reward_model, "reward_model", found).params
    critic = None
    if stage == "ppo":
        critic = (
            params if inputs.critic_model is None else other_model(inputs.critic_model, "critic_model", found).params
        )
    frozen, _ = rl_extra_params("full" if method == "full" else "lora", params, critic=None, reward=reward)
    batch = inputs.generation_batch or DEFAULT_GENERATION_BATCH
    if spec is None or not spec.has_architecture:
        raise InputError("stage", f"`stage` {stage} memory needs the model's shape (its KV cache)")
    kv = float(kv_cache_bytes(spec, length, batch).m_as("B"))
    notes = [Note("rl_models", {"stage": stage, "adapters": method != "full", "critic": bool(critic),
                                "batch": batch, "length": length})]  # fmt: skip
    label = "reference and reward" if method == "full" else "reward model"
    return _Extras(frozen=frozen, trainable=critic or 0.0, kv_cache=kv, label=label, seq_len=inputs.seq_len or length,
                   notes=tuple(notes))  # fmt: skip


def finetune_report(
    inputs: EstimateInputs, spec: ModelSpec | None, params: float, capacity: Quantity, gpus: int | None,
    catalog: Catalog | None = None,
) -> FinetuneReport:  # fmt: skip
    """Fine-tuning memory for the inputs: the method (default full), the stage (default sft), LoRA's
    rank and targets (defaults ``DEFAULT_LORA_RANK``, ``DEFAULT_LORA_TARGETS``), QLoRA's storage
    (default ``DEFAULT_QUANT``), the models held beside the trained one (``_extras``), and the
    memory options shared with pre-training. Recomputation not given is the least that fits: none,
    else full."""
    method: Method = inputs.method or "full"
    stage = inputs.stage or "sft"  # memory: pretrain and sft hold the same
    options = inputs.memory_options()
    trainable = _trainable(inputs, method, spec, params)
    extras = _extras(inputs, method, spec, params, catalog)
    seq_len = extras.seq_len or options.seq_len or (spec.seq_len if spec is not None else None)
    setup = FinetuneSetup(
        method=method, trainable=trainable, optimizer=options.optimizer, micro_batch=options.micro_batch,
        quant=(inputs.quant or DEFAULT_QUANT) if method == "qlora" else None,
        sequences_per_example=2 if stage in PAIRED_STAGES else 1, seq_len=seq_len, attention=options.attention,
        recompute=inputs.recompute or "none", zero=options.zero, dp=gpus or 1,
        extra_frozen=extras.frozen, extra_trainable=extras.trainable, kv_cache=extras.kv_cache,
    )  # fmt: skip
    memory = finetune_memory(spec, params, setup)
    room = float(capacity.m_as("B"))
    if inputs.recompute is None and memory.activations is not None and memory.fits(room) is False:
        setup = replace(setup, recompute="full")
        memory = finetune_memory(spec, params, setup)
    notes = list(extras.notes)
    if extras.kv_cache and setup.zero >= 3 and memory.total is not None and memory.activations is not None:
        gathered = frozen_weight_bytes(spec, params, setup.quant) * (1 - 1 / setup.dp)
        generating = memory.total - memory.activations + gathered
        notes.append(
            Note("zero3_generation", {"gathered": gathered, "generating": generating, "over": generating > room})
        )
    if memory.activations is None:
        notes.append(Note("no_activations"))
        if memory.fits(room) is False:
            notes.append(Note("over_without_activations"))
    if gpus is None:
        notes.append(Note("one_gpu"))
    if stage == "dpo" and method != "full":
        notes.append(Note("dpo_adapters"))
    adapters = method != "full"
    return FinetuneReport(
        method=method, stage=stage, lora_rank=(inputs.lora_rank or DEFAULT_LORA_RANK) if adapters else None,
        lora_targets=(inputs.lora_targets or DEFAULT_LORA_TARGETS) if adapters else None,
        trainable=Q_(trainable, "parameter"), setup=setup, memory=memory, capacity=capacity.to("B"),
        notes=tuple(notes), extra_label=extras.label,
    )  # fmt: skip
