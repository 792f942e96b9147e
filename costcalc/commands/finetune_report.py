"""``costcalc memory --method/--stage``: fine-tuning memory per GPU (full, LoRA, QLoRA; SFT, DPO, ...).

The formulas are ``costcalc.formulas.finetune_memory`` and ``costcalc.formulas.lora``; this module
turns the user's inputs into their setup. Fine-tuning is modelled with data parallelism only
(ZeRO/FSDP sharding over the GPUs): ``guards.check_finetune`` refuses tensor, pipeline, sequence
and expert parallelism rather than ignore them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
from costcalc.base.record import Field, Record
from costcalc.base.units import Q_, Quantity
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.stage import DEFAULT_LORA_RANK, DEFAULT_LORA_TARGETS, DEFAULT_QUANT
from costcalc.formulas.finetune import Method
from costcalc.formulas.finetune_memory import (
    FinetuneMemory,
    FinetuneSetup,
    dpo_reference_params,
    finetune_memory,
)
from costcalc.formulas.lora import lora_params
from costcalc.schemas import ModelSpec

__all__ = ["DEFAULT_LORA_RANK", "DEFAULT_LORA_TARGETS", "DEFAULT_QUANT", "FinetuneReport", "finetune_report"]

_LAYOUT = ("dp", "zero", "micro_batch", "seq_len", "recompute", "attention", "optimizer")


#: Why a fine-tuning report adds a note (``costcalc.render.memory`` words each).
Note = Literal["no_activations", "over_without_activations", "one_gpu", "dpo_adapters"]
_PARTS = ("frozen", "weights", "gradients", "optimizer", "extra", "kv_cache", "activations", "pageable")


@dataclass(frozen=True, repr=False)
class FinetuneReport(Displayed, Record):
    """The fine-tuning setting as resolved, its memory per GPU and the verdict.

    ``trainable`` is a parameter count and ``capacity`` the GPU's memory, as quantities; ``memory``
    is the formulas' breakdown in bytes per GPU (``costcalc.formulas.finetune_memory``, exported in
    bytes); ``notes`` are ``Note`` keys.
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


def finetune_report(
    inputs: EstimateInputs, spec: ModelSpec | None, params: float, capacity: Quantity, gpus: int | None
) -> FinetuneReport:
    """Fine-tuning memory for the inputs: the method (default full), the stage (default sft), LoRA's
    rank and targets (defaults ``DEFAULT_LORA_RANK``, ``DEFAULT_LORA_TARGETS``), QLoRA's storage
    (default ``DEFAULT_QUANT``), and the memory options shared with pre-training. Recomputation not
    given is the least that fits: none, else full."""
    method: Method = inputs.method or "full"
    stage = inputs.stage or "sft"  # memory: pretrain and sft hold the same
    options = inputs.memory_options()
    trainable = _trainable(inputs, method, spec, params)
    seq_len = options.seq_len or (spec.seq_len if spec is not None else None)
    setup = FinetuneSetup(
        method=method, trainable=trainable, optimizer=options.optimizer, micro_batch=options.micro_batch,
        quant=(inputs.quant or DEFAULT_QUANT) if method == "qlora" else None,
        sequences_per_example=2 if stage == "dpo" else 1, seq_len=seq_len, attention=options.attention,
        recompute=inputs.recompute or "none", zero=options.zero, dp=gpus or 1,
        extra_frozen=dpo_reference_params(method, params) if stage == "dpo" else 0.0,
    )  # fmt: skip
    memory = finetune_memory(spec, params, setup)
    room = float(capacity.m_as("B"))
    if inputs.recompute is None and memory.activations is not None and memory.fits(room) is False:
        setup = replace(setup, recompute="full")
        memory = finetune_memory(spec, params, setup)
    notes: list[Note] = []
    if memory.activations is None:
        notes.append("no_activations")
        if memory.fits(room) is False:
            notes.append("over_without_activations")
    if gpus is None:
        notes.append("one_gpu")
    if stage == "dpo" and method != "full":
        notes.append("dpo_adapters")
    adapters = method != "full"
    return FinetuneReport(
        method=method, stage=stage, lora_rank=(inputs.lora_rank or DEFAULT_LORA_RANK) if adapters else None,
        lora_targets=(inputs.lora_targets or DEFAULT_LORA_TARGETS) if adapters else None,
        trainable=Q_(trainable, "parameter"), setup=setup, memory=memory, capacity=capacity.to("B"),
        notes=tuple(notes),
    )  # fmt: skip
