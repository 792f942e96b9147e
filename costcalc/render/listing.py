"""``costcalc presets`` and ``costcalc calibration``: the shipped data as tables."""

from __future__ import annotations

from typing import Any

from costcalc.base.parse import format_count
from costcalc.render.text import fit, markdown_table, render_json, text_table

__all__ = ["render_calibration", "render_presets"]


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


def render_calibration(report: dict[str, Any], fmt: str) -> str:
    """The derivation of the default efficiency: defaults by generation, runs, out-of-sample check."""
    if fmt == "json":
        return render_json(report)
    runs = [
        [
            r["id"],
            r["generation"],
            f"{r['implied_mfu']:.1%}",
            f"{r['loo_predicted_mfu']:.1%}",
            f"{r['loo_range'][0]:.1%} to {r['loo_range'][1]:.1%}",
            "yes" if r["inside_loo_range"] else "no",
        ]
        for r in report["runs"]
    ]
    defaults = [
        [
            d["generation"],
            f"{d['mfu']:.1%}",
            f"{d['low']:.1%} to {d['high']:.1%}",
            str(d["runs"]),
            d["basis"],
        ]
        for d in report["defaults"]
    ]
    loo = report["leave_one_out"]
    corr = "; ".join(
        f"{k}: {v['spearman']:+.2f} ({v['runs']} runs)" for k, v in report["residual_correlations"].items()
    )
    excluded = "; ".join(f"{e['id']} ({e['reason']})" for e in report["excluded"]) or "none"
    headers_runs = [
        "run",
        "generation",
        "implied MFU",
        "predicted (left out)",
        "range (left out)",
        "inside",
    ]
    headers_defaults = ["generation", "default MFU", "range", "runs", "basis"]
    if fmt == "markdown":
        body = f"{markdown_table(headers_defaults, defaults)}\n\n{markdown_table(headers_runs, runs)}"
    else:
        body = f"{text_table(headers_defaults, defaults)}\n\n{text_table(headers_runs, runs)}"
    return fit(
        f"Default efficiency (MFU) by accelerator generation\n\n{body}\n\n"
        f"Leave-one-out: {loo['inside_range']} of {loo['runs']} runs inside the range refitted without them "
        f"(coverage {loo['coverage']:.0%}, nominal 80%); median |log error| {loo['median_abs_log_error']:.3f}; "
        f"{loo['within_25_percent']:.0%} of predictions within 25%.\n"
        f"Residual rank correlations (what else might explain the spread): {corr}.\n"
        f"Excluded: {excluded}.\n"
    )
