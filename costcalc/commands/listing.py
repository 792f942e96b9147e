"""Listings for ``costcalc presets`` and ``costcalc calibration``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from costcalc.commands.finetune_check import finetune_calibration
from costcalc.data.calibrate import decisions, efficiency_model, uses_shipped_file
from costcalc.data.calibration import FP8_SPEEDUP, EfficiencyModel
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.data.crossval import cross_validate, summarize
from costcalc.data.defaults import price_default
from costcalc.data.runs import weight_rule
from costcalc.schemas import AcceleratorSpec, ModelSpec, NodeSpec

__all__ = ["calibration_report", "preset_rows"]


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


def _coefficients(model: EfficiencyModel) -> dict[str, Any]:
    """The fitted model as a newcomer reads it: coefficients, and what they mean as MFUs."""
    generations = {
        g: {
            "offset": e.offset,
            "sd": math.sqrt(e.variance),
            "runs": e.runs,
            "families": e.families,
            "mfu_10b_dense": math.exp(model.intercept + e.offset),
        }
        for g, e in model.generations.items()
    }
    low, high = model.spread.factors()
    return {
        "formula": "log MFU = a + g[generation] + b*x + (MoE only) min(0, m + m_x*x), x = log10(active params / 10B)",
        "intercept": model.intercept,
        "slope_per_decade": model.slope,
        "moe": model.moe,
        "moe_slope_per_decade": model.moe_slope,
        "generations": generations,
        "unseen_generation": {"sd": model.unseen_generation_sd, "mfu_10b_dense": math.exp(model.intercept)},
        "spread": {"low": model.spread.low, "high": model.spread.high, "df": model.spread.df},
        "range_factors": [low, high],
        "spread_note": model.notes.get("spread", ""),
        "fp8_speedup": {"central": FP8_SPEEDUP.central, "low": FP8_SPEEDUP.low, "high": FP8_SPEEDUP.high},
        "runs": len(model.runs),
        "families": model.families,
    }


def calibration_report(extra_dirs: Sequence[str] = ()) -> dict[str, Any]:
    """The calibration as data: the fitted model, every run and the decision on it, the out-of-sample check,
    and the same for the fine-tuning calibration (``finetune``)."""
    catalog = default_catalog(extra_dirs)
    model = efficiency_model(catalog)
    decided = decisions(catalog)
    points = [d.summary for d in decided if d.summary is not None]
    held = {h.run.id: h for h in cross_validate(points, "family")}
    runs = []
    for d in decided:
        p = d.summary
        row: dict[str, Any] = {"id": d.run_id, "included": d.included, "reason": d.reason}
        if p is not None:
            h = held[p.id]
            fp8 = FP8_SPEEDUP.central if p.precision == "fp8" else 1.0  # shown as published: at fp8 speed
            row |= {
                "generation": p.generation,
                "accelerator": p.accelerator,
                "active_params": p.params,
                "moe": p.moe,
                "precision": p.precision,
                "implied_mfu": p.implied_mfu,
                "weight": p.weight,
                "fitted_mfu": fp8 * float(model.predict(p.generation, p.params, p.moe).central),
                "family_out_mfu": fp8 * h.predicted_mfu,
                "family_out_range": [fp8 * h.low, fp8 * h.high],
                "inside_family_out_range": h.inside,
            }
        runs.append(row)
    cv = summarize([h.ratio for h in held.values()], [h.inside for h in held.values()],
                   [h.width for h in held.values()], [h.run.generation for h in held.values()])  # fmt: skip
    return {
        "source": "shipped file" if uses_shipped_file(catalog) else "fresh fit (your presets add runs)",
        "model": _coefficients(model),
        "runs": runs,
        "weights": weight_rule(),
        "leave_family_out": asdict(cv),
        "finetune": finetune_calibration(catalog),
    }
