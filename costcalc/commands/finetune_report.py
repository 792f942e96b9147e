"""``costcalc memory --method/--stage``: fine-tuning memory per GPU (full, LoRA, QLoRA; SFT, DPO, ...).

The formulas are ``costcalc.formulas.finetune_memory`` and ``costcalc.formulas.lora``; this module
turns the user's inputs into their setup. Fine-tuning is modelled with data parallelism only
(ZeRO/FSDP sharding over the GPUs): ``guards.check_finetune`` refuses tensor, pipeline, sequence
and expert parallelism rather than ignore them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from costcalc.base.display import Displayed
from costcalc.base.errors import InputError
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


@dataclass(frozen=True, repr=False)
class FinetuneReport(Displayed):
    """The fine-tuning setting as resolved, its memory per GPU and the verdict."""

    method: Method
    stage: str
    lora_rank: int | None
    lora_targets: str | None
    trainable: float
    setup: FinetuneSetup
    memory: FinetuneMemory
    capacity: float
    notes: tuple[str, ...]

    @property
    def fits(self) -> bool | None:
        return self.memory.fits(self.capacity)

    def to_dict(self) -> dict[str, Any]:
        """The ``finetune`` object of ``costcalc memory --format json``: bytes per GPU and the setting."""
        m = self.memory
        parts = ("frozen", "weights", "gradients", "optimizer", "extra", "kv_cache", "activations", "pageable")
        return {
            **{key: getattr(m, key) for key in parts},
            "overhead": m.overhead,
            "total": m.total,
            "capacity": self.capacity,
            "fits": self.fits,
            "method": self.method,
            "stage": self.stage,
            "lora_rank": self.lora_rank,
            "lora_targets": self.lora_targets,
            "quant": self.setup.quant,
            "trainable_params": self.trainable,
            "layout": {key: getattr(self.setup, key) for key in _LAYOUT},
            "notes": list(self.notes),
        }


def _trainable(inputs: EstimateInputs, method: Method, spec: ModelSpec | None, params: float) -> float:
    if method == "full":
        return params
    if spec is None or not spec.has_architecture:
        raise InputError("method", f"{method} needs the model's shape: give --model, --model-config or a shape")
    rank = inputs.lora_rank or DEFAULT_LORA_RANK
    try:
        return float(lora_params(spec, inputs.lora_targets or DEFAULT_LORA_TARGETS, rank).m_as("parameter"))
    except ValueError as err:
        raise InputError("lora_targets", str(err)) from None


def finetune_report(
    inputs: EstimateInputs, spec: ModelSpec | None, params: float, capacity: float, gpus: int | None
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
    if inputs.recompute is None and memory.activations is not None and memory.fits(capacity) is False:
        setup = replace(setup, recompute="full")
        memory = finetune_memory(spec, params, setup)
    notes = []
    if memory.activations is None:
        notes.append("activations need an architecture and a sequence length: give a model preset or a shape")
        if memory.fits(capacity) is False:
            notes.append(f"does not fit: the rest alone needs {memory.lower_bound / 1e9:.1f} GB with the overhead")
    if gpus is None:
        notes.append("no GPU count given: one GPU")
    if stage == "dpo" and method != "full":
        notes.append("DPO with adapters: the base with the adapters off is the reference, no second copy")
    adapters = method != "full"
    return FinetuneReport(
        method=method, stage=stage, lora_rank=(inputs.lora_rank or DEFAULT_LORA_RANK) if adapters else None,
        lora_targets=(inputs.lora_targets or DEFAULT_LORA_TARGETS) if adapters else None,
        trainable=trainable, setup=setup, memory=memory, capacity=capacity, notes=tuple(notes),
    )  # fmt: skip
