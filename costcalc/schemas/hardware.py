"""Validated descriptions of hardware and models: what a preset file holds.

Every figure in a preset carries its source: each spec has a ``sources`` table mapping field
names to citations, and validation fails if a figure is given without one.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from costcalc.base.fields import Count, QuantityOf, SeqLen, WholeCount
from costcalc.base.units import Quantity
from costcalc.schemas.bounds import SHAPE_LIMITS, param_count, token_count

__all__ = [
    "DTYPES",
    "AcceleratorSpec",
    "Dtype",
    "ModelSpec",
    "NodeSpec",
    "PriceObservation",
    "PurchaseObservation",
]

Dtype = Literal["fp32", "tf32", "bf16", "fp16", "fp8", "int8"]
DTYPES: tuple[str, ...] = ("fp32", "tf32", "bf16", "fp16", "fp8", "int8")

Throughput = Annotated[Quantity, QuantityOf("TFLOP/s", scalar=True)]
Price = Annotated[Quantity, QuantityOf("USD/GPU/hour", scalar=True)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    sources: dict[str, str] = Field(default_factory=dict)

    #: Fields that are figures and therefore need an entry in ``sources``.
    sourced_fields: ClassVar[tuple[str, ...]] = ()

    def missing_sources(self) -> list[str]:
        """Figures given without a citation in ``sources`` (the built-in presets have none)."""
        return [
            name
            for name in self.sourced_fields
            if getattr(self, name) not in (None, {}, ()) and not self.sources.get(name)
        ]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class PriceObservation(BaseModel):
    """One observed price per accelerator-hour: a list price, rate card, market price or survey."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    low: Price
    high: Price | None = None
    kind: Literal["list", "rate-card", "market", "reserved", "survey", "assumed"]
    provider: str
    date: str
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> PriceObservation:
        if self.high is not None and self.high < self.low:
            raise ValueError("high must not be below low")
        return self

    @property
    def midpoint(self) -> Quantity:
        return self.low if self.high is None else (self.low + self.high) / 2


class PurchaseObservation(BaseModel):
    """A purchase price per GPU; ``includes_server`` when it is a whole server's price divided by its GPUs."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    usd: Annotated[Quantity, QuantityOf("USD", scalar=True)]
    includes_server: bool
    date: str
    source: str = Field(min_length=1)


class AcceleratorSpec(_Spec):
    """One accelerator (GPU or TPU chip): dense peaks per dtype, memory, power, prices."""

    vendor: str
    generation: str = Field(description="architecture family, used to group calibration runs")
    peak: dict[Dtype, Throughput] = Field(description="dense (no 2:4 sparsity) peak per dtype")
    memory: Annotated[Quantity, QuantityOf("GB", scalar=True)]
    memory_bandwidth: Annotated[Quantity, QuantityOf("TB/s", scalar=True)]
    tdp: Annotated[Quantity, QuantityOf("W", scalar=True)] | None = Field(
        default=None, description="board power; None where the vendor publishes none"
    )
    interconnect: Annotated[Quantity, QuantityOf("GB/s", scalar=True)] | None = None
    interconnect_name: str | None = None
    release: str | None = None
    prices: tuple[PriceObservation, ...] = ()
    purchase: tuple[PurchaseObservation, ...] = ()
    price_proxy: str | None = Field(
        default=None, description="accelerator whose prices stand in when this one has none"
    )
    sourced_fields = (
        "peak",
        "memory",
        "memory_bandwidth",
        "tdp",
        "interconnect",
        "release",
        "price_proxy",
    )

    @model_validator(mode="after")
    def _has_a_training_peak(self) -> AcceleratorSpec:
        if not any(d in self.peak for d in ("bf16", "fp16")):
            raise ValueError("peak needs a bf16 or fp16 entry")
        return self


class NodeSpec(_Spec):
    """A whole server (e.g. DGX A100): a number of one accelerator plus host power."""

    accelerator: str
    count: Count
    power: Annotated[Quantity, QuantityOf("W", scalar=True)] = Field(description="maximum system power")
    interconnect: str | None = None
    cpus: str | None = None
    host_memory: Annotated[Quantity, QuantityOf("GB", scalar=True)] | None = None
    sourced_fields = ("accelerator", "count", "power", "interconnect", "cpus", "host_memory")


_LIMIT = SHAPE_LIMITS


class ModelSpec(_Spec):
    """A model: its stated size and, where published, its transformer shape.

    The architecture fields follow the usual symbols: ``layers`` (l), ``hidden`` (h, d_model),
    ``heads`` (query heads), ``kv_heads`` (GQA/MQA groups), ``head_dim`` (defaults to h/heads),
    ``ffn`` (MLP inner size), ``vocab`` (V, embedding rows stored), ``seq_len`` (s, the length it
    is trained at), ``max_seq_len`` (the longest context it supports, which bounds ``seq_len``) and
    ``sliding_window`` (w: a query attends to at most the w latest keys, as in Mistral).
    Every value is bounded by ``costcalc.schemas.bounds``, as the command-line options are.
    MoE models add ``experts``, ``experts_per_token``, ``shared_experts``, ``expert_ffn``,
    ``dense_layers`` (leading layers with a dense MLP of size ``ffn``) and ``router_bias``.
    Multi-head latent attention (DeepSeek-V2/V3) adds ``kv_lora_rank`` (d_c), ``q_lora_rank`` (d_c',
    None for a full-rank query), ``qk_rope_head_dim`` (d_h^R) and ``v_head_dim``; ``head_dim`` is
    then the non-RoPE query/key dimension per head. ``qkv_bias`` marks biases on the Q, K and V
    projections only (Qwen2), ``linear_bias`` on every linear layer.
    """

    params: Annotated[Quantity, param_count(scalar=True)]
    active_params: Annotated[Quantity, param_count(scalar=True)] | None = None
    tokens: Annotated[Quantity, token_count(scalar=True)] | None = None
    layers: Annotated[Count, Field(le=_LIMIT["layers"])] | None = None
    hidden: Annotated[Count, Field(le=_LIMIT["hidden"])] | None = None
    heads: Annotated[Count, Field(le=_LIMIT["heads"])] | None = None
    kv_heads: Annotated[Count, Field(le=_LIMIT["kv_heads"])] | None = None
    head_dim: Annotated[Count, Field(le=_LIMIT["head_dim"])] | None = None
    ffn: Annotated[Count, Field(le=_LIMIT["ffn"])] | None = None
    mlp: Literal["gated", "plain"] | None = None
    vocab: Annotated[Count, Field(le=_LIMIT["vocab"])] | None = None
    seq_len: Annotated[SeqLen, Field(le=_LIMIT["seq_len"])] | None = None
    max_seq_len: Annotated[SeqLen, Field(le=_LIMIT["max_seq_len"])] | None = None
    sliding_window: Annotated[SeqLen, Field(le=_LIMIT["sliding_window"])] | None = None
    tied_embeddings: bool = False
    norm: Literal["rmsnorm", "layernorm", "layernorm_nobias"] = "rmsnorm"
    norms_per_layer: WholeCount = Field(default=2, ge=0, le=4)
    linear_bias: bool = False
    qkv_bias: bool = False
    embedding_norm: bool = False
    learned_positions: WholeCount = Field(default=0, ge=0, le=_LIMIT["learned_positions"])
    experts: Annotated[Count, Field(le=_LIMIT["experts"])] | None = None
    experts_per_token: Annotated[Count, Field(le=_LIMIT["experts_per_token"])] | None = None
    shared_experts: WholeCount = Field(default=0, ge=0, le=_LIMIT["shared_experts"])
    expert_ffn: Annotated[Count, Field(le=_LIMIT["expert_ffn"])] | None = None
    dense_layers: WholeCount = Field(default=0, ge=0, le=_LIMIT["dense_layers"])
    router_bias: bool = False
    kv_lora_rank: Annotated[Count, Field(le=_LIMIT["kv_lora_rank"])] | None = None
    q_lora_rank: Annotated[Count, Field(le=_LIMIT["q_lora_rank"])] | None = None
    qk_rope_head_dim: WholeCount = Field(default=0, ge=0, le=_LIMIT["qk_rope_head_dim"])
    v_head_dim: Annotated[Count, Field(le=_LIMIT["v_head_dim"])] | None = None
    architecture_note: str | None = None
    sourced_fields = ("params", "active_params", "tokens", "layers")

    @property
    def has_architecture(self) -> bool:
        """True when the shape is complete enough for the architecture-aware FLOP count."""
        core = (self.layers, self.hidden, self.heads, self.ffn, self.mlp, self.vocab)
        return all(v is not None for v in core)

    @property
    def is_moe(self) -> bool:
        return self.experts is not None

    @property
    def is_mla(self) -> bool:
        """Multi-head latent attention: keys and values from a compressed latent (DeepSeek-V2/V3)."""
        return self.kv_lora_rank is not None

    @model_validator(mode="after")
    def _consistent_shape(self) -> ModelSpec:
        if self.heads and self.kv_heads and self.heads % self.kv_heads:
            raise ValueError(f"heads ({self.heads}) must be a multiple of kv_heads ({self.kv_heads})")
        if self.hidden and self.heads and self.head_dim is None and self.hidden % self.heads:
            raise ValueError("hidden must be divisible by heads unless head_dim is given")
        if self.is_mla and (self.head_dim is None or self.kv_heads is not None):
            raise ValueError("multi-head latent attention needs head_dim and has no kv_heads")
        if self.is_moe and (self.experts_per_token is None or self.expert_ffn is None):
            raise ValueError("an MoE model needs experts_per_token and expert_ffn")
        if self.experts and self.experts_per_token and self.experts_per_token > self.experts:
            raise ValueError("experts_per_token cannot exceed experts")
        if self.layers is not None and self.dense_layers > self.layers:
            raise ValueError("dense_layers cannot exceed layers")
        if self.seq_len and self.max_seq_len and self.seq_len > self.max_seq_len:
            raise ValueError(
                f"seq_len ({self.seq_len:,}) is longer than the model's context, max_seq_len ({self.max_seq_len:,})"
            )
        if self.active_params is not None and self.active_params > self.params:
            raise ValueError("active_params cannot exceed params")
        return self
