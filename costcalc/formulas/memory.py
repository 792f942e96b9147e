"""Training memory per GPU, and whether a parallel layout fits.

Pure functions first (each with its equation and source), then the breakdown for a model and a
layout (the search over layouts is ``costcalc.estimator.layouts``). Symbols: Ψ parameters, N_d
data-parallel degree, t tensor-, p pipeline-, e expert-parallel degree, s sequence length, b
micro-batch, h hidden size, a attention heads, L layers, V vocabulary.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.formulas.flops import Recompute
from costcalc.formulas.parallel import pipeline_bubble
from costcalc.schemas import AcceleratorSpec, ModelSpec

__all__ = [
    "OPTIMIZER_BYTES",
    "PRECISION_RECIPES",
    "Attention",
    "GradDtype",
    "MasterWeights",
    "MemoryBreakdown",
    "MemoryOptions",
    "activation_bytes_per_layer",
    "breakdown",
    "expert_params",
    "first_stage_activations",
    "model_state_lower_bound",
    "optimizer_state_bytes",
    "pipeline_bubble",
    "state_bytes_per_param",
    "zero_model_state_bytes",
]

Optimizer = Literal["adamw", "adam8bit", "sgd"]
#: One number or a numpy array of them: the model-state formulas are elementwise.
Bytes = Any
Attention = Literal["flash", "eager"]
GradDtype = Literal["bf16", "fp16", "fp32"]
MasterWeights = Literal["fp32", "none"]

#: Optimizer-state bytes per parameter (K in the ZeRO paper) for 16-bit mixed-precision training:
#: an fp32 master copy (4) plus the optimizer's own states.
OPTIMIZER_BYTES: dict[str, int] = {
    "adamw": 12,  # fp32 master + fp32 first and second moments (Rajbhandari et al. 2020, §3: K = 12)
    "adam8bit": 6,  # fp32 master + 8-bit moments (Dettmers et al. 2022, "8-bit Optimizers")
    "sgd": 8,  # fp32 master + fp32 momentum
}

#: Bytes of the fp32 master copy of the weights, included in ``OPTIMIZER_BYTES``.
MASTER_WEIGHT_BYTES = 4
_GRAD_BYTES: dict[str, float] = {"bf16": 2, "fp16": 2, "fp32": 4}

#: Two published precision recipes for 16-bit training with Adam, as (--grad-dtype, --master-weights):
#: the ZeRO paper's 2 + 2 + 12 = 16 bytes per parameter (Rajbhandari et al. 2020, §3.1), and
#: Megatron-LM's bf16 practice of fp32 main gradients, 2 + 4 + 12 = 18 bytes, or 6 + 12/N_d with
#: its distributed optimizer (Megatron-LM docs, "Distributed Optimizer": 18 and 6 + 12/d bytes).
PRECISION_RECIPES: dict[str, tuple[GradDtype, MasterWeights]] = {
    "zero-paper": ("bf16", "fp32"),
    "megatron-bf16": ("fp32", "fp32"),
}

#: costcalc's stated allowance for what the framework holds beyond the model: CUDA context,
#: communication buffers and allocator fragmentation.
OVERHEAD_FIXED_BYTES = 2e9
OVERHEAD_FRACTION = 0.10
#: Default global batch for the pipeline-bubble estimate: Llama 2's "global batch-size of 4M tokens".
DEFAULT_GLOBAL_BATCH_TOKENS = 4 * 2**20


def zero_model_state_bytes(
    params: Bytes, dp: Bytes, stage: int, *, param_bytes: float = 2, grad_bytes: float = 2, k: float = 12
) -> tuple[Bytes, Bytes, Bytes]:
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


def optimizer_state_bytes(params: Bytes, k: float, shards: Bytes) -> Bytes:
    """Optimizer states K·Ψ / shards bytes (K from ``OPTIMIZER_BYTES``)."""
    return k * params / shards


def state_bytes_per_param(
    dtype: str, optimizer: Optimizer, grad_dtype: GradDtype | None = None, master_weights: MasterWeights = "fp32"
) -> tuple[float, float, float]:
    """(weight, gradient, optimizer K) bytes per parameter before any ZeRO sharding.

    16-bit training (bf16, fp16, and fp8/int8 recipes, which keep 16-bit weights): 2-byte weights;
    gradients of ``grad_dtype`` (default 16-bit, 2 bytes; fp32 main gradients, 4 bytes, as
    Megatron-LM keeps them); K from ``OPTIMIZER_BYTES``, which includes a 4-byte fp32 master copy,
    less those 4 bytes when ``master_weights`` is "none". fp32/tf32 training: 4-byte weights and
    gradients and no separate master copy. See ``PRECISION_RECIPES`` for the published totals.
    """
    k = float(OPTIMIZER_BYTES[optimizer])
    if dtype in ("fp32", "tf32"):
        return 4.0, 4.0, k - MASTER_WEIGHT_BYTES
    grad = _GRAD_BYTES[grad_dtype or "bf16"]
    return 2.0, grad, k - (MASTER_WEIGHT_BYTES if master_weights == "none" else 0)


def activation_bytes_per_layer(
    s: int, b: int, h: int, a: int, t: int, *, sequence_parallel: bool, recompute: Recompute,
    attention: Attention = "eager",
) -> float:  # fmt: skip
    """Activation bytes one transformer layer stores for one micro-batch (16-bit activations).

    Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models",
    Table 2: no recomputation sbh(10 + 24/t + 5as/(ht)), or sbh(34/t + 5as/(ht)) with sequence
    parallelism; selective recomputation drops the 5as/(ht) attention term; full recomputation
    keeps only the layer input, 2sbh (2sbh/t with sequence parallelism). With t = 1 the first
    form is the unparallelised sbh(34 + 5as/h). Assumes multi-head attention and a 4h MLP (an
    upper bound for GQA).

    ``attention="flash"``: a fused attention kernel never stores the s x s scores, softmax or
    dropout mask (the 5as²b term); it keeps only the output and a softmax statistic per row and
    recomputes the rest in the backward pass (Dao et al. 2022, "FlashAttention", §3.1 and
    Algorithm 2). So without recomputation it stores what selective recomputation stores; the
    per-row statistic (4·a·s·b/t bytes, fp32) is under 0.1% of a layer and left out.
    """
    sbh = s * b * h
    if recompute == "full":
        return 2 * sbh / (t if sequence_parallel else 1)
    dropped = recompute == "selective" or attention == "flash"
    scores = 0.0 if dropped else 5 * a * s / (h * t)
    linear = 34 / t if sequence_parallel else 10 + 24 / t
    return sbh * (linear + scores)


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
    attention: Attention = "flash"
    grad_dtype: GradDtype | None = None
    master_weights: MasterWeights = "fp32"
    global_batch_tokens: float = Field(default=DEFAULT_GLOBAL_BATCH_TOKENS, gt=0, le=1e12)


class MemoryBreakdown(BaseModel):
    """Bytes per GPU for one layout; ``activations`` is None without an architecture.

    Without activations ``fits`` is False when the model states alone (with the overhead allowance
    on them) exceed the capacity, a lower bound that already decides it, and None otherwise.
    """

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
    attention: Attention
    grad_bytes: float
    bubble: float
    micro_batches: int
    notes: tuple[str, ...] = ()

    @property
    def states(self) -> float:
        """Model states: weights + gradients + optimizer states (the ZeRO paper's subtotal)."""
        return self.weights + self.gradients + self.optimizer

    @property
    def headroom(self) -> float | None:
        return None if self.total is None else self.capacity - self.total

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    def to_dict(self) -> dict[str, object]:
        """The JSON ``memory`` object: bytes per GPU, the verdict and the layout."""
        parts = ("weights", "gradients", "optimizer", "activations", "overhead", "total", "capacity", "fits")
        layout = ("tp", "pp", "dp", "ep", "zero", "sp", "micro_batch", "seq_len", "recompute", "attention")
        return {
            **{key: getattr(self, key) for key in parts},
            "model_states": self.states,
            "layout": {
                **{key: getattr(self, key) for key in layout},
                "optimizer": self.optimizer_kind,
                "gradient_bytes": self.grad_bytes,
            },
            "pipeline_bubble": self.bubble,
            "micro_batches_per_step": self.micro_batches,
            "notes": list(self.notes),
        }


def first_stage_activations(
    spec: ModelSpec | None, options: MemoryOptions, seq_len: int | None, act_scale: float
) -> float | None:
    """Activation bytes on the first pipeline stage (see ``breakdown``), or None without a shape."""
    if spec is None or not spec.has_architecture or seq_len is None or spec.layers is None:
        return None
    assert spec.hidden and spec.heads and spec.vocab
    t = options.tp
    per_layer = activation_bytes_per_layer(
        seq_len, options.micro_batch, spec.hidden, spec.heads, t, sequence_parallel=options.sp,
        recompute=options.recompute, attention=options.attention,
    )  # fmt: skip
    activations = act_scale * per_layer * spec.layers
    if options.pp == 1:
        activations += 4 * seq_len * options.micro_batch * spec.vocab / t
    return activations


def model_state_lower_bound(states: float) -> float:
    """The least a GPU holding ``states`` bytes of model states needs: the states plus the overhead on them."""
    return states + OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * states


def _overhead_and_total(states: float, activations: float | None) -> tuple[float | None, float | None]:
    """The framework overhead allowance and the total, both unknown without activations."""
    if activations is None:
        return None, None
    overhead = OVERHEAD_FIXED_BYTES + OVERHEAD_FRACTION * (states + activations)
    return overhead, states + activations + overhead


def _sharded_states(
    spec: ModelSpec | None, params: float, options: MemoryOptions, dp: int, dtype: str
) -> tuple[float, float, float, float]:
    """(weights, gradients, optimizer, gradient bytes per parameter) per GPU.

    Dense parameters are split over t·p ranks and their states sharded over N_d by ZeRO. Routed
    experts are split over t·p·e ranks, and each expert's replicas span N_d / e ranks, so ZeRO
    shards their states over N_d / e (expert data parallelism: Rajbhandari et al. 2022,
    "DeepSpeed-MoE", §4; Megatron-Core's expert-data-parallel group).
    """
    t, p, e = options.tp, options.pp, options.ep
    expert = expert_params(spec) if spec is not None and spec.is_moe else 0.0
    _validate_experts(e, dp, expert)
    weight_b, grad_b, k = state_bytes_per_param(dtype, options.optimizer, options.grad_dtype, options.master_weights)
    dense = zero_model_state_bytes(
        (params - expert) / (t * p), dp, options.zero, param_bytes=weight_b, grad_bytes=grad_b, k=k
    )
    experts = zero_model_state_bytes(
        expert / (t * p * e), max(1, dp // e), options.zero, param_bytes=weight_b, grad_bytes=grad_b, k=k
    )
    return dense[0] + experts[0], dense[1] + experts[1], dense[2] + experts[2], grad_b


def _notes(activations: float | None, options: MemoryOptions, dtype: str, states: float, capacity: float) -> list[str]:
    notes = []
    if activations is None:
        notes.append("activations need an architecture and a sequence length: give a model preset or a shape")
        bound = model_state_lower_bound(states)
        if bound > capacity:
            notes.append(said("memory.states_over", states=states, bound=bound, capacity=capacity))
    if options.sp and options.tp == 1:
        notes.append("sequence parallelism has no effect without tensor parallelism")
    if dtype in ("fp8", "int8"):
        notes.append(f"{dtype} training is assumed to keep 16-bit weights and gradients (as FP8 recipes do)")
    return notes


def breakdown(  # long because the result's fields are listed one per line
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
    experts, expert-parallel) rank holds, sharded over N_d = gpus / (t·p) (``_sharded_states``).
    Activations: the first pipeline stage holds L/p layers for each of the p micro-batches in
    flight under 1F1B, i.e. L layers' worth (``activation_bytes_per_layer`` x L); with p = 1 the
    fp32 logits for the loss, 4·s·b·V/t, are added. Overhead: ``OVERHEAD_FIXED_BYTES`` +
    ``OVERHEAD_FRACTION`` of the rest. Without a shape the model states still bound the total
    from below (``model_state_lower_bound``), which can decide that it does not fit.
    """
    _validate_layout(spec, gpus, options)
    dp = gpus // (options.tp * options.pp)
    weights, gradients, optimizer, grad_b = _sharded_states(spec, params, options, dp, dtype)
    seq_len = options.seq_len or (spec.seq_len if spec is not None else None)
    act_scale = 2.0 if dtype in ("fp32", "tf32") else 1.0
    activations = first_stage_activations(spec, options, seq_len, act_scale)
    states = weights + gradients + optimizer
    overhead, total = _overhead_and_total(states, activations)
    capacity = float(accelerator.memory.m_as("B"))
    if total is not None:
        fits: bool | None = total <= capacity
    else:
        fits = False if model_state_lower_bound(states) > capacity else None
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
        fits=fits,
        tp=options.tp,
        pp=options.pp,
        dp=dp,
        ep=options.ep,
        zero=options.zero,
        sp=options.sp,
        micro_batch=options.micro_batch,
        seq_len=seq_len,
        recompute=options.recompute,
        optimizer_kind=options.optimizer,
        attention=options.attention,
        grad_bytes=grad_b,
        bubble=pipeline_bubble(options.pp, micro_batches),
        micro_batches=micro_batches,
        notes=tuple(_notes(activations, options, dtype, states, capacity)),
    )


def expert_params(spec: ModelSpec) -> float:
    """Parameters in routed experts, all of them (what expert parallelism shards): the MoE layers
    times the experts times one expert's MLP (3·d·d_ff gated, 2·d·d_ff plain)."""
    if not spec.is_moe or spec.layers is None or spec.hidden is None or not spec.experts or not spec.expert_ffn:
        return 0.0
    per_expert = (3 if spec.mlp == "gated" else 2) * spec.hidden * spec.expert_ffn
    return float((spec.layers - spec.dense_layers) * spec.experts * per_expert)


def _validate_experts(e: int, dp: int, expert_params: float) -> None:
    if e > 1 and expert_params == 0:
        raise InputError("ep", "expert parallelism needs a mixture-of-experts model (a preset or `experts`)")
    if e > 1 and dp % e:
        raise InputError("ep", f"ep ({e}) must divide the data-parallel degree ({dp})")


def validate_fixed_layout(spec: ModelSpec | None, options: MemoryOptions, fixed: frozenset[str]) -> None:
    """Checks of the options a user gave that need no GPU count: stages against layers, heads against TP."""
    if spec is None:
        return
    if "pp" in fixed and spec.layers is not None and options.pp > spec.layers:
        raise InputError("pp", f"{options.pp} pipeline stages is more than {spec.name}'s {spec.layers} layers")
    if "tp" in fixed and spec.heads is not None and spec.heads % options.tp:
        raise InputError(
            "tp", f"tensor parallelism ({options.tp}) must divide {spec.name}'s {spec.heads} attention heads"
        )
    if "ep" in fixed and spec.experts is not None and spec.experts % options.ep:
        raise InputError("ep", f"ep ({options.ep}) must divide {spec.name}'s {spec.experts} routed experts")


def _validate_layout(spec: ModelSpec | None, gpus: int, options: MemoryOptions) -> None:
    t, p = options.tp, options.pp
    if t > gpus:
        raise InputError("tp", f"tensor parallelism ({t}) cannot exceed the GPU count ({gpus})")
    if t * p > gpus:
        raise InputError("pp", f"tp x pp ({t} x {p} = {t * p}) cannot exceed the GPU count ({gpus})")
    if gpus % (t * p):
        raise InputError("gpus", f"the GPU count ({gpus}) must be a multiple of tp x pp ({t * p})")
    validate_fixed_layout(spec, options, frozenset({"tp", "pp", "ep"}))
