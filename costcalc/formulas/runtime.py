"""From FLOPs to the bill: pure functions over pint quantities.

Each works element-wise on numpy-array magnitudes, so a sweep of a million scenarios is one call.
"""

from __future__ import annotations

from costcalc.base.units import Q_, Quantity

__all__ = [
    "HOURS_PER_DAY",
    "MIN_MFU",
    "co2",
    "cost",
    "energy",
    "flops_per_gpu_hour",
    "gpu_hours",
    "held_gpu_hours",
    "implied_efficiency",
    "overhead_stretch",
    "wall_clock",
]

#: One GPU: dividing a device figure (peak, power) by it makes the per-GPU rate explicit.
ONE_GPU = Q_(1.0, "GPU")
#: Below 0.1% model FLOPs utilisation no training run is meaningful (and GPU-hours explode): the
#: floor of an efficiency a user types and of the one a published run implies.
MIN_MFU = 0.001
#: For code that must leave pint (plain floats at an edge): the one place a day's hours are written.
HOURS_PER_DAY = 24.0


def flops_per_gpu_hour(peak: Quantity, efficiency: Quantity | float) -> Quantity:
    """Useful FLOPs one GPU delivers in an hour: P · η (see ``gpu_hours``)."""
    result: Quantity = (peak * efficiency / ONE_GPU).to("FLOP/GPU_hour")
    return result


def gpu_hours(flops: Quantity, peak: Quantity, efficiency: Quantity | float) -> Quantity:
    """GPU-hours = C / (P · η).

    C: model FLOPs of the run; P: dense peak throughput of one GPU for the dtype (FLOP/s per
    GPU); η: model FLOPs utilisation (MFU), the achieved fraction of that peak averaged over the
    whole run, stalls and restarts included. Source: the MFU definition of Chowdhery et al. 2022
    (PaLM, Appendix B), solved for time.
    """
    per_gpu = peak * efficiency / ONE_GPU
    result: Quantity = (flops / per_gpu).to("GPU_hour")
    return result


def implied_efficiency(flops: Quantity, hours: Quantity, peak: Quantity) -> Quantity:
    """The MFU a run's GPU-hours imply: η = C / (GPU-hours · P), ``gpu_hours`` solved for η."""
    result: Quantity = (flops / (hours * peak / ONE_GPU)).to("")
    return result


def held_gpu_hours(gpus: Quantity, wall: Quantity) -> Quantity:
    """GPU-hours a cluster of G GPUs is held for a wall-clock time T: G · T (``wall_clock`` inverted)."""
    result: Quantity = (gpus * wall).to("GPU_hour")
    return result


def wall_clock(hours: Quantity, gpus: Quantity) -> Quantity:
    """Wall-clock time T = GPU-hours / G, G the number of GPUs working in parallel.

    Assumes the GPUs are busy for the whole run at the efficiency used for GPU-hours (the
    efficiency already absorbs stalls and restarts for the calibrated default).
    """
    result: Quantity = (hours / gpus).to("day")
    return result


def cost(hours: Quantity, price: Quantity) -> Quantity:
    """Dollars = GPU-hours x price per GPU-hour (rental pricing; no owned-hardware model)."""
    result: Quantity = (hours * price).to("USD")
    return result


def energy(hours: Quantity, power_per_gpu: Quantity, pue: Quantity | float) -> Quantity:
    """Facility energy E = GPU-hours x p x PUE.

    p: power per GPU (the board TDP, or a node's maximum power divided among its GPUs, which
    adds host CPUs, NICs and switches); PUE: power usage effectiveness of the datacenter, the
    ratio of facility energy to IT energy. Drawing TDP for the whole run is the convention of
    Touvron et al. 2023 (LLaMA, §6) and Luccioni et al. 2022 (BLOOM), and an upper bound.
    """
    result: Quantity = (hours * (power_per_gpu / ONE_GPU) * pue).to("MWh")
    return result


def co2(energy_used: Quantity, carbon_intensity: Quantity) -> Quantity:
    """Operational emissions = E x I, I the grid carbon intensity (CO2-equivalent per kWh).

    Leaves out embodied (manufacturing) emissions, as Luccioni et al. 2022's "dynamic" figure does.
    """
    result: Quantity = (energy_used * carbon_intensity).to("tCO2e")
    return result


def overhead_stretch(*, goodput: float, checkpointing: float, evaluation: float, bubble: float) -> float:
    """Factor by which overheads stretch wall-clock: s = (1 + b) / (g · (1 - c) · (1 - e)).

    g: goodput, the share of wall-clock spent on useful steps (failures and restarts lose the rest);
    c, e: shares of time spent checkpointing and evaluating; b: the pipeline bubble as a share of
    compute time, (p - 1) / m for the 1F1B schedule (Narayanan et al. 2021, §2.2.1).
    """
    return (1 + bubble) / (goodput * (1 - checkpointing) * (1 - evaluation))
