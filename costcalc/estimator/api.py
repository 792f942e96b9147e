"""The estimator: validated inputs in, a fully stated estimate out.

``estimate()`` is the one entry point the CLI, the notebook API and the TUI share. It resolves
presets and defaults into a ``Scenario`` (every input and assumption, each with its basis),
runs the formulas of ``costcalc.formulas.flops`` and ``costcalc.formulas.runtime``, and returns an ``Estimate``
whose fields are pint quantities with low/high ranges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from costcalc.base.errors import InputError
from costcalc.base.fields import first_error
from costcalc.base.parse import format_count, unit_of
from costcalc.base.units import Q_, Quantity
from costcalc.data.calibration import efficiency_prior
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.data.defaults import carbon_intensity_default, price_default, pue_default
from costcalc.estimator.inputs import Assumption, EstimateInputs, Scenario
from costcalc.estimator.result import Estimate, Range
from costcalc.formulas import runtime as bill
from costcalc.formulas.flops import Recompute, training_flops
from costcalc.formulas.memory import MemoryBreakdown, breakdown, find_layouts, preferred, smallest_fit
from costcalc.schemas import DTYPES, AcceleratorSpec, Dtype, ModelSpec, NodeSpec

__all__ = ["DEFAULT_GPU", "TOKENS_PER_PARAMETER", "EstimateInputs", "Scenario", "estimate"]

#: The accelerator assumed when none is named: the article's "A100" is the 80 GB SXM part.
DEFAULT_GPU = "A100-80GB"
#: Compute-optimal tokens per parameter, Hoffmann et al. 2022 ("Chinchilla"), Table 3 / §3.
TOKENS_PER_PARAMETER = 20.0


def validate_inputs(values: dict[str, Any]) -> EstimateInputs:
    try:
        return EstimateInputs.model_validate(values)
    except ValidationError as err:
        field, message = first_error(err)
        raise InputError(field, message) from None


_COUNT_NAMES = {"token": "tokens", "parameter": "parameters", "GPU": "GPUs"}


def _scalar_text(q: Quantity) -> str:
    unit = next((u for u in _COUNT_NAMES if q.units == unit_of(u)), None)
    name = _COUNT_NAMES[unit] if unit else f"{q.units:~P}"
    show = format_count if unit else (lambda v: f"{v:.4g}")
    m = np.asarray(q.magnitude, dtype=float)
    if m.size == 1:
        return f"{show(float(m.reshape(-1)[0]))} {name}".strip()
    return f"{m.size} values, {show(float(m.min()))} to {show(float(m.max()))} {name}".strip()


def _echo(inputs: EstimateInputs) -> dict[str, Any]:
    """A JSON-safe copy of what the user gave (numbers in the field's unit)."""
    out: dict[str, Any] = {}
    for name, value in inputs:
        if value is None or name not in inputs.model_fields_set:
            continue
        if hasattr(value, "magnitude"):
            m = np.asarray(value.magnitude)
            out[name] = m.tolist() if m.ndim else float(m)
        else:
            out[name] = value
    return out


def _resolve_hardware(inputs: EstimateInputs, catalog: Catalog) -> tuple[str, AcceleratorSpec, NodeSpec | None]:
    name = inputs.gpu or DEFAULT_GPU
    found = catalog.hardware(name)
    if isinstance(found, NodeSpec):
        return found.name, catalog.accelerator(found.accelerator), found
    return found.name, found, None


def _resolve_gpus(inputs: EstimateInputs, node: NodeSpec | None, hardware: str) -> Quantity | None:
    if inputs.nodes is not None and inputs.gpus is not None:
        raise InputError("nodes", "give either gpus or nodes, not both")
    if inputs.nodes is not None:
        if node is None:
            raise InputError(
                "nodes",
                f"{hardware} is a single accelerator; give gpus, or a node preset such as DGX-A100",
            )
        return Q_(float(inputs.nodes * node.count), "GPU")
    return inputs.gpus


def _resolve_dtype(inputs: EstimateInputs, accelerator: AcceleratorSpec) -> tuple[Dtype, Quantity, str]:
    if inputs.dtype is not None:
        if inputs.dtype not in accelerator.peak:
            have = ", ".join(d for d in DTYPES if d in accelerator.peak)
            raise InputError("dtype", f"{accelerator.name} has no {inputs.dtype} peak; choose one of {have}")
        return inputs.dtype, accelerator.peak[inputs.dtype], "given"
    dtype: Dtype = "bf16" if "bf16" in accelerator.peak else "fp16"
    basis = "default: mixed-precision training" + ("" if dtype == "bf16" else f" ({accelerator.name} has no bf16)")
    return dtype, accelerator.peak[dtype], basis


def _ratio_range(central: float, low: float, high: float) -> tuple[float, float]:
    """A range as multiplicative factors around the central value."""
    return (low / central, high / central)


def resolve(inputs: EstimateInputs, catalog: Catalog) -> Scenario:
    """Fill every gap in ``inputs`` from presets and derived defaults, recording each assumption."""
    assumptions: list[Assumption] = []

    def note(name: str, value: str, basis: str, *, given: bool = False, source: str = "") -> None:
        assumptions.append(Assumption(name=name, value=value, basis=basis, given=given, source=source))

    spec: ModelSpec | None = None
    if inputs.model is not None:
        if inputs.params is not None or inputs.active_params is not None:
            raise InputError("params", "give either a model preset or params/active_params, not both")
        spec = catalog.model(inputs.model)
        params = spec.params
        active = spec.active_params
        note(
            "model",
            spec.name,
            "model preset",
            given=True,
            source=spec.sources.get("layers", spec.sources.get("params", "")),
        )
    elif inputs.params is not None:
        params, active = inputs.params, inputs.active_params
        if active is not None and np.any(np.asarray(active.m_as("parameter")) > np.asarray(params.m_as("parameter"))):
            raise InputError("active_params", "cannot exceed params")
    else:
        raise InputError("params", "required: give params (e.g. 70B) or a model preset (e.g. llama-2-70b)")
    flop_params = active if active is not None else params
    if active is not None:
        note(
            "active params",
            _scalar_text(active),
            "mixture of experts: FLOPs use the parameters active per token",
            given=spec is None,
        )

    if inputs.tokens is not None:
        tokens = inputs.tokens
    elif spec is not None and spec.tokens is not None:
        tokens = spec.tokens
        note(
            "tokens",
            _scalar_text(tokens),
            f"from the {spec.name} preset",
            source=spec.sources.get("tokens", ""),
        )
    else:
        tokens = (flop_params * Q_(TOKENS_PER_PARAMETER, "token/parameter")).to("token")
        what = "active parameters" if active is not None else "parameters"
        note(
            "tokens",
            _scalar_text(tokens),
            f"compute-optimal default: {TOKENS_PER_PARAMETER:g} tokens per {what[:-1]}",
            source="Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models' (Chinchilla)",
        )

    hardware, accelerator, node = _resolve_hardware(inputs, catalog)
    note(
        "gpu",
        hardware + (f" ({node.count}x {accelerator.name})" if node else ""),
        "given" if inputs.gpu else "default accelerator (the article's 'A100' is the 80 GB SXM part)",
        given=inputs.gpu is not None,
    )
    gpus = _resolve_gpus(inputs, node, hardware)
    dtype, peak, dtype_basis = _resolve_dtype(inputs, accelerator)
    note(
        "peak",
        f"{peak.m_as('TFLOP/s'):g} TFLOP/s ({dtype}, dense)",
        dtype_basis,
        given=inputs.dtype is not None,
        source=accelerator.sources.get("peak", ""),
    )

    seq_len = inputs.seq_len or (spec.seq_len if spec is not None else None)

    mfu_residuals = price_samples = pue_samples = carbon_samples = None
    if inputs.mfu is not None:
        mfu, mfu_range = inputs.mfu, None
    else:
        prior = efficiency_prior(catalog, accelerator.generation)
        mfu = Q_(prior.central, "")
        mfu_range = _ratio_range(prior.central, prior.low, prior.high)
        mfu_residuals = prior.residuals
        fallback = "" if prior.generation == accelerator.generation else f" (no {accelerator.generation} runs: pooled)"
        note(
            "efficiency",
            f"MFU {prior.central:.1%} (range {prior.low:.1%} to {prior.high:.1%})",
            f"{prior.basis}{fallback}; range = 10th-90th percentile of leave-one-out residuals",
            source="published runs in presets/runs.toml; rerun with 'costcalc calibration'",
        )

    if inputs.price is not None:
        price, price_range = inputs.price, None
    else:
        observed = price_default(accelerator, catalog)
        if observed is None:
            price, price_range = None, None
            note(
                "price",
                "unknown",
                f"no price observations for {accelerator.name}; give --price to get a cost",
            )
        else:
            price = observed.value
            price_samples = observed.values
            price_range = _ratio_range(float(observed.value.m), float(observed.low.m), float(observed.high.m))
            note(
                "price",
                f"{observed.value.m:.2f} USD/GPU-h (range {observed.low.m:.2f} to {observed.high.m:.2f})",
                observed.basis,
                source=f"prices of {accelerator.name} in presets/accelerators.toml",
            )

    if inputs.power is not None:
        power = inputs.power
    elif node is not None:
        power = (node.power / node.count).to("W")
        note(
            "power per GPU",
            f"{power.m:.0f} W",
            f"{node.name} maximum power {node.power.m_as('kW'):g} kW shared by {node.count} GPUs",
            source=node.sources.get("power", ""),
        )
    elif accelerator.tdp is not None:
        power = accelerator.tdp
        note(
            "power per GPU",
            f"{power.m:.0f} W",
            f"{accelerator.name} TDP, drawn for the whole run (an upper bound; host power not included)",
            source=accelerator.sources.get("tdp", ""),
        )
    else:
        power = None
        note(
            "power per GPU",
            "unknown",
            f"{accelerator.name} has no published power figure; give --power for energy and CO2",
        )

    if inputs.pue is not None:
        pue, pue_range = inputs.pue, None
    else:
        observed_pue = pue_default(catalog)
        pue = observed_pue.value
        pue_samples = observed_pue.values
        pue_range = _ratio_range(float(observed_pue.value.m), float(observed_pue.low.m), float(observed_pue.high.m))
        note(
            "PUE",
            f"{pue.m:.2f} (range {observed_pue.low.m:.2f} to {observed_pue.high.m:.2f})",
            observed_pue.basis,
            source="presets/facility.toml",
        )

    if inputs.carbon_intensity is not None:
        intensity, carbon_range = inputs.carbon_intensity, None
    else:
        observed_ci = carbon_intensity_default(catalog)
        intensity = observed_ci.value
        carbon_samples = observed_ci.values
        low_ci = max(float(observed_ci.low.m), 1e-9)
        carbon_range = _ratio_range(float(observed_ci.value.m), low_ci, float(observed_ci.high.m))
        note(
            "carbon intensity",
            f"{intensity.m:.0f} gCO2e/kWh (range {observed_ci.low.m:.0f} to {observed_ci.high.m:.0f})",
            observed_ci.basis,
            source="presets/facility.toml",
        )

    memory, recompute, memory_note = _plan_memory(inputs, spec, params, accelerator, node, gpus, dtype)
    if inputs.recompute is not None and inputs.recompute != "none":
        note(
            "recomputation",
            recompute,
            "adds hardware FLOPs; the efficiency (MFU) is defined on model FLOPs",
            given=True,
        )
    elif recompute != "none":
        note("recomputation", recompute, memory_note + "; adds hardware FLOPs, MFU stays on model FLOPs")

    stretch = _overheads(inputs, memory, note)

    try:
        return Scenario(
            model=spec,
            params=params,
            flop_params=flop_params,
            tokens=tokens,
            hardware=hardware,
            accelerator=accelerator,
            node=node,
            gpus=gpus,
            dtype=dtype,
            peak=peak,
            seq_len=seq_len,
            mfu=mfu,
            mfu_range=mfu_range,
            price=price,
            price_range=price_range,
            power=power,
            pue=pue,
            pue_range=pue_range,
            carbon_intensity=intensity,
            carbon_range=carbon_range,
            recompute=recompute,
            causal=inputs.causal,
            memory=memory,
            stretch=stretch,
            mfu_residuals=mfu_residuals,
            price_samples=price_samples,
            pue_samples=pue_samples,
            carbon_samples=carbon_samples,
            samples=inputs.samples,
            seed=inputs.seed,
            assumptions=tuple(assumptions),
            inputs=_echo(inputs),
        )
    except ValidationError as err:
        field, message = first_error(err)
        raise InputError(field, message) from None


def _combine(factors: list[tuple[float, float] | None]) -> tuple[float, float]:
    """Combine independent multiplicative ranges in quadrature of their logs.

    For independent log-normal factors the log-quantiles add in quadrature, so each side of the
    range is exp(±sqrt(sum of squared log-distances)). Factors given as None (inputs the user fixed)
    add nothing.
    """
    lows = [math.log(f[0]) ** 2 for f in factors if f is not None]
    highs = [math.log(f[1]) ** 2 for f in factors if f is not None]
    return math.exp(-math.sqrt(sum(lows))), math.exp(math.sqrt(sum(highs)))


def compute(scenario: Scenario) -> Estimate:
    """Run the formulas on a resolved scenario."""
    flops = training_flops(
        scenario.tokens,
        params=scenario.flop_params,
        spec=scenario.model,
        seq_len=scenario.seq_len,
        causal=scenario.causal,
        recompute=scenario.recompute,
    )
    assumptions = [
        Assumption(
            name="FLOPs",
            value=flops.method,
            basis="model FLOPs; GPU-hours = FLOPs / (peak x MFU)",
            source="costcalc.formulas.flops",
        ),
        *scenario.assumptions,
    ]
    hours = bill.gpu_hours(flops.model, scenario.peak, scenario.mfu) * scenario.stretch
    # Ranges as factors: fewer GPU-hours when the efficiency is high, so the MFU range flips.
    mfu_factor = None if scenario.mfu_range is None else (1 / scenario.mfu_range[1], 1 / scenario.mfu_range[0])
    days = bill.wall_clock(hours, scenario.gpus) if scenario.gpus is not None else None
    dollars = bill.cost(hours, scenario.price) if scenario.price is not None else None
    mwh = bill.energy(hours, scenario.power, scenario.pue) if scenario.power is not None else None
    tonnes = bill.co2(mwh, scenario.carbon_intensity) if mwh is not None else None

    factors: dict[str, list[tuple[float, float] | None]] = {
        "flops": [],
        "hardware_flops": [],
        "gpu_hours": [mfu_factor],
        "wall_clock": [mfu_factor],
        "cost": [mfu_factor, scenario.price_range],
        "energy": [mfu_factor, scenario.pue_range],
        "co2": [mfu_factor, scenario.pue_range, scenario.carbon_range],
    }
    values = {
        "flops": flops.model,
        "hardware_flops": flops.hardware,
        "gpu_hours": hours,
        "wall_clock": days,
        "cost": dollars,
        "energy": mwh,
        "co2": tonnes,
    }
    ranges = {}
    for key, value in values.items():
        if value is None:
            continue
        low, high = _combine(factors[key])
        ranges[key] = Range(value * low, value * high)
    if any(len([f for f in fs if f is not None]) > 1 for fs in factors.values()):
        assumptions.append(
            Assumption(
                name="ranges",
                value="10th-90th percentile",
                basis=(
                    "independent uncertain defaults (efficiency, price, PUE, carbon intensity) combined in "
                    "quadrature of their logs; inputs you give are taken as exact"
                ),
                source="costcalc.estimator.api._combine",
            )
        )
    percentiles = None
    if scenario.samples:
        from costcalc.estimator.uncertainty import simulate  # only Monte Carlo runs need it

        percentiles = simulate(scenario, flops.model, scenario.samples, scenario.seed)
        ranges.update({key: Range(p10, p90) for key, (p10, _p50, p90) in percentiles.items()})
        assumptions = [a for a in assumptions if a.name != "ranges"]
        assumptions.append(
            Assumption(
                name="ranges",
                value=f"Monte Carlo, {scenario.samples:,} samples (seed {scenario.seed}): P10 to P90, with P50",
                basis=(
                    "efficiency = default x exp(a leave-one-out residual of the published runs); price, PUE and "
                    "carbon intensity drawn from their observations; inputs you give are fixed"
                ),
                source="costcalc.estimator.uncertainty",
            )
        )
    try:
        return _validated_estimate(
            flops=flops.model,
            hardware_flops=flops.hardware,
            gpu_hours=hours,
            wall_clock=days,
            cost=dollars,
            energy=mwh,
            co2=tonnes,
            ranges=ranges,
            memory=scenario.memory,
            percentiles=percentiles,
            scenario=scenario,
            assumptions=tuple(assumptions),
        )
    except ValidationError as err:
        field, _ = first_error(err)
        raise InputError(
            field, "the result is not a finite positive number for these inputs; check their magnitudes"
        ) from None


def _overheads(inputs: EstimateInputs, memory: MemoryBreakdown | None, note: Callable[..., None]) -> float:
    """The factor by which overheads stretch wall-clock (and the GPU-hours the cluster is held).

    stretch = (1 + bubble if counted) / (goodput x (1 - checkpointing) x (1 - evaluation)).
    All default to none: the calibrated efficiency already contains the restarts, checkpoints,
    evaluation and bubbles of the published runs, so these are for an efficiency you give as a
    steady-state figure, or for a deliberately pessimistic plan.
    """
    goodput = 1.0 if inputs.goodput is None else float(inputs.goodput.m)
    checkpoint = 0.0 if inputs.checkpoint_overhead is None else float(inputs.checkpoint_overhead.m)
    evaluation = 0.0 if inputs.eval_overhead is None else float(inputs.eval_overhead.m)
    bubble = memory.bubble if inputs.count_bubble and memory is not None else 0.0
    if inputs.count_bubble and memory is None:
        raise InputError("count_bubble", "the pipeline bubble needs a memory layout: give a model preset and GPUs")
    stretch = (1 + bubble) / (goodput * (1 - checkpoint) * (1 - evaluation))
    if stretch != 1.0:
        parts = [
            f"goodput {goodput:.0%}" if goodput != 1 else "",
            f"checkpointing {checkpoint:.0%}" if checkpoint else "",
            f"evaluation {evaluation:.0%}" if evaluation else "",
            f"pipeline bubble {bubble:.1%}" if bubble else "",
        ]
        note(
            "overheads",
            f"x{stretch:.3f} wall-clock and GPU-hours ({', '.join(p for p in parts if p)})",
            "(1 + bubble) / (goodput x (1 - checkpointing) x (1 - evaluation)), on top of the efficiency",
            given=True,
        )
    return stretch


_RECOMPUTE_ORDER: tuple[Recompute, ...] = ("none", "selective", "full")


def _plan_memory(
    inputs: EstimateInputs,
    spec: ModelSpec | None,
    params: Quantity,
    accelerator: AcceleratorSpec,
    node: NodeSpec | None,
    gpus: Quantity | None,
    dtype: str,
) -> tuple[MemoryBreakdown | None, Recompute, str]:
    """Per-GPU memory, and the recomputation the estimate uses.

    A layout the user gave is taken as it is. Otherwise, with an architecture, costcalc searches
    the sensible layouts (sequence parallelism on with tensor parallelism) and, when the user left
    recomputation open, tries none, then selective, then full: the first that fits is used, for
    the memory and the hardware FLOPs alike. Sweeps (arrays) get no memory section.
    """
    given = inputs.recompute
    default: Recompute = given or "none"
    if any(np.asarray(q.magnitude).size > 1 for q in (params, gpus) if q is not None):
        return None, default, ""
    n_params = float(np.asarray(params.m_as("parameter")).reshape(-1)[0])
    per_node = node.count if node is not None else 8
    options = inputs.memory_options()
    architecture = spec is not None and spec.has_architecture
    if gpus is None:
        if not architecture:
            return None, default, ""
        assert spec is not None
        for recompute in [given] if given else _RECOMPUTE_ORDER:
            trial = options.model_copy(update={"recompute": recompute, "sp": True if inputs.sp is None else inputs.sp})
            best = smallest_fit(spec, n_params, accelerator, trial, gpus_per_node=per_node, dtype=dtype)
            if best is not None:
                note = "no GPU count given: the smallest count that fits"
                return (
                    _noted(best.memory, note),
                    recompute,
                    f"needed to fit on {best.memory.dp * best.memory.tp * best.memory.pp} GPUs",
                )
        return None, default, ""
    count_f = float(np.asarray(gpus.m_as("GPU")).reshape(-1)[0])
    if not count_f.is_integer():
        raise InputError("gpus", f"memory needs a whole number of GPUs, got {count_f:g}")
    count = int(count_f)
    if inputs.layout_given() or not architecture:
        memory = breakdown(spec, n_params, accelerator, count, options, dtype=dtype)
        if not architecture and not inputs.layout_given():
            memory = _noted(memory, "without an architecture costcalc cannot choose a layout: give --tp/--pp/--zero")
        return memory, default, ""
    closest = None
    for recompute in [given] if given else _RECOMPUTE_ORDER:
        trial = options.model_copy(update={"recompute": recompute, "sp": True if inputs.sp is None else inputs.sp})
        choice = preferred(find_layouts(spec, n_params, accelerator, count, trial, gpus_per_node=per_node, dtype=dtype))
        if choice is None:
            continue
        if choice.memory.fits:
            return (
                _noted(choice.memory, "layout chosen by costcalc: fits with the least model parallelism"),
                (recompute),
                f"needed to fit in {accelerator.name} memory",
            )
        closest = choice
    if closest is None:
        return breakdown(spec, n_params, accelerator, count, options, dtype=dtype), default, ""
    return _noted(closest.memory, "no sensible layout fits on this many GPUs; this one comes closest"), default, ""


def _noted(memory: MemoryBreakdown, note: str) -> MemoryBreakdown:
    return memory.model_copy(update={"notes": (*memory.notes, note)})


def _validated_estimate(**fields: Any) -> Estimate:
    return Estimate(**fields)


def estimate(
    params: Any = None,
    tokens: Any = None,
    *,
    model: str | None = None,
    active_params: Any = None,
    gpu: str | None = None,
    gpus: Any = None,
    nodes: int | None = None,
    mfu: Any = None,
    price: Any = None,
    dtype: str | None = None,
    seq_len: int | None = None,
    power: Any = None,
    pue: Any = None,
    carbon_intensity: Any = None,
    recompute: Literal["none", "selective", "full"] | None = None,
    causal: bool = True,
    zero: int | None = None,
    tp: int | None = None,
    pp: int | None = None,
    sp: bool | None = None,
    ep: int | None = None,
    micro_batch: int | None = None,
    optimizer: str | None = None,
    goodput: Any = None,
    checkpoint_overhead: Any = None,
    eval_overhead: Any = None,
    count_bubble: bool = False,
    samples: int | None = None,
    seed: int = 0,
    presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
) -> Estimate:
    """Estimate the training cost of a model.

    Each quantity may be a number (in its natural unit: parameters, tokens, GPUs, USD per
    GPU-hour, watts, gCO2e/kWh), a string with units ("70B", "2T tokens", "2.5 USD/GPU/h"), a
    pint quantity from ``costcalc.ureg``, or a numpy array for a vectorised sweep. ``model``
    names a model preset ("llama-2-70b") and fills the architecture, tokens and sequence length;
    ``gpu`` names an accelerator ("a100") or node ("dgx-a100") preset. Anything not given comes
    from the calibrated defaults, each recorded in ``Estimate.assumptions``.

    Raises ``InputError`` naming the field for any invalid input.
    """
    inputs = validate_inputs(
        {
            k: v
            for k, v in {
                "params": params,
                "tokens": tokens,
                "model": model,
                "active_params": active_params,
                "gpu": gpu,
                "gpus": gpus,
                "nodes": nodes,
                "mfu": mfu,
                "price": price,
                "dtype": dtype,
                "seq_len": seq_len,
                "power": power,
                "pue": pue,
                "carbon_intensity": carbon_intensity,
                "recompute": recompute,
                "causal": causal,
                "zero": zero,
                "tp": tp,
                "pp": pp,
                "sp": sp,
                "ep": ep,
                "micro_batch": micro_batch,
                "optimizer": optimizer,
                "goodput": goodput,
                "checkpoint_overhead": checkpoint_overhead,
                "eval_overhead": eval_overhead,
                "count_bubble": count_bubble or None,
                "samples": samples,
                "seed": seed or None,
            }.items()
            if v is not None
        }
    )
    catalog = catalog or default_catalog(presets)
    return compute(resolve(inputs, catalog))
