"""Listings for ``costcalc presets`` and ``costcalc calibration``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.base.parse import format_count
from costcalc.data.calibration import correlations, default_calibration, leave_one_out
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.data.defaults import price_default
from costcalc.render.estimate import markdown_table, render_json, text_table
from costcalc.schemas import AcceleratorSpec, ModelSpec, NodeSpec

__all__ = ["calibration_report", "preset_rows", "render_calibration", "render_presets"]


def _accelerator_row(spec: AcceleratorSpec, catalog: Catalog) -> dict[str, Any]:
    price = price_default(spec, catalog)
    peak = spec.peak.get("bf16", spec.peak.get("fp16"))
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "generation": spec.generation,
        "bf16_tflops": float(peak.m_as("TFLOP/s")) if peak is not None else None,
        "memory_gb": float(spec.memory.m_as("GB")),
        "memory_bandwidth_tb_s": float(spec.memory_bandwidth.m_as("TB/s")),
        "tdp_w": None if spec.tdp is None else float(spec.tdp.m_as("W")),
        "interconnect_gb_s": None if spec.interconnect is None else float(spec.interconnect.m_as("GB/s")),
        "price_usd_per_gpu_hour": None if price is None else float(price.value.m),
    }


def _node_row(spec: NodeSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "accelerator": spec.accelerator,
        "count": spec.count,
        "power_kw": float(spec.power.m_as("kW")),
        "power_per_gpu_w": float(spec.power.m_as("W")) / spec.count,
    }


def _model_row(spec: ModelSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "aliases": list(spec.aliases),
        "params": float(spec.params.m_as("parameter")),
        "active_params": None if spec.active_params is None else float(spec.active_params.m_as("parameter")),
        "tokens": None if spec.tokens is None else float(spec.tokens.m_as("token")),
        "layers": spec.layers,
        "hidden": spec.hidden,
        "heads": spec.heads,
        "kv_heads": spec.kv_heads,
        "seq_len": spec.seq_len,
        "architecture": spec.has_architecture,
    }


def preset_rows(kind: str | None, extra_dirs: Sequence[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Every preset (validated) of ``kind`` (or all kinds) with its key figures."""
    catalog = default_catalog(extra_dirs)
    out: dict[str, list[dict[str, Any]]] = {}
    if kind in (None, "accelerator"):
        out["accelerator"] = [_accelerator_row(s, catalog) for s in catalog.all("accelerator")]
    if kind in (None, "node"):
        out["node"] = [_node_row(s) for s in catalog.all("node")]
    if kind in (None, "model"):
        out["model"] = [_model_row(s) for s in catalog.all("model")]
    return out


def _g(value: float | None, fmt: str = ".4g") -> str:
    return "-" if value is None else f"{value:{fmt}}"


def _count(value: float | None) -> str:
    return "-" if value is None else format_count(value)


def _tables(data: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[str], list[list[str]]]]:
    tables = []
    if "accelerator" in data:
        tables.append(
            (
                "Accelerators",
                ["name", "bf16 TFLOP/s", "memory GB", "TB/s", "TDP W", "USD/GPU-h", "aliases"],
                [
                    [
                        r["name"],
                        _g(r["bf16_tflops"]),
                        _g(r["memory_gb"]),
                        _g(r["memory_bandwidth_tb_s"]),
                        _g(r["tdp_w"]),
                        _g(r["price_usd_per_gpu_hour"], ".2f"),
                        ", ".join(r["aliases"]),
                    ]
                    for r in data["accelerator"]
                ],
            )
        )
    if "node" in data:
        tables.append(
            (
                "Nodes",
                ["name", "accelerator", "GPUs", "power kW", "W per GPU", "aliases"],
                [
                    [
                        r["name"],
                        r["accelerator"],
                        str(r["count"]),
                        _g(r["power_kw"]),
                        _g(r["power_per_gpu_w"], ".0f"),
                        ", ".join(r["aliases"]),
                    ]
                    for r in data["node"]
                ],
            )
        )
    if "model" in data:
        tables.append(
            (
                "Models",
                [
                    "name",
                    "params",
                    "active",
                    "tokens",
                    "layers",
                    "hidden",
                    "heads/kv",
                    "seq",
                    "aliases",
                ],
                [
                    [
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
                    for r in data["model"]
                ],
            )
        )
    return tables


def render_presets(kind: str | None, extra_dirs: Sequence[str], fmt: str) -> str:
    data = preset_rows(kind, extra_dirs)
    if fmt == "json":
        return render_json(data)
    parts = []
    for title, headers, rows in _tables(data):
        if fmt == "markdown":
            parts.append(f"### {title}\n\n{markdown_table(headers, rows)}")
        else:
            parts.append(f"{title}\n{text_table(headers, rows)}")
    return "\n\n".join(parts) + "\n"


def calibration_report(extra_dirs: Sequence[str] = ()) -> dict[str, Any]:
    """The derivation of the default efficiency, as data: runs, priors, leave-one-out check."""
    calibration = default_calibration(default_catalog(extra_dirs))
    loo = {r.run_id: r for r in leave_one_out(calibration)}
    errors = np.array([abs(r.log_error) for r in loo.values()])
    return {
        "runs": [
            {
                "id": p.run.id,
                "generation": p.generation,
                "accelerator": p.run.accelerator,
                "implied_mfu": p.mfu,
                "loo_predicted_mfu": loo[p.run.id].predicted_mfu,
                "loo_range": [loo[p.run.id].low, loo[p.run.id].high],
                "inside_loo_range": loo[p.run.id].inside,
                "reliability": p.run.reliability,
            }
            for p in calibration.points
        ],
        "excluded": [{"id": run_id, "reason": reason} for run_id, reason in calibration.excluded],
        "defaults": [
            {
                "generation": p.generation,
                "mfu": p.central,
                "low": p.low,
                "high": p.high,
                "runs": p.runs,
                "basis": p.basis,
            }
            for p in [*calibration.priors.values(), calibration.pooled]
        ],
        "leave_one_out": {
            "runs": len(loo),
            "inside_range": sum(r.inside for r in loo.values()),
            "coverage": sum(r.inside for r in loo.values()) / len(loo),
            "median_abs_log_error": float(np.median(errors)),
            "within_25_percent": float(np.mean([abs(math.exp(r.log_error) - 1) <= 0.25 for r in loo.values()])),
        },
        "residual_correlations": {
            name: {"spearman": rho, "runs": n} for name, (rho, n) in correlations(calibration).items()
        },
    }


def render_calibration(extra_dirs: Sequence[str], fmt: str) -> str:
    report = calibration_report(extra_dirs)
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
    return (
        f"Default efficiency (MFU) by accelerator generation\n\n{body}\n\n"
        f"Leave-one-out: {loo['inside_range']} of {loo['runs']} runs inside the range refitted without them "
        f"(coverage {loo['coverage']:.0%}, nominal 80%); median |log error| {loo['median_abs_log_error']:.3f}; "
        f"{loo['within_25_percent']:.0%} of predictions within 25%.\n"
        f"Residual rank correlations (what else might explain the spread): {corr}.\n"
        f"Excluded: {excluded}.\n"
    )
