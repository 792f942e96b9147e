"""The one list of what a user may give an estimate.

``EstimateInputs`` is the single source of the inputs: the API's ``estimate(**inputs)``, the CLI's
options (``costcalc.cli``), the sweepable fields (``sweepable()``), scenario files and the TUI's form
are all generated from its fields. Each field carries its help text (``description``) and, in
``json_schema_extra``, the group it is shown in; choices come from its type (``Literal``), units and
bounds from its ``QuantityOf`` marker. A new input is added here and nowhere else.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError

from costcalc.base.errors import InputError
from costcalc.base.fields import QuantityOf, SequenceLength, WholeNumber, first_error
from costcalc.base.units import Quantity
from costcalc.formulas.flops import Recompute
from costcalc.formulas.memory import Attention, GradDtype, MasterWeights, MemoryOptions, Optimizer
from costcalc.formulas.runtime import MIN_MFU
from costcalc.schemas import Dtype
from costcalc.schemas.bounds import MAX_SEQ_LEN, SHAPE_LIMITS, param_count, token_count
from costcalc.schemas.training import LoraTargets, Method, Padding, Quant, Stage

__all__ = [
    "DATA_FIELDS",
    "FINETUNE_FIELDS",
    "GROUPS",
    "SHAPE_FIELDS",
    "EstimateInputs",
    "GpuCount",
    "ParamCount",
    "Stage",
    "TokenCount",
    "validate_inputs",
]

#: Plausibility bounds: far beyond any real run, tight enough that results stay finite floats. The
#: model's bounds are ``costcalc.schemas.bounds``, shared with config files and presets.
ParamCount = param_count()
TokenCount = token_count()
GpuCount = QuantityOf("GPU", minimum=1.0, inclusive=True, maximum=1e9, whole=True)
#: Samples of the Monte Carlo: 1,000,000 take about 100 MB and a few seconds.
MAX_SAMPLES = 1_000_000
Efficiency = QuantityOf("dimensionless", minimum=MIN_MFU, inclusive=True, maximum=1.0)
#: The cheapest price taken: a hundredth of a cent per GPU-hour (1e-320 would overflow GPU-hours).
PricePerGpuHour = QuantityOf("USD/GPU/hour", minimum=1e-4, inclusive=True, maximum=10_000.0)

#: The inputs that give a model's shape on the command line (instead of a preset or a config file).
SHAPE_FIELDS = ("layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "experts", "experts_per_token")

#: The fine-tuning inputs that make ``costcalc memory`` report fine-tuning memory.
FINETUNE_FIELDS = ("stage", "method", "lora_rank", "lora_targets", "quant")
#: A stage's data given as examples (instead of ``tokens``), and DPO's reference option.
DATA_FIELDS = ("examples", "epochs", "example_tokens", "padding", "precomputed_reference")
#: The groups the inputs are shown in, in order (CLI help sections, TUI form sections).
GROUPS = ("model", "hardware", "costs", "memory", "finetune", "overheads")


def _in(group: str, **extra: Any) -> dict[str, Any]:
    return {"group": group, **extra}


def _named(description: str) -> Any:  # a fine-tuning input naming a model: a preset or a parameter count
    return Field(default=None, min_length=1, max_length=200, description=description, json_schema_extra=_in("finetune"))


def _whole(most: int, description: str) -> Any:  # a fine-tuning input: a whole number from 1 to ``most``
    return Field(default=None, le=most, description=description, json_schema_extra=_in("finetune"))


_Whole = Annotated[PositiveInt, WholeNumber]


class EstimateInputs(BaseModel):
    """What a user may give, validated; anything left out is filled from presets and defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    params: Annotated[Quantity, ParamCount] | None = Field(
        default=None, description="total parameters, e.g. 70e9 or 70B", json_schema_extra=_in("model")
    )
    active_params: Annotated[Quantity, ParamCount] | None = Field(
        default=None,
        description="parameters active per token (mixture of experts)",
        json_schema_extra=_in("model"),
    )
    model: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="model preset, e.g. llama-2-70b (fills params, architecture, tokens)",
        json_schema_extra=_in("model", sweep="categorical"),
    )
    tokens: Annotated[Quantity, TokenCount] | None = Field(
        default=None,
        description="training tokens, all epochs (default for pretrain: the model preset's, else 20 x params)",
        json_schema_extra=_in("model"),
    )
    seq_len: Annotated[PositiveInt, SequenceLength] | None = Field(
        default=None, le=MAX_SEQ_LEN, json_schema_extra=_in("model"),
        description="sequence length, e.g. 4096 or 4k (4k = 4,096; default: the model preset's)",
    )  # fmt: skip
    attention_flops: Literal["causal", "full"] | None = Field(
        default=None,
        description="attention-score FLOPs: causal counts the keys a query sees (half), full counts all "
        "(Megatron/PaLM MFU convention); default causal",
        json_schema_extra=_in("model", sweep="categorical"),
    )
    config_file: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        description="a local Hugging Face config.json to read the model's shape from (Llama, Mistral, Mixtral, "
        "Qwen2, GPT-NeoX, Falcon, DeepSeek-V3, GPT-2)",
        json_schema_extra=_in("model", option="model-config"),
    )
    layers: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["layers"], description="transformer layers (a shape instead of a preset)",
        json_schema_extra=_in("model"),
    )  # fmt: skip
    hidden: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["hidden"], description="hidden size d_model", json_schema_extra=_in("model")
    )
    heads: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["heads"], description="attention (query) heads", json_schema_extra=_in("model")
    )
    kv_heads: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["kv_heads"], description="key/value heads for GQA/MQA (default: heads)",
        json_schema_extra=_in("model"),
    )  # fmt: skip
    ffn: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["ffn"],
        description="MLP inner size, gated (SwiGLU); default: Llama's rule from hidden", json_schema_extra=_in("model"),
    )  # fmt: skip
    vocab: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["vocab"], description="vocabulary (embedding rows)",
        json_schema_extra=_in("model"),
    )  # fmt: skip
    experts: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=SHAPE_LIMITS["experts"],
        description="routed experts per layer (mixture of experts; each of size --ffn)", json_schema_extra=_in("model"),
    )  # fmt: skip
    experts_per_token: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None,
        le=SHAPE_LIMITS["experts_per_token"],
        description="experts each token is routed to",
        json_schema_extra=_in("model"),
    )
    gpu: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="accelerator or node preset, e.g. a100, h100, dgx-a100 (default: A100-80GB)",
        json_schema_extra=_in("hardware", sweep="categorical"),
    )
    gpus: Annotated[Quantity, GpuCount] | None = Field(
        default=None, description="number of GPUs (needed for wall-clock)", json_schema_extra=_in("hardware")
    )
    nodes: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=100_000_000, description="number of nodes of a node preset such as dgx-a100",
        json_schema_extra=_in("hardware", sweep="categorical"),
    )  # fmt: skip
    dtype: Dtype | None = Field(
        default=None, description="precision (default: bf16)", json_schema_extra=_in("hardware", sweep="categorical")
    )
    mfu: Annotated[Quantity, Efficiency] | None = Field(
        default=None,
        description="efficiency (model FLOPs utilisation), 0.1% to 100%; default: calibrated",
        json_schema_extra=_in("hardware"),
    )
    price: Annotated[Quantity, PricePerGpuHour] | None = Field(
        default=None,
        description="price per GPU-hour, e.g. 2.5 or '2.5 USD/GPU/h' (default: observed median)",
        json_schema_extra=_in("costs"),
    )
    power: Annotated[Quantity, QuantityOf("W", minimum=1.0, inclusive=True, maximum=100_000.0)] | None = Field(
        default=None,
        description="power per GPU, e.g. '700 W' (default: TDP, or node power / GPUs)",
        json_schema_extra=_in("costs"),
    )
    pue: Annotated[Quantity, QuantityOf("dimensionless", minimum=1.0, inclusive=True, maximum=5.0)] | None = Field(
        default=None, description="datacenter PUE (default: median of published figures)",
        json_schema_extra=_in("costs"),
    )  # fmt: skip
    carbon_intensity: (
        Annotated[Quantity, QuantityOf("gCO2e/kWh", minimum=0.0, inclusive=True, maximum=5000.0)] | None
    ) = Field(
        default=None,
        description="grid intensity, e.g. '385 gCO2e/kWh' (default: median of published)",
        json_schema_extra=_in("costs"),
    )
    recompute: Recompute | None = Field(
        default=None,
        description="activation recomputation (default: the least that fits)",
        json_schema_extra=_in("memory"),
    )
    zero: Annotated[int, WholeNumber] | None = Field(
        default=None, ge=0, le=3, description="ZeRO stage 0-3 (3 = FSDP full sharding; default 1)",
        json_schema_extra=_in("memory"),
    )  # fmt: skip
    tp: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=1024, description="tensor-parallel degree (default: chosen by costcalc)",
        json_schema_extra=_in("memory"),
    )  # fmt: skip
    pp: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=10_000, description="pipeline-parallel stages (default: chosen by costcalc)",
        json_schema_extra=_in("memory"),
    )  # fmt: skip
    sp: bool | None = Field(
        default=None, description="sequence parallelism (with --tp)", json_schema_extra=_in("memory")
    )
    ep: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=10_000, description="expert-parallel degree for mixture-of-experts models (default 1)",
        json_schema_extra=_in("memory"),
    )  # fmt: skip
    micro_batch: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=1_000_000, description="micro-batch size in sequences (default 1)",
        json_schema_extra=_in("memory"),
    )  # fmt: skip
    optimizer: Optimizer | None = Field(
        default=None, description="optimizer (default: adamw)", json_schema_extra=_in("memory")
    )
    attention: Attention | None = Field(
        default=None,
        description="attention kernel: flash never stores the s x s scores, eager does (default: flash)",
        json_schema_extra=_in("memory"),
    )
    grad_dtype: GradDtype | None = Field(
        default=None,
        description="gradient precision: bf16 is the ZeRO paper's 16 bytes per parameter, fp32 Megatron's "
        "main gradients (18 bytes) (default: bf16)",
        json_schema_extra=_in("memory"),
    )
    master_weights: MasterWeights | None = Field(
        default=None,
        description="fp32 master copy of the weights in the optimizer state, or none (default: fp32)",
        json_schema_extra=_in("memory"),
    )
    stage: Stage | None = Field(
        default=None,
        description="training stage: pretrain, continued, long-context, sft, dpo (chosen and rejected sequences; "
        "a reference forward unless --precomputed-reference), orpo, simpo (no reference), ppo, grpo; "
        "default pretrain. A stage other than pretrain needs its own data and --seq-len (not ppo or grpo)",
        json_schema_extra=_in("finetune", sweep="categorical"),
    )
    method: Method | None = Field(
        default=None,
        description="which weights train: full (default), lora (frozen 16-bit base + adapters), qlora "
        "(quantized base + adapters)",
        json_schema_extra=_in("finetune", sweep="categorical"),
    )
    lora_rank: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=65_536, description="LoRA rank r (default 16)", json_schema_extra=_in("finetune"),
    )  # fmt: skip
    lora_targets: LoraTargets | None = Field(
        default=None, description="matrices LoRA adapts (default all-linear, as the QLoRA paper recommends)",
        json_schema_extra=_in("finetune"),
    )  # fmt: skip
    quant: Quant | None = Field(
        default=None, description="storage of qlora's frozen base: nf4 (4.5 bits), nf4-dq (4.127 bits; default) "
        "or int8", json_schema_extra=_in("finetune"),
    )  # fmt: skip
    examples: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=10**12, description="training examples (DPO: pairs), instead of --tokens",
        json_schema_extra=_in("finetune"),
    )  # fmt: skip
    epochs: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=10_000, description="passes over the examples (default 1)", json_schema_extra=_in("finetune")
    )
    example_tokens: Annotated[PositiveInt, WholeNumber] | None = Field(
        default=None, le=MAX_SEQ_LEN,
        description="mean tokens per example, prompt included (DPO: the pair, both completions; "
        "default: --seq-len, an upper bound)", json_schema_extra=_in("finetune"),
    )  # fmt: skip
    padding: Padding | None = Field(
        default=None,
        description="none: packed (default); batch: padded to the longest in each batch (x2, Krell et al. "
        "2021); max: padded to --seq-len",
        json_schema_extra=_in("finetune"),
    )
    precomputed_reference: bool | None = Field(
        default=None,
        description="DPO: the reference log-probabilities are computed once, not every epoch",
        json_schema_extra=_in("finetune"),
    )
    reward_model: str | None = _named("PPO/GRPO: reward model, a preset or a count, e.g. 350M (default: the policy's)")
    critic_model: str | None = _named("PPO: the critic, a preset or a count such as 350M (default: the policy's model)")
    prompt_tokens: _Whole | None = _whole(MAX_SEQ_LEN, "PPO/GRPO: mean tokens per prompt")
    generated_tokens: _Whole | None = _whole(MAX_SEQ_LEN, "PPO/GRPO: mean tokens generated per sample (memory-bound)")
    group_size: _Whole | None = _whole(65_536, "GRPO: samples generated per prompt (default 8)")
    ppo_epochs: _Whole | None = _whole(1_000, "PPO/GRPO: optimisation passes over each batch of samples (default 1)")
    generation_batch: _Whole | None = _whole(1_000_000, "PPO/GRPO: sequences decoded together per copy (default 16)")
    teacher: str | None = _named("distillation: the teacher, a preset or a count such as 13B (a forward per token)")
    precomputed_teacher: bool | None = Field(default=None, json_schema_extra=_in("finetune"), description="dis"
        "tillation: the teacher's outputs are computed once beforehand (one forward pass, no weights)")  # fmt: skip
    setup_time: Annotated[Quantity, QuantityOf("hour", scalar=True, inclusive=True, maximum=1000.0)] | None = Field(
        default=None, json_schema_extra=_in("overheads"), description="fixed time per run (loading, quantizing, "
        "saving), e.g. '10 min'; default for a fine-tuning stage: 5.6 min (range 1.2 to 26)")  # fmt: skip
    goodput: (
        Annotated[Quantity, QuantityOf("dimensionless", scalar=True, minimum=0.05, inclusive=True, maximum=1.0)] | None
    ) = Field(
        default=None,
        description="share of wall-clock doing useful steps (failures, restarts), e.g. 0.9",
        json_schema_extra=_in("overheads"),
    )
    checkpoint_overhead: (
        Annotated[Quantity, QuantityOf("dimensionless", scalar=True, inclusive=True, maximum=0.9)] | None
    ) = Field(
        default=None, description="share of time spent checkpointing, e.g. 2%", json_schema_extra=_in("overheads")
    )
    eval_overhead: Annotated[Quantity, QuantityOf("dimensionless", scalar=True, inclusive=True, maximum=0.9)] | None = (
        Field(
            default=None, description="share of time spent on evaluation, e.g. 1%", json_schema_extra=_in("overheads")
        )
    )
    count_bubble: bool = Field(
        default=False,
        description="stretch wall-clock by the layout's pipeline bubble",
        json_schema_extra=_in("overheads"),
    )
    samples: Annotated[int, WholeNumber] | None = Field(
        default=None,
        ge=100,
        le=MAX_SAMPLES,
        description="Monte Carlo samples for P10/P50/P90 (e.g. 100000; default: analytic range)",
        json_schema_extra=_in("overheads", scenario=False),
    )
    seed: Annotated[int, WholeNumber] = Field(
        default=0, ge=0, le=2**63 - 1, description="random seed for --samples (default 0)",
        json_schema_extra=_in("overheads", scenario=False),
    )  # fmt: skip

    @property
    def causal(self) -> bool:
        """Whether attention-score FLOPs count only the keys a causal query sees (the default)."""
        return self.attention_flops != "full"

    def shape_given(self) -> bool:
        """True when the user gave a shape (a config file or any shape option)."""
        return self.config_file is not None or any(getattr(self, f) is not None for f in SHAPE_FIELDS)

    def memory_options(self) -> MemoryOptions:
        """The memory settings, with MemoryOptions' defaults for anything not given."""
        names = ("zero", "tp", "pp", "sp", "ep", "micro_batch", "optimizer", "recompute", "seq_len", "attention")
        given = {f: getattr(self, f) for f in (*names, "grad_dtype", "master_weights")}
        return MemoryOptions(**{k: v for k, v in given.items() if v is not None})


def field_extra(name: str) -> dict[str, Any]:
    """What an input's field declares besides its type: group, option name, CLI, scenario, sweep."""
    extra = EstimateInputs.model_fields[name].json_schema_extra
    return extra if isinstance(extra, dict) else {}


@cache
def spellings() -> dict[str, str]:
    """Other names an input is known by -> the input: its command-line option's (``model_config``
    for ``config_file``, the option being ``--model-config``)."""
    out: dict[str, str] = {}
    for name in EstimateInputs.model_fields:
        option = field_extra(name).get("option")
        if option and option.replace("-", "_") != name:
            out[str(option).replace("-", "_")] = name
    return out


def _spelled(values: dict[str, Any]) -> dict[str, Any]:
    """Inputs under their own names: an option's spelling taken, an unknown name refused with the
    nearest known ones."""
    out = dict(values)
    for other, name in spellings().items():
        if other in out:
            if name in out:
                raise InputError(other, f"give {other} or {name}, not both (they are the same input)")
            out[name] = out.pop(other)
    known = [*EstimateInputs.model_fields, *spellings()]
    for key in out:
        if key not in EstimateInputs.model_fields:
            import difflib  # only for a name not known (start-up: off the estimate path)

            close = difflib.get_close_matches(str(key).replace("-", "_").lower(), known, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else "; help(costcalc.estimate) lists the inputs"
            raise InputError(str(key), f"is not a known field{hint}")
    return out


def validate_inputs(values: dict[str, Any]) -> EstimateInputs:
    """Validate a user's inputs once; the first problem becomes an ``InputError`` naming the field.

    An input may also be given by its command-line option's name (``model_config=`` for
    ``config_file``); an unknown name is refused with the nearest known ones."""
    try:
        return EstimateInputs.model_validate(_spelled(values))
    except ValidationError as err:
        field, message = first_error(err)
        raise InputError(field, message) from None
