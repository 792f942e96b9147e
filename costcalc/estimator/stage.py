"""Training stages and fine-tuning methods in an estimate: their data, FLOPs and efficiency factor.

``resolve`` calls these around its pre-training path: ``check_stage`` on the inputs,
``stage_tokens`` for a stage's own data (a stage other than pretrain never inherits the preset's
tokens or sequence length), ``efficiency_factor`` for the fine-tuning calibration's factor
(``costcalc.data.finetune_efficiency``) on the calibrated efficiency, and ``stage_flops`` for
the FLOPs of the method and stage (``costcalc.formulas.finetune``). Full training of pretrain,
continued, long-context and sft keeps the pre-training count (6N plus attention at the stage's
length); LoRA and QLoRA count 4N + 6·N_lora; DPO adds the frozen reference's forward, a
distillation teacher its forward; PPO and GRPO (``costcalc.estimator.rl``) count generation,
scoring and training.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.data.calibration import Speedup
from costcalc.data.catalog import Catalog
from costcalc.estimator.facility import Default
from costcalc.estimator.inputs import DATA_FIELDS, EstimateInputs
from costcalc.estimator.rl import OtherModel, check_rl, is_rl, other_model, rl_count, rl_seq_len, rl_tokens
from costcalc.estimator.scenario import Assumption, Basis, Param
from costcalc.formulas.flops import CountMethod, FlopCount, FlopsPerToken, Recompute, flops_per_token
from costcalc.schemas import ModelSpec
from costcalc.schemas.training import PAIRED_STAGES, LoraTargets, Quant

if TYPE_CHECKING:
    from costcalc.formulas.finetune import TrainFlops

__all__ = [
    "DEFAULT_LORA_RANK",
    "DEFAULT_LORA_TARGETS",
    "DEFAULT_QUANT",
    "check_stage",
    "efficiency_factor",
    "stage_flops",
    "stage_of",
    "stage_seq_len",
    "stage_tokens",
    "tuning",
]

#: The issue's defaults: rank 16 on all linear layers, as the QLoRA paper recommends ("LoRA on all
#: linear transformer block layers are required to match full finetuning performance", Dettmers
#: et al. 2023, §4), and QLoRA's own storage, NF4 with double quantization (§3).
DEFAULT_LORA_RANK = 16
DEFAULT_LORA_TARGETS: LoraTargets = "all-linear"
DEFAULT_QUANT: Quant = "nf4-dq"


def stage_of(inputs: EstimateInputs) -> str:
    """The stage, pretrain when not given."""
    return inputs.stage or "pretrain"


def tuning(inputs: EstimateInputs) -> bool:
    """Whether the estimate is of anything but full pre-training."""
    return stage_of(inputs) != "pretrain" or (inputs.method or "full") != "full"


def check_stage(inputs: EstimateInputs) -> None:
    """The stage inputs that only make sense together, each refused with a one-line error."""
    stage, method = stage_of(inputs), inputs.method or "full"
    check_rl(inputs)
    if inputs.quant is not None and method != "qlora":
        raise InputError("quant", f"a quantized base needs `method` qlora (got {inputs.method or 'no `method`'})")
    for name in ("lora_rank", "lora_targets"):
        if getattr(inputs, name) is not None and method == "full":
            raise InputError(name, f"adapters need `method` lora or qlora (got {inputs.method or 'no `method`'})")
    if inputs.examples is not None and inputs.tokens is not None:
        raise InputError("examples", "give `tokens` (the total over all epochs) or `examples`, not both")
    for name in DATA_FIELDS[1:4]:
        if getattr(inputs, name) is not None and inputs.examples is None:
            raise InputError(name, f"`{name}` describes examples: give `examples` too")
    if inputs.count_bubble and tuning(inputs):
        raise InputError("count_bubble", "a fine-tuning estimate is data-parallel (no pipeline bubble); drop it")
    if inputs.precomputed_reference is not None and stage != "dpo":
        raise InputError("precomputed_reference", f"a reference model is DPO's (got `stage` {stage})")


def stage_seq_len(inputs: EstimateInputs, spec: ModelSpec | None) -> int | None:
    """The sequence length FLOPs are counted at: given, PPO/GRPO's prompt + generation, or the preset's."""
    if is_rl(inputs):
        return rl_seq_len(inputs)
    return inputs.seq_len or (spec.seq_len if spec is not None else None)


def stage_tokens(inputs: EstimateInputs, spec: ModelSpec | None) -> Default | None:
    """A stage's tokens from its own data, or None for pretrain without examples (the preset's or 20N).

    D = n·e·t·p (``example_tokens``; DPO: ``dpo_tokens``, a pair is two sequences of t/2 tokens each,
    the prompt counted in both). Any stage but pretrain needs ``--seq-len``, bounded by the model's
    context."""
    stage = stage_of(inputs)
    if stage == "pretrain" and inputs.examples is None:
        return None
    if is_rl(inputs):
        return rl_tokens(inputs, spec)
    if inputs.tokens is None and inputs.examples is None:
        raise InputError("tokens", f"`stage` {stage} needs its own data: give `tokens` or `examples`")
    if inputs.seq_len is None:
        raise InputError("seq_len", f"`stage` {stage} needs `seq_len` (a stage does not take the preset's)")
    if spec is not None and spec.max_seq_len is not None and inputs.seq_len > spec.max_seq_len:
        raise InputError("seq_len", f"{inputs.seq_len:,} is longer than {spec.name}'s context ({spec.max_seq_len:,})")
    if inputs.tokens is not None:
        basis = Basis("stage_total", {"dpo": stage == "dpo", "reference_free": stage in PAIRED_STAGES[1:]})
        return Default(inputs.tokens, Assumption("tokens", inputs.tokens, basis, kind="given", field="tokens"))
    assert inputs.examples is not None
    return _from_examples(inputs, inputs.examples, inputs.seq_len, stage in PAIRED_STAGES)


def _from_examples(inputs: EstimateInputs, n: int, seq_len: int, dpo: bool) -> Default:
    from costcalc.formulas.finetune import dpo_tokens, example_tokens  # off the pre-training path

    epochs, padding = inputs.epochs or 1, inputs.padding or "none"
    per = inputs.example_tokens or (2 * seq_len if dpo else seq_len)
    try:
        if dpo:
            tokens = dpo_tokens(n, epochs, 0.0, per / 2, per / 2, padding=padding, seq_len=seq_len)
        else:
            tokens = example_tokens(n, epochs, per, padding=padding, seq_len=seq_len)
    except ValueError as err:
        raise InputError("example_tokens", str(err)) from None
    params: dict[str, Param] = {"examples": n, "dpo": dpo, "epochs": epochs, "per_example": Q_(per, "token")}
    params |= {"per_example_given": inputs.example_tokens is not None, "padding": padding}
    params |= {"reference_free": inputs.stage in PAIRED_STAGES[1:]}
    source = "costcalc.formulas.finetune.example_tokens (Together AI's token count)"
    note = Assumption("tokens", tokens, Basis("examples", params), kind="given", source=source, field="tokens")
    return Default(tokens, note)


def efficiency_factor(
    inputs: EstimateInputs, catalog: Catalog, fp8: Speedup | None
) -> tuple[Speedup | None, Assumption | None]:
    """The fine-tuning calibration's factor and a quantized base's slowdown on the calibrated efficiency."""
    if inputs.mfu is not None or not tuning(inputs):
        return fp8, None
    from costcalc.data.finetune_calibrate import finetune_model  # fine-tuning only: off the pre-training path
    from costcalc.data.finetune_efficiency import compose, quant_factor

    quant = (inputs.quant or DEFAULT_QUANT) if inputs.method == "qlora" else None
    gpus = None if inputs.gpus is None else np.asarray(inputs.gpus.m_as("GPU"), dtype=float)
    count = float(gpus) if gpus is not None and gpus.size == 1 else None  # a sweep over GPUs: the reference count
    length = stage_seq_len(inputs, None)  # PPO/GRPO: a prompt and its generation
    calibrated = finetune_model(catalog).factor(stage_of(inputs), inputs.method or "full", count, length)
    factor = compose(calibrated, quant_factor(quant) if quant else None)
    if factor is None:
        return fp8, None
    note = Assumption("finetune_efficiency", Q_(factor.central, ""), Basis("factor", {"data": factor.basis}),
                      kind="calibrated", low=Q_(factor.low, ""), high=Q_(factor.high, ""),
                      source="costcalc/data/finetune_calibration.json, derived from finetune_runs.json; "
                      "'costcalc calibration'")  # fmt: skip
    return compose(fp8, factor), note


def stage_flops(
    inputs: EstimateInputs, spec: ModelSpec | None, shape: ModelSpec | None, flop_params: Quantity,
    tokens: Quantity, seq_len: int | None, recompute: Recompute, full: FlopCount, catalog: Catalog,
) -> tuple[FlopCount, list[Assumption], Quantity | None]:  # fmt: skip
    """The FLOPs of the stage and method, the assumptions naming them, the trainable parameters and
    the other models, and for PPO/GRPO the FLOPs of decoding (timed from memory bandwidth)."""
    method, stage = inputs.method or "full", stage_of(inputs)
    if method == "full" and stage != "dpo" and not is_rl(inputs) and inputs.teacher is None:
        if stage == "pretrain":
            return full, [], None
        return full, [_stage_note(stage, method, {"trained": flop_params, "all": True}, full.method)], None
    from costcalc.formulas.finetune import train_flops_per_token  # off the pre-training path

    forward = _forward(inputs, spec, flop_params, seq_len)
    lora = None if method == "full" else _lora(inputs, spec or shape, method)
    decode: Quantity | None = None
    notes: list[Assumption] = []
    if is_rl(inputs):
        assert seq_len is not None
        if np.ndim(flop_params.magnitude):
            raise InputError("params", f"`stage` {inputs.stage} times generation on one model's shape: sweep one "
                             "parameter count at a time, or over `model`")  # fmt: skip
        n = float(flop_params.m_as("parameter"))
        actor = OtherModel(spec.name if spec is not None else None, n, n, spec)
        count, decode, notes = rl_count(inputs, actor, forward, lora, recompute=recompute == "full", catalog=catalog,
                                        seq_len=seq_len)  # fmt: skip
    else:
        policy = train_flops_per_token(forward, method, lora, recompute=recompute == "full")
        count, notes = _data_stage(inputs, forward, policy, tokens, catalog, seq_len, method)
    how = replace(count.method, seq_len=seq_len, architecture=spec is not None and spec.has_architecture)
    count = FlopCount(model=count.model, hardware=count.hardware, method=how)
    trained: dict[str, Param] = {
        "trained": lora,
        "all": lora is None,
        "standard_shape": lora is not None and spec is None,
    }
    return count, [_stage_note(stage, method, trained, count.method, inputs, lora is not None), *notes], decode


def _data_stage(
    inputs: EstimateInputs, forward: FlopsPerToken, policy: TrainFlops, tokens: Quantity, catalog: Catalog,
    seq_len: int | None, method: str,
) -> tuple[FlopCount, list[Assumption]]:  # fmt: skip
    """A stage trained on data: SFT-like, DPO (the reference's forward) or distillation (the teacher's)."""
    from costcalc.formulas.finetune import distillation_flops, dpo_flops, forward_flops  # fine-tuning only

    epochs = float(inputs.epochs or 1)
    how = CountMethod("finetune", adapters=method != "full")
    notes: list[Assumption] = []
    if inputs.stage == "dpo":
        precomputed = bool(inputs.precomputed_reference)
        counted = dpo_flops(tokens / epochs, epochs, policy, Q_(forward.forward, "FLOP/token"), precomputed=precomputed)
        how = replace(how, dpo=True, precomputed=precomputed)
    elif inputs.teacher is not None:
        teacher = other_model(inputs.teacher, "teacher", catalog)
        teacher_forward = Q_(forward_flops(Q_(teacher.flop_params, "parameter"), teacher.spec, seq_len).forward,
                             "FLOP/token")  # fmt: skip
        precomputed = bool(inputs.precomputed_teacher)
        counted = distillation_flops(tokens / epochs, epochs, policy, teacher_forward, precomputed=precomputed)
        how = replace(how, teacher=True, precomputed=precomputed)
        source = "Hinton et al. 2015, 'Distilling the Knowledge in a Neural Network' §2"
        basis = Basis("teacher", {"precomputed": precomputed})
        notes.append(Assumption("teacher", teacher.value, basis, kind="given", source=source, field="teacher"))
    else:
        return FlopCount((tokens * policy.model).to("FLOP"), (tokens * policy.hardware).to("FLOP"), how), notes
    return FlopCount(model=counted.model, hardware=counted.hardware, method=how), notes


def _forward(inputs: EstimateInputs, spec: ModelSpec | None, params: Quantity, seq_len: int | None) -> FlopsPerToken:
    if spec is not None and spec.has_architecture and seq_len is not None:
        return flops_per_token(spec, seq_len, causal=inputs.causal)
    counts: Any = np.asarray(params.m_as("parameter"), dtype=float)  # an array in a sweep over counts
    return FlopsPerToken(layer_matmuls=2.0 * (counts if counts.ndim else float(counts)), attention_scores=0.0,
                         lm_head=0.0)  # fmt: skip


def _lora(inputs: EstimateInputs, spec: ModelSpec | None, method: str) -> Quantity:
    from costcalc.formulas.lora import lora_params  # off the pre-training path

    if spec is None or not spec.has_architecture:
        raise InputError("method", f"{method} needs the model's shape: give `model`, `config_file` or `params`")
    try:
        return lora_params(spec, inputs.lora_targets or DEFAULT_LORA_TARGETS, inputs.lora_rank or DEFAULT_LORA_RANK,
                           active=spec.is_moe)  # fmt: skip
    except ValueError as err:
        raise InputError("lora_targets", str(err)) from None


def _stage_note(stage: str, method: str, trained: dict[str, Param], how: CountMethod,
                inputs: EstimateInputs | None = None, adapters: bool = False) -> Assumption:  # fmt: skip
    params: dict[str, Param] = {"method": method, "flops": how, **trained}
    if adapters and inputs is not None:
        params |= {
            "rank": inputs.lora_rank or DEFAULT_LORA_RANK,
            "targets": inputs.lora_targets or DEFAULT_LORA_TARGETS,
        }
        params |= {"quant": (inputs.quant or DEFAULT_QUANT) if method == "qlora" else None}
    return Assumption("stage", stage, Basis("stage", params), kind="given", source="costcalc.formulas.finetune")
