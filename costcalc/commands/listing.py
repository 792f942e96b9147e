"""Listings for ``costcalc presets`` and ``costcalc calibration``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from costcalc.data.calibration import correlations, default_calibration, leave_one_out
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.data.defaults import price_default
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
