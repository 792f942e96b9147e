"""The names of the training choices beyond pre-training: which weights train, how the frozen base
is stored, which layers get adapters, how examples are padded, and the stage.

Plain ``Literal`` types with no imports, so that the input model (and with it ``costcalc estimate``
of a pre-training run) does not load the fine-tuning formulas that use them.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["PAIRED_STAGES", "LoraTargets", "Method", "Padding", "Quant", "Stage"]

#: Which weights train: all of them, low-rank adapters (LoRA), or adapters on a quantized base (QLoRA).
Method = Literal["full", "lora", "qlora"]
#: How examples are laid into sequences: packed, padded to each batch's longest, padded to --seq-len.
Padding = Literal["none", "batch", "max"]
#: Storage of QLoRA's frozen base: NF4, NF4 with double quantization, or 8-bit integers.
Quant = Literal["nf4", "nf4-dq", "int8"]
#: The matrices LoRA adapts: the query and value projections, all of attention, or every linear layer.
LoraTargets = Literal["qv", "attention", "all-linear"]
#: The stage of training: the objective and the efficiency regime.
Stage = Literal["pretrain", "continued", "long-context", "sft", "dpo", "orpo", "simpo", "ppo", "grpo"]
#: The preference stages, whose examples are pairs (chosen and rejected): DPO, and the
#: reference-free ORPO (Hong et al. 2024, arXiv:2403.07691) and SimPO (Meng et al. 2024,
#: arXiv:2405.14734), which are DPO without the reference model.
PAIRED_STAGES = ("dpo", "orpo", "simpo")
