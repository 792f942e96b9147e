"""The figures of claims as people write them, and the sentences of capacity, ratio and feasibility checks.

``show`` writes a claimed or computed figure in its quantity's unit; ``millions`` GPU-hours and
dollars as the ledger does. ``FIGURES`` words the checks on figures that are not one quantity of one
subject (``costcalc.commands.claims.figures``), keyed as their ``Reason`` keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from costcalc.render.numbers import count, fixed, general, percent

__all__ = ["FIGURES", "Sentence", "millions", "pct0", "show"]

#: A sentence: words from a reason's parameters.
Sentence = Callable[[Mapping[str, Any]], str]


def millions(value: float) -> str:
    """Millions with two decimals, as the ledger writes GPU-hours and dollars."""
    return f"{fixed(value / 1e6, 2)}M"


def show(quantity: str, value: float) -> str:
    """A claimed or computed figure as people write it, in the quantity's unit."""
    if not math.isfinite(value):
        return "unknown"
    if quantity == "cost":
        return f"${count(value, 3)}"
    formats: dict[str, Callable[[float], str]] = {
        "gpu-hours": lambda v: f"{v:,.0f} GPU-h",
        "days": lambda v: f"{v:,.1f} days",
        "gpus": lambda v: f"{v:,.0f} GPUs",
        "flops": lambda v: f"{v:.4g} FLOP",
        "tokens": lambda v: f"{count(v)} tokens",
        "params": lambda v: f"{count(v)} parameters",
        "energy": lambda v: f"{v:,.4g} MWh",
        "co2": lambda v: f"{v:,.4g} tCO2e",
    }
    return formats[quantity](value)


def pct0(x: float) -> str:
    return percent(x, 0)


# --- capacity, ratio, feasibility ---------------------------------------------------------------

FIGURES: dict[str, Sentence] = {
    "capacity.estimate": lambda p: (
        f"capacity {millions(p['cap_min'])}-{millions(p['cap_max'])} GPU-h ({p['gpus']} GPUs x "
        f"{p['days_min']}-{p['days_max']} days); used {millions(p['used'])} = {pct0(p['share_low'])}-"
        f"{pct0(p['share_high'])}; {fixed(p['dedicated'], 0)} days on {p['gpus']} dedicated GPUs"
    ),
    "capacity.rule": lambda p: f"used share >= {pct0(1 - p['tol'])}",
    "capacity.deciding": lambda p: (
        f"the published GPU-hours fill at most {pct0(p['share_high'])} of the stated GPUs x period"
    ),
    "capacity.fills": lambda p: "The GPU-hours used fill the stated GPUs over the stated period.",
    "capacity.window": lambda p: (
        "Read as the training resource it is contradicted: the published GPU-hours fill only "
        f"{pct0(p['share_low'])} to {pct0(p['share_high'])} of {p['gpus']} GPUs over the period, so it "
        "describes a cluster and a calendar window, not the compute used."
    ),
    "ratio.estimate": lambda p: (
        f"GPU-hour ratio {fixed(p['hours_ratio'], 2)}x; costcalc FLOP ratio {fixed(p['flop_ratio'], 2)}x"
    ),
    "ratio.rule": lambda p: f"within {pct0(p['tol'])} of {general(p['claimed'])}x",
    "ratio.deciding": lambda p: (
        f"{fixed(p['hours_ratio'], 2)}x by published GPU-hours, {fixed(p['flop_ratio'], 2)}x by FLOPs, "
        f"against {general(p['claimed'])}x"
    ),
    "ratio.within": lambda p: (
        f"Both the published GPU-hours ({fixed(p['hours_ratio'], 2)}x) and costcalc's FLOP count "
        f"({fixed(p['flop_ratio'], 2)}x) are within {pct0(p['tol'])} of {general(p['claimed'])}x."
    ),
    "ratio.outside": lambda p: (
        f"The ratio is {fixed(p['hours_ratio'], 2)}x by GPU-hours and {fixed(p['flop_ratio'], 2)}x by FLOPs, "
        f"outside {pct0(p['tol'])} of {general(p['claimed'])}x."
    ),
    "feasibility.estimate": lambda p: (
        f"{millions(p['hours'])} GPU-h; {fixed(p['days'], 0)} days on {p['gpus']} {p['gpu']} (range "
        f"{fixed(p['low'], 0)} to {fixed(p['high'], 0)}) at costcalc's default efficiency"
    ),
    "feasibility.rule": lambda p: f"upper end within {general(p['max_days'])} days",
    "feasibility.deciding": lambda p: (
        f"up to {fixed(p['high'], 0)} days on {p['gpus']} {p['gpu']}, against a limit of {general(p['max_days'])}"
    ),
    "feasibility.plausible": lambda p: (
        f"No duration or GPU-hours are published; costcalc puts the runs at {fixed(p['low'], 0)} to "
        f"{fixed(p['high'], 0)} days on this cluster, which is plausible."
    ),
    "feasibility.beyond": lambda p: (
        f"Nothing is published, and costcalc needs up to {fixed(p['high'], 0)} days on this cluster, "
        f"beyond {general(p['max_days'])}."
    ),
}
