"""Every sentence an estimate's assumptions are shown with, in one place.

An ``Assumption`` is data (``costcalc.estimator.scenario``): a key, a value (a quantity or a typed
choice), a range, a kind and a basis (a key and typed parameters). Here each (assumption key,
basis key) has the function that words its value and its basis; the text table, Markdown, HTML,
JSON and the TUI all read ``worded``, so a sentence is changed here and nowhere else. A training
stage's assumptions (its data, FLOPs, the models beside the trained one, the time beside the
efficiency) are worded in ``costcalc.render.words_stage``, whose table this one takes in. The
number styles come from ``costcalc.render.numbers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from costcalc.render.numbers import count, fixed, general, grouped, percent, percent_span, quantity_text, sig
from costcalc.render.shape_words import STANDARD_SHAPE_RULE
from costcalc.render.words_results import SCALING_RULES, SHORT_LABELS, plan_how, plan_title
from costcalc.render.words_stage import STAGE_NAMES, STAGE_WORDS, count_words
from costcalc.render.words_stage import magnitude as _m

if TYPE_CHECKING:  # the words read assumptions; they never build one
    from costcalc.estimator.scenario import Assumption

__all__ = [
    "NAMES",
    "SCALING_RULES",
    "SHORT_LABELS",
    "Worded",
    "cap_words",
    "count_words",
    "plan_how",
    "plan_title",
    "step_words",
    "worded",
]


class Worded(NamedTuple):
    """An assumption as people read it: its name, its value and its basis."""

    name: str
    value: str
    basis: str


#: The name each assumption key is shown by (an input that could not act: "NAME (not used)").
NAMES: dict[str, str] = {
    "model": "model",
    "active_params": "active params",
    "tokens": "tokens",
    "gpu": "gpu",
    "gpus": "gpus",
    "price": "price",
    "power": "power per GPU",
    "pue": "PUE",
    "carbon_intensity": "carbon intensity",
    "attention_flops": "attention FLOPs",
    "standard_shape": "standard shape",
    "peak": "peak",
    "nearest_runs": "nearest runs",
    "efficiency": "efficiency",
    "finetune_efficiency": "fine-tuning efficiency",
    "overheads": "overheads",
    "layout": "layout",
    "recompute": "recomputation",
    "presets": "presets",
    "ranges": "ranges",
    "flops": "FLOPs",
    **STAGE_NAMES,
}

_UNKNOWN = "unknown"
_RECOMPUTE_COST = "adds hardware FLOPs; the efficiency (MFU) is defined on model FLOPs"
_RANKING_ONLY = (
    "the ranking only chooses the layout: GPU-hours use the calibrated efficiency, which already absorbs "
    "typical bubbles and communication (--count-bubble adds this layout's bubble)"
)
_SEQ_DEFAULT = "sequence length {} (default; give --seq-len)"
_TIMED = (
    "; the efficiency's range scales the time spent at the efficiency only: generation, bounded by memory "
    "bandwidth, is taken as exact, and the fixed time's range moves with the efficiency's (conservative)"
)


def _size(params: Any, active: Any) -> str:
    """'7.62B parameters', or '46.7B parameters, 12.9B active' for a mixture of experts."""
    text = f"{count(_m(params))} parameters"
    return text + (f", {count(_m(active))} active" if active is not None else "")


# --- the model and its data ---------------------------------------------------------------------


def _config_file(a: Assumption) -> tuple[str, str]:
    b = a.basis
    seq = "" if b["seq_len"] is None else f"; sequence length {grouped(b['seq_len'])}: {b['seq_len_source']}"
    if b["window"] is not None:
        seq += f"; sliding window of {grouped(b['window'])} keys"
    return f"{a.value}, {_size(b['params'], b['active'])}", f"shape from the file{seq}"


def _shape(a: Assumption) -> tuple[str, str]:
    b = a.basis
    basis = "your shape: SwiGLU MLP, untied embeddings, RMSNorm" + (
        "" if b["ffn"] is None else f", MLP {b['ffn']} by Llama's rule"
    )
    basis += "" if b["seq_len"] is None else ", " + _SEQ_DEFAULT.format(b["seq_len"])
    return _size(a.value, b["active"]), basis


def _standard_shape(a: Assumption) -> tuple[str, str]:
    shape: Any = a.value
    layers, hidden, heads, ffn = shape
    b = a.basis
    basis = f"for memory and the parallel layout only (FLOPs stay 6·N·D of your count): {STANDARD_SHAPE_RULE}"
    if b["moe"]:
        basis += "; a dense shape of the total count (how the experts split it is not known)"
    if b["seq_len"] is not None:
        basis += "; " + _SEQ_DEFAULT.format(grouped(b["seq_len"]))
    return f"{layers} layers x {grouped(hidden)} wide, {heads} heads, MLP {grouped(ffn)}", basis


# --- hardware, precision and efficiency ---------------------------------------------------------


def _gpu(a: Assumption) -> tuple[str, str]:
    b = a.basis
    value = str(a.value) + (f" ({b['per_node']}x {b['accelerator']})" if b["per_node"] is not None else "")
    default = "default accelerator (the article's 'A100' is the 80 GB SXM part)"
    return value, "given" if a.basis.key == "given" else default


def _peak(a: Assumption) -> tuple[str, str]:
    b = a.basis
    value = f"{general(_m(a.value, 'TFLOP/s'))} TFLOP/s ({b['dtype']}, dense)"
    if a.basis.key == "fp8":
        central, low, high = b["speedup"]
        value += f" x fp8 speed-up {general(central)} (range {general(low)} to {general(high)})"
        fp8 = general(_m(b["fp8_peak"], "TFLOP/s"))
        return value, f"given fp8; not the fp8 peak ({fp8} TFLOP/s): the speed-up over bf16 is {b['data']}"
    if a.basis.key == "default":
        return value, "default: mixed-precision training" + (
            "" if b["dtype"] == "bf16" else f" ({b['accelerator']} has no bf16)"
        )
    if a.basis.key == "given_efficiency":
        return value, f"given; the efficiency you give is of the {b['dtype']} peak"
    slower = b["slower_than"]
    tail = (
        "" if slower is None else f"; the calibrated efficiency (of the {slower} peak) is applied to this slower peak"
    )
    return value, "given" + tail


def _efficiency(a: Assumption) -> tuple[str, str]:
    b = a.basis
    value = f"MFU {percent_span(a.value.m)} (range {percent_span(a.low.m)} to {percent_span(a.high.m)})"  # type: ignore[union-attr]
    steps = [f"{percent_span(b['reference'].m)} of 6·N·D on the bf16 peak"]
    if b["flop_ratio"] is not None:
        steps.append(f"x {fixed(b['flop_ratio'], 3)} (counted FLOPs / 6·N·D)")
    if b["speedup"] is not None:
        steps.append(f"x {sig(b['speedup_factor'], 3)} ({b['speedup']})")
    if b["capped"] is not None:
        steps[-1] += f", {cap_words(b['capped'])}"
    size = count(_m(b["params"])) + (" active, MoE" if b["moe"] else ", dense")
    g, runs = b["generation"], b["fitted_runs"]
    if b["generation_runs"] is None:
        fitted = f"no {g} runs: the overall fit of {runs} published runs, range widened"
    else:
        fitted = f"fitted on {runs} published runs ({b['generation_runs']} {g})"
    return value, f"{fitted}; for {g}, {size}: {' '.join(steps)}; range: P10-P90 of leave-one-family-out errors"


def cap_words(cap: Any) -> str:
    """Why an efficiency was held at the peak."""
    return f"held at {percent(_m(cap), 0)}: an efficiency cannot exceed the peak"


def _nearest(a: Assumption) -> tuple[str, str]:
    shown = []
    runs: Any = a.value
    for run_id, params, moe, accelerator, precision, mfu in runs:
        size = count(_m(params)) + (" active" if moe else "")
        shown.append(f"{run_id} ({size}, {accelerator}{', fp8' if precision == 'fp8' else ''}) {percent(_m(mfu), 1)}")
    g = a.basis["generation"]
    where = f"of {g}" if a.basis.key == "same_generation" else f"of any generation (no {g} runs)"
    return "; ".join(shown), f"published runs {where} nearest in active parameters, each with its MFU of 6·N·D FLOPs"


def _factor(a: Assumption) -> tuple[str, str]:
    value = f"x {sig(_m(a.value), 3)} (range {sig(_m(a.low), 3)} to {sig(_m(a.high), 3)})"
    return value, str(a.basis["data"])


# --- the facility -------------------------------------------------------------------------------


_OBSERVED = {
    "pue": "median of {} published PUE figures (fleet averages to hyperscale)",
    "carbon_intensity": "median of {} grid intensities used in published training estimates and cloud regions",
}


def observed_words(b: Any) -> str:
    """What a default taken from observations rests on (``costcalc.estimator.facility.observed_basis``)."""
    if b["what"] in _OBSERVED:
        return _OBSERVED[b["what"]].format(b["count"])
    proxy = "" if b["proxy"] is None else f"with {b['proxy']} prices pooled in ({b['proxy_reason']}); "
    span = "undated" if b["dates"] is None else f"dated {b['dates'][0]} to {b['dates'][1]}"
    return f"{proxy}median of {b['count']} observed prices ({span}); range 10th-90th percentile"


def _price(a: Assumption) -> tuple[str, str]:
    if a.value is None:
        return _UNKNOWN, f"no price observations for {a.basis['accelerator']}; give --price to get a cost"
    v, lo, hi = (fixed(_m(q), 2) for q in (a.value, a.low, a.high))
    return f"{v} USD/GPU-h (range {lo} to {hi})", observed_words(a.basis)


def _power(a: Assumption) -> tuple[str, str]:
    b = a.basis
    if a.basis.key == "no_figure":
        return _UNKNOWN, f"{b['accelerator']} has no published power figure; give --power for energy and CO2"
    value = f"{fixed(_m(a.value, 'W'), 0)} W"
    if a.basis.key == "node":
        return (
            value,
            f"{b['node']} maximum power {general(_m(b['node_power'], 'kW'))} kW shared by {b['per_node']} GPUs",
        )
    return value, f"{b['accelerator']} TDP, drawn for the whole run (an upper bound; host power not included)"


def _pue(a: Assumption) -> tuple[str, str]:
    v, lo, hi = (fixed(_m(q), 2) for q in (a.value, a.low, a.high))
    return f"{v} (range {lo} to {hi})", observed_words(a.basis)


def _carbon(a: Assumption) -> tuple[str, str]:
    v, lo, hi = (fixed(_m(q), 0) for q in (a.value, a.low, a.high))
    return f"{v} gCO2e/kWh (range {lo} to {hi})", observed_words(a.basis)


# --- layout, overheads, ranges ------------------------------------------------------------------


def step_words(b: Any) -> str:
    """A layout's estimated step time in parts (``Layout.step``): bubble, recomputation, TP communication."""
    comm = "TP comm not counted" if b["tp_comm"] is None else f"TP comm +{percent(_m(b['tp_comm']), 0)}"
    return f"bubble {percent(_m(b['bubble']), 1)}, recompute +{percent(_m(b['recompute_extra']), 1)} FLOPs, {comm}"


def _layout(a: Assumption) -> tuple[str, str]:
    layout: Any = a.value
    tp, pp, dp, ep, zero, sp, recompute = layout
    label = f"TP={tp} PP={pp} DP={dp}{f' EP={ep}' if ep > 1 else ''}"
    value = f"{label} ZeRO-{zero}{', SP' if sp else ''}, recompute {recompute}"
    b = a.basis
    if a.basis.key == "given":
        return value, f"given; estimated step {step_words(b)}"
    gpus = b["smallest_gpus"]
    where = (
        f"in {b['accelerator']} memory" if gpus is None else f"on {grouped(gpus)} GPUs, the smallest count that fits"
    )
    fastest = f"chosen by costcalc: the fastest estimated step of {b['fitting']} that fit {where}"
    return value, f"{fastest} ({step_words(b)}); {_RANKING_ONLY}"


def _recompute(a: Assumption) -> tuple[str, str]:
    return str(
        a.value
    ), _RECOMPUTE_COST if a.basis.key == "given" else f"part of the fastest layout that fits; {_RECOMPUTE_COST}"


def _overheads(a: Assumption) -> tuple[str, str]:
    b = a.basis
    parts = [
        f"goodput {percent(_m(b['goodput']), 0)}" if b["goodput"] is not None else "",
        f"checkpointing {percent(_m(b['checkpointing']), 0)}" if b["checkpointing"] is not None else "",
        f"evaluation {percent(_m(b['evaluation']), 0)}" if b["evaluation"] is not None else "",
        f"pipeline bubble {percent(_m(b['bubble']), 1)}" if b["bubble"] is not None else "",
    ]
    value = f"x{fixed(_m(a.value), 3)} wall-clock and GPU-hours ({', '.join(p for p in parts if p)})"
    return value, "(1 + bubble) / (goodput x (1 - checkpointing) x (1 - evaluation)), on top of the efficiency"


def _ranges(a: Assumption) -> tuple[str, str]:
    if a.basis.key == "quadrature":
        return "10th-90th percentile", (
            "independent uncertain defaults (efficiency, price, PUE, carbon intensity) combined in "
            "quadrature of their logs; inputs you give are taken as exact"
        ) + _TIMED * bool(a.basis["timed"])
    b = a.basis
    return f"Monte Carlo, {grouped(b['samples'])} samples (seed {b['seed']}): P10 to P90, with P50", (
        "quasi-random draws: efficiency from the calibration's split t (leave-one-family-out spread), "
        "price, PUE and carbon intensity from split normals through their observations' P10, median "
        "and P90; inputs you give are fixed"
    )


# --- notices: inputs that did nothing, presets from files ---------------------------------------

_NEEDS = {
    "architecture": "a model preset with an architecture",
    "single": "a single scenario (not a sweep)",
    "pretraining": "pre-training (a fine-tuning estimate has none: 'costcalc memory' with the same options)",
}
_UNUSED = {
    "dense_model": "expert parallelism needs a mixture-of-experts model preset",
    "no_architecture": "the FLOP count is 6·N·D without a model architecture, which has no sequence-length term",
}


def _unused(a: Assumption) -> tuple[str, str]:
    value = str(a.value).lower() if isinstance(a.value, bool) else str(a.value)
    b = a.basis
    if b.key != "no_memory_model":
        return value, _UNUSED[b.key]
    needs = _NEEDS[b["needs"]] + (" or a GPU count" if b["gpus"] and b["needs"] != "pretraining" else "")
    return value, f"a parallel layout acts on the memory model, which needs {needs}"


def _preset(a: Assumption) -> tuple[str, str]:
    replaced = a.basis["overriding"] or ()
    overriding = f", overriding {', '.join(repr(r) for r in replaced)}" if replaced else ""
    return str(a.value), f"from your preset file{overriding}"


def _const(value: str, basis: str) -> Callable[[Assumption], tuple[str, str]]:
    return lambda a: (str(a.value) if value == "{value}" else value, basis)


#: How each (assumption key, basis key) is worded: its value and its basis. A key alone matches
#: every basis of that assumption.
_WORDS: dict[tuple[str, str], Callable[[Assumption], tuple[str, str]]] = {
    ("model", "config_file"): _config_file,
    ("model", "shape"): _shape,
    ("model", "preset"): _const("{value}", "model preset"),
    ("active_params", "moe"): lambda a: (
        quantity_text(a.value),
        "mixture of experts: FLOPs use the parameters active per token",
    ),
    ("tokens", "preset"): lambda a: (quantity_text(a.value), f"from the {a.basis['model']} preset"),
    ("tokens", "compute_optimal"): lambda a: (
        quantity_text(a.value),
        f"compute-optimal default: {general(_m(a.basis['per_parameter']))} tokens per "
        + ("active parameter" if a.basis["moe"] else "parameter"),
    ),
    ("gpu", ""): _gpu,
    ("gpus", "nodes"): lambda a: (
        f"{grouped(int(_m(a.value)))} GPUs",
        f"{grouped(a.basis['nodes'])} {a.basis['node']} nodes x {a.basis['per_node']} GPUs",
    ),
    ("peak", ""): _peak,
    ("efficiency", ""): _efficiency,
    ("nearest_runs", ""): _nearest,
    ("finetune_efficiency", ""): _factor,
    ("price", ""): _price,
    ("power", ""): _power,
    ("pue", ""): _pue,
    ("carbon_intensity", ""): _carbon,
    ("attention_flops", ""): lambda a: (
        "causal (a query attends to half the keys on average)" if a.value == "causal" else "full (all keys)",
        "full (all keys) is Megatron-LM's and PaLM's; the default efficiency is converted to whichever count "
        "is used, so the convention changes the FLOPs shown, not the GPU-hours (for sequences up to "
        f"{grouped(a.basis['calibration_seq_len'])} tokens, the calibration runs' longest)",
    ),
    ("standard_shape", ""): _standard_shape,
    ("layout", ""): _layout,
    ("recompute", ""): _recompute,
    ("overheads", ""): _overheads,
    ("ranges", ""): _ranges,
    ("preset", ""): _preset,
    ("presets", ""): lambda a: ("folder not read", str(a.basis["notice"])),
    **STAGE_WORDS,
}


def worded(a: Assumption) -> Worded:
    """An assumption in words: its name, its value and its basis."""
    if a.basis["unused"]:
        value, basis = _unused(a)
        return Worded(f"{a.key} (not used)", value, basis)
    words = _WORDS.get((a.key, a.basis.key)) or _WORDS[(a.key, "")]
    value, basis = words(a)
    name = f"{a.basis['kind']} preset" if a.key == "preset" else NAMES[a.key]
    return Worded(name, value, basis)
