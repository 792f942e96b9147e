"""Training memory per GPU, and whether a parallel layout fits.

Pure functions first (each with its equation and source), then the breakdown for a model and a
layout, then the search for layouts that fit. Symbols: Ψ parameters, N_d data-parallel degree,
t tensor-parallel degree, p pipeline stages, e expert-parallel degree, s sequence length,
b micro-batch size, h hidden size, a attention heads, L layers, V vocabulary.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from costcalc.base.errors import InputError
from costcalc.formulas.flops import Recompute, parameter_count
from costcalc.schemas import AcceleratorSpec, ModelSpec

__all__ = [
    "OPTIMIZER_BYTES",
    "MemoryBreakdown",
    "MemoryOptions",
    "activation_bytes_per_layer",
    "breakdown",
    "optimizer_state_bytes",
    "pipeline_bubble",
    "zero_model_state_bytes",
]

Optimizer = Literal["adamw", "adam8bit", "sgd"]

#: Optimizer-state bytes per parameter (K in the ZeRO paper) for 16-bit mixed-precision training:
#: an fp32 master copy (4) plus the optimizer's own states.
OPTIMIZER_BYTES: dict[str, int] = {
    "adamw": 12,  # fp32 master + fp32 first and second moments (Rajbhandari et al. 2020, §3: K = 12)
    "adam8bit": 6,  # fp32 master + 8-bit moments (Dettmers et al. 2022, "8-bit Optimizers")
    "sgd": 8,  # fp32 master + fp32 momentum
}

#: costcalc's stated allowance for what the framework holds beyond the model: CUDA context,
#: communication buffers and allocator fragmentation.
OVERHEAD_FIXED_BYTES = 2e9
OVERHEAD_FRACTION = 0.10
#: Default global batch for the pipeline-bubble estimate: Llama 2's "global batch-size of 4M tokens".
DEFAULT_GLOBAL_BATCH_TOKENS = 4 * 2**20


def zero_model_state_bytes(
    params: float, dp: int, stage: int, *, param_bytes: float = 2, grad_bytes: float = 2, k: float = 12
) -> tuple[float, float, float]:
    """(weights, gradients, optimizer states) in bytes per GPU under ZeRO stage 0-3.

    stage 0: 2Ψ + 2Ψ + KΨ; stage 1 (P_os): 2Ψ + 2Ψ + KΨ/N_d; stage 2 (P_os+g): 2Ψ + (2 + K)Ψ/N_d;
    stage 3 (P_os+g+p, like FSDP full sharding): (2 + 2 + K)Ψ/N_d. Ψ here is the parameters one
    model-parallel rank holds. Source: Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward
    Training Trillion Parameter Models", §5.1 and Figure 1 (worked example: Ψ = 7.5B, N_d = 64).
    """
    weights = params * param_bytes / (dp if stage >= 3 else 1)
    gradients = params * grad_bytes / (dp if stage >= 2 else 1)
    optimizer = optimizer_state_bytes(params, k, dp if stage >= 1 else 1)
    return weights, gradients, optimizer


def optimizer_state_bytes(params: float, k: float, shards: int) -> float:
    """Optimizer states K·Ψ / shards bytes (K from ``OPTIMIZER_BYTES``)."""
    return k * params / shards


def activation_bytes_per_layer(
    s: int, b: int, h: int, a: int, t: int, *, sequence_parallel: bool, recompute: Recompute
) -> float:
    """Activation bytes one transformer layer stores for one micro-batch (16-bit activations).

    Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models",
    Table 2: no recomputation sbh(10 + 24/t + 5as/(ht)), or sbh(34/t + 5as/(ht)) with sequence
    parallelism; selective recomputation drops the 5as/(ht) attention term; full recomputation
    keeps only the layer input, 2sbh (2sbh/t with sequence parallelism). With t = 1 the first
    form is the unparallelised sbh(34 + 5as/h). Assumes multi-head attention and a 4h MLP (an
    upper bound for GQA).
    """
    sbh = s * b * h
    if recompute == "full":
        return 2 * sbh / (t if sequence_parallel else 1)
    attention = 0.0 if recompute == "selective" else 5 * a * s / (h * t)
    linear = 34 / t if sequence_parallel else 10 + 24 / t
    return sbh * (linear + attention)


def pipeline_bubble(p: int, m: int) -> float:
    """Pipeline bubble as a fraction of the ideal step time: (p - 1) / m.

    p: pipeline stages; m: micro-batches per pipeline per step. Source: Narayanan et al. 2021,
    "Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM", §2.2.1
    (1F1B schedule, no interleaving).
    """
    return (p - 1) / m


class MemoryOptions(BaseModel):
    """The layout and training settings memory depends on (the CLI's shared options)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    zero: int = Field(default=1, ge=0, le=3, description="ZeRO stage (3 = FSDP full sharding)")
    tp: int = Field(default=1, ge=1, le=1024)
    pp: int = Field(default=1, ge=1, le=10_000)
    sp: bool = Field(default=False, description="sequence parallelism (needs tp > 1 to matter)")
    ep: int = Field(default=1, ge=1, le=10_000)
    micro_batch: int = Field(default=1, ge=1, le=1_000_000)
    seq_len: int | None = Field(default=None, ge=1, le=100_000_000)
    recompute: Recompute = "none"
    optimizer: Optimizer = "adamw"
    global_batch_tokens: float = Field(default=DEFAULT_GLOBAL_BATCH_TOKENS, gt=0, le=1e12)


class MemoryBreakdown(BaseModel):
    """Bytes per GPU for one layout; ``activations`` is None without an architecture."""

    model_config = ConfigDict(frozen=True)

    weights: float
    gradients: float
    optimizer: float
    activations: float | None
    overhead: float | None
    total: float | None
    capacity: float
    fits: bool | None
    tp: int
    pp: int
    dp: int
    ep: int
    zero: int
    sp: bool
    micro_batch: int
    seq_len: int | None
    recompute: Recompute
    optimizer_kind: Optimizer
    bubble: float
    micro_batches: int
    notes: tuple[str, ...] = ()

    @property
    def headroom(self) -> float | None:
        return None if self.total is None else self.capacity - self.total

    def to_dict(self) -> dict[str, object]:
        """The JSON ``memory`` object: bytes per GPU, the verdict and the layout."""
        return {
            "weights": self.weights,
            "gradients": self.gradients,
            "optimizer": self.optimizer,
            "activations": self.activations,
            "overhead": self.overhead,
            "total": self.total,
            "capacity": self.capacity,
            "fits": self.fits,
            "layout": {
                "tp": self.tp,
                "pp": self.pp,
                "dp": self.dp,
                "ep": self.ep,
                "zero": self.zero,
                "sp": self.sp,
                "micro_batch": self.micro_batch,
                "seq_len": self.seq_len,
                "recompute": self.recompute,
                "optimizer": self.optimizer_kind,
            },
            "pipeline_bubble": self.bubble,
            "micro_batches_per_step": self.micro_batches,
            "notes": list(self.notes),
        }


def _bytes_per_param(dtype: str) -> tuple[float, float, float, float]:
    """(weight, gradient, optimizer-extra, activation scale) for a training dtype."""
    if dtype in ("fp32", "tf32"):
        return 4, 4, -4, 2.0  # no separate fp32 master copy; activations twice as wide
    return 2, 2, 0, 1.0


def _first_stage_activations(
    spec: ModelSpec | None, options: MemoryOptions, seq_len: int | None, act_scale: float
) -> float | None:
    """Activation bytes on the first pipeline stage (see ``breakdown``), or None without a shape."""
    if spec is None or not spec.has_architecture or seq_len is None or spec.layers is None:
        return None
    assert spec.hidden and spec.heads and spec.vocab
    t = options.tp
    per_layer = activation_bytes_per_layer(
        seq_len, options.micro_batch, spec.hidden, spec.heads, t, sequence_parallel=options.sp,
        recompute=options.recompute,
    )  # fmt: skip
    activations = act_scale * per_layer * spec.layers
    if options.pp == 1:
        activations += 4 * seq_len * options.micro_batch * spec.vocab / t
    return activations


def _overhead_and_total(states: float, activations: float | None) -> tuple[float | None, float | None]:
    """The framework overhead allowance and the total, both unknown without activations."""
    if activations is None:
        return None, None
    overhead = OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * (states + activations)
    return overhead, states + activations + overhead


def breakdown(  # long because the result's 21 fields are listed one per line
    spec: ModelSpec | None,
    params: float,
    accelerator: AcceleratorSpec,
    gpus: int,
    options: MemoryOptions,
    *,
    dtype: str = "bf16",
) -> MemoryBreakdown:
    """Per-GPU memory of training ``spec`` (or ``params`` without a shape) on ``gpus`` GPUs.

    Model states: ``zero_model_state_bytes`` on the parameters one tensor/pipeline (and, for
    experts, expert-parallel) rank holds, sharded over N_d = gpus / (t·p). Activations: the first
    pipeline stage holds L/p layers for each of the p micro-batches in flight under 1F1B, i.e.
    L layers' worth (``activation_bytes_per_layer`` x L); with p = 1 the fp32 logits for the loss,
    4·s·b·V/t, are added. Overhead: ``OVERHEAD_FIXED_BYTES`` + ``OVERHEAD_FRACTION`` of the rest.
    """
    t, p, e = options.tp, options.pp, options.ep
    _validate_layout(spec, gpus, options)
    dp = gpus // (t * p)
    notes: list[str] = []
    expert = _expert_params(spec) if spec is not None and spec.is_moe else 0.0
    _validate_experts(e, dp, expert)
    dense = params - expert
    per_rank = dense / (t * p) + expert / (t * p * e)
    weight_b, grad_b, opt_extra, act_scale = _bytes_per_param(dtype)
    k = OPTIMIZER_BYTES[options.optimizer] + opt_extra
    weights, gradients, optimizer = zero_model_state_bytes(
        per_rank, dp, options.zero, param_bytes=weight_b, grad_bytes=grad_b, k=k
    )
    seq_len = options.seq_len or (spec.seq_len if spec is not None else None)
    activations = _first_stage_activations(spec, options, seq_len, act_scale)
    if activations is None:
        notes.append("activations need an architecture and a sequence length: give a model preset")
    if options.sp and t == 1:
        notes.append("sequence parallelism has no effect without tensor parallelism")
    if dtype in ("fp8", "int8"):
        notes.append(f"{dtype} training is assumed to keep 16-bit weights and gradients (as FP8 recipes do)")
    overhead, total = _overhead_and_total(weights + gradients + optimizer, activations)
    capacity = float(accelerator.memory.m_as("B"))
    seqs = options.global_batch_tokens / (seq_len or 2048)
    micro_batches = max(1, math.ceil(seqs / (options.micro_batch * dp)))
    return MemoryBreakdown(
        weights=weights,
        gradients=gradients,
        optimizer=optimizer,
        activations=activations,
        overhead=overhead,
        total=total,
        capacity=capacity,
        fits=None if total is None else total <= capacity,
        tp=t,
        pp=p,
        dp=dp,
        ep=e,
        zero=options.zero,
        sp=options.sp,
        micro_batch=options.micro_batch,
        seq_len=seq_len,
        recompute=options.recompute,
        optimizer_kind=options.optimizer,
        bubble=pipeline_bubble(p, micro_batches),
        micro_batches=micro_batches,
        notes=tuple(notes),
    )


def _expert_params(spec: ModelSpec) -> float:
    """Parameters in routed experts: what expert parallelism shards."""
    return float(parameter_count(spec) - parameter_count(spec, active=True)) if spec.has_architecture else 0.0


def _validate_experts(e: int, dp: int, expert_params: float) -> None:
    if e > 1 and expert_params == 0:
        raise InputError("ep", "expert parallelism needs a mixture-of-experts model preset")
    if e > 1 and dp % e:
        raise InputError("ep", f"ep ({e}) must divide the data-parallel degree ({dp})")


def _validate_layout(spec: ModelSpec | None, gpus: int, options: MemoryOptions) -> None:
    t, p = options.tp, options.pp
    if t > gpus:
        raise InputError("tp", f"tensor parallelism ({t}) cannot exceed the GPU count ({gpus})")
    if t * p > gpus:
        raise InputError("pp", f"tp x pp ({t} x {p} = {t * p}) cannot exceed the GPU count ({gpus})")
    if gpus % (t * p):
        raise InputError("gpus", f"the GPU count ({gpus}) must be a multiple of tp x pp ({t * p})")
    if spec is not None and spec.layers is not None and p > spec.layers:
        raise InputError("pp", f"{p} pipeline stages is more than {spec.name}'s {spec.layers} layers")
    if spec is not None and spec.heads is not None and spec.heads % t:
        raise InputError("tp", f"tensor parallelism ({t}) must divide {spec.name}'s {spec.heads} attention heads")
