"""Filling in what the user left out: one small function per default, each with its explanation.

Every function returns the value it settled on and the ``Assumption`` that says why (None when the
user gave the value and there is nothing to explain). ``resolve`` strings them together into the
``Scenario`` that ``costcalc.estimator.compute`` runs the formulas on. ``costcalc plan`` calls the
hardware, efficiency and price functions directly, so a plan and an estimate use the same defaults.
The defaults taken from facility observations (power, PUE, carbon intensity) are in
``costcalc.estimator.facility``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import ValidationError

from costcalc.base.errors import InputError
from costcalc.base.fields import first_error
from costcalc.base.parse import format_count, unit_of
from costcalc.base.units import Q_, Quantity
from costcalc.data.calibrate import efficiency_model
from costcalc.data.calibration import FP8_SPEEDUP, RunSummary, Speedup
from costcalc.data.catalog import Catalog
from costcalc.data.defaults import price_default
from costcalc.data.model_config import read_model_config
from costcalc.data.thresholds import load_thresholds
from costcalc.estimator import guards
from costcalc.estimator.facility import (
    Default,
    Hardware,
    observed_default,
    resolve_carbon_intensity,
    resolve_power,
    resolve_pue,
)
from costcalc.estimator.inputs import SHAPE_FIELDS, EstimateInputs
from costcalc.estimator.layouts import plan_memory
from costcalc.estimator.overheads import overheads
from costcalc.estimator.scenario import Assumption, Scenario
from costcalc.formulas.flops import dense_training_flops, llama_ffn, parameter_count, training_flops
from costcalc.formulas.scaling import TOKENS_PER_PARAMETER
from costcalc.schemas import DTYPES, AcceleratorSpec, Dtype, ModelSpec, NodeSpec

__all__ = [
    "DEFAULT_GPU",
    "Default",
    "Hardware",
    "resolve",
    "resolve_dtype",
    "resolve_efficiency",
    "resolve_hardware",
    "resolve_model_shape",
    "resolve_price",
]

#: The accelerator assumed when none is named: the article's "A100" is the 80 GB SXM part.
DEFAULT_GPU = "A100-80GB"


_COUNT_NAMES = {"token": "tokens", "parameter": "parameters", "GPU": "GPUs"}


def quantity_text(q: Quantity) -> str:
    """A count for an assumption line: '1.4T tokens', or '5 values, 1B to 70B parameters'."""
    unit = next((u for u in _COUNT_NAMES if q.units == unit_of(u)), None)
    name = _COUNT_NAMES[unit] if unit else f"{q.units:~P}"
    m = np.asarray(q.magnitude, dtype=float)

    def show(v: float) -> str:
        return format_count(v) if unit else f"{v:.4g}"

    if m.size == 1:
        return f"{show(float(m.reshape(-1)[0]))} {name}".strip()
    return f"{m.size} values, {show(float(m.min()))} to {show(float(m.max()))} {name}".strip()


DEFAULT_SHAPE_SEQ_LEN = 4096  #: the sequence length of a shape given by options, unless --seq-len says


def resolve_model_shape(inputs: EstimateInputs) -> tuple[ModelSpec | None, list[Assumption]]:
    """A shape the user brought: a local config.json (``--model-config``) or the shape options."""
    if not inputs.shape_given():
        return None, []
    if inputs.model is not None or inputs.params is not None or inputs.active_params is not None:
        raise InputError("params", "give a model preset, params, or a shape (config file or --layers ...), not two")
    if inputs.config_file is not None:
        if any(getattr(inputs, f) is not None for f in SHAPE_FIELDS):
            raise InputError("layers", "give either a config file or the shape options, not both")
        spec = read_model_config(inputs.config_file, inputs.seq_len)
        seq = "" if inputs.seq_len else f"; sequence length {spec.seq_len} from the config's context length"
        return spec, [Assumption(name="model", value=spec.name, basis=f"shape from the file{seq}", given=True)]
    for missing in (f for f in ("layers", "hidden", "heads", "vocab") if getattr(inputs, f) is None):
        raise InputError(missing, "a shape needs --layers, --hidden, --heads and --vocab (and optionally more)")
    if (inputs.experts is None) != (inputs.experts_per_token is None):
        raise InputError("experts", "a mixture of experts needs both --experts and --experts-per-token")
    shape = {f: getattr(inputs, f) for f in SHAPE_FIELDS if getattr(inputs, f) is not None}
    ffn = inputs.ffn or llama_ffn(shape["hidden"])
    seq_len = inputs.seq_len or DEFAULT_SHAPE_SEQ_LEN
    shape.update(ffn=ffn, mlp="gated", seq_len=seq_len, expert_ffn=inputs.experts and ffn)
    try:
        draft = ModelSpec(name="your shape", params=Q_(1.0, "parameter"), **shape)
    except ValidationError as err:
        field, message = first_error(err)
        raise InputError(field, message) from None
    active = Q_(float(parameter_count(draft, active=True)), "parameter") if draft.is_moe else None
    spec = draft.model_copy(update={"params": Q_(float(parameter_count(draft)), "parameter"), "active_params": active})
    basis = "your shape: SwiGLU MLP, untied embeddings, RMSNorm" + (
        "" if inputs.ffn else f", MLP {ffn} by Llama's rule"
    )
    basis += "" if inputs.seq_len else f", sequence length {DEFAULT_SHAPE_SEQ_LEN} (default; give --seq-len)"
    value = f"{format_count(float(spec.params.m))} parameters"
    return spec, [Assumption(name="model", value=value, basis=basis, given=True)]


def resolve_model(
    inputs: EstimateInputs, catalog: Catalog
) -> tuple[ModelSpec | None, Quantity, Quantity | None, list[Assumption]]:
    """The model: a preset, a shape the user brought, or a parameter count; total and active parameters."""
    spec, notes = resolve_model_shape(inputs)
    if spec is not None:
        params, active = spec.params, spec.active_params
    elif inputs.model is not None:
        if inputs.params is not None or inputs.active_params is not None:
            raise InputError("params", "give either a model preset or params/active_params, not both")
        spec = catalog.model(inputs.model)
        params, active = spec.params, spec.active_params
        source = spec.sources.get("layers", spec.sources.get("params", ""))
        notes.append(Assumption(name="model", value=spec.name, basis="model preset", given=True, source=source))
    elif inputs.params is not None:
        params, active = inputs.params, inputs.active_params
        if active is not None and np.any(np.asarray(active.m_as("parameter")) > np.asarray(params.m_as("parameter"))):
            raise InputError("active_params", "cannot exceed params")
    else:
        raise InputError("params", "required: give params (e.g. 70B), a model preset (e.g. llama-2-70b) or a shape")
    if active is not None:
        basis = "mixture of experts: FLOPs use the parameters active per token"
        given = spec is None or inputs.shape_given()
        notes.append(Assumption(name="active params", value=quantity_text(active), basis=basis, given=given))
    return spec, params, active, notes


def resolve_tokens(inputs: EstimateInputs, spec: ModelSpec | None, flop_params: Quantity, moe: bool) -> Default:
    """Training tokens: given, the preset's, or the compute-optimal 20 per parameter."""
    if inputs.tokens is not None:
        return Default(inputs.tokens)
    if spec is not None and spec.tokens is not None:
        basis = f"from the {spec.name} preset"
        note = Assumption(
            name="tokens", value=quantity_text(spec.tokens), basis=basis, source=spec.sources.get("tokens", "")
        )
        return Default(spec.tokens, note)
    tokens = (flop_params * Q_(TOKENS_PER_PARAMETER, "token/parameter")).to("token")
    what = "active parameter" if moe else "parameter"
    note = Assumption(
        name="tokens",
        value=quantity_text(tokens),
        basis=f"compute-optimal default: {TOKENS_PER_PARAMETER:g} tokens per {what}",
        source="Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models' (Chinchilla)",
    )
    return Default(tokens, note)


def resolve_hardware(gpu: str | None, catalog: Catalog) -> Hardware:
    """The named accelerator or node preset, else the default accelerator."""
    found = catalog.hardware(gpu or DEFAULT_GPU)
    if isinstance(found, NodeSpec):
        name, accelerator, node = found.name, catalog.accelerator(found.accelerator), found
    else:
        name, accelerator, node = found.name, found, None
    note = Assumption(
        name="gpu",
        value=name + (f" ({node.count}x {accelerator.name})" if node else ""),
        basis="given" if gpu else "default accelerator (the article's 'A100' is the 80 GB SXM part)",
        given=gpu is not None,
    )
    return Hardware(name, accelerator, node, note)


def resolve_gpus(inputs: EstimateInputs, hardware: Hardware) -> Default:
    """The GPU count: given, or nodes x GPUs per node (then said, so the count is never hidden)."""
    if inputs.nodes is not None and inputs.gpus is not None:
        raise InputError("nodes", "give either gpus or nodes, not both")
    if inputs.nodes is None:
        return Default(inputs.gpus)
    if hardware.node is None:
        raise InputError(
            "nodes", f"{hardware.name} is a single accelerator; give gpus, or a node preset such as DGX-A100"
        )
    count = inputs.nodes * hardware.node.count
    note = Assumption(
        name="gpus",
        value=f"{count:,} GPUs",
        basis=f"{inputs.nodes:,} {hardware.name} nodes x {hardware.node.count} GPUs",
        given=True,
    )
    return Default(Q_(float(count), "GPU"), note)


def resolve_dtype(
    given: Dtype | None, accelerator: AcceleratorSpec, *, efficiency_given: bool = False
) -> tuple[Dtype, Quantity, Assumption, Speedup | None]:
    """The training precision, the dense peak the efficiency is applied to, and any stated speed-up.

    The default efficiency is calibrated against the dense bf16 peak (fp16 where there is no
    bf16). bf16 and fp16 use that peak; fp32 and tf32 use their own, slower one. fp8 with the
    default efficiency keeps the bf16 peak and multiplies by ``FP8_SPEEDUP``, a stated assumption
    (applying a bf16-calibrated efficiency to the fp8 peak would be a free 2x). An efficiency you
    give is taken as yours for the precision you give, on its own peak. int8 is refused: no
    published training run in int8 calibrates it.
    """
    if given == "int8":
        raise InputError(
            "dtype", "int8 training is not modelled (no published run calibrates it); use bf16, fp16 or fp8"
        )
    if given is not None and given not in accelerator.peak:
        have = ", ".join(d for d in DTYPES if d in accelerator.peak and d != "int8")
        raise InputError("dtype", f"{accelerator.name} has no {given} peak; choose one of {have}")
    reference: Dtype = "bf16" if "bf16" in accelerator.peak else "fp16"
    dtype = given or reference
    if given is None:
        basis = "default: mixed-precision training" + ("" if dtype == "bf16" else f" ({accelerator.name} has no bf16)")
    elif efficiency_given:
        basis = f"given; the efficiency you give is of the {dtype} peak"
    else:
        basis = "given"
    speedup = FP8_SPEEDUP if dtype == "fp8" and not efficiency_given else None
    peak = accelerator.peak[reference if speedup else dtype]
    value = f"{peak.m_as('TFLOP/s'):g} TFLOP/s ({reference if speedup else dtype}, dense)"
    if speedup is not None:
        fp8_peak = accelerator.peak["fp8"].m_as("TFLOP/s")
        value += f" x fp8 speed-up {speedup.central:g} (range {speedup.low:g} to {speedup.high:g})"
        basis = f"given fp8; not the fp8 peak ({fp8_peak:g} TFLOP/s): the speed-up over bf16 is {speedup.basis}"
    elif dtype in ("fp32", "tf32") and not efficiency_given:
        basis += f"; the calibrated efficiency (of the {reference} peak) is applied to this slower peak"
    note = Assumption(
        name="peak",
        value=value,
        basis=basis,
        given=given is not None,
        source=accelerator.sources.get("peak", ""),
    )
    return dtype, peak, note, speedup


def _evidence_note(runs: tuple[RunSummary, ...], generation: str) -> Assumption:
    """The published runs nearest to the estimate, with the efficiency each implies."""

    def shown(r: RunSummary) -> str:
        size = format_count(r.params) + (" active" if r.moe else "")
        return f"{r.id} ({size}, {r.accelerator}{', fp8' if r.precision == 'fp8' else ''}) {r.implied_mfu:.1%}"

    same = all(r.generation == generation for r in runs)
    where = f"of {generation}" if same else f"of any generation (no {generation} runs)"
    return Assumption(
        name="nearest runs",
        value="; ".join(shown(r) for r in runs),
        basis=f"published runs {where} nearest in active parameters, each with its MFU of 6·N·D FLOPs",
        source="presets/runs.toml; 'costcalc calibration' lists every run",
    )


def _typical(values: Any) -> float:
    """One value, or the geometric mean of a sweep's values (for an assumption line)."""
    return float(np.exp(np.mean(np.log(np.asarray(values, dtype=float)))))


def _percent(values: Any) -> str:
    """One MFU ('40.1%') or the span of an array of them ('38.2% to 40.1%')."""
    m = np.asarray(values, dtype=float).reshape(-1)
    return f"{m.min():.1%} to {m.max():.1%}" if m.size > 1 and m.min() != m.max() else f"{m[0]:.1%}"


def resolve_efficiency(
    given: Quantity | None,
    accelerator: AcceleratorSpec,
    catalog: Catalog,
    *,
    flop_params: Quantity,
    moe: bool = False,
    flop_ratio: Any = 1.0,
    speedup: Speedup | None = None,
) -> Default:
    """The efficiency (MFU) applied to the counted FLOPs: given, or calibrated on published runs.

    The calibration predicts a reference MFU (of 6·N·D FLOPs, on the bf16 peak) from the
    accelerator's generation, the active parameters ``flop_params`` and ``moe``. The efficiency
    applied to the FLOPs the estimate counts is that x ``flop_ratio`` (counted FLOPs / 6·N·D), so
    GPU-hours do not depend on how the FLOPs are counted, x the ``speedup`` of fp8 over bf16.
    """
    if given is not None:
        return Default(given)
    model = efficiency_model(catalog)
    n = np.asarray(flop_params.m_as("parameter"), dtype=float)
    prediction = model.predict(accelerator.generation, n, moe)
    spread = prediction.spread if speedup is None else prediction.spread.combined(speedup.spread)
    low, high = spread.factors()
    factor = np.asarray(flop_ratio, dtype=float) * (speedup.central if speedup else 1.0)
    applied = prediction.central * factor
    steps = [f"{_percent(prediction.central)} of 6·N·D on the bf16 peak"]
    if np.any(np.abs(np.asarray(flop_ratio) - 1) > 1e-9):
        steps.append(f"x {_typical(flop_ratio):.3f} (counted FLOPs / 6·N·D)")
    if speedup is not None:
        steps.append(f"x {speedup.central:g} (fp8 speed-up)")
    size = format_count(_typical(n)) + (" active, MoE" if moe else ", dense")
    note = Assumption(
        name="efficiency",
        value=f"MFU {_percent(applied)} (range {_percent(applied * low)} to {_percent(applied * high)})",
        basis=(
            f"{prediction.basis}; for {accelerator.generation}, {size}: {' '.join(steps)}; range: P10-P90 of "
            "leave-one-family-out errors"
        ),
        source="costcalc/data/calibration.json, derived from presets/runs.toml; 'costcalc calibration'",
    )
    evidence = model.nearest(accelerator.generation, _typical(n), moe)
    central = applied if applied.ndim else float(applied)
    return Default(
        Q_(central, ""), note, (low, high), spread, evidence, _evidence_note(evidence, accelerator.generation)
    )


def resolve_price(given: Quantity | None, accelerator: AcceleratorSpec, catalog: Catalog) -> Default:
    """Price per GPU-hour: given, or the median of observed prices (with a proxy's where few)."""
    if given is not None:
        return Default(given)
    observed = price_default(accelerator, catalog)
    if observed is None:
        basis = f"no price observations for {accelerator.name}; give --price to get a cost"
        return Default(None, Assumption(name="price", value="unknown", basis=basis))
    note = Assumption(
        name="price",
        value=f"{observed.value.m:.2f} USD/GPU-h (range {observed.low.m:.2f} to {observed.high.m:.2f})",
        basis=observed.basis,
        source=f"prices of {accelerator.name} in presets/accelerators.toml",
    )
    return observed_default(observed.value, float(observed.low.m), float(observed.high.m), note)


def resolve_attention_flops(inputs: EstimateInputs, spec: ModelSpec | None, seq_len: int | None) -> Assumption | None:
    """Which attention-score FLOP convention the count uses, and the one the calibration used."""
    if spec is None or not spec.has_architecture or seq_len is None:
        return None
    value = "causal (a query attends to half the keys on average)" if inputs.causal else "full (all keys)"
    basis = (
        "full (all keys) is Megatron-LM's and PaLM's; the default efficiency is converted to whichever count "
        "is used, so the convention changes the FLOPs shown, not the GPU-hours"
    )
    return Assumption(name="attention FLOPs", value=value, basis=basis, given=inputs.attention_flops is not None)


def _echo(inputs: EstimateInputs) -> dict[str, object]:
    """A JSON-safe copy of what the user gave (numbers in the field's unit)."""
    out: dict[str, object] = {}
    for name, value in inputs:
        if value is None or name not in inputs.model_fields_set:
            continue
        if hasattr(value, "magnitude"):
            m = np.asarray(value.magnitude)
            out[name] = m.tolist() if m.ndim else float(m)
        else:
            out[name] = value
    return out


def _precision_and_efficiency(
    inputs: EstimateInputs,
    spec: ModelSpec | None,
    flop_params: Quantity,
    active: Quantity | None,
    tokens: Quantity,
    hardware: Hardware,
    catalog: Catalog,
) -> tuple[Dtype, Quantity, Assumption, Default]:
    """The precision, its peak and note, and the efficiency applied to the counted FLOPs with it."""
    given = inputs.mfu is not None
    dtype, peak, peak_note, speedup = resolve_dtype(inputs.dtype, hardware.accelerator, efficiency_given=given)
    ratio = 1.0 if given else _flop_ratio(inputs, spec, flop_params, tokens)
    mfu = resolve_efficiency(
        inputs.mfu, hardware.accelerator, catalog, flop_params=flop_params, moe=active is not None,
        flop_ratio=ratio, speedup=speedup,
    )  # fmt: skip
    return dtype, peak, peak_note, mfu


def _flop_ratio(inputs: EstimateInputs, spec: ModelSpec | None, flop_params: Quantity, tokens: Quantity) -> Any:
    """Counted model FLOPs / 6·N·D: what converts the calibrated (6·N·D) efficiency to the count shown."""
    seq_len = inputs.seq_len or (spec.seq_len if spec is not None else None)
    counted = training_flops(tokens, params=flop_params, spec=spec, seq_len=seq_len, causal=inputs.causal).model
    return np.asarray((counted / dense_training_flops(flop_params, tokens)).m_as(""), dtype=float)


def resolve(inputs: EstimateInputs, catalog: Catalog) -> Scenario:
    """Fill every gap in ``inputs`` from presets and derived defaults, recording each assumption."""
    spec, params, active, notes = resolve_model(inputs, catalog)
    flop_params = active if active is not None else params
    tokens = resolve_tokens(inputs, spec, flop_params, moe=active is not None)
    assert tokens.value is not None
    hardware = resolve_hardware(inputs.gpu, catalog)
    gpu_count = resolve_gpus(inputs, hardware)
    gpus = gpu_count.value
    guards.check_counts(inputs, hardware.node, hardware.name, tokens.value)
    dtype, peak, peak_note, mfu = _precision_and_efficiency(
        inputs, spec, flop_params, active, tokens.value, hardware, catalog
    )
    price = resolve_price(inputs.price, hardware.accelerator, catalog)
    power = resolve_power(inputs.power, hardware)
    pue = resolve_pue(inputs.pue, catalog)
    carbon = resolve_carbon_intensity(inputs.carbon_intensity, catalog)
    seq_len = inputs.seq_len or (spec.seq_len if spec is not None else None)
    attention = resolve_attention_flops(inputs, spec, seq_len)
    layout = plan_memory(inputs, spec, params, hardware.accelerator, hardware.node, gpus, dtype)
    stretch, stretch_note = overheads(inputs, layout.memory)
    later = [attention, tokens.note, hardware.note, gpu_count.note, peak_note, mfu.note, mfu.evidence_note]
    later += [price.note, power.note, pue.note, carbon.note, *layout.notes, stretch_note]
    notes += [n for n in later if n is not None]
    notes += guards.notes(inputs, spec, layout.memory, catalog, hardware.accelerator.name, hardware.node)
    assert mfu.value is not None and pue.value is not None and carbon.value is not None
    return Scenario(
        model=spec,
        params=params,
        flop_params=flop_params,
        tokens=tokens.value,
        hardware=hardware.name,
        accelerator=hardware.accelerator,
        node=hardware.node,
        gpus=gpus,
        dtype=dtype,
        peak=peak,
        seq_len=seq_len,
        mfu=mfu.value,
        mfu_range=mfu.range,
        price=price.value,
        price_range=price.range,
        power=power.value,
        pue=pue.value,
        pue_range=pue.range,
        carbon_intensity=carbon.value,
        carbon_range=carbon.range,
        recompute=layout.recompute,
        causal=inputs.causal,
        memory=layout.memory,
        stretch=stretch,
        mfu_spread=mfu.spread,
        price_spread=price.spread,
        pue_spread=pue.spread,
        carbon_spread=carbon.spread,
        evidence=mfu.evidence,
        samples=inputs.samples,
        seed=inputs.seed,
        thresholds=load_thresholds(catalog),
        assumptions=tuple(notes),
        inputs=_echo(inputs),
    )
