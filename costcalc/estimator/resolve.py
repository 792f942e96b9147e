"""Filling in what the user left out: one small function per default, each with its explanation.

Every function returns the value it settled on and the ``Assumption`` that says why (None when the
user gave the value and there is nothing to explain). ``resolve`` strings them together into the
``Scenario`` that ``costcalc.estimator.compute`` runs the formulas on. ``costcalc plan`` calls the
hardware, efficiency and price functions directly, so a plan and an estimate use the same defaults.
The defaults taken from facility observations (power, PUE, carbon intensity) are in
``costcalc.estimator.facility``; the precision and the efficiency in ``costcalc.estimator.efficiency``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pydantic import ValidationError

from costcalc.base.errors import InputError
from costcalc.base.fields import first_error
from costcalc.base.units import Q_, Quantity
from costcalc.data.catalog import Catalog
from costcalc.data.defaults import price_default
from costcalc.data.thresholds import load_thresholds
from costcalc.estimator import guards, rl, stage
from costcalc.estimator.efficiency import CALIBRATION_SEQ_LEN, efficiency_for, resolve_dtype
from costcalc.estimator.facility import (
    Default,
    Hardware,
    observed_basis,
    observed_default,
    resolve_carbon_intensity,
    resolve_power,
    resolve_pue,
)
from costcalc.estimator.inputs import SHAPE_FIELDS, EstimateInputs
from costcalc.estimator.layouts import LayoutChoice, plan_memory
from costcalc.estimator.overheads import overheads
from costcalc.estimator.scenario import Assumption, Basis, Kind, Scenario, Timing
from costcalc.estimator.timing import timing_for
from costcalc.formulas.flops import FlopCount, llama_ffn, parameter_count, training_flops
from costcalc.formulas.scaling import TOKENS_PER_PARAMETER
from costcalc.formulas.shapes import DEFAULT_TRAINING_SEQ_LEN, standard_shape
from costcalc.schemas import AcceleratorSpec, Dtype, ModelSpec, NodeSpec

__all__ = [
    "DEFAULT_GPU",
    "Default",
    "Hardware",
    "resolve",
    "resolve_hardware",
    "resolve_model_shape",
    "resolve_price",
]

#: The accelerator assumed when none is named: the article's "A100" is the 80 GB SXM part.
DEFAULT_GPU = "A100-80GB"


def resolve_model_shape(inputs: EstimateInputs) -> tuple[ModelSpec | None, list[Assumption]]:
    """A shape the user brought: a local config.json (``--model-config``) or the shape options."""
    if not inputs.shape_given():
        return None, []
    if inputs.model is not None or inputs.params is not None or inputs.active_params is not None:
        raise InputError("params", "give a model preset, params, or a shape (config file or `layers` ...), not two")
    if inputs.config_file is not None:
        if any(getattr(inputs, f) is not None for f in SHAPE_FIELDS):
            raise InputError("layers", "give either a config file or the shape options, not both")
        from costcalc.data.model_config import read_model_config  # only for a config file (start-up)

        spec = read_model_config(inputs.config_file, inputs.seq_len)
        basis = Basis(
            "config_file",
            {
                "params": spec.params,
                "active": spec.active_params,
                "seq_len": None if inputs.seq_len else spec.seq_len,
                "seq_len_source": spec.sources.get("seq_len", ""),
                "window": spec.sliding_window,
            },
        )
        return spec, [Assumption("model", spec.name, basis, kind="given")]
    for missing in (f for f in ("layers", "hidden", "heads", "vocab") if getattr(inputs, f) is None):
        raise InputError(missing, "a shape needs `layers`, `hidden`, `heads` and `vocab` (and optionally more)")
    if (inputs.experts is None) != (inputs.experts_per_token is None):
        raise InputError("experts", "a mixture of experts needs both `experts` and `experts_per_token`")
    shape = {f: getattr(inputs, f) for f in SHAPE_FIELDS if getattr(inputs, f) is not None}
    ffn = inputs.ffn or llama_ffn(shape["hidden"])
    seq_len = inputs.seq_len or DEFAULT_TRAINING_SEQ_LEN
    shape.update(ffn=ffn, mlp="gated", seq_len=seq_len, expert_ffn=inputs.experts and ffn)
    try:
        draft = ModelSpec(name="your shape", params=Q_(1.0, "parameter"), **shape)
    except ValidationError as err:
        field, message = first_error(err)
        raise InputError(field, message) from None
    active = Q_(float(parameter_count(draft, active=True)), "parameter") if draft.is_moe else None
    spec = draft.model_copy(update={"params": Q_(float(parameter_count(draft)), "parameter"), "active_params": active})
    basis = Basis(
        "shape",
        {
            "active": spec.active_params,
            "ffn": None if inputs.ffn else ffn,
            "seq_len": None if inputs.seq_len else DEFAULT_TRAINING_SEQ_LEN,
        },
    )
    return spec, [Assumption("model", spec.params, basis, kind="given")]


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
        notes.append(Assumption("model", spec.name, Basis("preset"), kind="given", source=source))
    elif inputs.params is not None:
        params, active = inputs.params, inputs.active_params
        if active is not None and np.any(np.asarray(active.m_as("parameter")) > np.asarray(params.m_as("parameter"))):
            raise InputError("active_params", "cannot exceed params")
    else:
        raise InputError("params", "required: give params (e.g. 70B), a model preset (e.g. llama-2-70b) or a shape")
    if active is not None:
        kind: Kind = "given" if spec is None or inputs.shape_given() else "preset"
        notes.append(Assumption("active_params", active, Basis("moe"), kind=kind, field="active_params"))
    return spec, params, active, notes


def resolve_tokens(inputs: EstimateInputs, spec: ModelSpec | None, flop_params: Quantity, moe: bool) -> Default:
    """Training tokens: given, the preset's, or the compute-optimal 20 per parameter."""
    if inputs.tokens is not None:
        return Default(inputs.tokens)
    if spec is not None and spec.tokens is not None:
        basis = Basis("preset", {"model": spec.name})
        note = Assumption(
            "tokens", spec.tokens, basis, kind="preset", source=spec.sources.get("tokens", ""), field="tokens"
        )
        return Default(spec.tokens, note)
    tokens = (flop_params * Q_(TOKENS_PER_PARAMETER, "token/parameter")).to("token")
    note = Assumption(
        "tokens",
        tokens,
        Basis("compute_optimal", {"per_parameter": Q_(TOKENS_PER_PARAMETER, "token/parameter"), "moe": moe}),
        source="Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models' (Chinchilla)",
        field="tokens",
    )
    return Default(tokens, note)


def resolve_hardware(gpu: str | None, catalog: Catalog) -> Hardware:
    """The named accelerator or node preset, else the default accelerator."""
    found = catalog.hardware(gpu or DEFAULT_GPU)
    if isinstance(found, NodeSpec):
        name, accelerator, node = found.name, catalog.accelerator(found.accelerator), found
    else:
        name, accelerator, node = found.name, found, None
    node_params = {"per_node": node.count, "accelerator": accelerator.name} if node else {}
    note = Assumption(
        "gpu",
        name,
        Basis("given" if gpu else "default", node_params),
        kind="given" if gpu is not None else "default",
        field="gpu",
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
    basis = Basis("nodes", {"nodes": inputs.nodes, "node": hardware.name, "per_node": hardware.node.count})
    note = Assumption("gpus", Q_(float(count), "GPU"), basis, kind="given", field="gpus")
    return Default(Q_(float(count), "GPU"), note)


def resolve_price(given: Quantity | None, accelerator: AcceleratorSpec, catalog: Catalog) -> Default:
    """Price per GPU-hour: given, or the median of observed prices (with a proxy's where few)."""
    if given is not None:
        return Default(given)
    observed = price_default(accelerator, catalog)
    if observed is None:
        basis = Basis("no_observations", {"accelerator": accelerator.name})
        return Default(None, Assumption("price", None, basis, field="price"))
    note = Assumption(
        "price",
        observed.value,
        observed_basis(observed),
        low=observed.low,
        high=observed.high,
        source=f"prices of {accelerator.name} in presets/accelerators.toml",
        field="price",
    )
    return observed_default(observed.value, float(observed.low.m), float(observed.high.m), note)


def resolve_attention_flops(inputs: EstimateInputs, spec: ModelSpec | None, seq_len: int | None) -> Assumption | None:
    """Which attention-score FLOP convention the count uses, and the one the calibration used."""
    if spec is None or not spec.has_architecture or seq_len is None:
        return None
    value = "causal" if inputs.causal else "full"
    basis = Basis("convention", {"calibration_seq_len": CALIBRATION_SEQ_LEN})
    kind: Kind = "given" if inputs.attention_flops is not None else "default"
    return Assumption("attention_flops", value, basis, kind=kind, field="attention_flops")


def layout_shape(
    inputs: EstimateInputs, spec: ModelSpec | None, params: Quantity
) -> tuple[ModelSpec | None, Assumption | None]:
    """The shape memory and the layout are worked out on: the model's, or for one parameter count
    the standard shape (FLOPs stay 6·N·D of the count given), said in an assumption."""
    counts = np.asarray(params.m_as("parameter"), dtype=float)
    if spec is not None or counts.size != 1:
        return spec, None
    shape = standard_shape(float(counts.reshape(-1)[0]), inputs.seq_len or DEFAULT_TRAINING_SEQ_LEN)
    assert shape.layers and shape.hidden and shape.heads
    value = (shape.layers, shape.hidden, shape.heads, shape.ffn)
    basis = Basis(
        "standard",
        {"moe": inputs.active_params is not None, "seq_len": None if inputs.seq_len else DEFAULT_TRAINING_SEQ_LEN},
    )
    return shape, Assumption("standard_shape", value, basis, kind="derived", source="costcalc.formulas.shapes")


def _echo(inputs: EstimateInputs, spec: ModelSpec | None = None) -> dict[str, object]:
    """A JSON-safe copy of what the user gave (numbers in the field's unit), with the parameter
    count of a shape the user brought (a config file or the shape options) as ``shape_params``."""
    out: dict[str, object] = {}
    if spec is not None and inputs.shape_given():
        out["shape_params"] = float(spec.params.m)
        if spec.active_params is not None:
            out["shape_active_params"] = float(spec.active_params.m)
    for name, value in inputs:
        if value is None or name not in inputs.model_fields_set:
            continue
        if hasattr(value, "magnitude"):
            m = np.asarray(value.magnitude)
            out[name] = m.tolist() if m.ndim else float(m)
        else:
            out[name] = value
    return out


def _run(
    inputs: EstimateInputs,
    spec: ModelSpec | None,
    shape: ModelSpec | None,
    params: Quantity,
    active: Quantity | None,
    tokens: Default,
    hardware: Hardware,
    gpus: Quantity | None,
    catalog: Catalog,
    search: bool,
) -> tuple[Dtype, Quantity, Assumption, LayoutChoice, FlopCount, Default, Timing | None]:
    """The precision and its peak, the memory layout, the FLOPs and the efficiency applied to them.

    The FLOPs are counted once, with the layout's recomputation: the efficiency is converted to
    that count and ``compute`` runs on it. The layout is searched on ``shape`` (the model's, or a
    parameter count's standard shape); without the ``search`` there is no memory section and
    recomputation is as given (else none). PPO/GRPO's decoding is timed from memory bandwidth and a
    fine-tuning stage's fixed time added (``Timing``).
    """
    assert tokens.value is not None
    accelerator = hardware.accelerator
    dtype, peak, peak_note, speedup = resolve_dtype(inputs.dtype, accelerator, efficiency_given=inputs.mfu is not None)
    if search:
        layout = plan_memory(inputs, shape, params, accelerator, hardware.node, gpus, dtype)
    else:
        layout = LayoutChoice(None, inputs.recompute or "none")
    seq_len = stage.stage_seq_len(inputs, spec)
    flop_params = active if active is not None else params
    flops = training_flops(
        tokens.value, params=flop_params, spec=spec, seq_len=seq_len, causal=inputs.causal, recompute=layout.recompute
    )
    speedup, factor_note = stage.efficiency_factor(inputs, catalog, speedup)
    mfu = efficiency_for(
        inputs, flops, flop_params, tokens.value, active is not None, accelerator, catalog, speedup, spec
    )
    flops, notes, decode = stage.stage_flops(
        inputs, spec, shape, flop_params, tokens.value, seq_len, layout.recompute, flops, catalog
    )
    layout = replace(layout, notes=(*notes, *([factor_note] if factor_note else []), *layout.notes))
    phase = None
    if decode is not None:
        quant = (inputs.quant or stage.DEFAULT_QUANT) if inputs.method == "qlora" else None
        phase = rl.generation_phase(inputs, shape, params, decode, accelerator, peak, quant)
    efficiency_flops = flops.model - decode if decode is not None else flops.model
    return dtype, peak, peak_note, layout, flops, mfu, timing_for(inputs, stage.tuning(inputs), efficiency_flops, phase)


def _facility(
    inputs: EstimateInputs, hardware: Hardware, catalog: Catalog
) -> tuple[Default, Default, Default, Default]:
    """The price per GPU-hour, the power per GPU, the PUE and the carbon intensity."""
    return (
        resolve_price(inputs.price, hardware.accelerator, catalog),
        resolve_power(inputs.power, hardware),
        resolve_pue(inputs.pue, catalog),
        resolve_carbon_intensity(inputs.carbon_intensity, catalog),
    )


def resolve(inputs: EstimateInputs, catalog: Catalog, *, layout_search: bool = True) -> Scenario:
    """Fill every gap in ``inputs`` from presets and derived defaults; ``layout_search=False``: figures only."""
    spec, params, active, notes = resolve_model(inputs, catalog)
    flop_params = active if active is not None else params
    tokens = stage.stage_tokens(inputs, spec) or resolve_tokens(inputs, spec, flop_params, moe=active is not None)
    hardware = resolve_hardware(inputs.gpu, catalog)
    gpu_count = resolve_gpus(inputs, hardware)
    shape, shape_note = layout_shape(inputs, spec, params)
    guards.check_counts(inputs, hardware.node, hardware.name, tokens.value)
    search = layout_search and not stage.tuning(inputs)  # the layouts are pre-training's
    dtype, peak, peak_note, layout, flops, mfu, timing = _run(
        inputs, spec, shape, params, active, tokens, hardware, gpu_count.value, catalog, search
    )
    seq_len, (price, power, pue, carbon) = stage.stage_seq_len(inputs, spec), _facility(inputs, hardware, catalog)
    attention = resolve_attention_flops(inputs, spec, seq_len)
    stretch, stretch_note = overheads(inputs, layout.memory)
    later = [attention, shape_note, tokens.note, hardware.note, gpu_count.note, peak_note, mfu.note, mfu.evidence_note]
    later += [price.note, power.note, pue.note, carbon.note, *layout.notes, stretch_note]
    notes += [n for n in later if n is not None]
    notes += guards.notes(inputs, shape, layout.memory, catalog, hardware.accelerator.name, hardware.node)
    assert mfu.value is not None and pue.value is not None and carbon.value is not None
    return Scenario(
        model=spec,
        params=params,
        flop_params=flop_params,
        tokens=tokens.value,
        hardware=hardware.name,
        accelerator=hardware.accelerator,
        node=hardware.node,
        gpus=gpu_count.value,
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
        flops=flops,
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
        inputs=_echo(inputs, spec),
        shape=shape,
        timing=timing,
    )
