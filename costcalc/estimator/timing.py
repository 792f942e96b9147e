"""GPU-hours from the FLOPs timed at the efficiency, a phase timed otherwise and a fixed time per run.

Without a ``Timing`` (pre-training) GPU-hours are FLOPs / (peak x MFU) x stretch, as always. With
one (a fine-tuning stage), PPO/GRPO's generation adds its memory-bound GPU-hours and every
fine-tuning stage its fixed time (loading, quantizing, saving) on every GPU. How the parts enter
the range: the efficiency's range scales the part timed at the efficiency only; the generation's
time is a bound from the hardware (no range); the fixed time's range (``costcalc.data.setup_time``)
is taken to move with the efficiency's (the two ends together: conservative). Together they give
one multiplicative range on the GPU-hours, which then combines with price, PUE and carbon
intensity like the efficiency's alone (``costcalc.estimator.compute``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from costcalc.base.units import Q_, Quantity
from costcalc.data.setup_time import SETUP_CENTRAL, SETUP_HIGH, SETUP_LOW, SETUP_SOURCE
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption, Basis, Factors, Param, Scenario, Timing
from costcalc.formulas import runtime

__all__ = ["fixed_time", "phase_note", "run_gpu_hours", "time_factors", "timing_for"]


def fixed_time(inputs: EstimateInputs, tuning: bool) -> tuple[Quantity | None, tuple[Quantity, Quantity] | None, Basis]:
    """The fixed wall-clock per run: given, or for a fine-tuning stage the s1-derived default, with
    its range (low: the intercept of GPU-hours against examples through the two s1 runs; high:
    s1-32B's whole run; central: their geometric mean, ``costcalc.data.setup_time``)."""
    if inputs.setup_time is not None:
        return inputs.setup_time, None, Basis("given")
    if not tuning:
        return None, None, Basis("none")
    low, central, high = (Q_(v, "hour") for v in (SETUP_LOW, SETUP_CENTRAL, SETUP_HIGH))
    return central, (low, high), Basis("setup_default", {"low": low, "high": high})


def timing_for(
    inputs: EstimateInputs, tuning: bool, efficiency_flops: Quantity,
    phase: tuple[Quantity, str, Basis] | None = None,
) -> Timing | None:  # fmt: skip
    """The ``Timing`` of a scenario, or None when everything is timed at the efficiency."""
    fixed, fixed_range, fixed_basis = fixed_time(inputs, tuning)
    if phase is None and fixed is None:
        return None
    hours, name, basis = phase if phase is not None else (Q_(0.0, "GPU_hour"), "", Basis("none"))
    return Timing(efficiency_flops=efficiency_flops, phase_hours=hours, phase=name, phase_basis=basis, fixed=fixed,
                  fixed_range=fixed_range, fixed_basis=fixed_basis)  # fmt: skip


def _fixed_gpu_hours(s: Scenario, fixed: Quantity | None) -> Quantity:
    if fixed is None or s.gpus is None:
        return Q_(0.0, "GPU_hour")
    return runtime.held_gpu_hours(s.gpus, fixed)


def run_gpu_hours(s: Scenario, flops: Quantity, mfu: Any, fixed: Quantity | None = None) -> Quantity:
    """GPU-hours = C_eff / (peak x MFU) x stretch + generation + fixed x GPUs (``fixed`` overrides the
    scenario's, for the Monte Carlo's draws); C_eff = ``flops`` without a ``Timing``."""
    t = s.timing
    if t is None:
        return runtime.gpu_hours(flops, s.peak, mfu) * s.stretch
    timed = runtime.gpu_hours(t.efficiency_flops, s.peak, mfu) * s.stretch
    return timed + t.phase_hours + _fixed_gpu_hours(s, t.fixed if fixed is None else fixed)


def time_factors(s: Scenario, flops: Quantity) -> Factors:
    """The GPU-hours' multiplicative range: the efficiency's on its part, the fixed time's on its own."""
    mfu: Factors = None if s.mfu_range is None else (1 / s.mfu_range[1], 1 / s.mfu_range[0])
    t = s.timing
    if t is None or (mfu is None and t.fixed_range is None):
        return mfu
    low_mfu, high_mfu = mfu or (1.0, 1.0)
    total = np.asarray(run_gpu_hours(s, flops, s.mfu).m_as("GPU_hour"), dtype=float)
    low_fixed, high_fixed = t.fixed_range or (t.fixed, t.fixed)
    low = run_gpu_hours(s, flops, s.mfu / low_mfu, low_fixed).m_as("GPU_hour")
    high = run_gpu_hours(s, flops, s.mfu / high_mfu, high_fixed).m_as("GPU_hour")
    return float(np.min(low / total)), float(np.max(high / total))


def phase_note(s: Scenario) -> Assumption | None:
    """Which part of the time dominates: generation, scoring and training, or the fixed time.

    The value is each part's GPU-hours, ``(name, GPU-hours)`` pairs (``generation``, ``training``
    (scoring and training beside generation), ``fixed``); the basis carries how generation was
    timed and where the fixed time comes from (``costcalc.render`` words them).
    """
    t = s.timing
    if t is None:
        return None
    timed = runtime.gpu_hours(t.efficiency_flops, s.peak, s.mfu) * s.stretch
    parts: list[tuple[str, Quantity]] = [("training", Q_(float(np.max(timed.m_as("GPU_hour"))), "GPU_hour"))]
    if t.phase:
        parts.insert(0, (t.phase, Q_(float(t.phase_hours.m_as("GPU_hour")), "GPU_hour")))
    if t.fixed is not None:
        fixed = _fixed_gpu_hours(s, t.fixed)
        parts.append(("fixed", Q_(float(np.max(fixed.m_as("GPU_hour"))), "GPU_hour")))
    params: dict[str, Param] = {**t.phase_basis.params, "phase": t.phase, "fixed": t.fixed, "held": s.gpus is not None}
    params |= {"fixed_basis": t.fixed_basis.key, **{f"fixed_{k}": v for k, v in t.fixed_basis.params.items()}}
    source = "costcalc.formulas.generation.decode_time" if t.phase else ""
    if t.fixed_range is not None:
        source = "; ".join(x for x in (source, SETUP_SOURCE) if x)
    return Assumption("phases", tuple(parts), Basis("phases", params), kind="derived", source=source)
