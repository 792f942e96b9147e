"""Memory per GPU of fine-tuning: full, LoRA, QLoRA, and the extra models of DPO and PPO/GRPO.

Pure functions in bytes. Reuses ``costcalc.formulas.memory`` for the model states under ZeRO
(``zero_model_state_bytes``, ``state_bytes_per_param``), the activations
(``first_stage_activations``) and the overhead allowance. Symbols: N parameters, N_t trainable
parameters, N_lin the blocks' linear weights (QLoRA stores them in 4 bits), N_d the data-parallel
degree (ZeRO/FSDP shards over it).
"""

from __future__ import annotations

from dataclasses import dataclass

from costcalc.formulas.finetune import Method
from costcalc.formulas.flops import Recompute
from costcalc.formulas.lora import DQ_BITS, NF4_BITS, linear_layer_params
from costcalc.formulas.memory import (
    OVERHEAD_FIXED_BYTES,
    OVERHEAD_FRACTION,
    Attention,
    MemoryOptions,
    Optimizer,
    first_stage_activations,
    state_bytes_per_param,
    zero_model_state_bytes,
)
from costcalc.schemas import ModelSpec
from costcalc.schemas.training import Quant

__all__ = [
    "QUANT_BITS",
    "FinetuneMemory",
    "FinetuneSetup",
    "Quant",
    "dpo_reference_params",
    "finetune_memory",
    "frozen_weight_bytes",
    "rl_extra_params",
]

#: 8-bit storage (bitsandbytes' LLM.int8, Dettmers et al. 2022, arXiv:2208.07339, §3.1 vector-wise
#: quantization): 8 bits per weight; its one constant per row of thousands of weights is neglected.
INT8_BITS = 8.0
#: Bits stored per quantized weight (``costcalc.formulas.lora.blockwise_quantized_bits``).
QUANT_BITS: dict[str, float] = {"nf4": NF4_BITS, "nf4-dq": DQ_BITS, "int8": INT8_BITS}
_HALF = 2.0  # bytes per 16-bit (bf16/fp16) weight


def frozen_weight_bytes(spec: ModelSpec | None, params: float, quant: Quant | None = None) -> float:
    """Bytes of frozen weights: 2·N at 16 bits, or with 4-bit storage of the linear layers

    M = N_lin · bits/8 + (N - N_lin) · 2        bits = 4.5 (NF4) or 4.127 (NF4 + double quantization)

    Embeddings, the LM head and norms stay at 16 bits (bitsandbytes replaces the blocks' linear
    layers only). Source: Dettmers et al. 2023 (QLoRA, arXiv:2305.14314) §3; reference
    "finetune.md" §4.3. Needs the shape to split N when quantized.
    """
    if quant is None:
        return _HALF * params
    if spec is None or not spec.has_architecture:
        raise ValueError("4-bit weights need the model's shape (which weights are linear layers)")
    linear = min(float(linear_layer_params(spec).m_as("parameter")), params)
    return linear * QUANT_BITS[quant] / 8 + (params - linear) * _HALF


def dpo_reference_params(method: Method, params: float, *, precomputed: bool = False) -> float:
    """Parameters of DPO's frozen reference held beside the policy: N for a full policy, none
    with LoRA/QLoRA (the base with the adapters off is the reference: LLaMA-Factory #798, "with
    LoRA ... you can load the model only once") or with precomputed log-probabilities."""
    return 0.0 if method != "full" or precomputed else params


def rl_extra_params(
    method: Method, actor: float, *, critic: float | None, reward: float, critic_lora: float = 0.0
) -> tuple[float, float]:
    """(frozen, trainable) parameters PPO/GRPO hold beside the actor.

    frozen: the reward model, the reference (N_actor for a full actor; none with a LoRA actor,
    whose base with the adapters off is the reference) and, for a LoRA critic, its base;
    trainable: the critic (N_critic, or its adapters N_lora,critic). GRPO: ``critic=None``.
    Source: Ouyang et al. 2022 (InstructGPT) §3.5 (the section, from memory: not checked against the
    paper); OpenRLHF separates "the Actor, Reward,
    Reference, and Critic models"; DeepSeekMath (arXiv:2402.03300) §4.1 for GRPO without a critic.
    """
    frozen = reward + (actor if method == "full" else 0.0)
    if critic is None:
        return frozen, 0.0
    if method == "full":
        return frozen, critic
    return frozen + critic, critic_lora


@dataclass(frozen=True)
class FinetuneSetup:
    """What fine-tuning memory depends on besides the model."""

    method: Method = "full"
    trainable: float | None = None  # N_t; default N for full fine-tuning (required otherwise)
    quant: Quant | None = None
    optimizer: Optimizer = "adamw"
    paged: bool = False  # paged optimizer: states move to CPU RAM when the GPU runs out
    offload: bool = False  # CPU offload of gradients and optimizer states (ZeRO-Offload)
    micro_batch: int = 1
    sequences_per_example: int = 1  # 2 for DPO (chosen and rejected)
    seq_len: int | None = None
    recompute: Recompute = "none"
    attention: Attention = "flash"
    zero: int = 0
    dp: int = 1
    extra_frozen: float = 0.0  # parameters of other frozen 16-bit models (reference, reward)
    extra_trainable: float = 0.0  # parameters of another trained model (PPO's critic)
    kv_cache: float = 0.0  # bytes of generation KV cache


@dataclass(frozen=True)
class FinetuneMemory:
    """Bytes per GPU; ``pageable`` optimizer states are left out of what must be resident."""

    frozen: float
    weights: float
    gradients: float
    optimizer: float
    extra: float
    kv_cache: float
    activations: float | None
    pageable: float  # optimizer bytes that can live in CPU RAM (paged or offloaded)

    @property
    def resident(self) -> float | None:
        """What must be on the GPU: everything but the pageable optimizer states."""
        if self.activations is None:
            return None
        parts = self.frozen + self.weights + self.gradients + self.optimizer + self.extra + self.kv_cache
        return parts + self.activations - self.pageable

    @property
    def overhead(self) -> float | None:
        """``memory.py``'s allowance, 2 GB + 10%, the 10% on what is resident less the frozen weights.

        Frozen weights (the base model, a reference or reward model) are allocated once at load
        and never freed, so they do not fragment the allocator; with the 10% on them too, Llama 2
        13B LoRA (26 GB of frozen weights) would not fit the A100-40GB it was measured on at
        38.12 GB (LitGPT's resource tables).
        """
        resident = self.resident
        if resident is None:
            return None
        return OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * (resident - self.frozen - self.extra)

    @property
    def total(self) -> float | None:
        """Resident bytes plus the overhead allowance: compare with the GPU's memory."""
        resident, overhead = self.resident, self.overhead
        return None if resident is None or overhead is None else resident + overhead

    @property
    def lower_bound(self) -> float:
        """Resident bytes without the activations, plus the overhead on them: without a shape the
        activations are unknown, and this alone can already exceed the GPU."""
        resident = self.frozen + self.weights + self.gradients + self.optimizer + self.extra + self.kv_cache
        resident -= self.pageable
        return resident + OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * (resident - self.frozen - self.extra)

    def fits(self, capacity_bytes: float) -> bool | None:
        """Whether the total fits; without activations, False when the lower bound does not, else None."""
        total = self.total
        if total is None:
            return False if self.lower_bound > capacity_bytes else None
        return total <= capacity_bytes


def _trainable_states(n: float, setup: FinetuneSetup) -> tuple[float, float, float]:
    """(weights, gradients, optimizer) of N_t trainable parameters under ZeRO stage ``zero`` over N_d."""
    weight_b, grad_b, k = state_bytes_per_param("bf16", setup.optimizer)
    weights, gradients, optimizer = zero_model_state_bytes(
        n, setup.dp, setup.zero, param_bytes=weight_b, grad_bytes=grad_b, k=k
    )
    return float(weights), float(gradients), float(optimizer)


def finetune_memory(spec: ModelSpec | None, params: float, setup: FinetuneSetup) -> FinetuneMemory:
    """Per-GPU memory of fine-tuning ``params`` parameters with ``setup``.

    full:  M = 16·N (mixed-precision AdamW: 2 weight + 2 gradient + 12 optimizer, ZeRO-sharded)
    LoRA:  M = 2·N (frozen) + 16·N_t + activations
    QLoRA: M = N_lin·bits/8 + 2·(N - N_lin) + 16·N_t + activations (``frozen_weight_bytes``)
    plus extra frozen models at 2 B/param (DPO's reference, PPO's reference and reward), an extra
    trained model at 16 B/param (PPO's critic), the generation KV cache, and the overhead
    allowance on what is resident (``FinetuneMemory.overhead``). Frozen and quantized weights are
    sharded over N_d under ZeRO-3 or FSDP full sharding like the trained weights. Optimizer bytes per parameter follow
    ``OPTIMIZER_BYTES`` (8-bit AdamW 6 instead of 12). Paged optimizers (QLoRA §3) move optimizer
    states to CPU RAM "when the GPU runs out-of-memory", so they are not required resident (the
    published QLoRA fits, 65B on a 48 GB GPU, need it); CPU offload (Ren et al. 2021,
    "ZeRO-Offload", §4) keeps only the 16-bit weights on the GPU and moves gradients and
    optimizer states to the CPU. Activations: ``first_stage_activations`` (Korthikanti et al.
    2022 per layer, the fp32 logits), for ``micro_batch`` x ``sequences_per_example`` sequences.
    Sources: reference "finetune.md" §4; the HF personal-copilot blog (16 bytes per parameter).
    """
    if setup.method == "qlora" and setup.quant is None:
        raise ValueError("QLoRA needs a 4-bit storage type (nf4 or nf4-dq)")
    if setup.method != "qlora" and setup.quant is not None:
        raise ValueError(f"{setup.quant} weights need the qlora method")
    trainable = params if setup.method == "full" else setup.trainable
    if trainable is None:
        raise ValueError(f"{setup.method} needs the number of trainable (adapter) parameters")
    shards = setup.dp if setup.zero >= 3 else 1
    frozen = 0.0 if setup.method == "full" else frozen_weight_bytes(spec, params, setup.quant) / shards
    weights, gradients, optimizer = _trainable_states(trainable + setup.extra_trainable, setup)
    extra = _HALF * setup.extra_frozen / shards
    options = MemoryOptions(
        micro_batch=setup.micro_batch * setup.sequences_per_example, seq_len=setup.seq_len,
        recompute=setup.recompute, attention=setup.attention,
    )  # fmt: skip
    activations = first_stage_activations(spec, options, setup.seq_len, 1.0)
    pageable = optimizer if setup.paged or setup.offload else 0.0
    if setup.offload:
        pageable += gradients
    return FinetuneMemory(
        frozen=frozen, weights=weights, gradients=gradients, optimizer=optimizer, extra=extra,
        kv_cache=setup.kv_cache, activations=activations, pageable=pageable,
    )  # fmt: skip
