"""``costcalc presets`` and ``costcalc calibration``: the shipped data as tables."""

from __future__ import annotations

import math
from typing import Any

from costcalc.base.parse import format_count
from costcalc.base.stats import Z90
from costcalc.render.text import fit, markdown_table, render_json, text_table

__all__ = ["cv_line", "not_used", "render_calibration", "render_presets"]


def _g(value: float | None, fmt: str = ".4g") -> str:
    return "-" if value is None else f"{value:{fmt}}"


def _count(value: float | None) -> str:
    return "-" if value is None else format_count(value)


def _accelerator_cells(r: dict[str, Any]) -> list[str]:
    return [
        r["name"],
        _g(r["bf16_tflops"]),
        _g(r["memory_gb"]),
        _g(r["memory_bandwidth_tb_s"]),
        _g(r["tdp_w"]),
        _g(r["price_usd_per_gpu_hour"], ".2f"),
        ", ".join(r["aliases"]),
    ]


def _node_cells(r: dict[str, Any]) -> list[str]:
    return [
        r["name"],
        r["accelerator"],
        str(r["count"]),
        _g(r["power_kw"]),
        _g(r["power_per_gpu_w"], ".0f"),
        ", ".join(r["aliases"]),
    ]


def _model_cells(r: dict[str, Any]) -> list[str]:
    return [
        r["name"],
        _count(r["params"]),
        _count(r["active_params"]),
        _count(r["tokens"]),
        _g(r["layers"], "d"),
        _g(r["hidden"], "d"),
        "-" if r["heads"] is None else f"{r['heads']}/{r['kv_heads'] or r['heads']}",
        _g(r["seq_len"], "d"),
        ", ".join(r["aliases"]),
    ]


_TABLES = {
    "accelerator": (
        "Accelerators",
        ["name", "bf16 TFLOP/s", "memory GB", "TB/s", "TDP W", "USD/GPU-h", "aliases"],
        _accelerator_cells,
    ),
    "node": ("Nodes", ["name", "accelerator", "GPUs", "power kW", "W per GPU", "aliases"], _node_cells),
    "model": (
        "Models",
        ["name", "params", "active", "tokens", "layers", "hidden", "heads/kv", "seq", "aliases"],
        _model_cells,
    ),
}


def _tables(data: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[str], list[list[str]]]]:
    return [
        (title, headers, [cells(r) for r in data[kind]])
        for kind, (title, headers, cells) in _TABLES.items()
        if kind in data
    ]


def render_presets(data: dict[str, list[dict[str, Any]]], fmt: str) -> str:
    """The preset tables (accelerators, nodes, models) as text, Markdown or JSON."""
    if fmt == "json":
        return render_json(data)
    parts = []
    for title, headers, rows in _tables(data):
        if fmt == "markdown":
            parts.append(f"### {title}\n\n{markdown_table(headers, rows)}")
        else:
            parts.append(f"{title}\n{text_table(headers, rows)}")
    return "\n\n".join(parts) + "\n"


def _signed(value: float) -> str:
    return f"{value:+.3f}"


def _coefficient_rows(m: dict[str, Any]) -> list[list[str]]:
    return [
        ["a (intercept)", _signed(m["intercept"]),
         f"MFU {math.exp(m['intercept']):.1%} for a 10B dense model (before the generation offset)"],
        ["b (size, per decade)", _signed(m["slope_per_decade"]),
         f"x{math.exp(m['slope_per_decade']):.2f} per 10x active parameters"],
        ["m (MoE at 10B active)", _signed(m["moe"]), f"x{math.exp(m['moe']):.2f} for a mixture of experts"],
        ["m_x (MoE, per decade)", _signed(m["moe_slope_per_decade"]),
         f"the MoE factor grows x{math.exp(m['moe_slope_per_decade']):.2f} per 10x active (capped at x1)"],
    ]  # fmt: skip


def _generation_rows(m: dict[str, Any]) -> list[list[str]]:
    rows = [
        [g, _signed(e["offset"]), str(e["runs"]), str(e["families"]), f"{e['mfu_10b_dense']:.1%}", f"{e['sd']:.2f}"]
        for g, e in m["generations"].items()
    ]
    unseen = m["unseen_generation"]
    rows.append(["any other", "0", "0", "0", f"{unseen['mfu_10b_dense']:.1%}", f"{unseen['sd']:.2f}"])
    return rows


def _run_cells(r: dict[str, Any]) -> list[str]:
    low, high = r["family_out_range"]
    return [
        r["id"],
        r["generation"],
        f"{r['weight']:.2f}",
        _count(r["active_params"]) + (" MoE" if r["moe"] else "") + (" fp8" if r["precision"] == "fp8" else ""),
        f"{r['implied_mfu']:.1%}",
        f"{r['family_out_mfu']:.1%}",
        f"{100 * low:.0f}-{100 * high:.0f}%",
        "yes" if r["inside_family_out_range"] else "no",
    ]


def cv_line(name: str, s: dict[str, Any]) -> str:
    """One summary line: median |log error|, within 25%, coverage (overall and per generation), width."""
    per = ", ".join(f"{g} {c:.0%} of {n}" for g, (c, n) in s["coverage_by_generation"].items())
    return (
        f"{name}: median |log error| {s['median_abs_log_error']:.3f}, {s['within_25_percent']:.0%} within 25%, "
        f"{s['coverage']:.0%} inside the P10-P90 range ({per}), median range width "
        f"{s['median_width']:.2f}x ({s['runs']} runs)"
    )


def render_calibration(report: dict[str, Any], fmt: str) -> str:
    """The fitted efficiency model, every run with the decision on it, and the out-of-sample check."""
    if fmt == "json":
        return render_json(report)
    m = report["model"]
    table = markdown_table if fmt == "markdown" else text_table
    coefficients = table(["coefficient", "value", "meaning"], _coefficient_rows(m))
    generations = table(
        ["generation", "offset g", "runs", "families", "MFU at 10B dense", "sd of level"], _generation_rows(m)
    )
    included = [r for r in report["runs"] if r["included"]]
    headers = ["run", "gen.", "weight", "active params", "implied MFU", "left out", "P10-P90", "in"]
    runs = table(headers, [_run_cells(r) for r in included])
    excluded = "; ".join(f"{r['id']} ({r['reason']})" for r in report["runs"] if not r["included"])
    low, high = m["range_factors"]
    fp8 = m["fp8_speedup"]
    text = (
        f"Default efficiency: MFU of 6·N·D FLOPs on the dense bf16 peak, fitted on {m['runs']} published runs "
        f"of {m['families']} families ({report['source']}).\n\n"
        f"  {m['formula']}\n\n{coefficients}\n\n{generations}\n\n"
        f"Range: P10 to P90 = x{low:.2f} to x{high:.2f} of the central MFU (split t, {m['spread']['df']:g} degrees "
        f"of freedom; {m['spread_note']}), widened by the sd of the generation's level.\n"
        f"fp8: speed-up over bf16 assumed {fp8['central']:g} (range {fp8['low']:g} to {fp8['high']:g}), not fitted; "
        "an fp8 run enters the fit at its implied MFU over that speed-up.\n\n"
        f"Runs used ({len(included)} of {len(report['runs'])}; weight: {report['weights']}; MFU implied by the "
        "published GPU-hours, and predicted with the run's family left out; in-sample fits: costcalc backtest):\n"
        f"{runs}\n\n"
        f"Runs not used: {excluded or 'none'}.\n\n"
        f"{cv_line('Leave one family out', report['leave_family_out'])}\n"
        "Rewrite the shipped file from presets/: python -m costcalc.data.calibrate\n\n"
        f"{finetune_calibration_text(report['finetune'], fmt)}"
    )
    return text if fmt == "markdown" else fit(text)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def not_used(excluded: list[tuple[str, str]]) -> str:
    """Runs not used, each with the reason."""
    return "; ".join(f"{i} ({why})" for i, why in excluded) or "none"


def _ft_coefficient_rows(data: dict[str, Any]) -> list[list[str]]:
    return [
        [c["name"], f"{c['value']:+.3f}", f"x{c['factor']:.2f}", f"{c['sd']:.2f}", f"{c['prior_sd']:.2f}",
         f"{c['prior_weight_runs']:.1f}"]
        for c in data["coefficients"]
    ]  # fmt: skip


def _ft_run_rows(data: dict[str, Any]) -> list[list[str]]:
    return [
        [r["id"], r["stage"] + ("" if r["method"] == "full" else " " + r["method"]),
         "-" if r["gpus"] is None else str(r["gpus"]), f"{r['implied_mfu']:.1%}", f"{r['pretraining_mfu']:.1%}",
         f"{r['ratio']:.2f}", f"{r['family_out_ratio']:.2f}", _yes(r["inside_family_out_range"])]
        for r in data["runs"]
    ]  # fmt: skip


def finetune_calibration_text(data: dict[str, Any], fmt: str) -> str:
    """The fine-tuning calibration: model, coefficients with their priors, ranges, runs, the out-of-sample check."""
    table = markdown_table if fmt == "markdown" else text_table
    coefficients = table(["coefficient", "value", "factor", "sd", "prior sd", "prior weight (runs)"],
                         _ft_coefficient_rows(data))  # fmt: skip
    headers = ["run", "stage", "GPUs", "implied MFU", "pre-training MFU", "factor", "left out", "in"]
    runs = table(headers, _ft_run_rows(data))
    spreads = ", ".join(
        f"{name} x{math.exp(-Z90 * s['low']):.2f} to x{math.exp(Z90 * s['high']):.2f}"
        for name, s in data["spreads"].items()
    )
    return (
        f"Fine-tuning efficiency: the pre-training efficiency above x a factor fitted on {len(data['runs'])} "
        f"published fine-tuning runs of {data['families']} families (costcalc/data/finetune_calibration.json).\n\n"
        f"  {data['formula']}\n\n"
        f"Each coefficient is pulled towards 0 (the pre-training calibration) by a normal prior; against a run's "
        f"scatter of {data['tau']:g} (log) it weighs as the runs shown:\n\n{coefficients}\n\n"
        f"The factor's own P10 to P90, before each estimate's posterior variance: {spreads} ({data['spread_note']}); "
        "QLoRA's slowdown is stated (LitGPT's timings), not fitted.\n\n"
        "Runs used (factor: implied / pre-training MFU, over a quantized base's stated slowdown; left out: predicted / "
        f"published GPU-hours with the run's family left out; in: inside that P10-P90 range):\n\n{runs}\n\n"
        f"Fine-tuning runs not used: {not_used([(e['id'], e['reason']) for e in data['excluded']])}.\n\n"
        f"{cv_line('Fine-tuning, leave one family out', data['leave_family_out'])}\n"
        "Rewrite the shipped file: python -m costcalc.data.finetune_calibrate\n"
    )
